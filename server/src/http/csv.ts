// The one CSV writer of the app: every CSV it sends goes through `sendCsv`.
//
// Formula injection (OWASP, « CSV Injection »): a text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage
// return (or their full-width Unicode forms) would be run as a formula by Excel or LibreOffice. csv-stringify's
// `escape_formulas` prefixes such a cell with `'`, and every text cell is quoted. Numbers are not text: a
// JavaScript number (a count, a density, a distance, a negative difference) is written as a number, so `-1,5`
// stays a number in the spreadsheet; a value that only looks like a number (a code, a name) is text and escaped.
import type { Response } from 'express';
import { stringify, type Options } from 'csv-stringify/sync';

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

/** A CSV document for spreadsheets used in France, formula-safe (see above). */
export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return '\uFEFF' + stringify([header, ...rows] as unknown[][], CSV_OPTIONS);
}

export function sendCsv(res: Response, fileName: string, header: readonly string[], rows: readonly (readonly unknown[])[]): void {
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${fileName}"`);
  res.send(toCsv(header, rows));
}
