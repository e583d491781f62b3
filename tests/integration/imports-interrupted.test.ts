// A web import whose server process is killed mid-apply, with real processes: WORKERS=2 on PostGIS, the worker
// applying a FINESS stock killed with SIGKILL once its progress is in the database. The other worker reads that
// progress, then reports the import « interrompu » once the lease has run out; nothing of it was applied (one
// transaction); confirmed again, it is applied.
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { Agent, fetch, type RequestInit } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportWeb } from '../../server/src/api/contract/imports.js';
import { CLI_ACTOR } from '../../server/src/auth/audit.js';
import { createToken } from '../../server/src/auth/sessions.js';
import { createUser } from '../../server/src/auth/users.js';
import { openPg } from '../../server/src/db/pg.js';
import type { Db } from '../../server/src/db/port.js';
import { pgTemplateName, testDatabaseUrl, withDatabase } from '../helpers/db-config.js';
import { startServerProcess, stopProcess, type Proc } from '../helpers/processes.js';
import { needsShared, sharedSource } from '../helpers/shared.js';

const url = testDatabaseUrl();
const FINESS = sharedSource('finess/etalab-cs1100507-stock-20210108-reconstructed.csv.gz');
const shared = needsShared(FINESS);
/** Establishments of the national stock kept in the file: enough for an apply of several seconds. */
const ESTABLISHMENTS = 30_000;
const LEASE_S = 3;

/** The first establishments of the national stock with their positions, as a stock file of its own. */
async function finessExtract(): Promise<Buffer> {
  const lines = gunzipSync(await readFile(FINESS)).toString('utf8').split('\n');
  const kept = lines.slice(1).filter((l) => l.startsWith('structureet;')).slice(0, ESTABLISHMENTS);
  const numbers = new Set(kept.map((l) => l.split(';')[1]));
  const positions = lines.filter((l) => l.startsWith('geolocalisation;') && numbers.has(l.split(';')[1]));
  return Buffer.from([lines[0], ...kept, ...positions, ''].join('\n'));
}

describe.skipIf(!url || shared.skip)(shared.title('a web import whose server process is killed mid-apply (WORKERS=2 on PostGIS)'), () => {
  const name = `cpts_test_import_kill_${process.pid}`;
  let server: Proc & { url: string };
  let db: Db;
  let auth: Record<string, string>;

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${pgTemplateName()}`);
    await admin.end();
    db = await openPg(withDatabase(url!, name));
    const u = await createUser(db, CLI_ACTOR, { identifiant: 'admin', nom: 'Admin', role: 'admin', region: null, motDePasse: 'correct horse battery staple' });
    const { secret } = await createToken(db, { utilisateur: u.id, auteur: 'admin', role: 'admin', region: null, sessionId: null, jetonId: null }, 'test', null);
    auth = { authorization: `Bearer ${secret}` };
    server = await startServerProcess({ DATABASE_URL: withDatabase(url!, name), WORKERS: '2', IMPORT_LEASE_S: String(LEASE_S) });
  });

  afterAll(async () => {
    if (server) await stopProcess(server);
    await db?.close();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  /** Each request on a connection of its own: node:cluster hands each new connection to the next worker. */
  const fresh = new Agent({ pipelining: 0 });
  const send = async (path: string, init: RequestInit = {}) => {
    const r = await fetch(server.url + path, { ...init, headers: { ...auth, ...(init.headers as Record<string, string>) }, dispatcher: fresh });
    return { status: r.status, body: (await r.json()) as ImportWeb };
  };
  const applied = async () => (await db.query<{ n: number }>(`SELECT (SELECT count(*) FROM pharmacie) + (SELECT count(*) FROM import_log WHERE kind = 'finess') AS n`)).rows[0]!.n;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('is reported « interrompu » with nothing applied, its progress read by the other worker; confirmed again, it is applied', async () => {
    const preview = await send('/api/imports?nature=finess&fichier=finess-extrait.csv', {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Uint8Array(await finessExtract()),
    });
    expect(preview.status).toBe(201);
    expect(preview.body.apercu.applicable).toBe(true);
    const id = preview.body.id;
    expect((await send(`/api/imports/${id}/confirmation`, { method: 'POST' })).status).toBe(202);

    // the worker applying it records its progress in the database: killed as soon as it has
    let row: { processus: string; etat: string; progression: unknown } | undefined;
    for (let i = 0; i < 600 && !row?.progression; i++) {
      row = (await db.query<{ processus: string; etat: string; progression: unknown }>('SELECT processus, etat, progression FROM import_web WHERE id = $1', [id])).rows[0];
      if (!row?.progression) await sleep(100);
    }
    expect(row?.progression, 'no progress recorded within 60 s').toBeTruthy();
    const pid = Number(row!.processus.split(':').pop());
    process.kill(pid, 'SIGKILL');
    const killedAt = Date.now();
    expect(row!.etat, 'the apply ended before the kill: the test proves nothing').toBe('en-cours');

    // the other worker (or the one started in its place): the progress the killed one left, then « interrompu »
    const during = await send(`/api/imports/${id}`);
    if (Date.now() - killedAt < (LEASE_S * 1000) / 2) {
      expect(during.body.etat).toBe('en-cours');
      expect(during.body.progression).toBeTruthy();
    }
    await sleep(LEASE_S * 1000 + 500);
    const after = await send(`/api/imports/${id}`);
    expect(after.body.etat).toBe('interrompu');
    expect(after.body.resultat?.erreur).toMatch(new RegExp(`:${pid}\\).*Rien n’a été appliqué.*une seule transaction`));
    expect(await applied()).toBe(0);

    // started again
    expect((await send(`/api/imports/${id}/confirmation`, { method: 'POST' })).status).toBe(202);
    let job = after.body;
    for (let i = 0; i < 1200 && (job.etat === 'interrompu' || job.etat === 'en-cours'); i++) {
      await sleep(250);
      job = (await send(`/api/imports/${id}`)).body;
    }
    expect(job.etat).toBe('applique');
    expect(await applied()).toBeGreaterThan(1);
    expect(server.output()).toMatch(new RegExp(`worker ${pid} stopped \\(SIGKILL\\)`));
  });
});
