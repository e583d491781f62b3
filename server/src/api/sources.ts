import type { Queryable } from '../db/port.js';
import type { ImportKind } from '../import/log.js';

export interface DataSource {
  kind: ImportKind;
  file: string;
  importedAt: string;
}

/**
 * The latest import of each kind asked for: every answer built on imported data says where it comes from.
 */
export async function dataSources(db: Queryable, kinds: readonly ImportKind[]): Promise<DataSource[]> {
  const r = await db.query<{ kind: ImportKind; file_name: string; imported_at: Date }>(
    `SELECT DISTINCT ON (kind) kind, file_name, imported_at
       FROM import_log WHERE kind = ANY($1::text[])
      ORDER BY kind, imported_at DESC, id DESC`,
    [kinds],
  );
  return r.rows.map((x) => ({ kind: x.kind, file: x.file_name, importedAt: new Date(x.imported_at).toISOString() }));
}
