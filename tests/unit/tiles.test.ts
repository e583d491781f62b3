import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { EMPTY_TILE, TileCache, Throttled, VersionedTileCache, packTile } from '../../server/src/tiles/cache.js';
import { tileParams } from '../../server/src/api/contract/tiles.js';
import { LAYERS, bandSql, findLayer } from '../../server/src/tiles/layers.js';
import { SilentFailureError, type Queryable } from '../../server/src/db/port.js';
import { encodeLayer, jsTileSql, lonLatToTileUnits, renderJs, ringArea2, tileOf, type Position, type TileFeature } from '../../server/src/tiles/mvt-js.js';
import { renderPostgis } from '../../server/src/tiles/mvt-postgis.js';
import { bbox, decodeTile, ringArea2 as decodedArea } from '../helpers/mvt.js';

/** The tile route's path parameters as the router reads them, or the message of the first problem. */
function parseTileCoords(z: string, x: string, y: string) {
  const r = tileParams.safeParse({ layer: 'communes', z, x, y });
  return r.success ? { z: r.data.z, x: r.data.x, y: r.data.y } : { error: r.error.issues[0]!.message };
}

describe('tile path parameters', () => {
  it('accepts integers in range', () => {
    expect(parseTileCoords('0', '0', '0')).toEqual({ z: 0, x: 0, y: 0 });
    expect(parseTileCoords('8', '126', '89')).toEqual({ z: 8, x: 126, y: 89 });
    expect(parseTileCoords('22', String(2 ** 22 - 1), String(2 ** 22 - 1))).toEqual({ z: 22, x: 2 ** 22 - 1, y: 2 ** 22 - 1 });
  });

  it.each([
    ['23', '0', '0', 'z doit être un entier de 0 à 22'],
    ['-1', '0', '0', 'z doit'],
    ['1.5', '0', '0', 'z doit'],
    ['a', '0', '0', 'z doit'],
    ['', '0', '0', 'z doit'],
    ['1', '2', '0', 'x doit être un entier de 0 à 1 au niveau de zoom 1'],
    ['1', '0', '2', 'y doit être un entier de 0 à 1'],
    ['0', '0', '1', 'y doit être un entier de 0 à 0'],
    ['3', '1.0', '0', 'x doit'],
    ['3', '+1', '0', 'x doit'],
    ['3', '0x1', '0', 'x doit'],
    ['3', '1e1', '0', 'x doit'],
    ['3', '0', '-0', 'y doit'],
  ])('refuses z=%s x=%s y=%s', (z, x, y, message) => {
    const r = parseTileCoords(z, x, y);
    expect(r).toHaveProperty('error');
    expect((r as { error: string }).error).toContain(message);
  });
});

describe('layers', () => {
  it('have unique names, a key attribute first, and are found by name', () => {
    expect(LAYERS.map((l) => l.id)).toEqual(['communes', 'cpts', 'overlaps', 'structures', 'pharmacies', 'limites', 'etiquettes']);
    expect(LAYERS.map((l) => l.attributes[0]!.name)).toEqual(['code', 'id', 'id', 'finess', 'finess', 'id', 'id']);
    expect(findLayer('cpts')?.id).toBe('cpts');
    expect(findLayer('nope')).toBeUndefined();
  });

  it('name their attributes in French camelCase (the public contract), once per layer', () => {
    for (const l of LAYERS) {
      const names = l.attributes.map((a) => a.name);
      for (const n of names) expect(n, `${l.id}.${n}`).toMatch(/^[a-z][a-zA-Z0-9]*$/);
      expect(new Set(names).size, l.id).toBe(names.length);
    }
  });

  it('every layer SQL names its geometry `geom` and filters on the indexed 3857 column', () => {
    for (const l of LAYERS)
      for (const z of [5, 12]) {
        const sql = l.sql(z, (g) => `GEOM(${g})`);
        expect(sql).toMatch(/GEOM\(([a-z]\.geom_3857(_lowest|_low)?|safe_union\(array_agg\(h\.g\)\)|l\.g)\)/);
        // label points: the indexed point column of each table
        expect(sql).toMatch(/\.(geom|etiquette)_3857 && ST_TileEnvelope\(\$1::int, \$2::int, \$3::int, margin => 0\.015625\)/);
      }
    expect(findLayer('communes')!.sql(5, (g) => g)).toContain('c.geom_3857_lowest AS geom');
    expect(findLayer('communes')!.sql(6, (g) => g)).toContain('c.geom_3857_low AS geom');
    expect(findLayer('overlaps')!.sql(5, (g) => g)).toContain('c.geom_3857_lowest AS g');
    expect(findLayer('overlaps')!.sql(6, (g) => g)).toContain('c.geom_3857_low AS g');
    expect(findLayer('communes')!.sql(8, (g) => g)).toContain('c.geom_3857_low AS geom');
    expect(findLayer('communes')!.sql(9, (g) => g)).toContain('c.geom_3857 AS geom');
  });

  it('band thresholds come from the ACI band table', () => {
    expect(bandSql('p')).toBe("CASE WHEN p < 40000 THEN 'T1' WHEN p < 80000 THEN 'T2' WHEN p < 175000 THEN 'T3' ELSE 'T4' END");
  });
});

