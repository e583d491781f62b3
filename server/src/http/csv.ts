// The one CSV writer of the app: every CSV it sends goes through `streamCsv`.
//
// Formula injection (OWASP, « CSV Injection »): a text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage
// return (or their full-width Unicode forms) would be run as a formula by Excel or LibreOffice. csv-stringify's
// `escape_formulas` prefixes such a cell with `'`, and every text cell is quoted. Numbers are not text: a
// JavaScript number (a count, a density, a distance, a negative difference) is written as a number, so `-1,5`
// stays a number in the spreadsheet; a value that only looks like a number (a code, a name) is text and escaped.
import type { Response } from 'express';
import { stringify, type Options } from 'csv-stringify/sync';
import { streamBody } from './stream.js';

/** The French spreadsheet convention: `;` separator, CRLF, UTF-8 with BOM, decimal comma. */
export const CSV_OPTIONS: Options = {
  delimiter: ';',
  record_delimiter: '\r\n',
  escape_formulas: true,
  quoted_string: true,
  cast: {
    number: (v) => (Number.isInteger(v) ? String(v) : String(v).replace('.', ',')),
    date: (v) => v.toISOString(),
    boolean: (v) => (v ? 'oui' : 'non'),
  },
};

// Codes (FINESS, postal codes, INSEE codes) must stay text: a spreadsheet opening a CSV reads « 01234 » as the number
// 1234 whether quoted or not. The one form both Excel and LibreOffice keep as text is the constant formula ="01234".
// It is written only for the columns a caller names as codes and only when the whole value is letters and digits
// (at most 20), so no user-supplied text can become a formula; any other value in such a column is escaped as text.
const CODE = /^[0-9A-Za-z]{1,20}$/;

/** A CSV marker the writer emits as is: the constant-formula form of a code (see above). */
class RawCell {
  constructor(readonly text: string) {}
}

const codeCell = (v: unknown): unknown => (typeof v === 'string' && CODE.test(v) ? new RawCell(`="${v}"`) : v);

export interface CsvOptions {
  /** Header names of the columns holding codes, written as text (see above). */
  codeColumns?: readonly string[];
}

/** CSV lines (no BOM) of `rows`, formula-safe, with the code columns of `header` written as text (see above). */
function csvLines(header: readonly string[], rows: readonly (readonly unknown[])[], opts: CsvOptions): string {
  const codes = new Set((opts.codeColumns ?? []).map((c) => header.indexOf(c)).filter((i) => i >= 0));
  if (codes.size === 0) return stringify(rows as unknown[][], CSV_OPTIONS);
  const marked = rows.map((r) => r.map((v, i) => (codes.has(i) ? codeCell(v) : v)));
  // csv-stringify lets a cast return options for one cell: the marked codes skip the formula escape (quoted as usual)
  const raw = (v: object) => (v instanceof RawCell ? ({ value: v.text, escape_formulas: false } as unknown as string) : JSON.stringify(v));
  const options: Options = { ...CSV_OPTIONS, cast: { ...CSV_OPTIONS.cast, object: raw } };
  return stringify(marked as unknown[][], options);
}

const BOM = '\uFEFF';

/** A CSV document for spreadsheets used in France, formula-safe (see above). */
export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[], opts: CsvOptions = {}): string {
  return BOM + stringify([header] as unknown[][], CSV_OPTIONS) + csvLines(header, rows, opts);
}


function setCsvHeaders(res: Response, fileName: string): void {
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${fileName}"`);
}

/**
 * A CSV written as its rows come from a database cursor (Db.cursor), a batch at a time, at the pace the client reads
 * (backpressure). The status and headers go with the first batch: a failure before it is an ordinary error answer;
 * a failure after it cuts the response (the download is seen as incomplete, never as a shorter file).
 */
export async function streamCsv(
  res: Response,
  fileName: string,
  header: readonly string[],
  batches: AsyncIterable<readonly (readonly unknown[])[]>,
  opts: CsvOptions = {},
): Promise<void> {
  await streamBody(res, batches, {
    start: () => {
      setCsvHeaders(res, fileName);
      return BOM + stringify([header] as unknown[][], CSV_OPTIONS);
    },
    batch: (rows) => csvLines(header, rows, opts),
  });
}
