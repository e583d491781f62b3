import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { heldCursor } from './cursor.js';
import { toDbError } from './errors.js';
import { lockDataDir } from './lock.js';
import { postgisExtension } from './postgis-bundle.js';
import type { Db, QueryResult, Queryable, Row } from './port.js';
import { parsers } from './types.js';

function wrap(q: Pick<PGlite, 'query' | 'exec'>): Queryable {
  return {
    async query<T = Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
      const r = await q.query<T>(sql, params as unknown[]).catch((e: unknown) => {
        throw toDbError(e, 0);
      });
      // Like node-postgres: rows returned for a statement with a result set, rows affected otherwise.
      return { rows: r.rows, rowCount: r.fields.length > 0 ? r.rows.length : (r.affectedRows ?? 0) };
    },
    async exec(sql: string): Promise<void> {
      await q.exec(sql).catch((e: unknown) => {
        throw toDbError(e, 0);
      });
    },
  };
}

/** A PGlite with PostGIS, pg_trgm (search, migration 100) and the shared type parsers, on `dataDir` (not locked: callers lock). */
export async function createPglite(dataDir?: string): Promise<PGlite> {
  const pg = await PGlite.create({ dataDir, extensions: { postgis: await postgisExtension(), pg_trgm }, parsers });
  await pg.exec('CREATE EXTENSION IF NOT EXISTS postgis');
  return pg;
}

/**
 * Embedded PostgreSQL (WASM) with PostGIS, data kept in `dataDir` (or in memory when undefined).
 * A data folder is locked for the life of the database (see lock.ts): a second opener gets DataDirInUseError.
 */
export async function openPglite(dataDir?: string): Promise<Db> {
  const lock = dataDir ? lockDataDir(dataDir) : undefined;
  let pg: PGlite;
  try {
    pg = await createPglite(dataDir);
  } catch (e) {
    lock?.release();
    throw e;
  }
  const base = wrap(pg);
  return {
    backend: 'pglite',
    query: base.query,
    exec: base.exec,
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    cursor: (sql, params, batchRows) => heldCursor(base, sql, params, batchRows),
    close: () => pg.close().finally(() => lock?.release()),
  };
}
