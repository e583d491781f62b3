// npm run bench:load — many clients at once on the national data (PostGIS): throughput and latency under load.
//
// Starts the server as `npm start` does (its own processes: WORKERS of them) on the database `cpts_bench` of
// BENCH_DATABASE_URL (loaded as by `npm run bench`, bench/national.ts), then BENCH_CLIENTS clients (50) each send
// one request after another for BENCH_DURATION_S seconds (60), after BENCH_WARMUP_S (5) not counted, over a mix of
// map tiles, overlaps of a département, a département's pharmacies, nearby structures of a pharmacy and search.
// Prints req/s, p50/p95/p99 per endpoint, the share of answers from the server's memory cache (tiles, API answers:
// API_CACHE_MB=0 turns the latter off), errors, the machine's load average, the CPU-seconds of the server and of
// PostgreSQL during the measure (per request: the robust figure on a shared machine), and the targets of issue 11 as met or
// not: 0 errors, p99 ≤ 250 ms, ≥ 466 req/s. The load starts once the server's tile prerendering is over (/api/health,
// prerenduTuiles), so that it does not compete with the measure. Before the load, one national export (the pharmacies CSV, streamed from a
// cursor) on the idle server: its first byte, its end and the server's memory meanwhile (WORKERS=1 only). The rate limits are off in this server: every request comes from one
// address. The load generator runs on the same machine and takes its share of the CPU.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import type { Db } from '../server/src/db/port.js';
import { benchDatabase } from './national.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const CLIENTS = env('BENCH_CLIENTS', 50);
const DURATION_S = env('BENCH_DURATION_S', 60);
const WARMUP_S = env('BENCH_WARMUP_S', 5);
const WORKERS = env('WORKERS', 1);
const TARGETS = { errors: 0, p99Ms: 250, reqPerS: 466 };

/** Endpoint kinds of the mix and their weights (requests in every 10). */
const MIX = { tiles: 4, overlaps: 1, pharmacies: 1, nearby: 2, search: 2 } as const;
type Kind = keyof typeof MIX;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/** Paths of each kind, drawn deterministically from the data. */
async function inputs(db: Db): Promise<Record<Kind, string[]>> {
  const sample = async (sql: string, n: number) => (await db.query<{ k: string }>(`SELECT * FROM (${sql}) s ORDER BY md5(k::text) LIMIT ${n}`)).rows.map((r) => r.k);
  const deps = await sample("SELECT DISTINCT departement AS k FROM commune WHERE departement < '97'", 40);
  const finess = await sample('SELECT finess AS k FROM pharmacie WHERE geom IS NOT NULL', 200);
  const names = await sample("SELECT DISTINCT left(nom, 5) AS k FROM commune WHERE population > 5000 AND length(nom) >= 5", 100);
  // tiles over dense places at z6–z12, the layers a map shows
  const tiles = await db.query<{ z: number; x: number; y: number }>(
    `SELECT DISTINCT z, floor((ST_X(p) + 20037508.342789244) / (40075016.68557849 / 2 ^ z))::int AS x,
                     floor((20037508.342789244 - ST_Y(p)) / (40075016.68557849 / 2 ^ z))::int AS y
       FROM (SELECT ST_PointOnSurface(geom_3857) p FROM commune WHERE population > 2000 AND departement < '97' AND geom_3857 IS NOT NULL
              ORDER BY md5(code) LIMIT 60) s, generate_series(6, 12) z`,
  );
  return {
    tiles: tiles.rows.flatMap((t) => ['communes', 'cpts', 'pharmacies'].map((l) => `/tiles/${l}/${t.z}/${t.x}/${t.y}.mvt`)),
    overlaps: deps.map((d) => `/api/overlaps?departement=${d}`),
    pharmacies: deps.map((d) => `/api/pharmacies?departement=${d}&limit=50`),
    nearby: finess.map((f) => `/api/nearby?finess=${f}`),
    search: names.map((n) => `/api/search?q=${encodeURIComponent(n)}`),
  };
}

/** The server as `npm start` runs it, on the bench database; resolves once it answers. */
async function startServer(url: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      DATABASE_URL: url,
      PORT: String(port),
      HOST: '127.0.0.1',
      SEED_DEMO: 'false',
      LOG_LEVEL: 'warn',
      WORKERS: String(WORKERS),
      RATE_LIMIT_EXPORTS_PER_MINUTE: '0',
      RATE_LIMIT_ANALYSES_PER_MINUTE: '0',
    },
  });
  const t0 = performance.now();
  while (!(await fetch(`http://127.0.0.1:${port}/api/health`).then((r) => r.ok, () => false))) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    if (performance.now() - t0 > 120_000) throw new Error('the server did not answer within 120 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  return child;
}

/** /api/health's prerenduTuiles, on a connection of its own (node:cluster hands each new connection to one worker). */
const prerenderState = (port: number) =>
  new Promise<string>((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/api/health', agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve((JSON.parse(text) as { prerenduTuiles: string }).prerenduTuiles));
    }).on('error', reject);
  });

