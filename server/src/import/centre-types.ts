// Corrections of the centres de santé sub-types (CSV: FINESS number, sub-type), for what the rules of
// server/src/domain/centres-sante.json get wrong. Kept in their own table, so that later FINESS stocks keep them.
import type { Db } from '../db/port.js';
import { parseSousType, type SousTypeCentre } from '../domain/centres-sante.js';
import { FINESS_ET, findColumn, readCsv, requireColumn, sourceLabel } from './csv.js';
import { IssueList } from './errors.js';
import { logImport } from './log.js';
import { readSource } from './source.js';
import type { CommonImportOptions, ImportReport } from './types.js';

export interface CentreTypesOptions extends CommonImportOptions {
  /** Source label for rows without a source column (default: the file name). */
  source?: string;
}

export interface Correction {
  finess: string;
  sousType: SousTypeCentre;
  source: string;
  line: number;
}

/** Parses a correction file. Pure. */
export function parseCentreTypes(text: string, file: string, opts: CentreTypesOptions = {}): { corrections: Correction[]; rows: number } {
  const table = readCsv(text, file);
  const issues = new IssueList(file);
  const finessCol = requireColumn(table, issues, ['finess', 'nofinesset'], 'FINESS number');
  const typeCol = requireColumn(table, issues, ['sous_type', 'type'], 'sub-type');
  const sourceCol = findColumn(table, 'source');
  issues.throwIfAny();
  const byFiness = new Map<string, Correction>();
  for (const row of table.rows) {
    const finess = row.values[finessCol!]!;
    const raw = row.values[typeCol!]!;
    const sousType = parseSousType(raw);
    if (!FINESS_ET.test(finess)) issues.add(`"${finess}" is not a FINESS ET number (9 characters, e.g. 750012304)`, row.line, finessCol);
    if (!sousType) issues.add(`unknown sub-type "${raw}": expected médical/polyvalent, infirmier, dentaire, ophtalmologique or autre`, row.line, typeCol);
    const prev = byFiness.get(finess);
    if (prev && prev.sousType !== sousType) issues.add(`FINESS ${finess} is ${raw} here but ${prev.sousType} on line ${prev.line}`, row.line, typeCol);
    if (!sousType || !FINESS_ET.test(finess) || prev) continue;
    byFiness.set(finess, { finess, sousType, source: (sourceCol && row.values[sourceCol]) || opts.source || sourceLabel(file), line: row.line });
  }
  issues.throwIfAny();
  return { corrections: [...byFiness.values()], rows: table.rows.length };
}

/** Records the corrections and applies them to the centres de santé loaded, in one transaction. */
export async function importCentreTypes(db: Db, path: string, opts: CentreTypesOptions = {}): Promise<ImportReport> {
  const src = await readSource(path, opts.encoding);
  const parsed = parseCentreTypes(src.text, src.fileName, opts);
  const { onProgress, encoding: _enc, ...loggedOptions } = opts;
  const json = JSON.stringify(parsed.corrections.map((c) => ({ finess: c.finess, sous_type: c.sousType, source: c.source })));
  return db.transaction(async (tx) => {
    const importId = await logImport(tx, 'centre-types', src, parsed.rows, loggedOptions, {});
    await tx.query(
      `INSERT INTO structure_sous_type_correction (finess, sous_type, source, import_id)
       SELECT r.finess, r.sous_type, r.source, $2 FROM jsonb_to_recordset($1::jsonb) AS r(finess text, sous_type text, source text)
       ON CONFLICT (finess) DO UPDATE SET sous_type = EXCLUDED.sous_type, source = EXCLUDED.source, import_id = EXCLUDED.import_id`,
      [json, importId],
    );
    const applied = await tx.query<{ finess: string }>(
      `UPDATE structure s SET sous_type = c.sous_type, sous_type_regle = 'correction'
         FROM structure_sous_type_correction c WHERE c.finess = s.finess AND c.import_id = $1 AND s.type = 'csp' RETURNING s.finess`,
      [importId],
    );
    const done = new Set(applied.rows.map((r) => r.finess));
    const warnings = parsed.corrections
      .filter((c) => !done.has(c.finess))
      .map((c) => `${src.fileName}, line ${c.line}, field finess: ${c.finess} is no centre de santé loaded; the correction is kept for a later FINESS stock`);
    const counts = { corrections: parsed.corrections.length, applied: done.size, pending: warnings.length };
    await tx.query('UPDATE import_log SET report = $2::jsonb WHERE id = $1', [importId, JSON.stringify({ counts, warnings })]);
    onProgress?.('write', 1, 1);
    return { kind: 'centre-types', file: src.fileName, importId, rows: parsed.rows, counts, warnings };
  });
}
