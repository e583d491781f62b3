// One writer per embedded data folder, with real processes: a second server and an import CLI are refused with
// one clear line while a server holds the folder; a server killed with SIGKILL leaves no lock behind.
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../server/src/auth/audit.js';
import { createToken } from '../../server/src/auth/sessions.js';
import { createUser } from '../../server/src/auth/users.js';
import { DataDirInUseError, lockDataDir } from '../../server/src/db/lock.js';
import { openPglite } from '../../server/src/db/pglite.js';
import { ROOT, runTs, startServerProcess, stopProcess, type Proc } from '../helpers/processes.js';

const ZONING = join(ROOT, 'tests/fixtures/zoning/zonage-comma.csv');

const oneLine = (stderr: string) => {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(stderr).not.toMatch(/\bat .+:\d+:\d+/);
  return lines[0]!;
};

describe('embedded data folder lock', () => {
  let dir: string;
  const servers: Proc[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cpts-lock-'));
    await cp(process.env.PGLITE_TEMPLATE!, dir, { recursive: true });
  });
  afterAll(async () => {
    for (const s of servers) await stopProcess(s);
    await rm(dir, { recursive: true, force: true });
  });

  it('in one process: a second opener is refused until the first releases', () => {
    const other = join(dir, 'sub');
    const a = lockDataDir(other);
    expect(() => lockDataDir(other)).toThrow(DataDirInUseError);
    a.release();
    lockDataDir(other).release();
  });

  it('refuses a second server and an import while a server runs; recovers at once after kill -9', async () => {
    const first = await startServerProcess({ DATA_DIR: dir });
    servers.push(first);
    const pid = first.child.pid!;

    const second = await runTs('server/src/main.ts', [], { DATA_DIR: dir, PORT: '0' });
    expect(second.code).toBe(1);
    expect(oneLine(second.stderr)).toMatch(new RegExp(`^Error: the data folder .+ is in use by process ${pid} \\(server/src/main\\.ts\\), since \\d{4}-`));

    const cli = await runTs('server/src/cli/import.ts', ['zoning', ZONING, '--source', 'test'], { DATA_DIR: dir });
    expect(cli.code).toBe(1);
    expect(cli.stdout).not.toMatch(/Imported/);
    expect(oneLine(cli.stderr)).toMatch(new RegExp(`^Error: the data folder .+ is in use by process ${pid} `));

    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');

    // the kernel released the lock with the process: a new server starts on the folder, which is intact
    const again = await startServerProcess({ DATA_DIR: dir });
    servers.push(again);
    const health = await (await fetch(`${again.url}/api/health`)).json();
    expect(health.backend ?? JSON.stringify(health)).toMatch(/pglite/);
    const stopped = await stopProcess(again);
    expect(stopped.code).toBe(0);

    // with the folder free, the same import goes through and is still there on the next opening
    const ok = await runTs('server/src/cli/import.ts', ['zoning', ZONING, '--source', 'test'], { DATA_DIR: dir });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^Imported zoning/);
    const db = await openPglite(dir);
    try {
      const r = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM import_log WHERE kind = 'zoning'");
      expect(r.rows[0]!.n).toBe(1);
    } finally {
      await db.close();
    }
  }, 300_000); // three server starts and two imports on a shared machine

  it('an import CLI hands its file to the server holding the folder when given an API token', async () => {
    const own = join(dir, 'remise');
    await cp(process.env.PGLITE_TEMPLATE!, own, { recursive: true });
    const db = await openPglite(own);
    let token: string;
    try {
      const admin = await createUser(db, CLI_ACTOR, { identifiant: 'admin', nom: 'Admin', role: 'admin', region: null, motDePasse: 'un mot de passe assez long' });
      ({ secret: token } = await createToken(db, { ...CLI_ACTOR, utilisateur: admin.id, auteur: 'admin', role: 'admin' }, 'cli', null));
    } finally {
      await db.close();
    }
    const server = await startServerProcess({ DATA_DIR: own });
    servers.push(server);
    const csv = join(own, 'sous-types.csv');
    await writeFile(csv, 'finess;sous_type\n440000123;dentaire\n');

    const without = await runTs('server/src/cli/import.ts', ['centre-types', csv], { DATA_DIR: own });
    expect(without.code).toBe(1);
    expect(oneLine(without.stderr)).toMatch(/is in use by process .+ Or set CPTS_API_TOKEN /);

    const handed = await runTs('server/src/cli/import.ts', ['centre-types', csv], { DATA_DIR: own, CPTS_API_TOKEN: token });
    expect(handed.code, handed.stderr).toBe(0);
    expect(handed.stdout).toMatch(/^Imported centre-types from sous-types\.csv through the running server: 1 rows, .*\(import #\d+\)$/m);
    await writeFile(csv, 'finess;sous_type\n44000012;dentaire\n');
    const refused = await runTs('server/src/cli/import.ts', ['centre-types', csv], { DATA_DIR: own, CPTS_API_TOKEN: token });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Import refused, the database is unchanged\. 1 problem\(s\):\n {2}- sous-types\.csv, line 2, field finess: /);
    await stopProcess(server);
    const after = await openPglite(own);
    try {
      expect((await after.query<{ n: number }>("SELECT count(*)::int AS n FROM structure_sous_type_correction")).rows[0]!.n).toBe(1);
    } finally {
      await after.close();
    }
  }, 300_000);
});
