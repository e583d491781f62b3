// GP supply per commune: a CSV of INSEE code + count. The default columns and labels are those of
// the shared SIRENE proxy (establishments with APE 86.21Z, March 2019): practices, not doctors.
import type { Db } from '../db/port.js';
import { insertJson } from './bulk.js';
import { readCsv, requireColumn, toCurrentCommune } from './csv.js';
import { ImportError, IssueList } from './errors.js';
import { logImport } from './log.js';
import { readSource } from './source.js';
import type { CommonImportOptions, ImportReport } from './types.js';

/** What the defaults describe: the shared file gp/PS_communes_sirene_2019-03_national.csv. */
export const SIRENE_PROXY = {
  codeColumn: 'codecommuneetablissement',
  countColumn: 'generaliste',
  source: "INSEE SIRENE, établissements APE 86.21Z, mars 2019 — proxy de l'offre de médecine générale (cabinets, pas médecins)",
  year: 2019,
  proxy: true,
} as const;

export interface GpParseOptions {
  codeColumn?: string;
  countColumn?: string;
}

export interface GpImportOptions extends CommonImportOptions, GpParseOptions {
  /** Label stored with every row; required when the columns are not the SIRENE proxy's. */
  source?: string;
  /** Year the figures describe. */
  year?: number;
  /** Whether the counts are a proxy (establishments) rather than doctors; default true. */
  proxy?: boolean;
}

export interface GpCommune {
  /** Current INSEE code. */
  code: string;
  count: number;
  /** File lines summed into this commune. */
  lines: number[];
}

export interface ParsedGp {
  communes: GpCommune[];
  rows: number;
  warnings: string[];
  counts: {
    /** Rows whose code is a former code of a current commune (arrondissements municipaux stay themselves). */
    renamedCodes: number;
    /** Rows added to another row's commune (rows mapped − current communes). */
    mergedRows: number;
    /** Current communes that received more than one row. */
    mergedCommunes: number;
    /** Rows whose code matches no current commune (skipped, with a warning). */
    unknownCodes: number;
  };
}