describe('tile arithmetic', () => {
  it('finds the tile of a position', () => {
    expect(tileOf(0, 0, 0)).toEqual({ z: 0, x: 0, y: 0 });
    expect(tileOf(0.0001, -0.0001, 1)).toEqual({ z: 1, x: 1, y: 1 });
    expect(tileOf(-0.0001, 0.0001, 1)).toEqual({ z: 1, x: 0, y: 0 });
    // The fixture's centre: x = floor((−1.5/360 + 0.5)·256) = 126, y = floor((1 − ln(tan φ + sec φ)/π)·128) = 89
    expect(tileOf(-1.5, 47.075, 8)).toEqual({ z: 8, x: 126, y: 89 });
    // its south-west corner is in the next row of tiles
    expect(tileOf(-1.6, 47.001, 8)).toEqual({ z: 8, x: 126, y: 90 });
    expect(tileOf(180, -85.06, 3)).toEqual({ z: 3, x: 7, y: 7 });
  });

  it('places a position in tile units, y down', () => {
    const [x, y] = lonLatToTileUnits(0, 0, 1, 0, 0);
    expect(x).toBeCloseTo(4096, 9);
    expect(y).toBeCloseTo(4096, 9);
    const t = tileOf(-1.5, 47.075, 8);
    const [a, b] = lonLatToTileUnits(-1.5, 47.075, t.z, t.x, t.y);
    expect(a).toBeGreaterThanOrEqual(0);
    expect(a).toBeLessThan(4096);
    const [, north] = lonLatToTileUnits(-1.5, 47.1, t.z, t.x, t.y);
    expect(north).toBeLessThan(b);
  });
});

// A known GeoJSON, in the tile units of the fixture's z8 tile: a square commune with a hole, both rings wound
// the wrong way for MVT, a two-part polygon (one part wound each way), a degenerate polygon, points.
// `square` winds clockwise on screen (y down), i.e. a positive MVT area.
const Z8 = tileOf(-1.5, 47.075, 8);
const unit = (lon: number, lat: number): Position => lonLatToTileUnits(lon, lat, Z8.z, Z8.x, Z8.y);
const square = (lon: number, lat: number, size: number): Position[] => [
  unit(lon, lat),
  unit(lon, lat + size),
  unit(lon + size, lat + size),
  unit(lon + size, lat),
  unit(lon, lat),
];

const FEATURES: TileFeature[] = [
  {
    geometry: { type: 'Polygon', coordinates: [square(-1.6, 47.05, 0.05).reverse(), square(-1.585, 47.065, 0.02)] },
    properties: { code: '44905', population: 5000, densiteGeneralistes: 12.3, couverte: true, zoneBlanche: false, zone: null, gp: undefined },
  },
  {
    geometry: { type: 'MultiPolygon', coordinates: [[square(-1.5, 47.0, 0.05)], [square(-1.4, 47.1, 0.01).reverse()]] },
    properties: { code: '44903', population: 3000, couverte: false, zoneBlanche: true },
  },
  { geometry: { type: 'Polygon', coordinates: [[[10, 10], [10, 10], [10, 10], [10, 10]]] }, properties: { code: 'collapsed' } },
  { geometry: { type: 'Point', coordinates: unit(-1.55, 47.025) }, properties: { finess: '440000001', type: 'msp' } },
  { geometry: { type: 'MultiPoint', coordinates: [[1, 2], [3.4, 4.6]] }, properties: { finess: '440000002', delta: -7 } },
];

