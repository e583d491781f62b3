// The embedded database as the server uses it: PGlite in a worker thread, behind a priority queue.
//
// PGlite runs PostgreSQL compiled to WebAssembly: a statement runs to its end without yielding (a 2-second export
// stops every timer, socket and tile of the process for 2 s), and it ignores `statement_timeout` (no signals in
// WASM). So the server keeps it in a worker thread, which leaves the event loop free, and sends it one message at a
// time from a queue where interactive work (map, search, sheets, nearby) goes before heavy work (exports,
// whole-territory analyses), which goes before background work (tile prerendering, the demo seed): a short request
// waits at most for the one statement in progress, never for the heavy ones queued before it (see lane.ts).
//
// Bounds, for request work (not background): a statement running past the timeout is stopped the only way WASM
// can be, by terminating the worker; the request gets DbTimeoutError (504), an open transaction is lost as in a
// crash (PostgreSQL recovers the folder on reopening), and a new worker reopens the database while the queue waits.
// A request that waited in the queue longer than the timeout gets DbUnavailableError (503, busy).
import { readdirSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { heldCursor } from './cursor.js';
import { toDbError } from './errors.js';
import { currentLane, type Lane } from './lane.js';
import { lockDataDir } from './lock.js';
import { DbUnavailableError, DbTimeoutError, type Db, type QueryResult, type Queryable, type Row } from './port.js';

export interface Request {
  id: number;
  op: 'query' | 'exec' | 'begin' | 'end' | 'snapshot' | 'close';
  sql?: string;
  /** snapshot: the folder to copy the database into. */
  dir?: string;
  params?: readonly unknown[];
  /** The transaction a statement belongs to (chosen by this side at `begin`). */
  tx?: number;
  commit?: boolean;
}

export type Reply = { id: number; ok: true; result?: unknown } | { id: number; ok: false; error: { name: string; message: string; code?: string } };

const PRIORITY: Record<Lane, number> = { interactive: 0, heavy: 1, background: 2 };

interface Op {
  msg: Omit<Request, 'id'>;
  lane: Lane;
  seq: number;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  timer?: NodeJS.Timeout;
}

export interface ThreadOptions {
  /** Longest a request's statement may run, and wait in the queue (ms); 0: unbounded. */
  timeoutMs: number;
  /** Told when the worker is stopped and reopened. */
  onRestart?: (reason: string) => void;
  /** Heavy work on a read replica (see ReadReplica). */
  readReplica?: boolean;
  /** Run once the folder is locked, before the database opens (e.g. to copy a prepared image into it). */
  beforeOpen?: () => Promise<void>;
}

const WORKER_URL = new URL('./pglite-thread-worker.ts', import.meta.url).href;
/** Run from the sources, the worker is TypeScript: loaded through tsx's API (a worker does not inherit the parent's loader). */
const BOOTSTRAP = `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(WORKER_URL)}, ${JSON.stringify(import.meta.url)}))`;
/** Run from the server bundle (`npm start`, scripts/server-bundle.js), the worker is the bundle's plain JavaScript beside it. */
const bundle = (globalThis as { cptsServerBundle?: string }).cptsServerBundle;
const newWorker = (workerData: unknown) =>
  bundle ? new Worker(new URL('./pglite-thread-worker.mjs', bundle), { workerData }) : new Worker(BOOTSTRAP, { eval: true, workerData });

class PgliteThread {
  private worker!: Worker;
  private ready!: Promise<void>;
  private isReady = false;
  private readonly queue: Op[] = [];
  private inFlight?: { id: number; op: Op };
  private openTx?: number;
  private seq = 0;
  private nextId = 1;
  private nextTx = 1;
  private closed = false;
  /** Statements that changed data so far (a read replica taken at N is current while this is N). */
  writes = 0;

  constructor(
    private readonly dataDir: string,
    private readonly options: ThreadOptions,
  ) {
    this.start();
  }

  /** Resolves once the database is open in the worker. */
  whenReady(): Promise<void> {
    return this.ready;
  }

  private start(): void {
    const worker = newWorker({ dataDir: this.dataDir });
    this.worker = worker;
    this.isReady = false;
    this.ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (r: Reply) => {
        if (r.id !== 0) return this.settle(r);
        if (!r.ok) return reject(new DbUnavailableError(`the embedded database could not be opened: ${r.error.message}`));
        this.isReady = true;
        resolve();
        this.dispatch();
      });
      worker.on('error', (e) => {
        if (!this.isReady) reject(e);
        else this.lost(`the database worker failed: ${e.message}`);
      });
      worker.on('exit', (code) => {
        if (worker !== this.worker || this.closed) return;
        if (!this.isReady) reject(new DbUnavailableError(`the embedded database worker stopped while opening (exit ${code})`));
        else this.lost(`the database worker stopped (exit ${code})`);
      });
    });
    this.ready.catch(() => {}); // a failed reopening is reported to each queued request
  }

  submit(msg: Omit<Request, 'id'>, lane: Lane = currentLane()): Promise<unknown> {
    if (this.closed) return Promise.reject(new DbUnavailableError('the embedded database is closed'));
    if (msg.tx !== undefined && msg.op !== 'begin' && msg.tx !== this.openTx) {
      return Promise.reject(new DbUnavailableError('the transaction was interrupted (database restarted)'));
    }
    return new Promise((resolve, reject) => {
      const op: Op = { msg, lane, seq: this.seq++, resolve, reject };
      if (this.bounded(op)) {
        op.timer = setTimeout(() => this.drop(op, new DbUnavailableError('the embedded database is busy')), this.options.timeoutMs);
      }
      this.queue.push(op);
      this.dispatch();
    });
  }

  private bounded(op: Op): boolean {
    return this.options.timeoutMs > 0 && op.lane !== 'background';
  }

  /** Next op: the open transaction's own statements only, else by lane, then in arrival order. */
  private pick(): Op | undefined {
    let best: Op | undefined;
    for (const op of this.queue) {
      if (this.openTx !== undefined ? op.msg.tx !== this.openTx || op.msg.op === 'begin' : op.msg.tx !== undefined && op.msg.op !== 'begin') continue;
      if (!best || PRIORITY[op.lane] < PRIORITY[best.lane] || (PRIORITY[op.lane] === PRIORITY[best.lane] && op.seq < best.seq)) best = op;
    }
    return best;
  }

  private dispatch(): void {
    if (this.inFlight || !this.isReady) return;
    const op = this.pick();
    if (!op) return;
    this.queue.splice(this.queue.indexOf(op), 1);
    clearTimeout(op.timer);
    const id = this.nextId++;
    this.inFlight = { id, op };
    if (op.msg.op === 'begin') this.openTx = op.msg.tx;
    if (this.bounded(op)) op.timer = setTimeout(() => this.timedOut(id), this.options.timeoutMs);
    this.worker.postMessage({ ...op.msg, id } satisfies Request);
  }

  private settle(r: Reply): void {
    const f = this.inFlight;
    if (!f || f.id !== r.id) return;
    this.inFlight = undefined;
    clearTimeout(f.op.timer);
    if (f.op.msg.op === 'end' || (f.op.msg.op === 'begin' && !r.ok)) this.openTx = undefined;
    if (r.ok) {
      const { op, commit } = f.op.msg;
      const result = r.result as { wrote?: boolean } | undefined;
      if (op === 'exec' || (op === 'end' && commit) || (op === 'query' && result?.wrote)) this.writes++;
      if (op === 'query') delete result!.wrote;
      f.op.resolve(op === 'snapshot' ? this.writes : r.result);
    } else f.op.reject(toDbError(Object.assign(new Error(r.error.message), { name: r.error.name, code: r.error.code }), this.options.timeoutMs));
    this.dispatch();
  }

  private drop(op: Op, e: Error): void {
    const i = this.queue.indexOf(op);
    if (i < 0) return;
    this.queue.splice(i, 1);
    op.reject(e);
  }

  private timedOut(id: number): void {
    if (this.inFlight?.id !== id) return;
    const { op } = this.inFlight;
    this.inFlight = undefined;
    op.reject(new DbTimeoutError(this.options.timeoutMs));
    this.restart(`a statement ran past ${this.options.timeoutMs} ms`);
  }

  /** The worker died on its own: the op in flight fails as unavailable, and a new worker takes over. */
  private lost(reason: string): void {
    const f = this.inFlight;
    this.inFlight = undefined;
    if (f) {
      clearTimeout(f.op.timer);
      f.op.reject(new DbUnavailableError(reason));
    }
    this.restart(reason);
  }

  private restart(reason: string): void {
    this.options.onRestart?.(`stopped and reopened: ${reason}`);
    const old = this.worker;
    this.isReady = false;
    // the open transaction died with the worker: its queued statements fail now
    if (this.openTx !== undefined) {
      for (const op of this.queue.filter((o) => o.msg.tx === this.openTx)) {
        clearTimeout(op.timer);
        this.drop(op, new DbUnavailableError('the transaction was interrupted (database restarted)'));
      }
      this.openTx = undefined;
    }
    void old.terminate().then(() => {
      if (this.closed) return;
      this.start();
      this.ready.catch((e: unknown) => {
        for (const op of this.queue.splice(0)) {
          clearTimeout(op.timer);
          op.reject(e);
        }
      });
    });
  }

  newTx(): number {
    return this.nextTx++;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.ready.catch(() => {});
    if (this.isReady) await this.submit({ op: 'close' }, 'interactive').catch(() => {});
    this.closed = true;
    for (const op of this.queue.splice(0)) op.reject(new DbUnavailableError('the embedded database is closed'));
    await this.worker.terminate();
  }
}

