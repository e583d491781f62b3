import { prepared, type Queryable } from '../db/port.js';
import type { DataSource } from './contract/endpoint.js';

/** The latest import of each kind in $1 (exported for the bench, which leaves it out of an analysis's SQL). */
export const DATA_SOURCES_SQL = prepared(`SELECT DISTINCT ON (kind) kind, file_name, imported_at
       FROM import_log WHERE kind = ANY($1::text[])
      ORDER BY kind, imported_at DESC, id DESC`);

/**
 * The latest import of each kind asked for: every answer built on imported data says where it comes from.
 */
export async function dataSources(db: Queryable, kinds: readonly string[]): Promise<DataSource[]> {
  const r = await db.query<{ kind: string; file_name: string; imported_at: Date }>(DATA_SOURCES_SQL, [kinds]);
  return r.rows.map((x) => ({ type: x.kind, fichier: x.file_name, importeLe: new Date(x.imported_at).toISOString() }));
}