describe('encodeLayer (in-process MVT encoder)', () => {
  const bytes = encodeLayer('communes', FEATURES);
  const [layer] = decodeTile(bytes);

  it('writes one version 2 layer, extent 4096, with every drawable feature', () => {
    expect(decodeTile(bytes)).toHaveLength(1);
    expect(layer!.name).toBe('communes');
    expect(layer!.version).toBe(2);
    expect(layer!.extent).toBe(4096);
    expect(layer!.features.map((f) => f.properties.code ?? f.properties.finess)).toEqual(['44905', '44903', '440000001', '440000002']);
    expect(layer!.features.map((f) => f.type)).toEqual([3, 3, 1, 1]);
  });

  it('keeps attribute types and leaves null ones out', () => {
    expect(layer!.features[0]!.properties).toEqual({ code: '44905', population: 5000, densiteGeneralistes: 12.3, couverte: true, zoneBlanche: false });
    expect(layer!.features[1]!.properties).toEqual({ code: '44903', population: 3000, couverte: false, zoneBlanche: true });
    expect(layer!.features[3]!.properties).toEqual({ finess: '440000002', delta: -7 });
  });

  it('keeps the extents of the geometry, rounded to tile units', () => {
    const [x0, y1] = unit(-1.6, 47.05);
    const [x1, y0] = unit(-1.55, 47.1);
    expect(bbox(layer!.features[0]!.geometry)).toEqual([Math.round(x0), Math.round(y0), Math.round(x1), Math.round(y1)]);
    // the commune square of the fixture is ~145 units wide at z8
    expect(Math.round(x1) - Math.round(x0)).toBe(145);
    const [px, py] = unit(-1.55, 47.025);
    expect(layer!.features[2]!.geometry).toEqual([[[Math.round(px), Math.round(py)]]]);
    expect(layer!.features[3]!.geometry).toEqual([[[1, 2], [3, 5]]]);
  });

  it('orients rings as MVT asks: exterior positive area, holes negative', () => {
    const rings = layer!.features[0]!.geometry;
    expect(rings).toHaveLength(2);
    expect(decodedArea(rings[0]!)).toBeGreaterThan(0);
    expect(decodedArea(rings[1]!)).toBeLessThan(0);
    const parts = layer!.features[1]!.geometry;
    expect(parts).toHaveLength(2);
    for (const r of parts) expect(decodedArea(r)).toBeGreaterThan(0);
    // rings are closed by ClosePath, not by a repeated point
    expect(rings[0]).toHaveLength(5);
  });

  it('gives empty bytes for no feature, like ST_AsMVT', () => {
    expect(encodeLayer('x', [])).toHaveLength(0);
    expect(encodeLayer('x', [FEATURES[2]!])).toHaveLength(0);
  });

  it('computes signed areas in the MVT sense', () => {
    expect(ringArea2([[0, 0], [10, 0], [10, 10], [0, 10]])).toBe(200);
    expect(ringArea2([[0, 0], [0, 10], [10, 10], [10, 0]])).toBe(-200);
  });
});

