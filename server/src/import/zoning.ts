// ARS zoning of GP shortage per commune (ZIP, ZAC, ZV, hors zonage) from a CSV.
import type { Db } from '../db/port.js';
import { insertJson } from './bulk.js';
import { findColumn, normalizeLabel, parseDate, readCsv, requireColumn, toCurrentCommune } from './csv.js';
import { IssueList } from './errors.js';
import { logImport } from './log.js';
import { readSource } from './source.js';
import type { CommonImportOptions, ImportReport } from './types.js';

export type Zone = 'ZIP' | 'ZAC' | 'ZV' | 'HZ';

const ZONE_LABELS: Record<string, Zone> = {
  zip: 'ZIP',
  "zone d intervention prioritaire": 'ZIP',
  zac: 'ZAC',
  "zone d action complementaire": 'ZAC',
  zv: 'ZV',
  'zone de vigilance': 'ZV',
  hz: 'HZ',
  'hors zonage': 'HZ',
  'hors zone': 'HZ',
};

/** ZIP, ZAC, ZV, HZ / hors zonage (and the zones' full names), case- and accent-insensitively. */
export function parseZone(s: string): Zone | undefined {
  return ZONE_LABELS[normalizeLabel(s)];
}

export interface ZoningParseOptions {
  codeColumn?: string;
  zoneColumn?: string;
  dateColumn?: string;
  sourceColumn?: string;
  /** Source label for rows without a source column value (required when the file has no source column). */
  source?: string;
  /** Zoning date (YYYY-MM-DD or dd/mm/yyyy) for rows without a date column value. */
  date?: string;
}

export type ZoningImportOptions = CommonImportOptions & ZoningParseOptions;

export interface ZoningRow {
  /** Current INSEE code. */
  code: string;
  zone: Zone;
  source: string;
  date: string | null;
  line: number;
}

export interface ParsedZoning {
  rows: ZoningRow[];
  read: number;
  warnings: string[];
  counts: { renamedCodes: number; duplicates: number };
}

/** Parses a zoning CSV. Pure. Unknown INSEE codes and zones are errors; former codes map to current communes. */
export function parseZoning(text: string, file: string, opts: ZoningParseOptions = {}): ParsedZoning {
  const table = readCsv(text, file);
  const issues = new IssueList(file);
  const codeCol = requireColumn(table, issues, opts.codeColumn ?? 'code_insee', 'INSEE code');
  const zoneCol = requireColumn(table, issues, opts.zoneColumn ?? 'zone', 'zone');
  const dateCol = opts.dateColumn ? requireColumn(table, issues, opts.dateColumn, 'date') : findColumn(table, ['date', 'date_zonage']);
  const sourceCol = opts.sourceColumn ? requireColumn(table, issues, opts.sourceColumn, 'source') : findColumn(table, 'source');
  if (!sourceCol && !opts.source) {
    issues.add('no source: give the source option or a source column (e.g. "ARS Pays de la Loire, arrêté du 2023-03-31")', undefined, 'source');
  }
  let defaultDate: string | null = null;
  if (opts.date !== undefined) {
    defaultDate = parseDate(opts.date) ?? null;
    if (!defaultDate) issues.add(`option date: "${opts.date}" is not a date (YYYY-MM-DD or dd/mm/yyyy)`, undefined, 'date');
  }
  issues.throwIfAny();

  const warnings: string[] = [];
  const byCode = new Map<string, ZoningRow>();
  let renamedCodes = 0;
  let duplicates = 0;
  for (const row of table.rows) {
    const rawCode = row.values[codeCol!]!;
    const rawZone = row.values[zoneCol!]!;
    const commune = toCurrentCommune(rawCode);
    if ('error' in commune) issues.add(commune.error, row.line, codeCol);
    const zone = parseZone(rawZone);
    if (!zone) issues.add(`unknown zone "${rawZone}": expected ZIP, ZAC, ZV or hors zonage (HZ)`, row.line, zoneCol);
    const source = (sourceCol ? row.values[sourceCol] : '') || opts.source;
    if (!source) issues.add('empty source (and no source option)', row.line, sourceCol);
    let date = defaultDate;
    const rawDate = dateCol ? row.values[dateCol]! : '';
    if (rawDate) {
      date = parseDate(rawDate) ?? null;
      if (!date) issues.add(`"${rawDate}" is not a date (YYYY-MM-DD or dd/mm/yyyy)`, row.line, dateCol);
    }
    if (!('code' in commune) || !zone || !source) continue;
    const prev = byCode.get(commune.code);
    const via = commune.renamed ? ` (as ${rawCode})` : '';
    if (prev) {
      if (prev.zone !== zone) {
        issues.add(`commune ${commune.code}${via} is zoned ${zone} here but ${prev.zone} on line ${prev.line}`, row.line, zoneCol);
      } else {
        duplicates++;
        warnings.push(`line ${row.line}: commune ${commune.code}${via} already zoned ${zone} on line ${prev.line}; counted once`);
      }
      continue;
    }
    if (commune.renamed) renamedCodes++;
    byCode.set(commune.code, { code: commune.code, zone, source, date, line: row.line });
  }
  issues.throwIfAny();
  return { rows: [...byCode.values()], read: table.rows.length, warnings, counts: { renamedCodes, duplicates } };
}

/** Imports a zoning CSV into zonage (upsert per commune) in one transaction. */
export async function importZoning(db: Db, path: string, opts: ZoningImportOptions = {}): Promise<ImportReport> {
  const src = await readSource(path, opts.encoding);
  const { onProgress, encoding: _enc, ...loggedOptions } = opts;
  const parsed = parseZoning(src.text, src.fileName, opts);
  return db.transaction(async (tx) => {
    const byZone: Record<string, number> = { ZIP: 0, ZAC: 0, ZV: 0, HZ: 0 };
    for (const r of parsed.rows) byZone[r.zone]!++;
    const counts = { communes: parsed.rows.length, ...byZone, ...parsed.counts };
    const importId = await logImport(tx, 'zoning', src, parsed.read, loggedOptions, { counts, warnings: parsed.warnings });
    await insertJson(
      tx,
      `INSERT INTO zonage (commune_code, zone, source, date_zonage, import_id)
       SELECT r.code, r.zone, r.source, r.date, $2::integer FROM jsonb_to_recordset($1::jsonb) AS r(code text, zone text, source text, date date)
       ON CONFLICT (commune_code) DO UPDATE SET zone = EXCLUDED.zone, source = EXCLUDED.source,
         date_zonage = EXCLUDED.date_zonage, import_id = EXCLUDED.import_id`,
      parsed.rows.map((r) => ({ code: r.code, zone: r.zone, source: r.source, date: r.date })),
      { extraParams: [importId], onProgress: (d, t) => onProgress?.('write', d, t) },
    );
    return { kind: 'zoning', file: src.fileName, importId, rows: parsed.read, counts, warnings: parsed.warnings };
  });
}
