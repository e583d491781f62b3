// Any importer, run so that what it changes can be seen first: inside a caller's transaction, against a `Db` whose
// own transactions are that one (an importer calls `db.transaction` as usual and writes into it), with the tables
// its kind writes fingerprinted before and after. The difference is the change (rows added, changed, removed per
// table, keyed by their natural key); a dry run rolls it back, an apply commits it only if the change is the one
// previewed (same fingerprint). Importers are wrapped, never changed: a kind's new tables join DIFF_TABLES.
import { createHash, type Hash } from 'node:crypto';
import { heldCursor } from '../db/cursor.js';
import type { Db, Queryable } from '../db/port.js';
import { ImportError, type InputIssue } from './errors.js';
import { runImport } from './index.js';
import type { ImportKind } from './log.js';
import type { ImportReport, Progress } from './types.js';

/** A table an import writes: its natural key (an expression of its columns) and columns that are no content. */
interface DiffTable {
  table: string;
  key: string;
  ignore: string[];
}

const table = (name: string, key: string, ignore: string[] = []): DiffTable => ({ table: name, key, ignore: ['import_id', ...ignore] });

const COMMUNES = table('commune', 'code', ['geom_3857', 'geom_3857_low', 'geom_3857_lowest']);
const PHARMACIES = table('pharmacie', 'finess');
const STRUCTURES = table('structure', 'finess');
const CPTS = table('cpts', 'id', ['date_maj', 'geom_3857']);
const CPTS_COMMUNES = table('cpts_commune', `cpts_id || ' / ' || commune_code`);
const MEMBERSHIPS = table('adhesion_pharmacie', `pharmacie_finess || ' → ' || coalesce(structure_finess, 'CPTS ' || cpts_id)`, ['id']);

/** The tables each kind writes (besides import_log and the FINESS change log, which record the import itself). */
export const DIFF_TABLES: Record<ImportKind, DiffTable[]> = {
  communes: [COMMUNES],
  finess: [PHARMACIES, STRUCTURES],
  cpts: [CPTS, CPTS_COMMUNES],
  gp: [table('offre_mg', 'commune_code')],
  zoning: [table('zonage', 'commune_code')],
  memberships: [MEMBERSHIPS],
  structures: [STRUCTURES],
  'centre-types': [table('structure_sous_type_correction', 'finess'), STRUCTURES],
  bassins: [table('commune_bassin', 'commune_code'), table('bassin_vie', 'code'), table('zone_emploi', 'code')],
};

/** What an import changes in one table: the keys of the rows added, changed and removed. */
export interface TableChange {
  table: string;
  added: string[];
  changed: string[];
  removed: string[];
}

export interface ImportChange {
  tables: TableChange[];
  /** A hash of the change (keys and new contents): two runs that change the same rows the same way share it. */
  fingerprint: string;
}

export interface DryRunResult {
  /** The importer's report, when the file was accepted. */
  report?: ImportReport;
  /** Every problem of a refused file, with file, line and field. */
  problems: InputIssue[];
  change: ImportChange;
}

const snapshotName = (t: DiffTable) => `import_avant_${t.table}`;

/**
 * md5 of a row's content without the columns that are no content: the row's text form (geometries as hex EWKB),
 * far cheaper than a JSON form, which would write every outline as GeoJSON.
 */
async function rowHash(tx: Queryable, t: DiffTable): Promise<string> {
  const r = await tx.query<{ c: string }>(
    `SELECT column_name AS c FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = $1 AND NOT (column_name = ANY($2::text[]))
      ORDER BY ordinal_position`,
    [t.table, t.ignore],
  );
  return `md5(ROW(${r.rows.map((x) => `x."${x.c}"`).join(', ')})::text)`;
}

