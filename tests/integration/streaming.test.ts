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
import { streamFeatureCollection } from '../../server/src/http/geojson.js';
import { errorHandler } from '../../server/src/http/errors.js';
import { createLogger } from '../../server/src/logger.js';
import { describeEachBackend, freshDatabase } from '../helpers/db.js';

const ROWS = 5000;
const SERIES = `SELECT g, '=cmd|' || g AS nom FROM generate_series(1, $1::int) g ORDER BY g`;
/** Points as PostGIS writes them for a GeoJSON export, with a name that needs escaping in JSON. */
const POINTS = `SELECT g, 'site "' || g || '" é' AS nom, ST_AsGeoJSON(ST_MakePoint(-1.5 + g / 1e4, 47), 6) AS geometry
                  FROM generate_series(1, $1::int) g ORDER BY g`;

/** The whole body as text, calling `first` as soon as its first bytes arrived. */
async function readAll(res: Response, first: () => void): Promise<string> {
  const reader = res.body!.getReader();
  const chunks: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (chunks.length === 0) first();
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

describeEachBackend('exports streamed from a cursor', (backend) => {
  const getDb = freshDatabase(backend);
  let db: Db;
  let base: string;
  let server: ReturnType<express.Express['listen']>;
  /** What the route reads: set by each test. */
  let source: () => AsyncIterable<{ g: number; nom: string }[]>;
  let features: () => AsyncIterable<{ g: number; nom: string; geometry: string }[]>;

  beforeAll(async () => {
    db = getDb();
    const app = express();
    app.get('/export.csv', async (_req, res) => {
      await streamCsv(res, 'export.csv', ['g', 'nom'], mapBatches(source(), (r) => [r.g, r.nom]));
    });
    app.get('/export.geojson', async (_req, res) => {
      const batches = mapBatches(features(), ({ geometry, ...properties }) => ({ geometry, properties }));
      await streamFeatureCollection(res, batches, { sources: [{ type: 'test' }] });
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
    const text = await readAll(res, firstBytes);
    const lines = text.replace(/^\uFEFF/, '').trimEnd().split('\r\n');
    expect(lines).toHaveLength(ROWS + 1);
    expect(lines[1]).toBe(`1;"'=cmd|1"`);
    expect(lines.at(-1)).toBe(`${ROWS};"'=cmd|${ROWS}"`);
    expect(batchesBeforeClientSawBytes).toBe(ROWS / 500);
    expect(await openCursors()).toBe(0);
  });

  it('a GeoJSON export: first bytes before the end is read, one valid FeatureCollection with its members and every feature', async () => {
    let firstBytes!: () => void;
    const received = new Promise<void>((r) => (firstBytes = r));
    let batches = 0;
    features = async function* () {
      for await (const rows of db.cursor<{ g: number; nom: string; geometry: string }>(POINTS, [ROWS], 500)) {
        yield rows;
        if (++batches === 1) await received; // a buffered answer would never get here: the test would time out
      }
    };
    const res = await fetch(`${base}/export.geojson`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/geo+json; charset=utf-8');
    const text = await readAll(res, firstBytes);
    expect(batches).toBe(ROWS / 500);
    const fc = JSON.parse(text);
    expect(Object.keys(fc)).toEqual(['type', 'sources', 'features']);
    expect(fc.type).toBe('FeatureCollection');
    expect(fc.sources).toEqual([{ type: 'test' }]);
    expect(fc.features).toHaveLength(ROWS);
    expect(fc.features[0]).toEqual({ type: 'Feature', geometry: { type: 'Point', coordinates: [-1.4999, 47] }, properties: { g: 1, nom: 'site "1" é' } });
    expect(fc.features.map((f: { properties: { g: number } }) => f.properties.g)).toEqual(Array.from({ length: ROWS }, (_, i) => i + 1));
    expect(await openCursors()).toBe(0);
  });

  it('a GeoJSON export of no feature is an empty FeatureCollection', async () => {
    features = () => db.cursor(POINTS, [0]);
    const res = await fetch(`${base}/export.geojson`);
    expect(await res.json()).toEqual({ type: 'FeatureCollection', sources: [{ type: 'test' }], features: [] });
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