/** `3`, `3.0`, `3,0` → 3; anything else (negative, fractional, text) → undefined. */
export function parseCount(s: string): number | undefined {
  const t = s.trim().replace(',', '.');
  if (!/^\d+(\.0*)?$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Parses a GP supply CSV. Pure. Codes of an older COG are mapped to current communes and their counts
 * summed; codes matching no current commune are skipped with a warning; bad counts and repeated codes are errors.
 */
export function parseGp(text: string, file: string, opts: GpParseOptions = {}): ParsedGp {
  const table = readCsv(text, file);
  const issues = new IssueList(file);
  const codeCol = requireColumn(table, issues, opts.codeColumn ?? SIRENE_PROXY.codeColumn, 'INSEE code');
  const countCol = requireColumn(table, issues, opts.countColumn ?? SIRENE_PROXY.countColumn, 'GP count');
  issues.throwIfAny();

  const warnings: string[] = [];
  const firstLine = new Map<string, number>();
  const byCommune = new Map<string, GpCommune>();
  let renamedCodes = 0;
  let unknownCodes = 0;
  let mapped = 0;
  for (const row of table.rows) {
    const raw = row.values[codeCol!]!;
    const rawCount = row.values[countCol!]!;
    const count = parseCount(rawCount);
    if (count === undefined) {
      issues.add(`"${rawCount}" is not a count of GPs (a whole number ≥ 0, e.g. 3 or 3.0)`, row.line, countCol);
    }
    const key = raw.toUpperCase();
    const dup = firstLine.get(key);
    if (dup !== undefined) {
      issues.add(`INSEE code ${raw} appears twice (first on line ${dup})`, row.line, codeCol);
      continue;
    }
    firstLine.set(key, row.line);
    const commune = toCurrentCommune(raw);
    if ('error' in commune) {
      // A malformed code is an error; a well-formed code of a commune gone from the COG is skipped.
      if (/^unknown INSEE code/.test(commune.error)) {
        unknownCodes++;
        warnings.push(`line ${row.line}: ${commune.error}; its ${rawCount} GP(s) are not imported`);
      } else {
        issues.add(commune.error, row.line, codeCol);
      }
      continue;
    }
    if (count === undefined) continue;
    mapped++;
    if (commune.renamed) renamedCodes++;
    const c = byCommune.get(commune.code);
    if (c) {
      c.count += count;
      c.lines.push(row.line);
    } else {
      byCommune.set(commune.code, { code: commune.code, count, lines: [row.line] });
    }
  }
  if (byCommune.size === 0) {
    issues.add(
      `aucune ligne valide : les ${table.rows.length} ligne(s) lue(s) ont un code INSEE d'aucune commune actuelle ; rien à importer`,
      table.headerLine + 1,
      codeCol,
    );
  }
  issues.throwIfAny();
  const communes = [...byCommune.values()];
  const mergedCommunes = communes.filter((c) => c.lines.length > 1).length;
  return {
    communes,
    rows: table.rows.length,
    warnings,
    counts: { renamedCodes, mergedRows: mapped - communes.length, mergedCommunes, unknownCodes },
  };
}

/**
 * Imports GP supply into offre_mg in one transaction. The rows of a previous import with the same
 * source that the new file no longer lists are removed: a new import of a source replaces it.
 */
export async function importGp(db: Db, path: string, opts: GpImportOptions = {}): Promise<ImportReport> {
  const src = await readSource(path, opts.encoding);
  const customColumns =
    (opts.codeColumn !== undefined && opts.codeColumn !== SIRENE_PROXY.codeColumn) ||
    (opts.countColumn !== undefined && opts.countColumn !== SIRENE_PROXY.countColumn);
  if (customColumns && !opts.source) {
    throw new ImportError([
      { file: src.fileName, field: 'source', message: 'the source option is required when the columns are not those of the SIRENE proxy file' },
    ]);
  }
  if (opts.year !== undefined && !(Number.isInteger(opts.year) && opts.year >= 1900 && opts.year <= 2100)) {
    throw new ImportError([{ file: src.fileName, field: 'year', message: `option year: ${opts.year} is not a year` }]);
  }
  const source = opts.source ?? SIRENE_PROXY.source;
  const year = opts.year ?? (opts.source ? null : SIRENE_PROXY.year);
  const proxy = opts.proxy ?? true;
  const { onProgress, encoding: _enc, ...loggedOptions } = opts;
  onProgress?.('parse', 0, 1);
  const parsed = parseGp(src.text, src.fileName, opts);
  onProgress?.('parse', 1, 1);

  return db.transaction(async (tx) => {
    const codes = parsed.communes.map((c) => c.code);
    const stale = await tx.query('DELETE FROM offre_mg WHERE source = $1 AND commune_code <> ALL($2::text[])', [source, codes]);
    const other = await tx.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM offre_mg WHERE commune_code = ANY($1::text[]) AND source <> $2',
      [codes, source],
    );
    // offre_mg has no foreign key to commune (GP supply may be loaded first); say which communes have no outline yet.
    const absent = await tx.query<{ code: string }>(
      `SELECT r.code FROM unnest($1::text[]) AS r(code)
       WHERE EXISTS (SELECT 1 FROM commune) AND NOT EXISTS (SELECT 1 FROM commune c WHERE c.code = r.code) ORDER BY 1`,
      [codes],
    );
    const notInCommuneTable = absent.rows.map((r) => r.code);
    const warnings = [...parsed.warnings];
    if (parsed.counts.unknownCodes) {
      warnings.unshift(`${parsed.counts.unknownCodes} code(s) match no current commune and were skipped (see below)`);
    }
    if (notInCommuneTable.length) {
      const list = notInCommuneTable.slice(0, 10).join(', ') + (notInCommuneTable.length > 10 ? ', …' : '');
      warnings.push(`${notInCommuneTable.length} commune(s) with GP figures are not in the commune table (no outline imported): ${list}`);
    }
    if (other.rows[0]!.n) warnings.push(`${other.rows[0]!.n} commune(s) had figures from another source; they now hold this source's`);
    const counts = {
      communes: codes.length,
      generalistes: parsed.communes.reduce((s, c) => s + c.count, 0),
      ...parsed.counts,
      removedStale: stale.rowCount,
      replacedOtherSource: other.rows[0]!.n,
      notInCommuneTable: notInCommuneTable.length,
    };
    const importId = await logImport(tx, 'gp', src, parsed.rows, { ...loggedOptions, source, year, proxy }, { counts, warnings });
    await insertJson(
      tx,
      `INSERT INTO offre_mg (commune_code, nb_generalistes, est_proxy, source, annee, import_id)
       SELECT r.code, r.n, $2::boolean, $3::text, $4::integer, $5::integer FROM jsonb_to_recordset($1::jsonb) AS r(code text, n integer)
       ON CONFLICT (commune_code) DO UPDATE SET nb_generalistes = EXCLUDED.nb_generalistes, est_proxy = EXCLUDED.est_proxy,
         source = EXCLUDED.source, annee = EXCLUDED.annee, import_id = EXCLUDED.import_id`,
      parsed.communes.map((c) => ({ code: c.code, n: c.count })),
      { extraParams: [proxy, source, year, importId], onProgress: (d, t) => onProgress?.('write', d, t) },
    );
    return { kind: 'gp', file: src.fileName, importId, rows: parsed.rows, counts, warnings };
  });
}
