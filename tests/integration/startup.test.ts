// `npm start` failures a user can cause give one clear line on stderr and exit code 1, never a stack trace.
import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function start(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(join(ROOT, 'node_modules/.bin/tsx'), ['server/src/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'silent', DATABASE_URL: '', ...env },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

const oneClearLine = (stderr: string) => {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(stderr).not.toMatch(/\bat .+:\d+:\d+/); // no stack frame
  return lines[0]!;
};

describe('start-up errors', () => {
  it('an unreachable DATABASE_URL', async () => {
    const r = await start({ DATABASE_URL: 'postgresql://nobody:secret@127.0.0.1:9/nothing' });
    expect(r.code).toBe(1);
    const line = oneClearLine(r.stderr);
    expect(line).toMatch(/^Error: Cannot reach DATABASE_URL postgresql:\/\/nobody:\*\*\*@127\.0\.0\.1:9\/nothing/);
  });

  it('an invalid setting', async () => {
    const r = await start({ PORT: 'eighty' });
    expect(r.code).toBe(1);
    expect(oneClearLine(r.stderr)).toMatch(/^Error: Invalid configuration: PORT/);
  });

  it('a port already taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '0.0.0.0', () => r()));
    const port = (blocker.address() as { port: number }).port;
    const dir = await mkdtemp(join(tmpdir(), 'cpts-start-'));
    await cp(process.env.PGLITE_TEMPLATE!, dir, { recursive: true });
    try {
      const r = await start({ PORT: String(port), DATA_DIR: dir, SEED_DEMO: 'false' });
      expect(r.code).toBe(1);
      expect(oneClearLine(r.stderr)).toBe(`Error: port ${port} is already in use; set PORT to a free port (e.g. PORT=3001 npm start).`);
    } finally {
      blocker.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