function queryable(t: PgliteThread, tx?: number): Queryable {
  return {
    async query<T = Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
      return (await t.submit({ op: 'query', sql, params, tx })) as QueryResult<T>;
    },
    async exec(sql: string): Promise<void> {
      await t.submit({ op: 'exec', sql, tx });
    },
  };
}

const REPLICA_PREFIX = `cpts-replica-`;
/**
 * A copy is taken this long after heavy work first asks for it: copying the folder and opening a second PGlite cost
 * 2-3 s of CPU, which the first view of a page (its analyses are short on a département's data) should not compete
 * with (the ARS view's first draw: 4.4 s of server CPU with the copy); long work meanwhile runs on the primary.
 */
const REPLICA_DELAY_MS = 3000;

/** Replica folders left by processes that were killed. */
function removeStaleReplicas(): void {
  for (const name of readdirSync(tmpdir())) {
    const pid = Number(new RegExp(`^${REPLICA_PREFIX}(\\d+)-`).exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch {
      rmSync(join(tmpdir(), name), { recursive: true, force: true });
    }
  }
}

/**
 * Heavy work on a read replica: a second worker on a copy of the data folder, taken shortly after the first heavy
 * request and again after the data changed, so that exports and whole-territory analyses run beside the interactive work
 * instead of before it. Until a current copy is open, heavy work goes to the primary (behind interactive work).
 */
class ReadReplica {
  private current?: Copy;
  private refreshing?: Promise<void>;
  private closed = false;

  constructor(
    private readonly primary: PgliteThread,
    private readonly options: ThreadOptions,
  ) {}

  /** The replica when it holds the primary's data, else undefined (and a fresh copy is on its way). */
  use(): PgliteThread | undefined {
    if (this.current && this.current.writes === this.primary.writes) return this.current.thread;
    this.refreshing ??= this.refresh().finally(() => (this.refreshing = undefined));
    return undefined;
  }

  private async refresh(): Promise<void> {
    await new Promise((r) => setTimeout(r, REPLICA_DELAY_MS).unref());
    if (this.closed) return;
    const dir = await mkdtemp(join(tmpdir(), `${REPLICA_PREFIX}${process.pid}-`));
    try {
      const writes = (await this.primary.submit({ op: 'snapshot', dir }, 'background')) as number;
      const thread = new PgliteThread(dir, this.options);
      await thread.whenReady();
      const old = this.current;
      this.current = { thread, dir, writes, cursors: 0 };
      if (this.closed) await this.close();
      if (old) await retire(old);
    } catch (e) {
      this.options.onRestart?.(`read replica unavailable: ${(e as Error).message}`);
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** The current replica for a cursor, kept open until released even when a newer copy replaces it meanwhile. */
  hold(): { thread: PgliteThread; release: () => void } | undefined {
    const copy = this.use() && this.current!;
    if (!copy) return undefined;
    copy.cursors++;
    return {
      thread: copy.thread,
      release: () => {
        if (--copy.cursors === 0 && copy.retired) void retire(copy);
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.current;
    this.current = undefined;
    if (c) await retire(c);
  }
}

interface Copy {
  thread: PgliteThread;
  dir: string;
  writes: number;
  /** Open cursors (exports) on this copy: it is closed once they end. */
  cursors: number;
  retired?: boolean;
}

async function retire(r: Copy): Promise<void> {
  r.retired = true;
  if (r.cursors > 0) return; // closed by the last cursor's release
  await r.thread.close().catch(() => {});
  await rm(r.dir, { recursive: true, force: true });
}

/** One transaction on `thread`: committed if `fn` resolves, rolled back if it throws. */
async function transactionOn<T>(thread: PgliteThread, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  const tx = thread.newTx();
  await thread.submit({ op: 'begin', tx });
  try {
    const result = await fn(queryable(thread, tx));
    await thread.submit({ op: 'end', tx, commit: true });
    return result;
  } catch (e) {
    await thread.submit({ op: 'end', tx, commit: false }).catch(() => {});
    throw e;
  }
}

/**
 * A throwaway copy of the database for work whose writes are never kept (a dry run): the data folder copied as a
 * read replica is (the primary waits only for the copy), opened in a worker of its own, deleted afterwards. Long
 * work on it — a national FINESS dry run holds its transaction for tens of seconds — leaves the primary to the
 * requests meanwhile.
 */
async function onScratchCopy<T>(primary: PgliteThread, options: ThreadOptions, fn: (copy: Db) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), `${REPLICA_PREFIX}${process.pid}-`));
  let copy: PgliteThread | undefined;
  try {
    await primary.submit({ op: 'snapshot', dir });
    copy = new PgliteThread(dir, { ...options, readReplica: false });
    await copy.whenReady();
    const t = copy;
    const q = queryable(t);
    return await fn({
      backend: 'pglite',
      query: q.query,
      exec: q.exec,
      transaction: (f) => transactionOn(t, f),
      cursor: (sql, params, batchRows) => heldCursor(q, sql, params, batchRows),
      close: () => Promise.resolve(), // closed and deleted below
    });
  } finally {
    await copy?.close().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}

/** The embedded database in a worker thread (see above), its data folder locked for the life of the Db. */
export async function openPgliteThread(dataDir: string, options: ThreadOptions): Promise<Db> {
  const lock = lockDataDir(dataDir);
  let thread: PgliteThread | undefined;
  try {
    await options.beforeOpen?.();
    thread = new PgliteThread(dataDir, options);
    await thread.whenReady();
  } catch (e) {
    await thread?.close().catch(() => {});
    lock.release();
    throw e;
  }
  if (options.readReplica) removeStaleReplicas();
  const replica = options.readReplica ? new ReadReplica(thread, options) : undefined;
  const route = (): PgliteThread => (currentLane() === 'heavy' ? replica?.use() : undefined) ?? thread;
  const base: Queryable = {
    async query<T = Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
      return (await route().submit({ op: 'query', sql, params })) as QueryResult<T>;
    },
    exec: queryable(thread).exec,
  };
  return {
    backend: 'pglite',
    query: base.query,
    exec: base.exec,
    transaction: (fn) => transactionOn(thread, fn),
    scratch: (fn) => onScratchCopy(thread, options, fn),
    // declared and fetched on one worker: the replica for an export (held meanwhile), as any heavy work
    async *cursor<T = Row>(sql: string, params?: readonly unknown[], batchRows?: number) {
      const held = currentLane() === 'heavy' ? replica?.hold() : undefined;
      try {
        yield* heldCursor<T>(queryable(held?.thread ?? thread), sql, params, batchRows);
      } finally {
        held?.release();
      }
    },
    async close() {
      await replica?.close();
      await thread.close().finally(() => lock.release());
    },
  };
}
