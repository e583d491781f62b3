import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const CACHE_DIR = fileURLToPath(new URL('../.cache/', import.meta.url));
/** One PostGIS template per test run, so simultaneous runs do not drop each other's (set by global-setup). */
export const pgTemplateName = () => process.env.PG_TEST_TEMPLATE ?? `cpts_test_template_${process.pid}`;

export const pgliteTemplateDir = (hash: string) => `${CACHE_DIR}pglite-template-${hash}`;

/** The PostGIS server for tests: TEST_DATABASE_URL, else DATABASE_URL, else none (PostGIS tests skipped). */
export function testDatabaseUrl(): string | undefined {
  return process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || undefined;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Whether process `pid` of this machine still runs (a test database named after a dead run's pid is stale). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `sql` statements on the PostgreSQL server of `url`, through a connection of their own. */
export async function onServer(url: string, ...sql: string[]): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    for (const q of sql) await c.query(q);
  } finally {
    await c.end();
  }
}

/**
 * Drops the databases `<prefix>…_<pid>…` left by test runs that were killed before their teardown (the pid in
 * the name is the run's, and that process is gone). `prefix` is a LIKE pattern, its `_` escaped.
 */
export async function dropStaleDatabases(url: string, prefix: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const stale = await c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${prefix}%`]);
    for (const { datname } of stale.rows) {
      const pid = Number(/_(\d+)(_|$)/.exec(datname)?.[1]);
      if (pid && !alive(pid)) await c.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    }
  } finally {
    await c.end();
  }
}
