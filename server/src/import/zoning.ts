// ARS zoning of GP shortage per commune (ZIP, ZAC, ZV, ZAR, hors zonage, or « non disponible ») from a CSV.
import type { Db } from '../db/port.js';
import { insertJson } from './bulk.js';
import { findColumn, normalizeLabel, parseDate, readCsv, requireColumn, toCurrentCommune } from './csv.js';
import { IssueList } from './errors.js';
import { logImport } from './log.js';
import { readSource } from './source.js';
import type { CommonImportOptions, ImportReport } from './types.js';

import type { Zone } from '../domain/vocabulary.js';

export type { Zone };

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
  zar: 'ZAR',
  "zone d accompagnement regional": 'ZAR',
};

/** What the source says when it has no zone for a commune (La Réunion, Saint-Barthélemy, Saint-Martin in the national file). */
const NOT_AVAILABLE = /^(n\/?a|nd|non disponible)\b|resultat non disponible/;

/**
 * ZIP, ZAC, ZV, ZAR, HZ / hors zonage (and the zones' full names, and the national file's ranked form `1_ZIP`,
 * `4_ZAR`), case- and accent-insensitively; null for « non disponible » (`N/A - résultat non disponible`).
 */
export function parseZone(s: string): Zone | null | undefined {
  const label = normalizeLabel(s);
  if (NOT_AVAILABLE.test(label)) return null;
  return ZONE_LABELS[label.replace(/^\d+ /, '')];
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
  /** The file is not an official publication (stored and shown as such). */
  unofficial?: boolean;
  /** The vintage when no date is known, e.g. "2022–2024 (estimé)". */
  vintage?: string;
}

export type ZoningImportOptions = CommonImportOptions & ZoningParseOptions;

export interface ZoningRow {
  /** Current INSEE code. */
  code: string;
  /** null: « non disponible » in the source. */
  zone: Zone | null;
  /** The value as written in the file. */
  raw: string;
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
  const zoneCol = requireColumn(table, issues, opts.zoneColumn ?? ['zone', 'zonage_mg', 'zonage'], 'zone');
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
    if (zone === undefined) issues.add(`unknown zone "${rawZone}": expected ZIP, ZAC, ZV, ZAR, hors zonage (HZ) or non disponible`, row.line, zoneCol);
    const source = (sourceCol ? row.values[sourceCol] : '') || opts.source;
    if (!source) issues.add('empty source (and no source option)', row.line, sourceCol);
    let date = defaultDate;
    const rawDate = dateCol ? row.values[dateCol]! : '';
    if (rawDate) {
      date = parseDate(rawDate) ?? null;
      if (!date) issues.add(`"${rawDate}" is not a date (YYYY-MM-DD or dd/mm/yyyy)`, row.line, dateCol);
    }
    if (!('code' in commune) || zone === undefined || !source) continue;
    const prev = byCode.get(commune.code);
    const via = commune.renamed ? ` (as ${rawCode})` : '';
    if (prev) {
      if (prev.zone !== zone) {
        issues.add(`commune ${commune.code}${via} is zoned ${zone ?? 'non disponible'} here but ${prev.zone ?? 'non disponible'} on line ${prev.line}`, row.line, zoneCol);
      } else {
        duplicates++;
        warnings.push(`${file}, line ${row.line}: commune ${commune.code}${via} already zoned ${zone ?? 'non disponible'} on line ${prev.line}; counted once`);
      }
      continue;
    }
    if (commune.renamed) renamedCodes++;
    byCode.set(commune.code, { code: commune.code, zone, raw: rawZone, source, date, line: row.line });
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
    const byZone: Record<string, number> = { ZIP: 0, ZAC: 0, ZV: 0, HZ: 0, ZAR: 0, nonDisponible: 0 };
    for (const r of parsed.rows) byZone[r.zone ?? 'nonDisponible']!++;
    const counts = { communes: parsed.rows.length, ...byZone, ...parsed.counts };
    const importId = await logImport(tx, 'zoning', src, parsed.read, loggedOptions, { counts, warnings: parsed.warnings });
    await insertJson(
      tx,
      `INSERT INTO zonage (commune_code, zone, valeur_source, source, date_zonage, officiel, millesime, import_id)
       SELECT r.code, r.zone, r.raw, r.source, r.date, $2::boolean, $3::text, $4::integer
         FROM jsonb_to_recordset($1::jsonb) AS r(code text, zone text, raw text, source text, date date)
       ON CONFLICT (commune_code) DO UPDATE SET zone = EXCLUDED.zone, valeur_source = EXCLUDED.valeur_source, source = EXCLUDED.source,
         date_zonage = EXCLUDED.date_zonage, officiel = EXCLUDED.officiel, millesime = EXCLUDED.millesime, import_id = EXCLUDED.import_id`,
      parsed.rows.map((r) => ({ code: r.code, zone: r.zone, raw: r.raw, source: r.source, date: r.date })),
      { chunk: 5000, extraParams: [!opts.unofficial, opts.vintage ?? null, importId], onProgress: (d, t) => onProgress?.('write', d, t) },
    );
    return { kind: 'zoning', file: src.fileName, importId, rows: parsed.read, counts, warnings: parsed.warnings };
  });
}
