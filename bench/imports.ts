// npm run bench:import — the national imports timed on a clean database of each backend: the embedded PGlite (a
// temporary folder) and, when BENCH_DATABASE_URL (or DATABASE_URL, TEST_DATABASE_URL) is set, PostGIS (database
// cpts_bench_import, created afresh). Target: the national commune import on PGlite within 60 s.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { migrate } from '../server/src/db/migrate.js';
import { openPg } from '../server/src/db/pg.js';
import { openPglite } from '../server/src/db/pglite.js';
import type { Db } from '../server/src/db/port.js';
import { runImport } from '../server/src/import/index.js';
import type { ImportKind } from '../server/src/import/log.js';

const SOURCES = fileURLToPath(new URL('../../shared/geodata-sources/', import.meta.url));
const DB_NAME = 'cpts_bench_import';

const STEPS: [ImportKind, string[], Record<string, unknown>][] = [
  ['communes', ['communes-2018'], {}],
  ['finess', ['finess/etalab-cs1100507-stock-20210108-reconstructed.csv.gz'], {}],
  ['zoning', ['zonage/zonage-mg-par-commune.csv'], { source: 'zonage non officiel (ZonageMed)', unofficial: true, vintage: '2022–2024 (estimé)' }],
  ['bassins', ['insee-supracom-2024'], {}],
  ['cpts', ['cpts/paca-ars-2026-01/cpts-paca-communes.csv'], { status: 'non renseigné', source: 'ARS PACA, listing des CPTS, janvier 2026' }],
];

async function run(name: string, db: Db): Promise<void> {
  await migrate(db);
  for (const [kind, files, options] of STEPS) {
    const t0 = performance.now();
    const r = await runImport(db, kind, files.map((f) => join(SOURCES, f)), options);
    const s = ((performance.now() - t0) / 1000).toFixed(1);
    console.log(`${name.padEnd(8)} ${kind.padEnd(9)} ${s.padStart(6)} s  ${r.warnings.length} warning(s)  ${JSON.stringify(r.counts)}`);
  }
  const counts = await db.query(
    `SELECT (SELECT count(*) FROM commune)::int communes, (SELECT count(*) FROM pharmacie)::int pharmacies,
            (SELECT count(*) FROM pharmacie WHERE commune_code IN ('97701', '97801'))::int pharmacies_977_978,
            (SELECT count(*) FROM pharmacie p WHERE NOT EXISTS (SELECT 1 FROM commune c WHERE c.code = p.commune_code))::int pharmacies_commune_inconnue`,
  );
  console.log(`${name.padEnd(8)} ${JSON.stringify(counts.rows[0])}`);
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cpts-bench-import-'));
  const lite = await openPglite(dir);
  try {
    await run('pglite', lite);
  } finally {
    await lite.close();
    await rm(dir, { recursive: true, force: true });
  }
  const url = process.env.BENCH_DATABASE_URL || process.env.DATABASE_URL || process.env.TEST_DATABASE_URL;
  if (!url) {
    console.log('postgis  skipped: set BENCH_DATABASE_URL to time the imports on PostGIS too');
    return;
  }
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DB_NAME}`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${DB_NAME}`;
  const c = new pg.Client({ connectionString: u.toString() });
  await c.connect();
  await c.query('CREATE EXTENSION IF NOT EXISTS postgis');
  await c.end();
  const db = await openPg(u.toString());
  try {
    await run('postgis', db);
  } finally {
    await db.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
