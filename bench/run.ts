// npm run bench — national data on a PostGIS server: every endpoint over HTTP beside the bare SQL it runs.
//
// 1. Loads ../shared/geodata-sources into the database `cpts_bench` of BENCH_DATABASE_URL (or DATABASE_URL,
//    or TEST_DATABASE_URL) through the real importers: all commune outlines, the national FINESS stock, the
//    GP proxy, the 103 approximate CPTS perimeters, and ~700 generated CPTS perimeters (bench/generate-cpts.ts)
//    with overlaps. Kept between runs; `--reload` loads again.
// 2. Serves the real app in this process; for each measure, requests go over HTTP one at a time and the SQL
//    statements each request sends to the database are recorded; the same statements are then replayed on a
//    plain node-postgres client with the app's session settings ("bare SQL"; those the app prepares, as it runs
//    them: named, generic plan).
//    Reported: median and p95 of each, and their ratio. Each measure runs its requests once as a warm-up before
//    the measured pass.
//    Tiles are measured cold (tile cache off, each tile fetched once), then warm (served as cached).
import { Agent, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { DATA_SOURCES_SQL } from '../server/src/api/sources.js';
import { createApp } from '../server/src/app.js';
import { PG_GENERIC_PLAN_OPTION, PG_SESSION_OPTIONS } from '../server/src/db/pg.js';
import { isPrepared, type Db, type Queryable } from '../server/src/db/port.js';
import { createLogger } from '../server/src/logger.js';
import { DATA_VERSION_SQL } from '../server/src/tiles/cache.js';
import { LAYERS } from '../server/src/tiles/layers.js';
import { benchDatabase } from './national.js';

interface Call {
  sql: string;
  params: readonly unknown[];
  /** Sent inside a transaction (replayed inside one too). */
  tx: boolean;
}

/** A Db that records every statement sent while `recording` is on, in transactions too. */
function recording(db: Db): Db & { calls: Call[]; recording: boolean } {
  const rec = {
    calls: [] as Call[],
    recording: false,
    backend: db.backend,
    query: (sql: string, params: readonly unknown[] = []) => {
      if (rec.recording) rec.calls.push({ sql, params, tx: false });
      return db.query(sql, params);
    },
    exec: (sql: string) => db.exec(sql),
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) =>
      db.transaction((tx) =>
        fn({
          query: (sql, params = []) => {
            if (rec.recording) rec.calls.push({ sql, params, tx: true });
            return tx.query(sql, params);
          },
          exec: (sql) => tx.exec(sql),
        }),
      ),
    cursor: (sql: string, params: readonly unknown[] = [], batchRows?: number) => {
      if (rec.recording) rec.calls.push({ sql, params, tx: false });
      return db.cursor(sql, params, batchRows);
    },
    close: () => db.close(),
  };
  return rec as Db & { calls: Call[]; recording: boolean };
}

/**
 * Replays recorded statements on a plain client; consecutive transaction statements in one transaction. A statement
 * the app runs prepared (db/port.ts: named, generic plan) is replayed so too, on `generic`: planned with its values at
 * every call instead, the one statement of nearby costs several times what the app pays.
 */
async function replay(client: pg.Client, generic: pg.Client, calls: Call[]): Promise<void> {
  let open = false;
  for (const c of calls) {
    if (c.tx !== open) {
      await client.query(c.tx ? 'BEGIN' : 'COMMIT');
      open = c.tx;
    }
    if (!c.tx && isPrepared(c.sql)) await generic.query({ name: statementName(c.sql), text: c.sql, values: c.params as unknown[] });
    else await client.query(c.sql, c.params as unknown[]);
  }
  if (open) await client.query('COMMIT');
}

const names = new Map<string, string>();
function statementName(sql: string): string {
  if (!names.has(sql)) names.set(sql, `b${names.size}`);
  return names.get(sql)!;
}

