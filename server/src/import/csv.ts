// The one CSV reader of the tabular importers (CPTS, GP supply, zoning, memberships):
// delimiter detected from the header line, header row → column names, 1-based file line per record.
import { createHash } from 'node:crypto';
import { CsvError, parse } from 'csv-parse/sync';
import { COG_SOURCE, cog } from './cog.js';
import { ImportError, type IssueList } from './errors.js';

export interface CsvRow {
  /** 1-based line of the file where the record starts. */
  line: number;
  /** Field values by column name as written in the header (untrimmed values are trimmed). */
  values: Record<string, string>;
}

export interface CsvTable {
  file: string;
  delimiter: ';' | ',';
  /** Column names as found in the header, trimmed, in file order (empty trailing names dropped). */
  columns: string[];
  /** Line of the header row. */
  headerLine: number;
  rows: CsvRow[];
}

/** `;` when the header line holds at least as many `;` as `,` outside quotes, else `,`. */
export function detectDelimiter(headerLine: string): ';' | ',' {
  let semi = 0;
  let comma = 0;
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === ';') semi++;
    else if (!quoted && ch === ',') comma++;
  }
  return comma > semi ? ',' : ';';
}

/**
 * Parses CSV text (already decoded, see readSource). Blank lines are skipped. Throws an ImportError
 * listing every malformed record (unclosed quote, wrong number of fields, duplicate column names).
 */
export function readCsv(text: string, file: string): CsvTable {
  const normalized = text.replace(/\r\n?/g, '\n');
  const firstLine = normalized.split('\n').find((l) => l.trim() !== '') ?? '';
  const delimiter = detectDelimiter(firstLine);
  let parsed: { record: string[]; raw: string; info: { lines: number } }[];
  try {
    parsed = parse(normalized, {
      delimiter,
      info: true,
      raw: true,
      skip_empty_lines: true,
      relax_column_count: true,
    }) as unknown as typeof parsed;
  } catch (e) {
    if (e instanceof CsvError) {
      const line = (e as CsvError & { lines?: number }).lines;
      throw new ImportError([{ file, line, message: `malformed CSV: ${e.message}` }]);
    }
    throw e;
  }
  const records = parsed
    .map((p) => ({ fields: p.record, line: startLine(p.raw, p.info.lines) }))
    .filter((r) => r.fields.some((f) => f.trim() !== ''));
  const header = records.shift();
  if (!header) throw new ImportError([{ file, message: 'the file is empty (no header line)' }]);

  const issues: { file: string; line?: number; field?: string; message: string }[] = [];
  const names = header.fields.map((f) => f.trim());
  while (names.length && names[names.length - 1] === '') names.pop();
  const seen = new Set<string>();
  names.forEach((n, i) => {
    if (n === '') issues.push({ file, line: header.line, message: `column ${i + 1} of the header has no name` });
    else if (seen.has(n.toLowerCase())) issues.push({ file, line: header.line, field: n, message: `column "${n}" appears twice in the header` });
    seen.add(n.toLowerCase());
  });

  const rows: CsvRow[] = [];
  for (const r of records) {
    const extra = r.fields.slice(names.length);
    if (r.fields.length < names.length || extra.some((f) => f.trim() !== '')) {
      issues.push({
        file,
        line: r.line,
        message: `expected ${names.length} fields separated by "${delimiter}" (as in the header), found ${r.fields.length}`,
      });
      continue;
    }
    const values: Record<string, string> = {};
    names.forEach((n, i) => (values[n] = (r.fields[i] ?? '').trim()));
    rows.push({ line: r.line, values });
  }
  if (!issues.length && !rows.length) {
    issues.push({ file, line: header.line, message: "aucune ligne de données après l'en-tête : le fichier n'a rien à importer" });
  }
  if (issues.length) throw new ImportError(issues);
  return { file, delimiter, columns: names, headerLine: header.line, rows };
}

/** csv-parse reports the line where a record ends; a quoted field may span lines, and skipped blank lines lead `raw`. */
function startLine(raw: string, endLine: number): number {
  const body = raw.replace(/^\n+/, '').replace(/\n$/, '');
  return endLine - (body.match(/\n/g)?.length ?? 0);
}