/**
 * Waits until the server's low-zoom tiles are prerendered (the first worker renders them after each data change,
 * /api/health says so): a prerender running during the measure would take a PostgreSQL core from the requests.
 * Done once a worker said `termine` (or all say `sans`) and the last answers (of every worker) say nothing is running.
 */
async function prerendered(port: number): Promise<number> {
  const t0 = performance.now();
  const last: string[] = [];
  for (;;) {
    last.push(await prerenderState(port));
    const recent = last.slice(-2 * WORKERS);
    // a server without ST_AsMVT prerenders nothing: every worker says `sans`
    if (recent.length === 2 * WORKERS && !recent.includes('en-cours') && (last.includes('termine') || recent.every((x) => x === 'sans'))) break;
    if (performance.now() - t0 > 600_000) throw new Error('the tiles were not prerendered within 600 s');
    await new Promise((r) => setTimeout(r, 250));
  }
  return (performance.now() - t0) / 1000;
}

interface Tally {
  ms: number[];
  errors: number;
  statuses: Map<string, number>;
  /** Answers served from the server's memory (X-Api-Cache or X-Tile-Cache: hit). */
  hits: number;
}

/** Whether the server answered from its memory cache (API answers or tiles). */
const cacheHit = (headers: Record<string, string | string[] | undefined>) => headers['x-api-cache'] === 'hit' || headers['x-tile-cache'] === 'hit';

