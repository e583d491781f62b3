// Test databases: each suite gets its own, started from the migrated template of global-setup.ts.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { openPglite } from '../../server/src/db/pglite.js';
import { openPg } from '../../server/src/db/pg.js';
import type { Backend, Db } from '../../server/src/db/port.js';
import { onServer, pgTemplateName, testDatabaseUrl, withDatabase } from './db-config.js';

export interface TestBackend {
  name: Backend;
  /** A fresh migrated database; close it with the returned `dispose`. */
  open(): Promise<{ db: Db; dispose: () => Promise<void> }>;
}

const pglite: TestBackend = {
  name: 'pglite',
  async open() {
    const template = process.env.PGLITE_TEMPLATE;
    if (!template) throw new Error('PGLITE_TEMPLATE is not set: run the tests through vitest (globalSetup)');
    const dir = await mkdtemp(join(tmpdir(), 'cpts-test-'));
    await cp(template, dir, { recursive: true });
    const db = await openPglite(dir);
    return {
      db,
      dispose: async () => {
        await db.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};

const postgis = (url: string): TestBackend => ({
  name: 'postgis',
  async open() {
    const name = `cpts_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    await onServer(url, `CREATE DATABASE ${name} TEMPLATE ${pgTemplateName()}`);
    const db = await openPg(withDatabase(url, name));
    return { db, dispose: () => dropDatabase(db, url, name) };
  },
});

/** Closes a test database of the PostGIS server and drops it. */
export async function dropDatabase(db: Db, url: string, name: string): Promise<void> {
  await db.close();
  await onServer(url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

const url = testDatabaseUrl();

/** The backends under test: PGlite always, PostGIS when TEST_DATABASE_URL (or DATABASE_URL) is set. */
export const backends: TestBackend[] = url ? [pglite, postgis(url)] : [pglite];

/**
 * Declares `fn` once per backend. Without a PostGIS URL the PostGIS block is declared skipped,
 * so the runner's summary shows the PostGIS tests as skipped rather than silently absent.
 */
export function describeEachBackend(title: string, fn: (backend: TestBackend) => void): void {
  for (const b of backends) describe(`${title} [${b.name}]`, () => fn(b));
  if (!url) describe.skip( // skipped on purpose: no PostGIS server configured (reason also in the title)
    `${title} [postgis: skipped, TEST_DATABASE_URL not set]`, () => fn(postgis('postgresql://unset')));
}

/** A fresh database for the enclosing block: opened before its tests, disposed after them. Call the getter in tests. */
export function freshDatabase(backend: TestBackend): () => Db {
  let opened: { db: Db; dispose: () => Promise<void> } | undefined;
  beforeAll(async () => {
    opened = await backend.open();
  });
  afterAll(async () => {
    await opened?.dispose();
  });
  return () => opened!.db;
}