/** The header's name of the first candidate present (case-insensitive), or undefined. */
export function findColumn(table: CsvTable, candidates: string | readonly string[]): string | undefined {
  const list = typeof candidates === 'string' ? [candidates] : candidates;
  for (const c of list) {
    const hit = table.columns.find((n) => n.toLowerCase() === c.toLowerCase());
    if (hit) return hit;
  }
  return undefined;
}

/**
 * Like findColumn, but records an issue naming the missing column and the columns found when absent.
 * `what` describes the column's role in the message (e.g. "INSEE code").
 */
export function requireColumn(
  table: CsvTable,
  issues: IssueList,
  candidates: string | readonly string[],
  what: string,
): string | undefined {
  const hit = findColumn(table, candidates);
  if (hit) return hit;
  const list = typeof candidates === 'string' ? [candidates] : candidates;
  const expected = list.length === 1 ? `"${list[0]}"` : `one of ${list.map((c) => `"${c}"`).join(', ')}`;
  issues.add(
    `missing column for the ${what}: expected ${expected}; columns found: ${table.columns.map((c) => `"${c}"`).join(', ') || '(none)'}`,
    table.headerLine,
    list[0],
  );
  return undefined;
}

/** Lower-case, accents stripped, runs of spaces / hyphens / underscores / apostrophes → one space. */
export function normalizeLabel(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[\s\-_'’]+/g, ' ')
    .trim();
}

/** ISO `YYYY-MM-DD` or French `dd/mm/yyyy` → `YYYY-MM-DD`; undefined when not a real date. */
export function parseDate(s: string): string | undefined {
  let y: number, m: number, d: number;
  let hit = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (hit) [y, m, d] = [Number(hit[1]), Number(hit[2]), Number(hit[3])];
  else {
    hit = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(s);
    if (!hit) return undefined;
    [d, m, y] = [Number(hit[1]), Number(hit[2]), Number(hit[3])];
  }
  const dt = new Date(Date.UTC(y, m - 1, d));
  if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== m - 1 || dt.getUTCDate() !== d) return undefined;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** A FINESS establishment (ET) number: 9 characters, département code first (2A/2B, 9A…9F overseas). */
export const FINESS_ET = /^[0-9][0-9A-Z][0-9]{7}$/;

/**
 * Maps an INSEE commune code as written in a file to the current commune (COG of `cog()`):
 * `{ code }` when known (itself or the commune it merged into), else `{ error }` explaining why.
 */
export function toCurrentCommune(raw: string): { code: string; renamed: boolean } | { error: string } {
  const code = raw.trim().toUpperCase();
  if (code === '') return { error: 'empty INSEE code' };
  if (/^\d{4}$/.test(code)) return { error: `"${raw}" is not an INSEE code (4 digits: a leading zero lost by a spreadsheet?)` };
  if (!/^(\d{5}|2[AB]\d{3})$/.test(code)) return { error: `"${raw}" is not an INSEE commune code (5 characters, e.g. 44109 or 2A004)` };
  const current = cog().toCurrent(code);
  if (!current) return { error: `unknown INSEE code ${code}: not a commune of the COG ${COG_SOURCE.cogYear} nor a former code of one` };
  return { code: current, renamed: current !== code };
}

/** The default source label of a file: its name without a `.gz` suffix (a compressed copy is the same data). */
export function sourceLabel(fileName: string): string {
  return fileName.replace(/\.gz$/i, '');
}

/** Longest id stableId gives. */
export const STABLE_ID_MAX = 64;

/**
 * A readable id that stays the same from one import of a file to the next, for rows the source gives no id
 * (CPTS known by name, ESP of a structure list): the parts as lower-case ASCII words joined by "-"; cut to
 * STABLE_ID_MAX characters and ended by a hash of the whole when longer, so that long names stay distinct.
 */
export function stableId(...parts: string[]): string {
  const full = parts
    .map((p) => normalizeLabel(p).replace(/œ/g, 'oe').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, ''))
    .filter(Boolean)
    .join('-');
  if (full.length <= STABLE_ID_MAX) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  return `${full.slice(0, STABLE_ID_MAX - 9).replace(/-$/, '')}-${hash}`;
}
