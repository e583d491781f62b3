// `npm run bench:draw`: how long the map takes to draw, from navigation until MapLibre's `load` event (its first
// visually complete frame: style and every tile in, drawn) and until loaded() holds after it (MapLibre draws the
// first view with new names a second time, to settle a placement it marks stale), in Debian's chromium (/usr/bin/chromium, software WebGL) against `npm start` on the embedded
// database. Target (issue 10): ≤ 3 s. Each view opens in a fresh browser context (no HTTP cache of the browser),
// the first one right after the start (the server's tile cache as a start leaves it), then each again.
// Also printed: the tile requests of each view and how long the slowest took, to see where the time goes.
// Usage: npm run bench:draw [-- runs] (BENCH_URL=http://… measures a server already running instead).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserServer } from 'playwright-core';
import { CHROMIUM_LAUNCH } from '../tests/e2e/harness.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.argv[2] ?? 3);

const VIEWS = [
  { name: 'home 1440×900', hash: '', viewport: { width: 1440, height: 900 } },
  { name: 'ARS 1440×900', hash: '#j=ars', viewport: { width: 1440, height: 900 } },
  { name: 'phone 390×844', hash: '', viewport: { width: 390, height: 844 } },
] as const;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/** `npm start` on a fresh DATA_DIR (the demo database image copied, as on a first start), served once /api/health answers. */
async function startServer(dataDir: string): Promise<{ base: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn('npm', ['start', '--silent'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: '', LOG_LEVEL: 'warn', BASEMAP_STYLE_URL: '', BASEMAP_PMTILES: '' },
  });
  const base = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  while (!(await fetch(`${base}/api/health`).then((r) => r.ok, () => false))) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}`);
    if (performance.now() - t0 > 300_000) throw new Error('not served after 300 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  return { base, child };
}

/**
 * CPU seconds used so far by a process and its descendants (Linux /proc; utime + stime, 100 ticks a second). On a
 * shared machine the wall-clock time depends on the others' load; the CPU time the drawing costs much less.
 */
async function cpuSeconds(root: number): Promise<number> {
  const procs: { pid: number; ppid: number; ticks: number }[] = [];
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const stat = await readFile(`/proc/${d}/stat`, 'utf8').catch(() => '');
    // fields after the command name (which may hold spaces): state ppid … utime(14) stime(15)
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (f.length > 13) procs.push({ pid: Number(d), ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
  }
  const mine = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs) if (!mine.has(p.pid) && mine.has(p.ppid)) grew = mine.add(p.pid) !== undefined;
  }
  return procs.filter((p) => mine.has(p.pid)).reduce((t, p) => t + p.ticks, 0) / 100;
}

interface Draw {
  /** Seconds to MapLibre's `load` event (the first frame with every tile in: the map as the user sees it). */
  drawn: number;
  seconds: number;
  /** CPU seconds of the browser (all its processes) and of the server while the view was drawn. */
  browserCpu: number;
  /** Frames MapLibre drew until loaded(), and until it stayed idle (no frame for 1 s); CPU seconds of the browser until then. */
  frames: number;
  framesIdle: number;
  browserCpuIdle: number;
  serverCpu: number | undefined;
  tiles: number;
  slowestTileMs: number;
}

/** Seconds from navigation to the map's style and tiles all loaded (MapLibre's `loaded()`, polled every 50 ms). */
async function draw(browser: Browser, pids: { browser: number; server?: number }, base: string, view: (typeof VIEWS)[number]): Promise<Draw> {
  const cpu0 = await cpuSeconds(pids.browser);
  const server0 = pids.server ? await cpuSeconds(pids.server) : 0;
  const context = await browser.newContext({ viewport: view.viewport, locale: 'fr-FR' });
  const page = await context.newPage();
  const tileMs: number[] = [];
  page.on('requestfinished', (r) => {
    if (/\/tiles\/[^/]+\/\d+\/\d+\/\d+/.test(r.url())) tileMs.push(r.timing().responseEnd);
  });
  // counts MapLibre's frames from the map's creation: client/src/map.ts sets the map on its host element as it
  // creates it, before its first frame
  await page.addInitScript(() => {
    const w = window as unknown as { __frames: number; __lastFrame: number; __drawn: number };
    w.__frames = 0;
    w.__lastFrame = 0;
    w.__drawn = 0;
    Object.defineProperty(HTMLElement.prototype, 'maplibre', {
      configurable: true,
      set(this: HTMLElement & { __ml?: unknown }, m: { on(e: string, f: () => void): void }) {
        this.__ml = m;
        m.on('render', () => {
          w.__frames++;
          w.__lastFrame = performance.now();
        });
        // MapLibre's "first visually complete rendering": all tiles in and drawn
        m.on('load', () => (w.__drawn = performance.now()));
      },
      get(this: HTMLElement & { __ml?: unknown }) {
        return this.__ml;
      },
    });
  });
  await page.goto(`${base}/${view.hash}`);
  // the map host element carries the MapLibre map (client/src/map.ts); performance.now() counts from the navigation
  const settled = await page.waitForFunction(
    () => {
      const m = (document.querySelector('[data-testid=map]') as (Element & { maplibre?: { loaded(): boolean } }) | null)?.maplibre;
      return m?.loaded() ? performance.now() : false;
    },
    null,
    { timeout: 120_000, polling: 50 },
  );
  const seconds = ((await settled.jsonValue()) as number) / 1000;
  const browserCpu = (await cpuSeconds(pids.browser)) - cpu0;
  const serverCpu = pids.server ? (await cpuSeconds(pids.server)) - server0 : undefined;
  const frames = await page.evaluate(() => (window as unknown as { __frames: number }).__frames);
  const drawn = (await page.evaluate(() => (window as unknown as { __drawn: number }).__drawn)) / 1000;
  // then until no frame for a second: what the page still draws after the load (legend, late sources)
  await page.waitForFunction(() => performance.now() - (window as unknown as { __lastFrame: number }).__lastFrame > 1000, null, {
    timeout: 120_000,
    polling: 100,
  });
  const framesIdle = await page.evaluate(() => (window as unknown as { __frames: number }).__frames);
  // less the quiet second's polling (a few ms)
  const browserCpuIdle = (await cpuSeconds(pids.browser)) - cpu0;
  await context.close();
  return { drawn, seconds, browserCpu, serverCpu, frames, framesIdle, browserCpuIdle, tiles: tileMs.length, slowestTileMs: Math.max(0, ...tileMs) };
}

const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cpts-bench-draw-'));
  const own = process.env.BENCH_URL ? undefined : await startServer(join(dir, 'data'));
  const base = process.env.BENCH_URL ?? own!.base;
  const server: BrowserServer = await chromium.launchServer(CHROMIUM_LAUNCH);
  const browser = await chromium.connect(server.wsEndpoint());
  const pids = { browser: server.process().pid!, ...(own ? { server: own.child.pid! } : {}) };
  try {
    console.log(`map draw time from navigation: drawn = MapLibre's load event, the first frame with every tile in (target ≤ 3 s); settled = loaded() true after it (MapLibre may draw the same view once more); load average at start ${load()} (2 cores, shared machine)`);
    for (let i = 0; i < runs; i++)
      for (const view of VIEWS) {
        const d = await draw(browser, pids, base, view);
        const cpu = `CPU: browser ${d.browserCpu.toFixed(1)} s (${d.browserCpuIdle.toFixed(1)} s to idle)${d.serverCpu === undefined ? '' : `, server ${d.serverCpu.toFixed(1)} s`}`;
        console.log(
          `run ${i + 1} ${view.name.padEnd(14)} drawn ${d.drawn.toFixed(2).padStart(5)} s, settled ${d.seconds.toFixed(2).padStart(5)} s   ${cpu}   frames ${d.frames} (${d.framesIdle} to idle)   ${String(d.tiles).padStart(3)} tile requests, slowest ${Math.round(d.slowestTileMs)} ms   load ${load()}`,
        );
      }
  } finally {
    await browser.close();
    await server.close();
    if (own) {
      process.kill(-own.child.pid!, 'SIGTERM');
      await new Promise((r) => own.child.once('exit', r));
    }
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
