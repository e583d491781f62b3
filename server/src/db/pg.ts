import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Db, QueryResult, Queryable, Row } from './port.js';
import { BATCH_ROWS, fetchAll } from './cursor.js';
import { toDbError } from './errors.js';
import { DbUnavailableError, isPrepared } from './port.js';
import { parsers } from './types.js';

const types = {
  getTypeParser: ((oid: number, format?: string) =>
    parsers[oid] ?? pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

function wrap(c: pg.Pool | pg.PoolClient, timeoutMs: number): Queryable {
  return {
    async query<T = Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
      try {
        const name = isPrepared(sql) ? `p_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}` : undefined;
        const r = await c.query({ text: sql, values: params as unknown[], types, ...(name ? { name } : {}) });
        return { rows: r.rows as T[], rowCount: r.rowCount ?? r.rows.length };
      } catch (e) {
        throw toDbError(e, timeoutMs);
      }
    },
    async exec(sql: string): Promise<void> {
      await c.query(sql).catch((e: unknown) => {
        throw toDbError(e, timeoutMs);
      });
    },
  };
}

export interface PgOptions {
  /** PostgreSQL's statement_timeout for every statement of the pool (ms); 0 or absent: none (CLI imports). */
  statementTimeoutMs?: number;
}

/**
 * A connection pool on a PostgreSQL + PostGIS server. Fails fast with one clear line. Once open, it outlives the
 * server's restarts: broken connections leave the pool, new ones are made on demand, and meanwhile queries fail
 * with DbUnavailableError (HTTP 503).
 */
/** Session settings of every connection the app opens (the reasons are at their use in openPg). */
export const PG_SESSION_OPTIONS = '-c jit=off -c random_page_cost=1.1';
/** Added on the connections that run the statements marked prepared(). */
export const PG_GENERIC_PLAN_OPTION = ' -c plan_cache_mode=force_generic_plan';

export async function openPg(url: string, options: PgOptions = {}): Promise<Db> {
  const timeoutMs = options.statementTimeoutMs ?? 0;
  const newPool = (settings: string) =>
    new pg.Pool({
      connectionString: url,
      max: 8,
      connectionTimeoutMillis: 5000,
      // JIT compilation costs 0.5–0.7 s per query whose estimate crosses jit_above_cost (the contiguity pairs of a
      // 100-commune perimeter: 1.2 s with JIT, 0.1 s without); the app's queries are short, JIT never pays back.
      // random_page_cost 1.1 (default 4, a disk's seeks): the data is read from memory, where an index probe costs
      // about what a page of a sequential scan does; at 4 the planner hash-joined whole scans of pharmacie or
      // cpts_commune for a département's few hundred rows (the pharmacy count: 19 -> 10 ms of backend CPU).
      options: PG_SESSION_OPTIONS + settings,
      ...(timeoutMs > 0 ? { statement_timeout: timeoutMs } : {}),
    });
  const pool = newPool('');
  // The statements marked prepared() (db/port.ts) run on connections of their own that keep a generic plan from the
  // first call: PostgreSQL's own choice kept planning some of them at every call, where planning was most of their
  // cost (nearby's nearest sites 13 -> 1.8 ms of backend CPU). The setting applies to every statement with parameters
  // of a connection, named or not: the others (search: 18 -> 75 ms generic) keep custom plans on the main pool.
  const generic = newPool(PG_GENERIC_PLAN_OPTION);
  generic.on('error', () => {});
  pool.on('error', () => {}); // idle-client errors surface on the next query
  try {
    const r = await pool.query("SELECT extversion FROM pg_extension WHERE extname = 'postgis'");
    if (r.rowCount === 0) {
      await Promise.all([pool.end(), generic.end()]);
      throw new DbUnavailableError(
        `PostGIS is not installed in this database (${redact(url)}): run "CREATE EXTENSION postgis" as a superuser.`,
      );
    }
  } catch (e) {
    if (e instanceof DbUnavailableError) throw e;
    await Promise.all([pool.end(), generic.end()]).catch(() => {});
    throw new DbUnavailableError(`Cannot reach DATABASE_URL ${redact(url)}: ${(e as Error).message}`);
  }
  const base = wrap(pool, timeoutMs);
  const planned = wrap(generic, timeoutMs);
  return {
    backend: 'postgis',
    query: (sql, params) => (isPrepared(sql) ? planned : base).query(sql, params),
    exec: base.exec,
    async transaction(fn) {
      const client = await pool.connect().catch((e: unknown) => {
        throw toDbError(e, timeoutMs);
      });
      const tx = wrap(client, timeoutMs);
      try {
        await tx.exec('BEGIN');
        const result = await fn(tx);
        await tx.exec('COMMIT');
        client.release();
        return result;
      } catch (e) {
        // a connection that cannot even roll back is broken: destroyed, not returned to the pool
        const rolledBack = await client.query('ROLLBACK').then(() => true, () => false);
        client.release(rolledBack ? undefined : true);
        throw e;
      }
    },
    async *cursor<T = Row>(sql: string, params: readonly unknown[] = [], batchRows = BATCH_ROWS) {
      const client = await pool.connect().catch((e: unknown) => {
        throw toDbError(e, timeoutMs);
      });
      const q = wrap(client, timeoutMs);
      let ended = false;
      try {
        await q.exec(`BEGIN READ ONLY; ${exportSettings(timeoutMs)}`);
        await q.query(`DECLARE export NO SCROLL CURSOR FOR ${sql}`, params);
        yield* fetchAll<T>(q, 'export', batchRows);
        await q.exec('COMMIT');
        ended = true;
      } finally {
        // left early or failed: a connection that cannot even roll back is destroyed, not returned to the pool
        if (!ended) ended = await client.query('ROLLBACK').then(() => true, () => false);
        client.release(ended ? undefined : true);
      }
    },
    close: async () => {
      await Promise.all([pool.end(), generic.end()]);
    },
  };
}

/**
 * An export reads every row: planned for all of them (a cursor is otherwise planned for its first tenth), without
 * JIT (off on every connection of the pool, see openPg); a client that stops reading does not hold its connection past the
 * statement timeout.
 */
function exportSettings(timeoutMs: number): string {
  const idle = timeoutMs > 0 ? ` SET LOCAL idle_in_transaction_session_timeout = ${timeoutMs};` : '';
  return `SET LOCAL cursor_tuple_fraction = 1; SET LOCAL jit = off;${idle}`;
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}
