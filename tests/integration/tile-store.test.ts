// The tile store (server/src/tiles/store.ts): tiles kept in the data folder across restarts and carried by the
// seeded image, never served for another data version, another day or another renderer.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { Db } from '../../server/src/db/port.js';
import { createLogger } from '../../server/src/logger.js';
import { packTile, readDataVersion } from '../../server/src/tiles/cache.js';
import { findLayer } from '../../server/src/tiles/layers.js';
import { renderJs, tileOf } from '../../server/src/tiles/mvt-js.js';
import { cachedTileSource, chooseRenderer, storeLowZoomTiles, type TileSource } from '../../server/src/tiles/source.js';
import { TILE_STORE_DIR, TileStore } from '../../server/src/tiles/store.js';
import { describeEachBackend } from '../helpers/db.js';
import { centre, communeCode, insertCpts, loadFixtureTerritory } from '../helpers/fixture-territory.js';
import { decodeTile } from '../helpers/mvt.js';

const [LON, LAT] = centre(7);
const communes = findLayer('communes')!;
const Z8 = tileOf(LON, LAT, 8);
const Z12 = tileOf(LON, LAT, 12);
const DAY = '2000-01-01';
const OTHER_DAY = '2000-01-02';

describeEachBackend('tile store', (backend) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let dataDir: string;
  let clock = 0;
  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    await loadFixtureTerritory(db);
  });
  afterAll(async () => {
    await dispose();
  });
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cpts-tile-store-'));
    // the last tiles may still be written in the background
    return () => rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
  });

  /** A server process on the data folder (a restart is another one), with the backend's own encoder. */
  const open = (): TileSource =>
    cachedTileSource(db, createLogger('silent'), { dataDir, prerenderMaxZoom: -1, versionTtlMs: 1000, now: () => clock });
  const tile = (s: TileSource, layer = communes, t = Z8, day?: string) => s.tile(layer, t.z, t.x, t.y, day);
  /** The writes of a source are in the background: a new store on the folder waits for nothing, so wait here. */
  const settle = () => new Promise((r) => setTimeout(r, 300));
  const bumpVersion = (name: string) =>
    db.query(`INSERT INTO import_log (kind, file_name, rows, checksum) VALUES ('memberships', $1, 1, $1)`, [name]);

  it('serves a low-zoom tile kept by a previous run, the same bytes, without rendering it', async () => {
    const first = await tile(open());
    expect(first.status).toBe('miss');
    await settle();
    const again = await tile(open());
    expect(again.status).toBe('stored');
    expect(again.tile.hash).toBe(first.tile.hash);
    expect(again.tile.gzip.equals(first.tile.gzip)).toBe(true);
    expect(again.version).toBe(first.version);
  });

  it('keeps no tile above z10 (cheap to render, and many)', async () => {
    expect((await tile(open(), communes, Z12)).status).toBe('miss');
    await settle();
    expect((await tile(open(), communes, Z12)).status).toBe('miss');
  });

  it('never serves a kept tile for another data version (an import, even by another process), and drops it', async () => {
    const before = await tile(open());
    await settle();
    // commune 7 leaves its CPTS, and the import is logged (as the CLI importing into a stopped server's folder)
    await db.query(`DELETE FROM cpts_commune WHERE commune_code = $1`, [communeCode(7)]);
    await bumpVersion('store-1');
    const after = await tile(open());
    expect(after.status).toBe('miss');
    expect(after.version).not.toBe(before.version);
    expect(after.tile.hash).not.toBe(before.tile.hash);
    const seven = decodeTile(gunzipSync(after.tile.gzip))[0]!.features.find((f) => f.properties.code === communeCode(7))!;
    expect(seven.properties.couverte).toBe(false);
    await settle();
    // the old version's folder is gone with the first sight of the new one
    const [renderer] = await readdir(join(dataDir, TILE_STORE_DIR));
    expect(await readdir(join(dataDir, TILE_STORE_DIR, renderer!))).toEqual([after.version]);
  });

  it('serves a version change seen by a running source from the new data, not from the store', async () => {
    const s = open();
    const before = await tile(s);
    await settle();
    await insertCpts(db, 'STORE-A', 'CPTS du magasin', 'projet', [7]);
    await bumpVersion('store-2');
    clock += 1001;
    const after = await tile(s);
    expect(after.version).not.toBe(before.version);
    expect(after.status).toBe('miss');
    expect(decodeTile(gunzipSync(after.tile.gzip))[0]!.features.find((f) => f.properties.code === communeCode(7))!.properties.couverte).toBe(true);
  });

  it('does not keep a tile rendered while the data changed (the version read after it differs)', async () => {
    const version = await readDataVersion(db);
    const [renderer] = await readdir(join(dataDir, TILE_STORE_DIR)).catch(() => ['js-test']);
    const store = new TileStore(join(dataDir, TILE_STORE_DIR), renderer!, db);
    const rendered = packTile(await renderJs(db, communes, Z8.z, Z8.x, Z8.y));
    await bumpVersion('store-3'); // committed before the write
    store.put(version, 'communes/8/0/0', rendered);
    await store.flushed();
    expect(await store.get(version, 'communes/8/0/0')).toBeUndefined();
    const now = await readDataVersion(db);
    store.put(now, 'communes/8/0/0', rendered);
    await store.flushed();
    expect((await store.get(now, 'communes/8/0/0'))?.hash).toBe(rendered.hash);
    // another renderer (other tile code or engine) sees nothing of it
    expect(await new TileStore(join(dataDir, TILE_STORE_DIR), 'js-other', db).get(now, 'communes/8/0/0')).toBeUndefined();
  });

  it('keeps the data extent of layers.json across restarts, for its data version only', async () => {
    const s = open();
    const version = await s.version(true);
    const computed = await s.bounds(version);
    expect(computed).toEqual([-1.6, 47, -1.4, 47.15]); // the fixture's 4 × 3 communes
    await settle();
    const [renderer] = await readdir(join(dataDir, TILE_STORE_DIR));
    const store = new TileStore(join(dataDir, TILE_STORE_DIR), renderer!, db);
    expect(await store.getBounds(version)).toEqual(computed);
    // a restart reads it back instead of reading every commune (a marker value proves where it came from)
    await store.putBounds(version, [1, 2, 3, 4]);
    expect(await open().bounds(version)).toEqual([1, 2, 3, 4]);
    // not kept for a version the database no longer holds, nor read for another one
    await bumpVersion('store-bounds');
    await store.putBounds(version, [5, 6, 7, 8]);
    expect(await store.getBounds(version)).toEqual([1, 2, 3, 4]);
    expect(await open().bounds(await readDataVersion(db))).toEqual(computed);
  });

  it('keeps a dated tile (?date=) apart from today’s, each served only for its own day', async () => {
    // as of a day before the fixture's CPTS versions, no commune is covered: not today's tile
    const today = await tile(open());
    const dated = await tile(open(), communes, Z8, DAY);
    expect(dated.status).toBe('miss'); // not today's tile, though kept under the same z/x/y
    expect(dated.tile.hash).not.toBe(today.tile.hash);
    await settle();
    const [t2, d2, other] = [await tile(open()), await tile(open(), communes, Z8, DAY), await tile(open(), communes, Z8, OTHER_DAY)];
    expect([t2.status, d2.status, other.status]).toEqual(['stored', 'stored', 'miss']);
    expect(t2.tile.hash).toBe(today.tile.hash);
    expect(d2.tile.hash).toBe(dated.tile.hash);
  });

  it('comes with the seeded image: the low-zoom tiles stored at its build are served at once, until the data change', async () => {
    const n = await storeLowZoomTiles(db, dataDir, 8);
    expect(n).toBeGreaterThan(0);
    const render = await chooseRenderer(db);
    const rendered = packTile(await render(db, communes, Z8.z, Z8.x, Z8.y));
    const kept = await tile(open());
    expect(kept.status).toBe('stored');
    expect(kept.tile.hash).toBe(rendered.hash);
    await bumpVersion('store-4');
    expect((await tile(open())).status).toBe('miss');
  });
});
