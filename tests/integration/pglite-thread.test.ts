// The embedded database as the server runs it (server/src/db/pglite-thread.ts): in a worker thread, so the event
// loop stays free; interactive work before heavy work; a request statement past the timeout stopped (PGlite ignores
// statement_timeout) and the database reopened intact; background work unbounded.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInLane, type Lane } from '../../server/src/db/lane.js';
import { openPgliteThread } from '../../server/src/db/pglite-thread.js';
import { DbTimeoutError, DbUnavailableError, type Db } from '../../server/src/db/port.js';

const TIMEOUT_MS = 1500;

describe('embedded database in a worker thread', () => {
  let dir: string;
  let db: Db;
  const restarts: string[] = [];
  const inLane = <T>(lane: Lane, fn: () => Promise<T>) => runInLane(lane, fn);
  const sleep = (lane: Lane, s: number) => inLane(lane, () => db.query(`SELECT true AS slept FROM pg_sleep(${s})`));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cpts-thread-'));
    await cp(process.env.PGLITE_TEMPLATE!, dir, { recursive: true });
    db = await openPgliteThread(dir, { timeoutMs: TIMEOUT_MS, onRestart: (r) => restarts.push(r) });
    await db.exec('CREATE TABLE t (n int)');
  });
  afterAll(async () => {
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers like the in-process adapter: rows, row counts, parsed types, errors', async () => {
    const r = await inLane('interactive', () => db.query<{ n: number; d: string }>("SELECT 2::int8 AS n, '2024-03-01'::date AS d"));
    expect(r).toEqual({ rows: [{ n: 2, d: '2024-03-01' }], rowCount: 1 });
    expect((await db.query('INSERT INTO t VALUES (1), (2)')).rowCount).toBe(2);
    await expect(db.query('SELECT * FROM nowhere')).rejects.toThrow(/nowhere/);
  });

  it('keeps the event loop free while a statement runs', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 20);
    await sleep('heavy', 0.6);
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(10);
  });

  it('serves interactive work before queued heavy work', async () => {
    const done: string[] = [];
    const first = sleep('heavy', 0.4).then(() => done.push('heavy 1'));
    await new Promise((r) => setTimeout(r, 100)); // heavy 1 is in flight
    const second = sleep('heavy', 0.4).then(() => done.push('heavy 2'));
    const short = inLane('interactive', () => db.query('SELECT 1')).then(() => done.push('interactive'));
    await Promise.all([first, second, short]);
    expect(done).toEqual(['heavy 1', 'interactive', 'heavy 2']);
  });

  it('transactions commit and roll back', async () => {
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO t VALUES (10)');
    });
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES (11)');
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    const r = await db.query<{ n: number }>('SELECT n FROM t WHERE n >= 10 ORDER BY n');
    expect(r.rows).toEqual([{ n: 10 }]);
  });

  it('a scratch copy takes the long transaction of a dry run: the database answers meanwhile, and keeps none of its writes', async () => {
    await db.exec('CREATE TABLE s (n int); INSERT INTO s VALUES (1)');
    let opened!: () => void;
    let release!: () => void;
    const isOpen = new Promise<void>((r) => (opened = r));
    const held = new Promise<void>((r) => (release = r));
    const onCopy = db.scratch!((copy) =>
      copy.transaction(async (tx) => {
        await tx.query('INSERT INTO s VALUES (2)');
        opened();
        await held; // a long dry run, still holding its transaction
        return (await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM s')).rows[0]!.n;
      }),
    );
    await isOpen;
    // on the database itself, with the copy's transaction open: neither blocked nor seeing the copy's write
    expect((await inLane('interactive', () => db.query<{ n: number }>('SELECT count(*)::int AS n FROM s'))).rows[0]!.n).toBe(1);
    await db.query('INSERT INTO s VALUES (3)');
    release();
    expect(await onCopy).toBe(2); // the copy saw the data as it was, and its own write
    expect((await db.query<{ n: number }>('SELECT n FROM s ORDER BY n')).rows.map((r) => r.n)).toEqual([1, 3]);
  });

  it('stops a request statement past the timeout, reopens the database, loses only the open transaction', async () => {
    const e = await inLane('heavy', () =>
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES (20)');
        await tx.query('SELECT count(*) FROM generate_series(1, 2000000000)');
      }),
    ).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(DbTimeoutError);
    expect(restarts).toHaveLength(1);
    // queued meanwhile, answered once the database is open again
    const r = await inLane('background', () => db.query<{ n: number }>('SELECT n FROM t ORDER BY n'));
    expect(r.rows.map((x) => x.n)).toEqual([1, 2, 10]);
  });

  it('a request that waits longer than the timeout behind background work gets « busy »; background work is unbounded', async () => {
    const background = sleep('background', (TIMEOUT_MS + 700) / 1000);
    await new Promise((r) => setTimeout(r, 100));
    const waited = await inLane('interactive', () => db.query('SELECT 1')).then(() => undefined, (x: unknown) => x);
    expect(waited).toBeInstanceOf(DbUnavailableError);
    await expect(background).resolves.toMatchObject({ rows: [{ slept: true }] });
    expect(restarts).toHaveLength(1);
  });
});

describe('embedded database: exports on the read replica', () => {
  let dir: string;
  let db: Db;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cpts-replica-'));
    await cp(process.env.PGLITE_TEMPLATE!, dir, { recursive: true });
    db = await openPgliteThread(dir, { timeoutMs: 0, readReplica: true });
    await db.exec('CREATE TABLE r AS SELECT g FROM generate_series(1, 3000) g');
    await runInLane('interactive', () => db.query("SET application_name = 'primary'")); // a session setting: not a write
  });
  afterAll(async () => {
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Heavy work until it is answered by a replica current with the data (the copy is taken and opened meanwhile). */
  const untilOnReplica = async () => {
    for (let i = 0; i < 600; i++) {
      const r = await runInLane('heavy', () => db.query<{ application_name: string }>('SHOW application_name'));
      if (r.rows[0]!.application_name !== 'primary') return;
      await new Promise((ok) => setTimeout(ok, 100));
    }
    throw new Error('no read replica opened');
  };

  it('an export runs to its end on its replica though the data change and a newer copy replaces it', async () => {
    await untilOnReplica();
    const rows: number[] = [];
    await runInLane('heavy', async () => {
      for await (const batch of db.cursor<{ g: number }>('SELECT g FROM r ORDER BY g', [], 1000)) {
        rows.push(...batch.map((x) => x.g));
        if (rows.length === 1000) {
          await runInLane('interactive', () => db.query('INSERT INTO r VALUES (0)'));
          await untilOnReplica(); // a newer copy took over: the one this export reads must stay open
        }
      }
    });
    expect(rows).toHaveLength(3000);
    expect(rows.at(-1)).toBe(3000);
  });
});
