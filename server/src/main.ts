// `npm start`: opens the database (embedded PGlite by default, PostGIS with DATABASE_URL), applies
// migrations, loads the demo bundle into an empty database, and serves the app.
import cluster from 'node:cluster';
import { writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig, type Config } from './config.js';
import { hasDatabase, restoreImage } from './db/image.js';
import { openDb } from './db/open.js';
import { DbUnavailableError, type Db } from './db/port.js';
import { ImportError } from './import/errors.js';
import { createLogger, type Logger } from './logger.js';

// The app's own modules (express, the routes, the API contract, the importers) are loaded while the embedded
// database opens in its worker thread, not before: on a warm start both take seconds of CPU, and a machine has
// more than one core. Only what opening the database needs is imported above.

function fail(message: string): never {
  process.stderr.write(`Error: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const config = loadConfig();
  const base = createLogger(config.logLevel);
  if (config.workers > 1 && cluster.isPrimary) return supervise(config, base);
  const log = cluster.isWorker ? base.child({ pid: process.pid }) : base; // which worker served a request
  // a basemap file that cannot be read stops the start with one clear line, before the database is opened
  const basemap = config.basemapPmtiles ? await (await import('./tiles/basemap.js')).openBasemap(config.basemapPmtiles) : undefined;
  const where = config.databaseUrl ? 'PostGIS (DATABASE_URL)' : `embedded PGlite in ${config.dataDir}`;
  log.info(`opening the database: ${where}`);
  const t0 = Date.now();
  const opening = openDb(config, {
    statementTimeoutMs: config.statementTimeoutMs,
    onRestart: (reason) => log.warn(`embedded database: ${reason}`),
    readReplica: config.pgliteReadReplica,
    beforeOpen: async () => {
      // first start: the demo database prepared by `npm install` (server/src/db/image.ts), if it matches
      if (!config.seedDemo || hasDatabase(config.dataDir)) return;
      if (await restoreImage(config.geodataDir, config.dataDir)) log.info('first start: copied the prepared demo database');
      else log.info('first start: no prepared demo database for this bundle, creating it (about a minute)');
    },
  });
  const modules = Promise.all([import('./app.js'), import('./cli/handoff.js')]);
  modules.catch(() => {}); // reported below, once the database is open (or failed first)
  const db: Db = await opening;
  if (cluster.isPrimary) await prepare(db, config, log); // a worker's database was prepared by the primary
  log.info({ ms: Date.now() - t0 }, 'database ready');

  // WORKERS > 1: the first worker alone prerenders the low-zoom tiles after each data change (each process has its own
  // cache; n prerenders at once kept n PostgreSQL cores busy for the same tiles); the others render them on demand
  // the embedded database keeps its tiles in its data folder across restarts (server/src/tiles/store.ts)
  const tiles = cluster.isWorker && cluster.worker?.id !== 1 ? { prerenderMaxZoom: -1 } : config.databaseUrl ? undefined : { dataDir: config.dataDir };
  const [{ createApp }, { serverFile }] = await modules;
  const app = createApp({ db, log, config, basemap, tiles });
  const server: Server = app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  }).catch(async (e: NodeJS.ErrnoException) => {
    await db.close().catch(() => {});
    if (e.code === 'EADDRINUSE') fail(`port ${config.port} is already in use; set PORT to a free port (e.g. PORT=3001 npm start).`);
    if (e.code === 'EACCES') fail(`no permission to listen on port ${config.port}; use a port above 1024.`);
    throw e;
  });
  log.info(`serving on http://localhost:${config.port} (${db.backend})`);
  if (!config.databaseUrl) {
    // where an import CLI run against this data folder hands its file (server/src/cli/handoff.ts)
    const host = ['0.0.0.0', '::', ''].includes(config.host) ? '127.0.0.1' : config.host;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${(server.address() as AddressInfo).port}`;
    writeFileSync(serverFile(config.dataDir), JSON.stringify({ url, pid: process.pid }) + '\n');
    whenQuiet(server, QUIET_MS, () => void warmUp(url));
  }

  const stop = () => {
    log.info('stopping');
    server.close(() => void db.close().finally(() => process.exit(0)));
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** No request for this long: the first page has its map and tiles, and the warm-up will not slow it down. */
const QUIET_MS = 2000;

/** Runs `work` once, the first time the server has had no request for `quietMs`. */
function whenQuiet(server: Server, quietMs: number, work: () => void): void {
  let last = performance.now();
  const seen = () => (last = performance.now());
  server.on('request', seen);
  const timer = setInterval(() => {
    if (performance.now() - last < quietMs) return;
    clearInterval(timer);
    server.off('request', seen);
    work();
  }, 250).unref();
}

/**
 * The ARS view's first answers (the CPTS list, the coverage figures) cost about a second of the embedded database's
 * CPU the first time (plans, caches): asked once in the background, so that a first visit there does not wait for it.
 */
async function warmUp(url: string): Promise<void> {
  for (const path of ['/api/cpts', '/api/coverage']) await fetch(url + path).then((r) => r.arrayBuffer(), () => undefined);
}

/**
 * Migrations, and the demo bundle in an empty database. On PostGIS, servers starting together (replicas behind a
 * proxy) take turns: an advisory lock, held by a transaction of its own while the work runs on the pool's other
 * connections; the next one finds the work done.
 */
async function prepare(db: Db, config: Config, log: Logger): Promise<void> {
  if (db.backend !== 'postgis') return prepareNow(db, config, log);
  await db.transaction(async (tx) => {
    await tx.exec('SET LOCAL statement_timeout = 0'); // the wait lasts as long as the other's demo import
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['cpts-territoires: prepare']);
    await prepareNow(db, config, log);
  });
}

async function prepareNow(db: Db, config: Config, log: Logger): Promise<void> {
  const applied = await (await import('./db/migrate.js')).migrate(db);
  if (applied.length) log.info({ applied }, 'migrations applied');
  if (config.seedDemo) await (await import('./seed.js')).seedIfEmpty(db, config.geodataDir, log);
}

/**
 * WORKERS > 1 (PostGIS only, see config.ts): the database prepared once here, then that many server processes
 * sharing the port (node:cluster hands each connection to one of them). They keep no state of their own that
 * matters: sessions and rate-limit counts are in the database, and each tile cache follows the data version.
 * A worker that dies is replaced; one that stops before it ever listened (a taken port) stops them all.
 */
async function supervise(config: Config, log: Logger): Promise<void> {
  const db = await openDb(config, { statementTimeoutMs: config.statementTimeoutMs });
  try {
    await prepare(db, config, log);
  } finally {
    await db.close();
  }
  const listening = new Set<number>();
  let stopping = false;
  const stopAll = (code: number) => {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    cluster.on('exit', () => Object.keys(cluster.workers ?? {}).length === 0 && process.exit(code));
    setTimeout(() => process.exit(code), 6000).unref();
  };
  cluster.on('listening', (w) => listening.add(w.id));
  cluster.on('exit', (w, code, signal) => {
    if (stopping) return;
    if (!listening.has(w.id)) return stopAll(1); // it said why on stderr
    log.error(`worker ${w.process.pid} stopped (${signal ?? `exit ${code}`}); starting another`);
    cluster.fork();
  });
  for (let i = 0; i < config.workers; i++) cluster.fork();
  log.info(`${config.workers} workers serving on http://localhost:${config.port} (postgis)`);
  process.once('SIGINT', () => stopAll(0));
  process.once('SIGTERM', () => stopAll(0));
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError || e instanceof DbUnavailableError) fail(e.message);
  if (e instanceof ImportError) fail(`the demo data could not be loaded:\n  ${e.message}`);
  fail(e instanceof Error ? e.message : String(e));
});
