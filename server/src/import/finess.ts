// FINESS importer: the etalab "stock" extract of the national register of health and social establishments
// (file etalab-cs1100507-stock-<date>.csv). Keeps pharmacies (620), MSP (603), centres de santé (124, with
// their sub-type) and CPTS seats (604). A stock is a snapshot: see finess-store.ts.
import type { Db, Queryable } from '../db/port.js';
import { parseFiness } from './finess-parse.js';
import { readFinessSource } from './finess-source.js';
import {
  applyStock,
  checkStockDate,
  lastStockDate,
  placeByPosition,
  recordChanges,
  recordStock,
  stageStock,
} from './finess-store.js';
import { logImport } from './log.js';
import type { CommonImportOptions, ImportReport } from './types.js';

export { parseFiness, type FinessEstablishment } from './finess-parse.js';
export { parseFinessDate, sridOfCoordSource, STRUCTURE_FIELDS } from './finess-layout.js';
export { readFinessSource } from './finess-source.js';

export interface FinessImportOptions extends CommonImportOptions {
  /** Import a stock older than the one loaded (it reopens and closes establishments accordingly). */
  force?: boolean;
}

/** The `source` text stored on every imported row. */
export function finessSourceLabel(headerDate: string, fileName: string): string {
  return `FINESS etalab stock ${headerDate} (${fileName})`;
}

/**
 * Imports a FINESS etalab stock file in one transaction: pharmacies into `pharmacie`, MSP / centres de santé /
 * CPTS seats into `structure`; establishments it no longer lists closed, the changes recorded in finess_changement.
 */
export async function importFiness(db: Db, path: string, opts: FinessImportOptions = {}): Promise<ImportReport> {
  const progress = opts.onProgress;
  progress?.('read', 0, 1);
  const source = await readFinessSource(path, opts.encoding ?? 'auto');
  progress?.('read', 1, 1);
  const parsed = parseFiness(source, { onProgress: progress });
  const date = parsed.header.date;
  const label = finessSourceLabel(date, source.fileName);

  return db.transaction(async (tx: Queryable) => {
    const last = await lastStockDate(tx);
    checkStockDate(source.fileName, date, last, opts.force ?? false);
    const importId = await logImport(tx, 'finess', source, parsed.structureRecords, { encoding: source.encoding, header: parsed.header, force: opts.force ?? false });
    progress?.('insert', 0, 4);
    await stageStock(tx, parsed);
    const placed = await placeByPosition(tx, parsed, source.fileName);
    progress?.('insert', 1, 4);
    const changes = last ? await recordChanges(tx, importId, date) : undefined;
    progress?.('insert', 2, 4);
    const applied = await applyStock(tx, date, label, importId);
    if (applied.written !== parsed.establishments.length) {
      throw new Error(`FINESS import: ${applied.written} rows written for ${parsed.establishments.length} establishments`);
    }
    await recordStock(tx, importId, date, source.fileName, parsed.structureRecords);
    progress?.('insert', 3, 4);
    const counts = { ...parsed.counts, ...placed.counts, ...(await centreCounts(tx, importId)), closed_now: applied.closed, ...changeCounts(changes) };
    const warnings = [...parsed.warnings, ...placed.warnings];
    const report = { source: label, counts, warnings, previousStock: last, changes: changes ? 'recorded' : 'first stock: nothing to compare with' };
    await tx.query('UPDATE import_log SET report = $2::jsonb WHERE id = $1', [importId, JSON.stringify(report)]);
    progress?.('insert', 4, 4);
    return { kind: 'finess', file: source.fileName, importId, rows: parsed.structureRecords, counts, warnings } satisfies ImportReport;
  });
}

const changeCounts = (c: Awaited<ReturnType<typeof recordChanges>> | undefined) =>
  c ? Object.fromEntries(Object.entries(c).map(([k, v]) => [`changes_${k}`, v])) : {};

/** Centres de santé of this import per sub-type: `csp_dentaire`… */
async function centreCounts(tx: Queryable, importId: number): Promise<Record<string, number>> {
  const r = await tx.query<{ sous_type: string; n: number }>(
    "SELECT sous_type, count(*)::int AS n FROM structure WHERE import_id = $1 AND type = 'csp' GROUP BY sous_type ORDER BY sous_type",
    [importId],
  );
  return Object.fromEntries(r.rows.map((x) => [`csp_${x.sous_type.replace('-', '_')}`, x.n]));
}
