import type { Queryable } from '../db/port.js';

/**
 * Sends rows to the database as JSON in chunks: `sql` receives the chunk as `$1::jsonb`
 * (an array of objects), typically `INSERT … SELECT … FROM jsonb_to_recordset($1::jsonb) AS r(…)`.
 * One round trip per chunk, identical on PGlite and node-postgres.
 */
export async function insertJson(
  tx: Queryable,
  sql: string,
  rows: readonly object[],
  opts: { chunk?: number; extraParams?: unknown[]; onProgress?: (done: number, total: number) => void } = {},
): Promise<number> {
  const size = opts.chunk ?? 2000;
  let affected = 0;
  for (let i = 0; i < rows.length; i += size) {
    const part = rows.slice(i, i + size);
    const r = await tx.query(sql, [JSON.stringify(part), ...(opts.extraParams ?? [])]);
    affected += r.rowCount;
    opts.onProgress?.(Math.min(i + size, rows.length), rows.length);
  }
  return affected;
}
