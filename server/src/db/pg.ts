import pg from 'pg';
import type { Db, QueryResult, Queryable, Row } from './port.js';
import { DbUnavailableError } from './port.js';
import { parsers } from './types.js';

const types = {
  getTypeParser: ((oid: number, format?: string) =>
    parsers[oid] ?? pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

function wrap(c: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<T = Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
      const r = await c.query({ text: sql, values: params as unknown[], types });
      return { rows: r.rows as T[], rowCount: r.rowCount ?? r.rows.length };
    },
    async exec(sql: string): Promise<void> {
      await c.query(sql);
    },
  };
}

/** A connection pool on a PostgreSQL + PostGIS server. Fails fast with one clear line. */
export async function openPg(url: string): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max: 8, connectionTimeoutMillis: 5000 });
  pool.on('error', () => {}); // idle-client errors surface on the next query
  try {
    const r = await pool.query("SELECT extversion FROM pg_extension WHERE extname = 'postgis'");
    if (r.rowCount === 0) {
      await pool.end();
      throw new DbUnavailableError(
        `PostGIS is not installed in this database (${redact(url)}): run "CREATE EXTENSION postgis" as a superuser.`,
      );
    }
  } catch (e) {
    if (e instanceof DbUnavailableError) throw e;
    await pool.end().catch(() => {});
    throw new DbUnavailableError(`Cannot reach DATABASE_URL ${redact(url)}: ${(e as Error).message}`);
  }
  const base = wrap(pool);
  return {
    backend: 'postgis',
    query: base.query,
    exec: base.exec,
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
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