/** GET asking for gzip; the body's length as sent (compressed), once fully read. */
function getAsSent(agent: Agent, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { agent, headers: { 'accept-encoding': 'gzip' } }, (res) => {
      let n = 0;
      res.on('data', (c: Buffer) => (n += c.length));
      res.on('end', () => (res.statusCode! >= 400 ? reject(new Error(`${url} answered ${res.statusCode}`)) : resolve(n)));
    }).on('error', reject);
  });
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
};

// Columns of a result row: 2 HTTP median, 3 HTTP p95, 6 ratio HTTP/bare SQL (medians).
const TARGETS: { measure: string; column: 3 | 6; label: string; max: number }[] = [
  { measure: 'overlap matrix (national)', column: 6, label: 'ratio', max: 1.5 },
  { measure: 'coverage (national)', column: 6, label: 'ratio', max: 1.5 },
  { measure: 'nearby (pharmacy FINESS)', column: 3, label: 'HTTP p95 ms', max: 10 },
  { measure: 'perimeter check (100 communes)', column: 3, label: 'HTTP p95 ms', max: 200 },
  { measure: 'tiles z5 (cold)', column: 3, label: 'HTTP p95 ms', max: 150 },
  { measure: 'tiles z8 (cold)', column: 3, label: 'HTTP p95 ms', max: 50 },
  { measure: 'tiles z12 (cold)', column: 3, label: 'HTTP p95 ms', max: 50 },
  { measure: 'tiles z5 (warm, cached)', column: 3, label: 'HTTP p95 ms', max: 5 },
  { measure: 'tiles z8 (warm, cached)', column: 3, label: 'HTTP p95 ms', max: 5 },
  { measure: 'tiles z12 (warm, cached)', column: 3, label: 'HTTP p95 ms', max: 5 },
];

interface Measure {
  name: string;
  /** Requests to send, one at a time. */
  requests: { path: string; body?: unknown }[];
}