/** CLIENTS loops until `until`, each sending the next request of the mix; latencies recorded from `from` on. */
async function drive(pool: Pool, paths: Record<Kind, string[]>, from: number, until: number): Promise<Record<Kind, Tally>> {
  const tally = Object.fromEntries(Object.keys(MIX).map((k): [string, Tally] => [k, { ms: [], errors: 0, statuses: new Map(), hits: 0 }])) as Record<Kind, Tally>;
  const plan = (Object.entries(MIX) as [Kind, number][]).flatMap(([k, w]) => Array<Kind>(w).fill(k));
  let n = 0;
  const client = async () => {
    while (performance.now() < until) {
      const i = n++;
      const kind = plan[i % plan.length]!;
      const list = paths[kind];
      const path = list[Math.floor(i / plan.length) % list.length]!;
      const t0 = performance.now();
      let status: string;
      let hit = false;
      try {
        const res = await pool.request({ path, method: 'GET', headers: { 'accept-encoding': 'gzip' } });
        await res.body.dump({ limit: Infinity });
        status = String(res.statusCode);
        hit = cacheHit(res.headers);
      } catch (e) {
        status = (e as Error).name;
      }
      if (t0 < from) continue;
      const t = tally[kind];
      if (hit) t.hits++;
      t.ms.push(performance.now() - t0);
      // any 2xx or 304 is an answer (204: an empty tile)
      if (!/^(2\d\d|304)$/.test(status)) {
        t.errors++;
        t.statuses.set(status, (t.statuses.get(status) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  return tally;
}

const hitRate = (hits: number, n: number) => `${((100 * hits) / Math.max(n, 1)).toFixed(1)} %`;

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;

function report(tally: Record<Kind, Tally>, seconds: number): void {
  const rows: string[][] = [];
  const all: number[] = [];
  let errors = 0;
  let hits = 0;
  for (const [kind, t] of Object.entries(tally)) {
    const s = [...t.ms].sort((a, b) => a - b);
    all.push(...s);
    errors += t.errors;
    hits += t.hits;
    const detail = [...t.statuses].map(([k, v]) => `${k}×${v}`).join(' ');
    rows.push([kind, String(s.length), (s.length / seconds).toFixed(1), ...[0.5, 0.95, 0.99].map((q) => quantile(s, q).toFixed(1)), hitRate(t.hits, s.length), `${t.errors}${detail ? ` (${detail})` : ''}`]);
  }
  all.sort((a, b) => a - b);
  const total = all.length / seconds;
  const p99 = quantile(all, 0.99);
  rows.push(['all', String(all.length), total.toFixed(1), ...[0.5, 0.95, 0.99].map((q) => quantile(all, q).toFixed(1)), hitRate(hits, all.length), String(errors)]);
  const header = ['endpoint', 'requests', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'cache hits', 'errors'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log([line(header), ...rows.map(line)].join('\n'));
  const met = (ok: boolean) => (ok ? 'met    ' : 'NOT met');
  console.log('\ntargets (issue 11):');
  console.log(`  ${met(errors <= TARGETS.errors)}  errors ${errors} (target ${TARGETS.errors})`);
  console.log(`  ${met(p99 <= TARGETS.p99Ms)}  p99 ${p99.toFixed(1)} ms (target ≤ ${TARGETS.p99Ms} ms)`);
  console.log(`  ${met(total >= TARGETS.reqPerS)}  ${total.toFixed(1)} req/s (target ≥ ${TARGETS.reqPerS})`);
}

/** CPU-seconds a process has used (user + system), from /proc; undefined once it is gone. */
function cpuSeconds(pid: number): number | undefined {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // clock ticks (USER_HZ, 100 on Linux)
  } catch {
    return undefined;
  }
}

/** A process and its descendants (the server's workers), from /proc. */
function processTree(pid: number): number[] {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // gone, or a kernel without the children file: the process alone
  }
  return [pid, ...children.flatMap(processTree)];
}

/**
 * CPU-seconds used during the measure by the server's processes and by the PostgreSQL backends of the bench database
 * (sampled every 500 ms: a backend that appears counts from 0, one that ends keeps its last sample). The figure per
 * request holds on a busy machine, where latencies and req/s mostly measure the other work.
 */
function cpuMeter(db: Db, serverPid: number): { stop: () => Promise<{ server: number; postgres: number }> } {
  const start = new Map<string, number>();
  const last = new Map<string, number>();
  let first = true;
  const sample = async () => {
    const backends = (await db.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()')).rows;
    const initial = first;
    first = false;
    for (const [kind, pids] of [['pg', backends.map((b) => b.pid)], ['node', processTree(serverPid)]] as const)
      for (const pid of pids) {
        const v = cpuSeconds(pid);
        if (v === undefined) continue;
        const key = `${kind}:${pid}`;
        if (!start.has(key)) start.set(key, initial ? v : 0);
        last.set(key, v);
      }
  };
  let running = sample();
  const timer = setInterval(() => (running = running.then(sample)), 500);
  return {
    async stop() {
      clearInterval(timer);
      await running;
      await sample();
      const sum = (kind: string) => [...last].filter(([k]) => k.startsWith(kind)).reduce((a, [k, v]) => a + v - start.get(k)!, 0);
      return { server: sum('node:'), postgres: sum('pg:') };
    },
  };
}

/** The server process's resident memory (MB), from /proc. */
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;

/** One national export on the idle server: time to the first byte and to the end, and the server's memory meanwhile. */
async function exportMeasure(base: string, pid: number): Promise<void> {
  const before = rssMb(pid);
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 20);
  const t0 = performance.now();
  const res = await fetch(`${base}/api/pharmacies.csv`);
  let first = NaN;
  let bytes = 0;
  for await (const chunk of res.body!) {
    if (!bytes) first = performance.now() - t0;
    bytes += (chunk as Uint8Array).length;
  }
  const end = performance.now() - t0;
  clearInterval(sampler);
  console.log(
    `national pharmacies CSV (${res.headers.get('x-row-count')} rows, ${(bytes / 1e6).toFixed(1)} MB): first byte ${(first / 1000).toFixed(2)} s, ` +
      `end ${(end / 1000).toFixed(2)} s; server memory ${before.toFixed(0)} MB before, ${peak.toFixed(0)} MB at most during it (+${(peak - before).toFixed(0)} MB)`,
  );
}

async function main(): Promise<void> {
  const url = process.env.BENCH_DATABASE_URL || process.env.DATABASE_URL || process.env.TEST_DATABASE_URL;
  if (!url) {
    console.error('npm run bench:load needs a PostgreSQL + PostGIS server: set BENCH_DATABASE_URL, e.g.\n  BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npm run bench:load');
    process.exit(2);
  }
  const { url: benchUrl, db } = await benchDatabase(url, false);
  const paths = await inputs(db);
  const port = await freePort();
  const server = await startServer(benchUrl, port);
  const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`the server's tile prerendering took ${(await prerendered(port)).toFixed(1)} s (waited for before the load)`);
  console.log(`${CLIENTS} clients, ${DURATION_S} s (+${WARMUP_S} s warm-up), ${WORKERS} server worker(s), ${cpus().length} CPUs; load average before: ${load()}`);
  if (WORKERS === 1) await exportMeasure(`http://127.0.0.1:${port}`, server.pid!);
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: CLIENTS, pipelining: 1 });
  try {
    const from = performance.now() + WARMUP_S * 1000;
    let meter: ReturnType<typeof cpuMeter> | undefined;
    const warm = setTimeout(() => (meter = cpuMeter(db, server.pid!)), WARMUP_S * 1000);
    const tally = await drive(pool, paths, from, from + DURATION_S * 1000);
    clearTimeout(warm);
    const cpu = await meter?.stop();
    report(tally, DURATION_S);
    if (cpu) {
      const n = Object.values(tally).reduce((a, t) => a + t.ms.length, 0);
      console.log(
        `CPU-seconds during the measure: server ${cpu.server.toFixed(1)} s, PostgreSQL backends ${cpu.postgres.toFixed(1)} s ` +
          `(${((cpu.server * 1000) / n).toFixed(1)} + ${((cpu.postgres * 1000) / n).toFixed(1)} ms per request)`,
      );
    }
    console.log(`load average after: ${load()} (1, 5, 15 min; the machine is shared: other work counts in it)`);
  } finally {
    await pool.close();
    await db.close();
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
