// Exports streamed from a database cursor (Db.cursor, http/stream.ts), on every backend: the rows come a batch at a
// time, the first bytes reach the client while the export is still being read (proved by order, not by time: the
// source waits for the client to have its first bytes before it goes on), and a failure after the first bytes cuts
// the response without leaving a cursor, a transaction or a connection behind.
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mapBatches } from '../../server/src/db/cursor.js';
import type { Db } from '../../server/src/db/port.js';
import { streamCsv } from '../../server/src/http/csv.js';
import { errorHandler } from '../../server/src/http/errors.js';
import { createLogger } from '../../server/src/logger.js';
import { describeEachBackend, freshDatabase } from '../helpers/db.js';

const ROWS = 5000;
const SERIES = `SELECT g, '=cmd|' || g AS nom FROM generate_series(1, $1::int) g ORDER BY g`;

describeEachBackend('exports streamed from a cursor', (backend) => {
  const getDb = freshDatabase(backend);
  let db: Db;
  let base: string;
  let server: ReturnType<express.Express['listen']>;
  /** What the route reads: set by each test. */
  let source: () => AsyncIterable<{ g: number; nom: string }[]>;

  beforeAll(async () => {
    db = getDb();
    const app = express();
    app.get('/export.csv', async (_req, res) => {
      await streamCsv(res, 'export.csv', ['g', 'nom'], mapBatches(source(), (r) => [r.g, r.nom]));
    });
    app.use(errorHandler(createLogger('silent')));
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  /** Cursors left open: on PGlite (one session) its cursors; on PostGIS (a pool) sessions left in a transaction. */
  const openCursors = async () =>
    (
      await db.query<{ n: number }>(
        backend.name === 'pglite'
          ? "SELECT count(*)::int AS n FROM pg_cursors WHERE name LIKE 'export%'"
          : "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
      )
    ).rows[0]!.n;

  it('Db.cursor gives every row once, in order, a batch at a time', async () => {
    const sizes: number[] = [];
    let next = 1;
    for await (const rows of db.cursor<{ g: number }>(SERIES, [2500], 1000)) {
      sizes.push(rows.length);
      for (const r of rows) expect(r.g).toBe(next++);
    }
    expect(sizes).toEqual([1000, 1000, 500]);
    expect(await openCursors()).toBe(0);
  });

  it('the first bytes reach the client before the export is read to its end; the CSV is whole and formula-safe', async () => {
    let firstBytes!: () => void;
    const received = new Promise<void>((r) => (firstBytes = r));
    let batchesBeforeClientSawBytes = 0;
    source = async function* () {
      let n = 0;
      for await (const rows of db.cursor<{ g: number; nom: string }>(SERIES, [ROWS], 500)) {
        yield rows;
        if (++n === 1) await received; // a buffered answer would never get here: the test would time out
      }
      batchesBeforeClientSawBytes = n;
    };
    const res = await fetch(`${base}/export.csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const reader = res.body!.getReader();
    const chunks: Uint8Array[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (chunks.length === 0) firstBytes();
      chunks.push(value);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    const lines = text.replace(/^\uFEFF/, '').trimEnd().split('\r\n');
    expect(lines).toHaveLength(ROWS + 1);
    expect(lines[1]).toBe(`1;"'=cmd|1"`);
    expect(lines.at(-1)).toBe(`${ROWS};"'=cmd|${ROWS}"`);
    expect(batchesBeforeClientSawBytes).toBe(ROWS / 500);
    expect(await openCursors()).toBe(0);
  });

  it('a failure after the first bytes cuts the response; the cursor is closed and the database answers', async () => {
    source = async function* () {
      let n = 0;
      for await (const rows of db.cursor<{ g: number; nom: string }>(SERIES, [ROWS], 500)) {
        yield rows;
        if (++n === 2) throw new Error('the database went away mid-export');
      }
    };
    const res = await fetch(`${base}/export.csv`);
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow(); // cut: no clean end of the body, never a shorter file taken as whole
    expect(await openCursors()).toBe(0);
    expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('a failure before the first bytes is an ordinary error answer', async () => {
    source = () => db.cursor('SELECT * FROM no_such_table');
    const res = await fetch(`${base}/export.csv`);
    expect(res.status).toBe(500);
    expect(((await res.json()) as { erreur: string }).erreur).toBeTruthy();
    expect(await openCursors()).toBe(0);
  });

  it('a client that leaves mid-export closes the cursor', async () => {
    let finished!: () => void;
    const closed = new Promise<void>((r) => (finished = r));
    source = async function* () {
      try {
        yield* db.cursor<{ g: number; nom: string }>(SERIES, [ROWS * 20], 500);
      } finally {
        finished();
      }
    };
    const ctrl = new AbortController();
    const res = await fetch(`${base}/export.csv`, { signal: ctrl.signal });
    await res.body!.getReader().read();
    ctrl.abort();
    await closed;
    expect(await openCursors()).toBe(0);
  });
});