async function main(): Promise<void> {
  const url = process.env.BENCH_DATABASE_URL || process.env.DATABASE_URL || process.env.TEST_DATABASE_URL;
  if (!url) {
    console.error('npm run bench needs a PostgreSQL + PostGIS server: set BENCH_DATABASE_URL (or DATABASE_URL), e.g.\n  BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npm run bench');
    process.exit(2);
  }
  const { url: benchUrl, db: base } = await benchDatabase(url, process.argv.includes('--reload'));
  const db = recording(base);
  // The bare clients run with the app's session settings (without them, JIT alone added ~0.7 s to the overlap matrix)
  const bare = new pg.Client({ connectionString: benchUrl, options: PG_SESSION_OPTIONS });
  await bare.connect();
  const bareGeneric = new pg.Client({ connectionString: benchUrl, options: PG_SESSION_OPTIONS + PG_GENERIC_PLAN_OPTION });
  await bareGeneric.connect();

  const counts = (await db.query<Record<string, number>>(
    `SELECT (SELECT count(*)::int FROM commune) communes, (SELECT count(*)::int FROM cpts) cpts,
            (SELECT count(*)::int FROM pharmacie) pharmacies, (SELECT count(*)::int FROM structure) structures`,
  )).rows[0]!;
  console.log('data:', counts);

  // Cold: no tile cache, no prerendering, no answer cache (every API answer is computed, as the bare SQL replays it);
  // then warm: the app as served.
  const log = createLogger('silent');
  const cold = createApp({ db, log, config: { apiCacheBytes: 0 }, tiles: { cacheBytes: 0, prerenderMaxZoom: -1 } });
  const warm = createApp({ db, log, config: {}, tiles: { prerenderMaxZoom: -1 } });
  const serve = async (app: ReturnType<typeof createApp>) => {
    const s = app.listen(0, '127.0.0.1');
    await new Promise((r) => s.once('listening', r));
    return { server: s, url: `http://127.0.0.1:${(s.address() as AddressInfo).port}` };
  };
  const coldSrv = await serve(cold);
  const warmSrv = await serve(warm);

  // Inputs drawn deterministically from the data.
  const sample = async <T>(sql: string, n: number) =>
    (await db.query<T>(`SELECT * FROM (${sql}) s ORDER BY md5(k::text) LIMIT ${n}`)).rows;
  const finess = await sample<{ k: string }>('SELECT finess AS k FROM pharmacie WHERE geom IS NOT NULL', 60);
  const epciCommunes = await db.query<{ codes: string[] }>(
    `SELECT array_agg(code ORDER BY code) AS codes FROM commune WHERE epci IS NOT NULL GROUP BY epci HAVING count(*) BETWEEN 10 AND 40 ORDER BY md5(epci) LIMIT 30`,
  );
  // 100-commune perimeters: the 100 communes nearest a sampled commune, a compact blob like a real CPTS.
  const blobs = await db.query<{ codes: string[] }>(
    `SELECT (SELECT array_agg(code) FROM (SELECT c.code FROM commune c WHERE c.geom_3857 IS NOT NULL
                                          ORDER BY c.geom_3857 <-> ST_PointOnSurface(s.geom_3857) LIMIT 100) n) AS codes
       FROM (SELECT geom_3857 FROM commune WHERE geom_3857 IS NOT NULL AND departement < '97' ORDER BY md5(code) LIMIT 10) s`,
  );
  const deps = await sample<{ k: string }>('SELECT DISTINCT departement AS k FROM pharmacie JOIN commune ON code = commune_code', 20);
  const tilesAt = async (z: number, n: number) => {
    // tiles over dense places: the tiles holding a sample of communes weighted by population
    const r = await db.query<{ x: number; y: number }>(
      `SELECT DISTINCT floor((ST_X(p) + 20037508.342789244) / (40075016.68557849 / 2 ^ $1))::int AS x,
                       floor((20037508.342789244 - ST_Y(p)) / (40075016.68557849 / 2 ^ $1))::int AS y
         FROM (SELECT ST_PointOnSurface(geom_3857) p FROM commune WHERE population > 2000 AND departement < '97' AND geom_3857 IS NOT NULL ORDER BY md5(code) LIMIT 400) s`,
      [z],
    );
    return r.rows.slice(0, n);
  };
  // the layers the map asks for at that zoom (pharmacies from z6)
  const layers = (z: number) => LAYERS.filter((l) => ['communes', 'cpts', 'overlaps', 'structures', 'pharmacies'].includes(l.id) && l.minzoom <= z);
  const tileRequests = async (z: number, n: number) =>
    (await tilesAt(z, n)).flatMap((t) => layers(z).map((l) => ({ path: `/tiles/${l.id}/${z}/${t.x}/${t.y}.mvt` })));

  const times = (k: number, path: string) => Array.from({ length: k }, () => ({ path }));
  const measures: (Measure & { server?: string })[] = [
    { name: 'overlap matrix (national)', requests: times(15, '/api/overlaps') },
    { name: 'coverage (national)', requests: times(15, '/api/coverage') },
    { name: 'white zones (national, 1st page)', requests: times(15, '/api/white-zones?limit=100') },
    { name: 'pharmacy status (département)', requests: deps.map((d) => ({ path: `/api/pharmacies?departement=${d.k}&limit=50` })) },
    { name: 'pharmacy CSV (département)', requests: deps.slice(0, 10).map((d) => ({ path: `/api/pharmacies.csv?departement=${d.k}` })) },
    { name: 'nearby (pharmacy FINESS)', requests: finess.map((f) => ({ path: `/api/nearby?finess=${f.k}` })) },
    { name: 'perimeter check (10-40 communes)', requests: epciCommunes.rows.map((r) => ({ path: '/api/perimeter/check', body: { communes: r.codes } })) },
    { name: 'perimeter check (100 communes)', requests: blobs.rows.map((r) => ({ path: '/api/perimeter/check', body: { communes: r.codes } })) },
    { name: 'search', requests: ['nant', 'saint', 'pharmacie du', 'cpts', 'msp', 'lyon', 'marseille', '44109', 'rennes', 'montp'].map((q) => ({ path: `/api/search?q=${encodeURIComponent(q)}` })) },
    { name: 'tiles z5 (cold)', requests: await tileRequests(5, 8) },
    { name: 'tiles z8 (cold)', requests: await tileRequests(8, 12) },
    { name: 'tiles z12 (cold)', requests: await tileRequests(12, 12) },
  ];

  const rows: string[][] = [];
  const tileBytes: string[] = [];
  const fmt = (ms: number) => ms.toFixed(ms < 10 ? 2 : 1);
  const send = (base: string, rq: Measure['requests'][number]) =>
    fetch(base + rq.path, rq.body ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rq.body) } : {});
  for (const m of measures) {
    // Warm-up: one pass first, so connections have prepared their statements (the tile cache is off here).
    for (const rq of m.requests) await (await send(coldSrv.url, rq)).arrayBuffer();
    const http: number[] = [];
    const sql: number[] = [];
    for (const rq of m.requests) {
      db.calls = [];
      db.recording = true;
      const t0 = performance.now();
      const res = await send(coldSrv.url, rq);
      await res.arrayBuffer();
      http.push(performance.now() - t0);
      db.recording = false;
      if (res.status >= 400) throw new Error(`${rq.path} answered ${res.status}`);
      // data-source look-ups and the tiles' data-version read: not the analysis (a statement of the analysis may read
      // import_log too: nearby's zoning check, which a pattern on the text left out with it)
      const calls = db.calls.filter((c) => c.sql !== DATA_SOURCES_SQL && c.sql !== DATA_VERSION_SQL);
      const t1 = performance.now();
      await replay(bare, bareGeneric, calls);
      sql.push(performance.now() - t1);
    }
    const mh = quantile(http, 0.5);
    const ms = quantile(sql, 0.5);
    rows.push([m.name, String(m.requests.length), fmt(mh), fmt(quantile(http, 0.95)), fmt(ms), fmt(quantile(sql, 0.95)), (mh / ms).toFixed(2)]);
    console.log(`  measured: ${m.name}`);
  }

  // Warm tiles: what a map user gets once a tile has been served (cache hit, gzip, ETag). The body is read as sent,
  // not inflated: fetch() would gunzip it here, in the server's own process and event loop (the largest z5 tile,
  // 0.9 MB gzip, 1.7 MB raw: ~8 ms of CPU), timing the client's work as the server's. The bytes are reported apart.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  for (const z of [5, 8, 12]) {
    const reqs = await tileRequests(z, z === 5 ? 8 : 12);
    for (const r of reqs) await getAsSent(agent, warmSrv.url + r.path);
    const times: number[] = [];
    let bytes = 0;
    for (const r of reqs) {
      const t0 = performance.now();
      bytes = Math.max(bytes, await getAsSent(agent, warmSrv.url + r.path));
      times.push(performance.now() - t0);
    }
    rows.push([`tiles z${z} (warm, cached)`, String(reqs.length), fmt(quantile(times, 0.5)), fmt(quantile(times, 0.95)), '', '', '']);
    tileBytes.push(`z${z} ${(bytes / 1024).toFixed(0)} KiB`);
  }
  agent.destroy();

  const header = ['measure', 'n', 'HTTP median ms', 'HTTP p95 ms', 'bare SQL median ms', 'bare SQL p95 ms', 'ratio (median)'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(`\nPostGIS ${(await db.query<{ v: string }>('SELECT postgis_lib_version() v')).rows[0]!.v}, ${counts.communes} communes, ${counts.cpts} CPTS, ${counts.pharmacies} pharmacies`);
  console.log(line(header));
  for (const r of rows) console.log(line(r));
  console.log('\nratio = HTTP median / bare SQL median (same statements replayed on a plain pg client, no HTTP, no JSON).');
  console.log(`warm tiles: gzip bodies read as sent (largest: ${tileBytes.join(', ')}).`);
  console.log('\ntargets (README):');
  for (const t of TARGETS) {
    const r = rows.find((row) => row[0] === t.measure);
    if (!r) continue;
    const value = Number(r[t.column]);
    console.log(`  ${value <= t.max ? 'met    ' : 'NOT met'}  ${t.measure}: ${t.label} ${value} (target ≤ ${t.max})`);
  }

  await bare.end();
  await bareGeneric.end();
  coldSrv.server.close();
  warmSrv.server.close();
  await base.close();
  process.exit(0);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