async function snapshot(tx: Queryable, t: DiffTable, hash: string): Promise<void> {
  await tx.query(`DROP TABLE IF EXISTS pg_temp.${snapshotName(t)}`);
  await tx.query(`CREATE TEMP TABLE ${snapshotName(t)} ON COMMIT DROP AS SELECT ${t.key} AS k, ${hash} AS h FROM ${t.table} x`);
}

async function tableChange(tx: Queryable, t: DiffTable, hash: string, fingerprint: Hash): Promise<TableChange> {
  const r = await tx.query<{ k: string; op: 'added' | 'changed' | 'removed'; h: string | null }>(
    `WITH apres AS (SELECT ${t.key} AS k, ${hash} AS h FROM ${t.table} x)
     SELECT coalesce(a.k, b.k) AS k, a.h,
            CASE WHEN b.k IS NULL THEN 'added' WHEN a.k IS NULL THEN 'removed' ELSE 'changed' END AS op
       FROM apres a FULL JOIN pg_temp.${snapshotName(t)} b ON a.k = b.k
      WHERE a.h IS DISTINCT FROM b.h
      ORDER BY 1`,
  );
  const change: TableChange = { table: t.table, added: [], changed: [], removed: [] };
  for (const row of r.rows) {
    change[row.op].push(row.k);
    fingerprint.update(`${t.table}\u0000${row.op}\u0000${row.k}\u0000${row.h ?? ''}\n`);
  }
  await tx.query(`DROP TABLE pg_temp.${snapshotName(t)}`);
  return change;
}

/** A Db whose transactions are `tx`: an importer run on it writes into its caller's transaction. */
function within(tx: Queryable, backend: Db['backend']): Db {
  return {
    backend,
    query: (sql, params) => tx.query(sql, params),
    exec: (sql) => tx.exec(sql),
    cursor: (sql, params, batchRows) => heldCursor(tx, sql, params, batchRows),
    transaction: (fn) => fn(tx),
    close: () => Promise.resolve(),
  };
}

/**
 * Runs an import inside `tx` and returns what it changed. Throws the importer's ImportError (the caller's
 * transaction must then be rolled back: the importer may have written part of its rows).
 */
export async function importWithChange(
  tx: Queryable,
  backend: Db['backend'],
  kind: ImportKind,
  files: string[],
  options: Record<string, unknown>,
  onProgress?: Progress,
): Promise<{ report: ImportReport; change: ImportChange }> {
  const tables = DIFF_TABLES[kind];
  const hashes = new Map<DiffTable, string>();
  for (const t of tables) {
    hashes.set(t, await rowHash(tx, t));
    await snapshot(tx, t, hashes.get(t)!);
  }
  const report = await runImport(within(tx, backend), kind, files, options, onProgress);
  const fingerprint = createHash('sha256');
  const changes: TableChange[] = [];
  for (const t of tables) changes.push(await tableChange(tx, t, hashes.get(t)!, fingerprint));
  return { report, change: { tables: changes, fingerprint: fingerprint.digest('hex') } };
}

class RollBack extends Error {
  constructor(readonly result: DryRunResult) {
    super('dry run: rolled back');
  }
}

const NO_CHANGE = (kind: ImportKind): ImportChange => ({
  tables: DIFF_TABLES[kind].map((t) => ({ table: t.table, added: [], changed: [], removed: [] })),
  fingerprint: '',
});

/** Runs an import in a transaction that is always rolled back: what it would change, or every problem of the file. */
export async function dryRun(db: Db, kind: ImportKind, files: string[], options: Record<string, unknown>): Promise<DryRunResult> {
  try {
    await db.transaction(async (tx) => {
      try {
        const { report, change } = await importWithChange(tx, db.backend, kind, files, options);
        throw new RollBack({ report, problems: [], change });
      } catch (e) {
        if (e instanceof ImportError) throw new RollBack({ problems: e.issues, change: NO_CHANGE(kind) });
        throw e;
      }
    });
  } catch (e) {
    if (e instanceof RollBack) return e.result;
    throw e;
  }
  throw new Error('dry run: the transaction was not rolled back');
}
