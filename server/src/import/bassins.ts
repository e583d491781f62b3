// Bassins de vie and zones d'emploi per commune, from the INSEE table d'appartenance géographique (as the R
// package COGugaison exports it: a table CODGEO → BVyyyy, ZEyyyy, and a labels table NIVGEO, CODGEO, LIBGEO).
// Codes of an older COG are mapped to the current one; arrondissements municipaux take their commune's.
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Db } from '../db/port.js';
import { insertJson } from './bulk.js';
import { COG_SOURCE, cog } from './cog.js';
import { findColumn, readCsv, type CsvTable } from './csv.js';
import { ImportError, IssueList, type InputIssue } from './errors.js';
import { logImport } from './log.js';
import { readSource, type SourceText } from './source.js';
import type { CommonImportOptions, ImportReport } from './types.js';

/** The attribution the ODbL licence of the COGugaison data asks for (its data/LICENSE). */
export const COGUGAISON_ATTRIBUTION =
  '© Code Officiel Géographique (Insee) et package R COGugaison (http://github.com/antuki/COGugaison), données sous licence ODbL 1.0';

export interface BassinsOptions extends CommonImportOptions {
  source?: string;
}

interface Level {
  column: string;
  millesime: number;
}

export interface ParsedBassins {
  bv: Level;
  ze: Level;
  /** Labels by level ('BV' | 'ZE') and code. */
  labels: { BV: Map<string, string>; ZE: Map<string, string> };
  /** Per current commune or arrondissement: its bassin de vie and zone d'emploi. */
  units: Map<string, { bv: string; ze: string }>;
  rows: number;
  warnings: string[];
}

/** Parses the table and its labels. Pure. Missing labels and codes of no current commune refuse nothing: see warnings. */
export function parseBassins(table: CsvTable, labels: CsvTable): ParsedBassins {
  const issues = new IssueList(table.file);
  const level = (prefix: string, what: string): Level | undefined => {
    const column = table.columns.find((c) => new RegExp(`^${prefix}\\d{4}$`).test(c));
    if (!column) issues.add(`no ${what} column: expected ${prefix}yyyy (e.g. ${prefix}2022)`, table.headerLine, prefix);
    return column ? { column, millesime: Number(column.slice(2)) } : undefined;
  };
  const code = findColumn(table, 'CODGEO');
  if (!code) issues.add('no CODGEO column (the commune code)', table.headerLine, 'CODGEO');
  const bv = level('BV', 'bassin de vie');
  const ze = level('ZE', 'zone d’emploi');
  issues.throwIfAny();
  const warnings: string[] = [];
  const units = new Map<string, { bv: string; ze: string; from: string }>();
  const c = cog();
  for (const row of table.rows) {
    const raw = row.values[code!]!;
    const v = { bv: row.values[bv!.column]!, ze: row.values[ze!.column]! };
    if (!/^\w{4,5}$/.test(v.bv)) issues.add(`"${v.bv}" is not a bassin de vie code`, row.line, bv!.column);
    if (!/^\w{4}$/.test(v.ze)) issues.add(`"${v.ze}" is not a zone d’emploi code`, row.line, ze!.column);
    const current = c.toCurrent(raw);
    if (!current) {
      warnings.push(`${table.file}, line ${row.line}, field ${code}: ${raw} is no commune of the COG ${COG_SOURCE.cogYear}, current or former; skipped`);
      continue;
    }
    const prev = units.get(current);
    // A commune nouvelle made of communes of different bassins: its chef-lieu's (the code it kept) wins.
    if (prev && (prev.bv !== v.bv || prev.ze !== v.ze)) {
      const keep = raw === current ? v : prev;
      warnings.push(`${table.file}, line ${row.line}: ${raw} and ${prev.from}, merged into ${current}, lie in different bassins de vie or zones d’emploi; ${current} takes ${keep.bv} / ${keep.ze}`);
      if (raw === current) units.set(current, { ...v, from: raw });
    } else if (!prev) units.set(current, { ...v, from: raw });
  }
  if (units.size === 0) issues.add(`aucune ligne valide : aucun des ${table.rows.length} codes lus n'est une commune du COG ${COG_SOURCE.cogYear}`, table.headerLine + 1, code);
  issues.throwIfAny();
  for (const u of [...units.keys()]) for (const a of c.arrondissementsOf(u)) if (!units.has(a.code)) units.set(a.code, { ...units.get(u)!, from: u });
  // Current communes of the départements the table covers that it does not list (created since its vintage).
  const deps = new Set([...units.keys()].map((k) => c.unit(k)!.departement));
  const missing = [...c.communes.values()].filter((x) => deps.has(x.departement) && !units.has(x.code)).map((x) => x.code).sort();
  if (missing.length) warnings.push(`${missing.length} current commune(s) of the départements covered are absent from the table (created since its vintage): ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', …' : ''}`);
  return { bv: bv!, ze: ze!, labels: readLabels(labels, bv!, ze!, units, warnings), units, rows: table.rows.length, warnings };
}

