// Builds the migrated template databases once per test run; each suite starts from a copy
// (PGlite: a copy of the data folder; PostGIS: CREATE DATABASE … TEMPLATE).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { migrate, readMigrations } from '../../server/src/db/migrate.js';
import { openPglite } from '../../server/src/db/pglite.js';
import { openPg } from '../../server/src/db/pg.js';
import { CACHE_DIR, dropStaleDatabases, onServer, pgTemplateName, pgliteTemplateDir, testDatabaseUrl, withDatabase } from './db-config.js';

export default async function setup(): Promise<(() => Promise<void>) | void> {
  const hash = createHash('sha256')
    .update((await readMigrations()).map((m) => m.checksum).join())
    .digest('hex')
    .slice(0, 12);
  process.env.PGLITE_TEMPLATE = pgliteTemplateDir(hash);
  const dir = process.env.PGLITE_TEMPLATE;
  if (!existsSync(dir)) {
    await mkdir(CACHE_DIR, { recursive: true });
    const tmp = `${dir}.tmp-${process.pid}`;
    await rm(tmp, { recursive: true, force: true });
    const db = await openPglite(tmp);
    await migrate(db);
    await db.close();
    // Another test run may have built the same template meanwhile: keep the first one.
    await rename(tmp, dir).catch(async (e: NodeJS.ErrnoException) => {
      if (!existsSync(dir)) throw e;
      await rm(tmp, { recursive: true, force: true });
    });
  }

  const url = testDatabaseUrl();
  if (!url) {
    console.warn('\n*** TEST_DATABASE_URL is not set: the PostGIS tests are SKIPPED; only PGlite is tested. ***\n');
    return;
  }
  const PG_TEMPLATE = pgTemplateName();
  process.env.PG_TEST_TEMPLATE = PG_TEMPLATE;
  // templates and copies left by runs that were killed
  await dropStaleDatabases(url, 'cpts\\_test\\_');
  await onServer(url, `CREATE DATABASE ${PG_TEMPLATE}`);
  const tmplUrl = withDatabase(url, PG_TEMPLATE);
  await onServer(tmplUrl, 'CREATE EXTENSION IF NOT EXISTS postgis');
  const db = await openPg(tmplUrl);
  await migrate(db);
  await db.close();
  console.warn(`PostGIS tests run on ${tmplUrl.replace(/:[^:@/]*@/, ':***@')} and copies of it.`);
  return () => onServer(url, `DROP DATABASE IF EXISTS ${PG_TEMPLATE} WITH (FORCE)`);
}
