// The national data of the benches: ../shared/geodata-sources loaded through the real importers into the database
// `cpts_bench` of a PostGIS server (all commune outlines, the FINESS stock, the GP proxy, the 103 approximate CPTS
// perimeters, and ~700 generated CPTS perimeters with overlaps, bench/generate-cpts.ts). Kept between runs.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { migrate } from '../server/src/db/migrate.js';
import { openPg } from '../server/src/db/pg.js';
import type { Db } from '../server/src/db/port.js';
import { runImport } from '../server/src/import/index.js';
import { generateCpts, generatedCptsCsv } from './generate-cpts.js';

const SOURCES = fileURLToPath(new URL('../../shared/geodata-sources/', import.meta.url));
const BENCH_DB = 'cpts_bench';

async function ensureDatabase(url: string, reload: boolean): Promise<string> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [BENCH_DB])).rowCount;
  if (exists && reload) await admin.query(`DROP DATABASE ${BENCH_DB} WITH (FORCE)`);
  if (!exists || reload) await admin.query(`CREATE DATABASE ${BENCH_DB}`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${BENCH_DB}`;
  const c = new pg.Client({ connectionString: u.toString() });
  await c.connect();
  await c.query('CREATE EXTENSION IF NOT EXISTS postgis');
  await c.end();
  return u.toString();
}

async function load(db: Db): Promise<void> {
  const done = (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM import_log WHERE file_name = 'bench-cpts-generated.csv'")).rows[0]!.n;
  if (done) {
    console.log('national data already loaded (use --reload to load again)');
    return;
  }
  const step = async (kind: Parameters<typeof runImport>[1], files: string[], options: Record<string, unknown> = {}) => {
    const t0 = performance.now();
    const r = await runImport(db, kind, files, options);
    console.log(`  ${kind.padEnd(11)} ${String(r.rows).padStart(7)} rows  ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s  ${JSON.stringify(r.counts)}`);
  };
  console.log('loading the national sources:');
  await step('communes', [join(SOURCES, 'communes-2018')]);
  await step('finess', [join(SOURCES, 'finess', 'etalab-cs1100507-stock-20210108-reconstructed.csv.gz')]);
  await step('gp', [join(SOURCES, 'gp', 'PS_communes_sirene_2019-03_national.csv')], { year: 2019 });
  await step('cpts', [join(SOURCES, 'cpts', 'cpts-perimeters-approx.csv')]);
  const codes = new Set((await db.query<{ code: string }>('SELECT code FROM commune')).rows.map((r) => r.code));
  const dir = await mkdtemp(join(tmpdir(), 'cpts-bench-'));
  const file = join(dir, 'bench-cpts-generated.csv');
  await writeFile(file, generatedCptsCsv(generateCpts({ onlyCodes: codes })));
  await step('cpts', [file], { perimetre: 'illustratif', source: 'banc d’essai : périmètres générés (bench/generate-cpts.ts)' });
  await rm(dir, { recursive: true, force: true });
  await db.query('ANALYZE');
}

/**
 * VACUUM ANALYZE once after the load, as autovacuum does on a production server (off on the bench machine): without
 * it, index-only scans read the heap for every row (no visibility map) and every trigram search also reads the
 * trigram indexes' pending lists whole (GIN fastupdate: 740 pages over the four indexes after a national load).
 */
async function vacuumOnce(db: Db): Promise<void> {
  const never = (
    await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_user_tables WHERE relname IN ('commune', 'pharmacie', 'structure', 'cpts', 'cpts_commune') AND last_vacuum IS NULL AND last_autovacuum IS NULL",
    )
  ).rows[0]!.n;
  if (!never) return;
  const t0 = performance.now();
  await db.query('VACUUM ANALYZE');
  console.log(`VACUUM ANALYZE of the loaded data (once): ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** The bench database on the server of `url`, migrated and loaded (again with `reload`), and its URL. */
export async function benchDatabase(url: string, reload: boolean): Promise<{ url: string; db: Db }> {
  const benchUrl = await ensureDatabase(url, reload);
  const db = await openPg(benchUrl);
  await migrate(db);
  await load(db);
  await vacuumOnce(db);
  return { url: benchUrl, db };
}
