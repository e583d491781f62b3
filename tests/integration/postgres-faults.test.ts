// A PostgreSQL server that this test owns (initdb in a temporary folder, its own port, stopped at the end):
// the statement timeout stops a long statement (504), JIT stays off, a restart gives 503 with Retry-After and never a 500,
// and the server reconnects by itself.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../server/src/db/migrate.js';
import { openPg } from '../../server/src/db/pg.js';
import { DbTimeoutError, type Db } from '../../server/src/db/port.js';
import { loadFixtureCare, loadFixtureTerritory } from '../helpers/fixture-territory.js';
import { startServer, type TestServer } from '../helpers/http.js';
import { freePort } from '../helpers/processes.js';

const PG_ROOT = '/usr/lib/postgresql';
const major = existsSync(PG_ROOT) ? readdirSync(PG_ROOT).sort((a, b) => Number(b) - Number(a))[0] : undefined;
const BIN = major ? join(PG_ROOT, major, 'bin') : '';
const hasPostgis = !!major && existsSync(`/usr/share/postgresql/${major}/extension/postgis.control`);
const skip = !existsSync(join(BIN, 'initdb')) ? `no PostgreSQL server binaries in ${PG_ROOT}` : !hasPostgis ? 'PostGIS is not installed for that server' : '';
const isRoot = userInfo().uid === 0;

/** Runs a PostgreSQL binary, as the postgres user when the test runs as root (initdb refuses root). */
function pgBin(tool: string, args: string[]): string {
  const [cmd, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', join(BIN, tool), ...args]] : [join(BIN, tool), args];
  return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe.skipIf(!!skip)(`PostgreSQL faults on a server of the test's own${skip ? ` [skipped: ${skip}]` : ''}`, () => {
  let dir: string;
  let port: number;
  let url: string;
  const pgCtl = (...args: string[]) => pgBin('pg_ctl', ['-D', join(dir, 'data'), '-w', '-t', '60', ...args]);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cpts-pg-'));
    if (isRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), 0);
    chmodSync(dir, 0o700);
    port = await freePort();
    pgBin('initdb', ['-D', join(dir, 'data'), '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
    pgCtl('-l', join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start');
    url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query('CREATE EXTENSION postgis');
    await c.end();
    const db = await openPg(url);
    await migrate(db);
    await loadFixtureTerritory(db);
    await loadFixtureCare(db);
    await db.close();
  });
  afterAll(async () => {
    if (!dir) return;
    try {
      pgCtl('-m', 'immediate', 'stop');
    } catch {
      // not running
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('the statement timeout stops a long statement; the pool goes on; JIT is off on every connection', async () => {
    const db = await openPg(url, { statementTimeoutMs: 300 });
    try {
      expect((await db.query<{ jit: string }>('SHOW jit')).rows).toEqual([{ jit: 'off' }]);
      expect((await db.transaction((t) => t.query<{ jit: string }>('SHOW jit'))).rows).toEqual([{ jit: 'off' }]);
      const e = await db.query('SELECT pg_sleep(5)').then(() => undefined, (x: unknown) => x);
      expect(e).toBeInstanceOf(DbTimeoutError);
      const tx = await db.transaction((t) => t.query('SELECT pg_sleep(5)')).then(() => undefined, (x: unknown) => x);
      expect(tx).toBeInstanceOf(DbTimeoutError);
      expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await db.close();
    }
  });

  it('a restart: 503 with Retry-After meanwhile, never a 500, then answers again by itself', async () => {
    let db: Db | undefined;
    let srv: TestServer | undefined;
    try {
      db = await openPg(url, { statementTimeoutMs: 5000 });
      srv = await startServer(db);
      const statuses: { status: number; retryAfter: string | null }[] = [];
      let running = true;
      const client = (async () => {
        let i = 0;
        while (running) {
          const path = ['/api/cpts', '/api/search?q=fixture', '/api/health', '/api/nearby?commune=44901'][i++ % 4]!;
          const r = await fetch(srv!.url + path).catch(() => undefined);
          if (r) statuses.push({ status: r.status, retryAfter: r.headers.get('retry-after') });
          await r?.arrayBuffer();
          await new Promise((res) => setTimeout(res, 20));
        }
      })();
      await new Promise((r) => setTimeout(r, 300));
      pgCtl('-m', 'fast', 'stop');
      await new Promise((r) => setTimeout(r, 1500)); // down for a while: every request meets a closed port
      pgCtl('-l', join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start');
      const back = Date.now();
      let ok = false;
      while (!ok && Date.now() - back < 15_000) {
        await new Promise((r) => setTimeout(r, 100));
        ok = statuses.slice(-4).length === 4 && statuses.slice(-4).every((s) => s.status === 200);
      }
      running = false;
      await client;
      const counts = statuses.reduce<Record<number, number>>((m, s) => ((m[s.status] = (m[s.status] ?? 0) + 1), m), {});
      expect(ok, JSON.stringify(counts)).toBe(true);
      expect(Object.keys(counts).sort(), JSON.stringify(counts)).toEqual(['200', '503']);
      for (const s of statuses.filter((x) => x.status === 503)) expect(Number(s.retryAfter)).toBeGreaterThan(0);
    } finally {
      await srv?.close();
      await db?.close();
    }
  });
});