function readLabels(t: CsvTable, bv: Level, ze: Level, units: Map<string, { bv: string; ze: string }>, warnings: string[]): ParsedBassins['labels'] {
  const issues = new IssueList(t.file);
  const cols = ['NIVGEO', 'CODGEO', 'LIBGEO'].map((n) => findColumn(t, n));
  if (cols.some((x) => !x)) issues.add('expected the columns NIVGEO, CODGEO, LIBGEO', t.headerLine);
  issues.throwIfAny();
  const [niv, code, lib] = cols as [string, string, string];
  const out = { BV: new Map<string, string>(), ZE: new Map<string, string>() };
  for (const r of t.rows) {
    if (r.values[niv] === bv.column) out.BV.set(r.values[code]!, r.values[lib]!);
    else if (r.values[niv] === ze.column) out.ZE.set(r.values[code]!, r.values[lib]!);
  }
  for (const key of ['BV', 'ZE'] as const) {
    const used = new Set([...units.values()].map((u) => (key === 'BV' ? u.bv : u.ze)));
    for (const x of used) {
      if (!out[key].has(x)) {
        warnings.push(`${t.file}: no label for ${key === 'BV' ? bv.column : ze.column} ${x}; named by its code`);
        out[key].set(x, x);
      }
    }
  }
  return out;
}

/** A folder stands for its CSV files; each file is the table (CODGEO + BVyyyy) or the labels (NIVGEO). */
async function classifyFiles(paths: string[], encoding: BassinsOptions['encoding']): Promise<{ table: CsvTable; labels: CsvTable; sources: SourceText[] }> {
  const files: string[] = [];
  for (const p of paths) {
    const isDir = await stat(p).then((s) => s.isDirectory(), () => false);
    if (isDir) files.push(...(await readdir(p)).filter((f) => /\.csv(\.gz)?$/i.test(f)).sort().map((f) => join(p, f)));
    else files.push(p);
  }
  const found: { table?: CsvTable; labels?: CsvTable; sources: SourceText[] } = { sources: [] };
  for (const f of files) {
    const src = await readSource(f, encoding);
    const t = readCsv(src.text, src.fileName);
    if (t.columns.includes('NIVGEO')) found.labels = t;
    else if (t.columns.includes('CODGEO') && t.columns.some((c) => /^BV\d{4}$/.test(c))) found.table = t;
    else if (!paths.includes(f)) continue; // another file of the folder (e.g. populations)
    else throw new ImportError([{ file: basename(f), line: 1, message: 'neither the table (CODGEO, BVyyyy, ZEyyyy) nor its labels (NIVGEO, CODGEO, LIBGEO)' }]);
    found.sources.push(src);
  }
  const missing: InputIssue[] = [];
  if (!found.table) missing.push({ file: paths.join(', '), message: 'no table d’appartenance found: expected a CSV with columns CODGEO, BVyyyy and ZEyyyy' });
  if (!found.labels) missing.push({ file: paths.join(', '), message: 'no labels found: expected a CSV with columns NIVGEO, CODGEO, LIBGEO' });
  if (missing.length) throw new ImportError(missing);
  return found as { table: CsvTable; labels: CsvTable; sources: SourceText[] };
}

const UPSERT_LEVEL = (table: 'bassin_vie' | 'zone_emploi') => `INSERT INTO ${table} (code, nom, millesime, source, import_id)
SELECT r.code, r.nom, $2::integer, $3::text, $4::integer FROM jsonb_to_recordset($1::jsonb) AS r(code text, nom text)
ON CONFLICT (code) DO UPDATE SET nom = EXCLUDED.nom, millesime = EXCLUDED.millesime, source = EXCLUDED.source, import_id = EXCLUDED.import_id`;

/** Imports bassins de vie and zones d'emploi in one transaction: labels, then one row per commune. */
export async function importBassins(db: Db, paths: string[], opts: BassinsOptions = {}): Promise<ImportReport> {
  const { table, labels, sources } = await classifyFiles(paths, opts.encoding);
  const parsed = parseBassins(table, labels);
  const source = opts.source ?? `INSEE, ${parsed.bv.column} et ${parsed.ze.column} — ${COGUGAISON_ATTRIBUTION}`;
  const list = (m: Map<string, string>) => [...m].map(([code, nom]) => ({ code, nom }));
  return db.transaction(async (tx) => {
    const file = sources.map((s) => s.fileName).join(', ');
    const checksum = sources.map((s) => s.checksum).join(',');
    const counts = { communes: parsed.units.size, bassinsDeVie: parsed.labels.BV.size, zonesEmploi: parsed.labels.ZE.size };
    const importId = await logImport(tx, 'bassins', { fileName: file, checksum }, parsed.rows, { source }, { counts, warnings: parsed.warnings });
    await insertJson(tx, UPSERT_LEVEL('bassin_vie'), list(parsed.labels.BV), { extraParams: [parsed.bv.millesime, source, importId] });
    await insertJson(tx, UPSERT_LEVEL('zone_emploi'), list(parsed.labels.ZE), { extraParams: [parsed.ze.millesime, source, importId] });
    const rows = [...parsed.units].map(([code, u]) => ({ code, bv: u.bv, ze: u.ze }));
    await insertJson(
      tx,
      `INSERT INTO commune_bassin (commune_code, bassin_vie, zone_emploi, source, import_id)
       SELECT r.code, r.bv, r.ze, $2::text, $3::integer FROM jsonb_to_recordset($1::jsonb) AS r(code text, bv text, ze text)
       ON CONFLICT (commune_code) DO UPDATE SET bassin_vie = EXCLUDED.bassin_vie, zone_emploi = EXCLUDED.zone_emploi,
         source = EXCLUDED.source, import_id = EXCLUDED.import_id`,
      rows,
      { chunk: 5000, extraParams: [source, importId], onProgress: (d, t) => opts.onProgress?.('write', d, t) },
    );
    return { kind: 'bassins', file, importId, rows: parsed.rows, counts, warnings: parsed.warnings };
  });
}
