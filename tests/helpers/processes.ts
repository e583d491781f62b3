// Real processes for the tests that need them: the server (`server/src/main.ts`) and the import CLI, each one
// node process (node --import tsx), so that a signal reaches the process itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Proc {
  child: ChildProcess;
  exited: Promise<Run>;
  output(): string;
}

/** `node --import tsx <script> …args` in the repository, with the environment given on top of a neutral one. */
export function spawnTs(script: string, args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: '', LOG_LEVEL: 'warn', SEED_DEMO: 'false', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<Run>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, exited, output: () => stdout + stderr };
}

/** Runs to the end (killed after `timeoutMs`). */
export async function runTs(script: string, args: string[], env: Record<string, string>, timeoutMs = 120_000): Promise<Run> {
  const p = spawnTs(script, args, env);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs);
  const r = await p.exited;
  clearTimeout(timer);
  return r;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The server on a free port; resolves once /api/health answers 200 (throws with its output if it exits first). */
export async function startServerProcess(env: Record<string, string>, timeoutMs = 120_000): Promise<Proc & { url: string; port: number }> {
  const port = await freePort();
  const p = spawnTs('server/src/main.ts', [], { PORT: String(port), ...env });
  const url = `http://127.0.0.1:${port}`;
  let gone: Run | undefined;
  void p.exited.then((r) => (gone = r));
  const t0 = Date.now();
  for (;;) {
    if (gone) throw new Error(`the server exited (${gone.code ?? gone.signal}) before answering:\n${p.output()}`);
    if (Date.now() - t0 > timeoutMs) {
      p.child.kill('SIGKILL');
      throw new Error(`the server did not answer /api/health within ${timeoutMs / 1000} s:\n${p.output()}`);
    }
    const ok = await fetch(`${url}/api/health`).then((r) => r.ok, () => false);
    if (ok) return { ...p, url, port };
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** SIGTERM (a clean stop), SIGKILL after 15 s. */
export async function stopProcess(p: Proc): Promise<Run> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
  const r = await p.exited;
  clearTimeout(timer);
  return r;
}
