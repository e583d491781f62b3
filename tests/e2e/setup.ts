// globalSetup of the end-to-end suite (vitest.e2e.config.ts), once per project, that is per database backend:
//  1. builds the map client when client/dist is missing or older than client/src (`npm run build:client`);
//  2. pglite: prepares ONE seeded embedded database, cached in tests/.cache/e2e-pglite-<hash> where the hash covers
//     the migrations, the demo bundle (geodata/ manifest and files), the importer sources and the PGlite version:
//     when absent, the real server seeds it exactly as `npm start` does (empty DATA_DIR, SEED_DEMO=true) and is
//     stopped cleanly; the run's server gets a copy of that folder;
//     postgis: creates an empty database cpts_e2e_<pid>_<random> on TEST_DATABASE_URL's server with PostGIS
//     installed (what the README asks of an operator), and the run's server seeds it at its first start, as
//     `npm start` with DATABASE_URL and SEED_DEMO=true does (nothing cached: about a minute);
//  3. starts the real server (`npx tsx server/src/main.ts`) on it and a free port, waits for /api/health, creates
//     the first admin with `npm run user -- add`, and launches the project's chromium (Debian's /usr/bin/chromium);
//  4. at teardown stops both and removes the copy, or drops the PostGIS database.
// Without /usr/bin/chromium, or for postgis without TEST_DATABASE_URL, nothing is started: the test files skip
// themselves and say why (harness.ts `skipReason`).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, statSync, type WriteStream } from 'node:fs';
import { cp, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserServer } from 'playwright-core';
import type { TestProject } from 'vitest/node';
import { alive, dropStaleDatabases, onServer, testDatabaseUrl, withDatabase } from '../helpers/db-config.js';
import { CHROMIUM, CHROMIUM_LAUNCH, E2E_ADMIN, E2E_BACKENDS, skipReasonFor, type E2eBackend } from './harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CACHE = join(ROOT, 'tests/.cache');

/** Every file under `dir` (recursively), sorted, as paths relative to ROOT. */
async function filesUnder(dir: string, keep: (name: string) => boolean = () => true): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(ROOT, dir), { withFileTypes: true, recursive: true })) {
    if (e.isFile() && keep(e.name)) out.push(relative(ROOT, join(e.parentPath, e.name)));
  }
  return out.sort();
}

/** Newest modification time of the client's sources (ms). */
async function newestClientSource(): Promise<number> {
  const files = [...(await filesUnder('client/src')), 'client/index.html', 'client/vite.config.ts'];
  return Math.max(...files.map((f) => statSync(join(ROOT, f)).mtimeMs));
}

