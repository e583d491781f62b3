// Cursors behind Db.cursor (port.ts), for the adapters.
import type { Queryable, Row } from './port.js';

/** Rows per FETCH: a few hundred kB of an export at a time. */
export const BATCH_ROWS = 1000;

let names = 0;

/**
 * A cursor WITH HOLD, declared outside any transaction: PostgreSQL runs the query at once and keeps its rows on its
 * side, so the FETCHes that follow are separate statements. On the embedded database (one connection) other work
 * runs between them, where a cursor inside an open transaction would hold the connection until the last batch.
 */
export async function* heldCursor<T = Row>(q: Queryable, sql: string, params: readonly unknown[] = [], batchRows = BATCH_ROWS): AsyncGenerator<T[]> {
  const name = `export_${++names}`;
  await q.query(`DECLARE ${name} NO SCROLL CURSOR WITH HOLD FOR ${sql}`, params);
  try {
    yield* fetchAll<T>(q, name, batchRows);
  } finally {
    await q.query(`CLOSE ${name}`).catch(() => {});
  }
}

/** FETCHes from an open cursor until it is exhausted. */
export async function* fetchAll<T = Row>(q: Queryable, name: string, batchRows: number): AsyncGenerator<T[]> {
  for (;;) {
    const { rows } = await q.query<T>(`FETCH ${batchRows} FROM ${name}`);
    if (rows.length > 0) yield rows;
    if (rows.length < batchRows) return;
  }
}

/** Each batch of rows through `fn`. */
export async function* mapBatches<T, U>(batches: AsyncIterable<T[]> | Iterable<T[]>, fn: (row: T) => U): AsyncGenerator<U[]> {
  for await (const rows of batches) yield rows.map(fn);
}
