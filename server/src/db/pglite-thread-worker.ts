// The worker side of pglite-thread.ts: one PGlite on the data folder, answering one message at a time.
import { cpSync } from 'node:fs';
import { basename } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import type { Transaction } from '@electric-sql/pglite';
import { LOCK_FILE } from './lock.js';
import { createPglite } from './pglite.js';
import type { Reply, Request } from './pglite-thread.js';

interface OpenTx {
  tx: Transaction;
  finish: (commit: boolean) => void;
  done: Promise<unknown>;
}

/** Statements that change nothing: after any other, a read replica is out of date. */
const READ_ONLY = new Set(['SELECT', 'SHOW', 'SET', 'EXPLAIN', 'DECLARE', 'FETCH', 'CLOSE']);

const port = parentPort!;
const dataDir = (workerData as { dataDir: string }).dataDir;
const pg = await createPglite(dataDir).catch((e: unknown) => {
  port.postMessage({ id: 0, ok: false, error: { name: 'Error', message: (e as Error).message } } satisfies Reply);
  throw e;
});
const txs = new Map<number, OpenTx>();

async function begin(id: number): Promise<void> {
  let started!: (tx: Transaction) => void;
  let finish!: (commit: boolean) => void;
  const startedP = new Promise<Transaction>((r) => (started = r));
  const finishP = new Promise<boolean>((r) => (finish = r));
  const done = pg.transaction(async (tx) => {
    started(tx);
    if (!(await finishP)) await tx.rollback();
  });
  txs.set(id, { tx: await startedP, finish, done });
}

async function end(id: number, commit: boolean): Promise<void> {
  const t = txs.get(id);
  if (!t) throw new Error(`no open transaction ${id}`);
  txs.delete(id);
  t.finish(commit);
  await t.done;
}

async function handle(m: Request): Promise<unknown> {
  const target = m.tx ? txs.get(m.tx)?.tx : pg;
  switch (m.op) {
    case 'query': {
      const r = await target!.query(m.sql!, m.params as unknown[]);
      // Like node-postgres: rows returned for a statement with a result set, rows affected otherwise.
      return {
        rows: r.rows,
        rowCount: r.fields.length > 0 ? r.rows.length : (r.affectedRows ?? 0),
        wrote: !READ_ONLY.has(r.command ?? ''),
      };
    }
    case 'exec':
      await target!.exec(m.sql!);
      return undefined;
    case 'begin':
      return begin(m.tx!);
    case 'end':
      return end(m.tx!, m.commit!);
    case 'snapshot':
      // a consistent copy: everything flushed, and nothing else runs in this worker meanwhile
      await pg.exec('CHECKPOINT');
      cpSync(dataDir, m.dir!, { recursive: true, filter: (src) => basename(src) !== LOCK_FILE });
      return undefined;
    case 'close':
      await pg.close();
      return undefined;
  }
}

port.on('message', (m: Request) => {
  handle(m).then(
    (result) => port.postMessage({ id: m.id, ok: true, result } satisfies Reply),
    (e: unknown) => {
      const err = e as Error & { code?: string };
      port.postMessage({ id: m.id, ok: false, error: { name: err.name, message: err.message, code: err.code } } satisfies Reply);
    },
  );
});
port.postMessage({ id: 0, ok: true } satisfies Reply);
