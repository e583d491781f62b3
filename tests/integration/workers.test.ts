// WORKERS=n: several server processes on one PostGIS database share what a client sees — its session and its rate
// limits — because both live in the database; the embedded database refuses more than one. Real processes.
import pg from 'pg';
import { Agent, fetch, type RequestInit } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPg } from '../../server/src/db/pg.js';
import { createAccounts, PASSWORD } from '../helpers/auth.js';
import { pgTemplateName, testDatabaseUrl, withDatabase } from '../helpers/db-config.js';
import { runTs, startServerProcess, stopProcess, type Proc } from '../helpers/processes.js';

const url = testDatabaseUrl();

describe('WORKERS on the embedded database', () => {
  it('WORKERS>1 without DATABASE_URL stops the start with one clear line', async () => {
    const r = await runTs('server/src/main.ts', [], { WORKERS: '2', DATA_DIR: '/nonexistent/never-opened', PORT: '0' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^Error: Invalid configuration: WORKERS=2 needs DATABASE_URL \(PostGIS\); the embedded database admits one server process$/);
  });
});

describe.skipIf(!url)('WORKERS=2 on PostGIS', () => {
  const name = `cpts_test_workers_${process.pid}`;
  let server: Proc & { url: string };

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${pgTemplateName()}`);
    await admin.end();
    const db = await openPg(withDatabase(url!, name));
    await createAccounts(db);
    await db.close();
    server = await startServerProcess({ DATABASE_URL: withDatabase(url!, name), WORKERS: '2', LOG_LEVEL: 'info', RATE_LIMIT_EXPORTS_PER_MINUTE: '3' });
    // /api/health answers as soon as one worker listens; the tests need both
    const listening = () => new Set(logLines().filter((l) => l.msg?.startsWith('serving on')).map((l) => l.pid)).size;
    for (const deadline = Date.now() + 60_000; listening() < 2; await new Promise((r) => setTimeout(r, 100))) {
      if (Date.now() > deadline) throw new Error(`the second worker did not listen within 60 s:\n${server.output()}`);
    }
  });

  afterAll(async () => {
    if (server) await stopProcess(server);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  /** Each request on a connection of its own (no keep-alive): node:cluster hands each new connection to the next worker. */
  const fresh = new Agent({ pipelining: 0 });
  const send = (path: string, init: RequestInit = {}) => fetch(server.url + path, { ...init, dispatcher: fresh });

  /** The server's JSON log lines (each worker's carry its pid). */
  const logLines = () =>
    server
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg?: string; url?: string; pid?: number });
  /** The worker processes that logged a request to `path`. */
  const servedBy = (path: string) => new Set(logLines().filter((l) => l.msg === 'request' && l.url === path).map((l) => l.pid));

  it('a session opened on one worker is known to the others', async () => {
    const login = await send('/api/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ identifiant: 'urps-52', motDePasse: PASSWORD }),
    });
    expect(login.status).toBe(200);
    const cookie = /cpts_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')![1]!;
    for (let i = 0; i < 4; i++) {
      const r = await send('/api/session', { headers: { cookie: `cpts_session=${cookie}` } });
      expect(((await r.json()) as { utilisateur: { identifiant: string } | null }).utilisateur?.identifiant).toBe('urps-52');
    }
    expect(servedBy('/api/session').size).toBe(2);
  });

  it('a rate limit counts the requests of every worker together', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await send('/api/overlaps.csv');
      await r.arrayBuffer();
      statuses.push(r.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]); // per worker alone, 3 each would have passed
    expect(servedBy('/api/overlaps.csv').size).toBe(2);
  });
});
