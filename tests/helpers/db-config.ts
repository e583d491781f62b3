import { fileURLToPath } from 'node:url';

export const CACHE_DIR = fileURLToPath(new URL('../.cache/', import.meta.url));
export const PG_TEMPLATE = 'cpts_test_template';

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
