// npm run bench:dry-run — on the embedded database as the server runs it (PGlite in a worker thread behind the
// priority queue, with its read replica): the dry run of a web import of the national FINESS stock, and how long a
// short request (/api/health, a search) waits meanwhile, against the same requests on the idle server.
//
// The data folder (BENCH_DRYRUN_DIR, /tmp/cpts-bench-dry-run by default) is made once with the national commune
// outlines (a few minutes) and kept; the FINESS stock is then previewed, never applied, so every run sees the same.
// BENCH_IN_PLACE=true previews it on the database itself instead of a throwaway copy (Db.scratch), as before.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from '../server/src/app.js';
import { CLI_ACTOR } from '../server/src/auth/audit.js';
import { createToken } from '../server/src/auth/sessions.js';
import { createUser } from '../server/src/auth/users.js';
import { migrate } from '../server/src/db/migrate.js';
import { openDb } from '../server/src/db/open.js';
import { openPglite } from '../server/src/db/pglite.js';
import { runImport } from '../server/src/import/index.js';
import { createLogger } from '../server/src/logger.js';

const SOURCES = fileURLToPath(new URL('../../shared/geodata-sources/', import.meta.url));
const FINESS = join(SOURCES, 'finess/etalab-cs1100507-stock-20210108-reconstructed.csv.gz');
const DIR = process.env.BENCH_DRYRUN_DIR || '/tmp/cpts-bench-dry-run';
/** Pause between two probes of a prober (ms). */
const PAUSE_MS = 200;

async function prepare(): Promise<void> {
  if (existsSync(join(DIR, 'PG_VERSION'))) return;
  console.log(`preparing ${DIR}: national commune outlines…`);
  const db = await openPglite(DIR);
  try {
    await migrate(db);
    const t0 = performance.now();
    await runImport(db, 'communes', [join(SOURCES, 'communes-2018')], {});
    console.log(`  communes loaded in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    const u = await createUser(db, CLI_ACTOR, { identifiant: 'bench-admin', nom: 'Bench', role: 'admin', region: null, motDePasse: 'correct horse battery staple' });
    console.log(`  account ${u.id}`);
  } finally {
    await db.close();
  }
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : NaN;
};
const fmt = (name: string, xs: number[]) =>
  `${name.padEnd(28)} n=${String(xs.length).padStart(3)}  median ${quantile(xs, 0.5).toFixed(0).padStart(6)} ms  p90 ${quantile(xs, 0.9).toFixed(0).padStart(6)} ms  max ${Math.max(...xs).toFixed(0).padStart(6)} ms`;

async function main(): Promise<void> {
  if (!existsSync(FINESS)) {
    console.log(`skipped: ${FINESS} is absent (../shared/geodata-sources)`);
    return;
  }
  await prepare();
  const log = createLogger('silent');
  const opened = await openDb({ dataDir: DIR }, { statementTimeoutMs: 30_000, readReplica: true });
  const inPlace = process.env.BENCH_IN_PLACE === 'true';
  const db = inPlace ? { ...opened, scratch: undefined } : opened;
  console.log(`dry run ${inPlace ? 'in place (on the database itself)' : 'on a throwaway copy (Db.scratch)'}`);
  const app = createApp({ db, log, config: { basemapStyleUrl: undefined } });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const admin = (await db.query<{ id: number }>("SELECT id FROM utilisateur WHERE identifiant = 'bench-admin'")).rows[0]!;
    const actor = { utilisateur: admin.id, auteur: 'bench-admin', role: 'admin' as const, region: null, sessionId: null, jetonId: null };
    const { secret } = await createToken(db, actor, 'bench', null);
    const auth = { authorization: `Bearer ${secret}` };

    const failures: string[] = [];
    const timed = async (path: string) => {
      const t0 = performance.now();
      const r = await fetch(base + path);
      await r.arrayBuffer();
      const ms = performance.now() - t0;
      if (!r.ok) failures.push(`${path} ${r.status} after ${(ms / 1000).toFixed(1)} s`);
      return ms;
    };
    const PROBES = { health: '/api/health', search: '/api/search?q=saint' } as const;
    /** Probes `path` one after the other until `until` resolves. */
    const probe = async (path: string, until: Promise<unknown>) => {
      let done = false;
      void until.finally(() => (done = true));
      const out: number[] = [];
      while (!done) {
        out.push(await timed(path));
        await new Promise((r) => setTimeout(r, PAUSE_MS));
      }
      return out;
    };

    for (const p of Object.values(PROBES)) await timed(p); // warm
    const idle = new Promise((r) => setTimeout(r, 5000));
    const [h0, s0] = await Promise.all([probe(PROBES.health, idle), probe(PROBES.search, idle)]);
    console.log(`load average before: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    console.log(fmt('idle /api/health', h0));
    console.log(fmt('idle /api/search', s0));

    const bytes = await readFile(FINESS);
    const t0 = performance.now();
    const upload = fetch(`${base}/api/imports?nature=finess&fichier=${basename(FINESS)}`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(bytes),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as { apercu?: { tables: { table: string; ajouts: number }[] }; erreur?: string } }));
    const [h1, s1, up] = await Promise.all([probe(PROBES.health, upload), probe(PROBES.search, upload), upload]);
    const dryS = (performance.now() - t0) / 1000;
    console.log(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    console.log(`dry run of the national FINESS stock: ${up.status} in ${dryS.toFixed(1)} s — ${up.body.erreur ?? up.body.apercu?.tables.map((t) => `${t.table} +${t.ajouts}`).join(', ')}`);
    console.log(fmt('during: /api/health', h1));
    console.log(fmt('during: /api/search', s1));
    console.log(`failed requests: ${failures.length}${failures.length ? ` (${failures.join('; ')})` : ''}`);
  } finally {
    await new Promise((r) => server.close(r));
    await db.close();
  }
}

await main();