async function buildClientIfStale(): Promise<void> {
  const index = join(ROOT, 'client/dist/index.html');
  const built = existsSync(index) ? statSync(index).mtimeMs : 0;
  if (built > (await newestClientSource())) return;
  console.log(`[e2e] ${built ? 'client/dist is older than client/src' : 'client/dist is missing'}: npm run build:client`);
  // NODE_ENV=production: vitest sets it to `test`, which would build development React into the client/dist `npm start` serves
  const r = spawnSync('npm', ['run', 'build:client'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_ENV: 'production' } });
  if (r.status !== 0) throw new Error(`npm run build:client failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
}

/** The seeded database depends on the schema, the demo bundle, the importers and the PGlite build. */
async function seedHash(): Promise<string> {
  const manifest = JSON.parse(await readFile(join(ROOT, 'geodata/manifest.json'), 'utf8')) as {
    imports: { file?: string; files?: string[] }[];
  };
  const inputs = [
    ...(await filesUnder('migrations', (n) => n.endsWith('.sql'))),
    'geodata/manifest.json',
    ...manifest.imports.flatMap((i) => i.files ?? (i.file ? [i.file] : [])).map((f) => `geodata/${f}`),
    ...(await filesUnder('server/src/import', (n) => n.endsWith('.ts'))),
    'server/src/seed.ts',
    'node_modules/@electric-sql/pglite/package.json',
    'node_modules/@electric-sql/pglite-postgis/package.json',
  ];
  const h = createHash('sha256');
  for (const f of inputs) h.update(f).update('\0').update(await readFile(join(ROOT, f))).update('\0');
  return h.digest('hex').slice(0, 12);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** GET without keep-alive (a lingering connection would delay the server's clean stop). */
function status(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
  });
}

interface Server {
  url: string;
  proc: ChildProcess;
  log: WriteStream;
  logPath: string;
}

/** Where a server or the user CLI finds its database: a data folder (PGlite), or DATABASE_URL too (PostGIS). */
interface Database {
  dataDir: string;
  url: string;
}

/** `npx tsx server/src/main.ts` in its own process group, logs into tests/.cache/e2e-server-*.log. */
async function startServer(database: Database, name: string, timeoutMs: number): Promise<Server> {
  const port = await freePort();
  const logPath = join(CACHE, `e2e-server-${name}.log`);
  const log = createWriteStream(logPath);
  const proc = spawn('npx', ['tsx', 'server/src/main.ts'], {
    cwd: ROOT,
    detached: true, // its own process group: npx → sh → tsx → node are stopped together
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      DATA_DIR: database.dataDir,
      GEODATA_DIR: join(ROOT, 'geodata'),
      PORT: String(port),
      HOST: '127.0.0.1',
      SEED_DEMO: 'true',
      LOG_LEVEL: 'warn',
      BASEMAP_STYLE_URL: '',
      BASEMAP_PMTILES: '',
    },
  });
  // vitest interrupted before its teardown: the server must not outlive the run
  const orphan = () => {
    try {
      process.kill(-proc.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  process.once('exit', orphan);
  proc.once('exit', () => process.off('exit', orphan));
  proc.stdout!.pipe(log, { end: false });
  proc.stderr!.pipe(log, { end: false });
  const server = { url: `http://127.0.0.1:${port}`, proc, log, logPath };
  let exited: string | null = null;
  proc.once('exit', (code, sig) => (exited = `exit code ${code ?? sig}`));
  const t0 = Date.now();
  while ((await status(`${server.url}/api/health`)) !== 200) {
    if (exited || Date.now() - t0 > timeoutMs) {
      await stopServer(server);
      const out = await readFile(logPath, 'utf8').catch(() => '');
      throw new Error(`the server did not answer /api/health (${exited ?? `after ${timeoutMs / 1000} s`}); its output:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return server;
}

/** SIGTERM to the group (the server closes the database and exits), SIGKILL if it lingers. */
async function stopServer(s: Server): Promise<void> {
  const done = new Promise<void>((resolve) => {
    if (s.proc.stdout!.closed) return resolve();
    s.proc.stdout!.once('close', () => resolve()); // closed once every process of the tree has exited
  });
  const kill = (sig: NodeJS.Signals) => {
    try {
      process.kill(-s.proc.pid!, sig);
    } catch {
      // already gone
    }
  };
  kill('SIGTERM');
  const timer = setTimeout(() => kill('SIGKILL'), 10_000);
  await done;
  clearTimeout(timer);
  s.log.end();
}

/** The seeded database folder, built once per hash by the real server. */
async function seededDatabase(): Promise<string> {
  const hash = await seedHash();
  const dir = join(CACHE, `e2e-pglite-${hash}`);
  if (existsSync(dir)) return dir;
  await mkdir(CACHE, { recursive: true });
  // folders of older hashes are of no further use
  for (const e of await readdir(CACHE)) if (/^e2e-pglite-[0-9a-f]{12}$/.test(e)) await rm(join(CACHE, e), { recursive: true, force: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  console.log(`[e2e] seeding the demo database (first run for this data, about a minute): ${relative(ROOT, dir)}`);
  const t0 = Date.now();
  const seeder = await startServer({ dataDir: tmp, url: '' }, 'seed', 300_000);
  await stopServer(seeder);
  await rename(tmp, dir).catch(async (e: NodeJS.ErrnoException) => {
    if (!existsSync(dir)) throw e; // another run built it meanwhile: keep the first one
    await rm(tmp, { recursive: true, force: true });
  });
  console.log(`[e2e] demo database seeded in ${Math.round((Date.now() - t0) / 1000)} s`);
  return dir;
}

/** The run's first admin, made as a deployment makes it: `npm run user -- add …`, the password on standard input. */
function createAdmin(database: Database): void {
  const r = spawnSync(
    'npx',
    ['tsx', 'server/src/cli/user.ts', 'add', '--login', E2E_ADMIN.login, '--name', E2E_ADMIN.nom, '--role', 'admin'],
    { cwd: ROOT, encoding: 'utf8', input: `${E2E_ADMIN.password}\n`, env: { ...process.env, DATABASE_URL: database.url, DATA_DIR: database.dataDir } },
  );
  if (r.status !== 0) throw new Error(`npm run user -- add failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
}

/** A copy of the seeded folder for this run (the server writes into it), and its removal. */
async function pgliteDatabase(runDir: string): Promise<{ database: Database; drop: () => Promise<void> }> {
  const seeded = await seededDatabase();
  // copies left by interrupted runs
  for (const e of await readdir(CACHE)) {
    const pid = Number(/^e2e-run-(\d+)(-[a-z]+)?$/.exec(e)?.[1]);
    if (pid && !alive(pid)) await rm(join(CACHE, e), { recursive: true, force: true });
  }
  await rm(runDir, { recursive: true, force: true });
  await cp(seeded, runDir, { recursive: true });
  const database = { dataDir: runDir, url: '' };
  createAdmin(database); // the embedded database admits one process: before the server
  return { database, drop: () => rm(runDir, { recursive: true, force: true }) };
}

/** An empty database with PostGIS on the test server, and its removal (the server seeds it as it starts). */
async function postgisDatabase(serverUrl: string, runDir: string): Promise<{ database: Database; drop: () => Promise<void> }> {
  await dropStaleDatabases(serverUrl, 'cpts\\_e2e\\_'); // left by runs that were killed
  const name = `cpts_e2e_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await onServer(serverUrl, `CREATE DATABASE ${name}`);
  const url = withDatabase(serverUrl, name);
  await onServer(url, 'CREATE EXTENSION postgis');
  await mkdir(runDir, { recursive: true }); // the server's DATA_DIR: unused on PostGIS, kept out of ./data
  console.log(`[e2e postgis] database ${name} on ${serverUrl.replace(/:[^:@/]*@/, ':***@')}: the server seeds the demo bundle (about a minute)`);
  return {
    database: { dataDir: runDir, url },
    drop: async () => {
      await onServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await rm(runDir, { recursive: true, force: true });
    },
  };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const backend = project.name as E2eBackend;
  if (!E2E_BACKENDS.includes(backend)) throw new Error(`tests/e2e/setup.ts: project "${project.name}" names no backend (${E2E_BACKENDS.join(', ')})`);
  const skip = skipReasonFor(backend);
  if (skip) {
    console.warn(`\n*** [e2e ${backend}] ${skip}: the ${backend} end-to-end journeys are SKIPPED${backend === 'postgis' ? '; only PGlite is tested' : ' (no browser is ever downloaded)'}. ***\n`);
    project.provide('e2eBaseUrl', '');
    project.provide('e2eWsEndpoint', '');
    return async () => {};
  }
  const t0 = Date.now();
  await buildClientIfStale();
  await mkdir(CACHE, { recursive: true });
  const runDir = join(CACHE, `e2e-run-${process.pid}${backend === 'pglite' ? '' : `-${backend}`}`);
  const { database, drop } = backend === 'pglite' ? await pgliteDatabase(runDir) : await postgisDatabase(testDatabaseUrl()!, runDir);
  let server: Server | undefined;
  let browser: BrowserServer | undefined;
  const teardown = async () => {
    await browser?.close().catch(() => {});
    if (server) await stopServer(server);
    await drop();
  };
  try {
    // PostGIS: the first start migrates and seeds (health answers once it is done), then the first admin is made
    server = await startServer(database, `run-${backend}`, backend === 'pglite' ? 120_000 : 300_000);
    if (backend === 'postgis') createAdmin(database);
    browser = await chromium.launchServer(CHROMIUM_LAUNCH);
  } catch (e) {
    await teardown();
    throw e;
  }
  console.log(`[e2e ${backend}] server ${server.url} and ${CHROMIUM} ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  project.provide('e2eBaseUrl', server.url);
  project.provide('e2eWsEndpoint', browser.wsEndpoint());
  return teardown;
}
