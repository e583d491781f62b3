// `npm start`: opens the database (embedded PGlite by default, PostGIS with DATABASE_URL), applies
// migrations, loads the demo bundle into an empty database, and serves the app.
import { writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import { serverFile } from './cli/handoff.js';
import { ConfigError, loadConfig } from './config.js';
import { hasDatabase, restoreImage } from './db/image.js';
import { migrate } from './db/migrate.js';
import { openDb } from './db/open.js';
import { DbUnavailableError, type Db } from './db/port.js';
import { ImportError } from './import/errors.js';
import { createLogger } from './logger.js';
import { seedIfEmpty } from './seed.js';
import { openBasemap } from './tiles/basemap.js';

function fail(message: string): never {
  process.stderr.write(`Error: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  // a basemap file that cannot be read stops the start with one clear line, before the database is opened
  const basemap = config.basemapPmtiles ? await openBasemap(config.basemapPmtiles) : undefined;
  const where = config.databaseUrl ? 'PostGIS (DATABASE_URL)' : `embedded PGlite in ${config.dataDir}`;
  log.info(`opening the database: ${where}`);
  const t0 = Date.now();
  const db: Db = await openDb(config, {
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
  const applied = await migrate(db);
  log.info({ applied, ms: Date.now() - t0 }, 'database ready');
  if (config.seedDemo) await seedIfEmpty(db, config.geodataDir, log);

  const app = createApp({ db, log, config, basemap });
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
  }

  const stop = () => {
    log.info('stopping');
    server.close(() => void db.close().finally(() => process.exit(0)));
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError || e instanceof DbUnavailableError) fail(e.message);
  if (e instanceof ImportError) fail(`the demo data could not be loaded:\n  ${e.message}`);
  fail(e instanceof Error ? e.message : String(e));
});
