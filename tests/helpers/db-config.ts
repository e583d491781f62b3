import { fileURLToPath } from 'node:url';

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
