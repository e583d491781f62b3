// `npm run bench:start`: how long `npm start` takes to serve the map on the embedded database, cold (an empty
// DATA_DIR, as after a fresh clone and `npm install`) and warm (the same folder again). "Served" means the page,
// /tiles/layers.json and one communes tile all answered 200. Targets (issue 11): cold ≤ 10 s, warm ≤ 3 s.
// On Linux it also gives the CPU time `npm start`'s processes (all threads) used until then: on a machine shared
// with other work, the figure that holds when the seconds do not.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.argv[2] ?? 3);

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

const ok = (url: string) => fetch(url).then((r) => r.ok, () => false);

/** CPU seconds of the processes of a process group, with their waited-for children (Linux /proc; undefined elsewhere). */
function groupCpu(pgid: number): number | undefined {
  if (!existsSync('/proc/self/stat')) return undefined;
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // ended meanwhile
    }
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // f[2] pgrp, f[11..14] utime stime cutime cstime
    if (Number(f[2]) === pgid) ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  }
  return ticks / 100; // USER_HZ
}

/** Seconds from `npm start` to the map served, and the CPU seconds used until then; the server is stopped afterwards. */
async function start(dataDir: string): Promise<{ s: number; cpu?: number }> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn('npm', ['start', '--silent'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: '', LOG_LEVEL: 'warn' },
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const base = `http://127.0.0.1:${port}`;
  for (const path of ['/', '/tiles/layers.json', '/tiles/communes/6/31/22.mvt']) {
    while (!(await ok(base + path))) {
      if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${stderr}`);
      if (performance.now() - t0 > 300_000) throw new Error('not served after 300 s');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const s = (performance.now() - t0) / 1000;
  const cpu = groupCpu(child.pid!);
  process.kill(-child.pid!, 'SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return { s, cpu };
}

const cold: { s: number; cpu?: number }[] = [];
const warm: { s: number; cpu?: number }[] = [];
for (let i = 0; i < runs; i++) {
  const dir = await mkdtemp(join(tmpdir(), 'cpts-bench-start-'));
  try {
    cold.push(await start(join(dir, 'data')));
    warm.push(await start(join(dir, 'data')));
  } finally {
    await rm(dir, { recursive: true, force: true, maxRetries: 10 }); // the server may still be closing its database when npm has exited
  }
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!.toFixed(1);
const line = (runs: { s: number; cpu?: number }[], target: number) => {
  const s = runs.map((r) => r.s);
  const cpu = runs.flatMap((r) => (r.cpu === undefined ? [] : [r.cpu]));
  const cpuPart = cpu.length ? `; CPU median ${median(cpu)} s [${cpu.map((x) => x.toFixed(1)).join(', ')}]` : '';
  return `median ${median(s)} s [${s.map((x) => x.toFixed(1)).join(', ')}] (target ≤ ${target} s)${cpuPart}`;
};
console.log(`npm start to a served map (${runs} runs, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}):`);
console.log(`  cold ${line(cold, 10)}`);
console.log(`  warm ${line(warm, 3)}`);