describe('renderers', () => {
  // A statement PGlite aborted without an error returns no row; the tile queries always return one.
  const aborted: Queryable = { query: async () => ({ rows: [], rowCount: 0 }), exec: async () => {} };
  const empty: Queryable = { query: async () => ({ rows: [{ geom: null, mvt: null }] as never[], rowCount: 1 }), exec: async () => {} };

  it('a tile query that returned no row at all is an error, not an empty tile', async () => {
    for (const render of [renderJs, renderPostgis]) {
      await expect(render(aborted, findLayer('overlaps')!, 5, 16, 10)).rejects.toThrow(SilentFailureError);
      expect(await render(empty, findLayer('overlaps')!, 5, 16, 10)).toHaveLength(0);
    }
  });

  it('the in-process encoder’s query always returns a row', () => {
    expect(LAYERS.every((l) => /^SELECT t\.\* FROM \(SELECT\) always LEFT JOIN LATERAL \(/.test(jsTileSql(l, 8)))).toBe(true);
  });
});

describe('tile cache', () => {
  const tile = (n: number) => packTile(new Uint8Array(n).fill(7));

  it('packs a tile once: gzip of the bytes and a stable hash', () => {
    const bytes = new Uint8Array([1, 2, 3, 4, 5]);
    const t = packTile(bytes);
    expect([...gunzipSync(t.gzip)]).toEqual([1, 2, 3, 4, 5]);
    expect(t.rawBytes).toBe(5);
    expect(t.hash).toBe(packTile(new Uint8Array([1, 2, 3, 4, 5])).hash);
    expect(t.hash).not.toBe(packTile(new Uint8Array([1, 2, 3, 4, 6])).hash);
    expect(packTile(new Uint8Array(0))).toBe(EMPTY_TILE);
  });

  it('evicts the least recently used entries beyond its byte bound', () => {
    const one = tile(10);
    const perEntry = one.gzip.length + 2 * 2 + 128;
    const c = new TileCache(perEntry * 3);
    c.set('a1', one);
    c.set('b1', one);
    c.set('c1', one);
    expect(c.size).toBe(3);
    expect(c.bytes).toBe(perEntry * 3);
    c.get('a1'); // a1 is now the most recent
    c.set('d1', one);
    expect(c.get('b1')).toBeUndefined();
    expect(c.get('a1')).toBe(one);
    expect(c.size).toBe(3);
    c.set('a1', one); // replacing does not double count
    expect(c.bytes).toBe(perEntry * 3);
    c.set('big', tile(1)); // fine
    expect(c.bytes).toBeLessThanOrEqual(perEntry * 3);
    c.clear();
    expect([c.size, c.bytes]).toEqual([0, 0]);
  });

  it('does not keep an entry larger than the whole cache', () => {
    const c = new TileCache(100);
    c.set('x', packTile(crypto.getRandomValues(new Uint8Array(500))));
    expect(c.size).toBe(0);
  });

  it('reads the data version at most once per period, sharing one read', async () => {
    let now = 0;
    let reads = 0;
    let value = 'v1';
    const v = new Throttled(async () => (reads++, value), 1000, () => now);
    expect(await Promise.all([v.get(), v.get(), v.get()])).toEqual(['v1', 'v1', 'v1']);
    expect(reads).toBe(1);
    value = 'v2';
    now = 999;
    expect(await v.get()).toBe('v1');
    now = 1000;
    expect(await v.get()).toBe('v2');
    expect(reads).toBe(2);
  });

  it('reads the data version now when asked fresh, and keeps it for the period', async () => {
    let now = 0;
    let reads = 0;
    let value = 'v1';
    const v = new Throttled(async () => (reads++, value), 1000, () => now);
    expect(await v.get()).toBe('v1');
    value = 'v2'; // a write commits within the period
    now = 10;
    expect(await v.get()).toBe('v1');
    expect(await v.fresh()).toBe('v2');
    expect(await v.get()).toBe('v2');
    expect(reads).toBe(2);
  });

  it('keeps a fresh value over a slower read begun before it', async () => {
    let now = 0;
    let value = 'v1';
    const releases: (() => void)[] = [];
    const read = () => {
      const seen = value;
      return new Promise<string>((r) => releases.push(() => r(seen)));
    };
    const v = new Throttled(read, 1000, () => now);
    const older = v.get(); // begun before the write, answered after the fresh read
    value = 'v2';
    now = 5;
    const fresh = v.fresh();
    releases[1]!();
    expect(await fresh).toBe('v2');
    releases[0]!();
    expect(await older).toBe('v2');
    now = 10;
    expect(await v.get()).toBe('v2');
  });

  it('empties itself when the data version changes and shares concurrent renderings', async () => {
    let version = 'v1';
    let now = 0;
    const vc = new VersionedTileCache(new Throttled(async () => version, 1000, () => now));
    let renders = 0;
    const render = async () => (renders++, new Uint8Array([1, 2, 3]));
    const [a, b] = await Promise.all([vc.get('communes/8/1/2', render), vc.get('communes/8/1/2', render)]);
    expect(renders).toBe(1);
    expect(a.tile).toBe(b.tile);
    expect((await vc.get('communes/8/1/2', render)).status).toBe('hit');
    version = 'v2';
    expect((await vc.get('communes/8/1/2', render)).status).toBe('hit'); // not read again yet
    now = 1500;
    const after = await vc.get('communes/8/1/2', render);
    expect(after.status).toBe('miss');
    expect(after.version).toBe('v2');
    expect(renders).toBe(2);
  });

  it('never keeps an empty tile: it is rendered again at each request', async () => {
    const vc = new VersionedTileCache(new Throttled(async () => 'v1', 1000, () => 0));
    let renders = 0;
    const empty = async () => (renders++, new Uint8Array(0));
    expect((await vc.get('overlaps/5/16/10', empty)).tile).toBe(EMPTY_TILE);
    await new Promise((r) => setTimeout(r, 0));
    expect(vc.cache.size).toBe(0);
    expect((await vc.get('overlaps/5/16/10', empty)).status).toBe('miss');
    expect(renders).toBe(2);
  });

  it('does not keep a tile rendered across a version change', async () => {
    let version = 'v1';
    let now = 0;
    const vc = new VersionedTileCache(new Throttled(async () => version, 1000, () => now));
    let release!: () => void;
    const slow = () => new Promise<Uint8Array>((r) => (release = () => r(new Uint8Array([9]))));
    const pending = vc.get('k', slow);
    await new Promise((r) => setTimeout(r, 0));
    version = 'v2';
    now = 2000;
    await vc.currentVersion(); // another request sees the new version: cache emptied
    release();
    expect((await pending).status).toBe('miss');
    await new Promise((r) => setTimeout(r, 0));
    expect(vc.cache.size).toBe(0);
  });
});
