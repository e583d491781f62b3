// What the map draws besides the data tiles, over real HTTP: the glyphs of its labels (assets/glyphs) and the
// optional offline basemap read from a PMTiles file the test writes itself. No database is needed.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GLYPHS_DIR } from '../../server/src/api/map-assets.js';
import { ConfigError, loadConfig } from '../../server/src/config.js';
import type { Db } from '../../server/src/db/port.js';
import { openBasemap, type Basemap } from '../../server/src/tiles/basemap.js';
import { encodeLayer } from '../../server/src/tiles/mvt-js.js';
import { startServer, type TestServer } from '../helpers/http.js';
import { writePmtiles } from '../helpers/pmtiles.js';

const NO_DB = {} as Db;
const FONTS = ['Noto Sans Medium', 'Noto Sans Regular'];
const RANGES = ['0-255', '256-511', '8192-8447'];

describe('glyphs of the map labels', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(NO_DB);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('are in the repository with their licence, for the ranges French needs', () => {
    expect(existsSync(join(GLYPHS_DIR, 'OFL.txt'))).toBe(true);
    for (const f of FONTS) for (const r of RANGES) expect(existsSync(join(GLYPHS_DIR, f, `${r}.pbf`)), `${f}/${r}`).toBe(true);
  });

  it('are served as MapLibre asks for them, the first font of a list that is there', async () => {
    for (const f of FONTS)
      for (const r of RANGES) {
        const res = await server.raw(`/glyphs/${encodeURIComponent(f)}/${r}.pbf`);
        expect(res.status).toBe(200);
        expect(res.headers['content-type']).toBe('application/x-protobuf');
        expect(res.headers['cache-control']).toBe('public, max-age=86400');
        expect(res.body.equals(await readFile(join(GLYPHS_DIR, f, `${r}.pbf`)))).toBe(true);
      }
    const list = await server.raw(`/glyphs/${encodeURIComponent('Noto Sans Italic,Noto Sans Medium')}/0-255.pbf`);
    expect(list.body.equals(await readFile(join(GLYPHS_DIR, 'Noto Sans Medium', '0-255.pbf')))).toBe(true);
  });

  it('answer 404 in French for a font or a range not provided, 400 for a malformed range', async () => {
    const range = await server.getJson(`/glyphs/${encodeURIComponent('Noto Sans Regular')}/1024-1279.pbf`);
    expect(range.status).toBe(404);
    expect(range.body.erreur).toContain('Glyphes introuvables');
    expect((await server.getJson(`/glyphs/Arial/0-255.pbf`)).status).toBe(404);
    expect((await server.getJson(`/glyphs/${encodeURIComponent('../../package.json')}/0-255.pbf`)).status).toBe(404);
    const bad = await server.getJson(`/glyphs/Arial/abc.pbf`);
    expect(bad.status).toBe(400);
    expect(bad.body.erreur).toMatch(/range doit être une plage/);
  });
});

describe('offline basemap (BASEMAP_PMTILES)', () => {
  let dir: string;
  let basemap: Basemap;
  let server: TestServer;
  let without: TestServer;
  // two tiles holding one "earth" square each: the whole world at z0, France at z5
  const earth = (n: number) => encodeLayer('earth', [{ geometry: { type: 'Polygon', coordinates: [[[0, 0], [n, 0], [n, n], [0, n], [0, 0]]] }, properties: { kind: 'earth' } }]);
  const tiles = new Map([
    ['0/0/0', earth(4096)],
    ['5/16/11', earth(2048)],
  ]);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cpts-basemap-'));
    const path = join(dir, 'fond.pmtiles');
    await writePmtiles(path, tiles, [-5, 41, 10, 51.5]);
    basemap = await openBasemap(path);
    server = await startServer(NO_DB, { basemap });
    without = await startServer(NO_DB);
  });
  afterAll(async () => {
    await server?.close();
    await without?.close();
    await basemap?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('is offered to the map client in place of an online style', async () => {
    expect((await server.getJson('/api/config')).body).toEqual({ styleFondDeCarte: '/fond-de-carte/style.json' });
    expect((await without.getJson('/api/config')).body).toEqual({ styleFondDeCarte: null });
    const none = await without.getJson('/fond-de-carte/style.json');
    expect(none.status).toBe(404);
    expect(none.body.erreur).toContain('BASEMAP_PMTILES');
  });

  it('has a Protomaps style in French reading the server’s own tiles, without place names (the app draws its own)', async () => {
    const { status, body: style } = await server.getJson('/fond-de-carte/style.json');
    expect(status).toBe(200);
    expect(style.glyphs).toBe('/glyphs/{fontstack}/{range}.pbf');
    expect(style.sources.fond).toMatchObject({ type: 'vector', tiles: ['/fond-de-carte/{z}/{x}/{y}.mvt'], minzoom: 0, maxzoom: 5, bounds: [-5, 41, 10, 51.5] });
    const ids = style.layers.map((l: { id: string }) => l.id);
    expect(ids).toEqual(expect.arrayContaining(['earth', 'water', 'roads_major', 'boundaries', 'roads_labels_major']));
    expect(ids.filter((id: string) => id.startsWith('places_') || id === 'pois')).toEqual([]);
    expect(JSON.stringify(style.layers)).toContain('name:fr');
  });

  it('serves the tiles of the file (gzip when accepted), 204 where it has none', async () => {
    for (const [key, bytes] of tiles) {
      const gz = await server.raw(`/fond-de-carte/${key}.mvt`, { 'accept-encoding': 'gzip' });
      expect(gz.status).toBe(200);
      expect(gz.headers['content-type']).toBe('application/vnd.mapbox-vector-tile');
      expect(gunzipSync(gz.body).equals(Buffer.from(bytes))).toBe(true);
      const plain = await server.raw(`/fond-de-carte/${key}.mvt`, { 'accept-encoding': 'identity' });
      expect(plain.body.equals(Buffer.from(bytes))).toBe(true);
    }
    expect((await server.raw('/fond-de-carte/5/0/0.mvt')).status).toBe(204);
    expect((await server.getJson('/fond-de-carte/5/40/0.mvt')).status).toBe(400);
  });

  it('is one basemap or the other, never both', () => {
    expect(() => loadConfig({ BASEMAP_PMTILES: 'fond.pmtiles', BASEMAP_STYLE_URL: 'https://example.org/style.json' })).toThrow(ConfigError);
    expect(loadConfig({ BASEMAP_PMTILES: 'fond.pmtiles' }).basemapPmtiles).toBe(join(process.cwd(), 'fond.pmtiles'));
    expect(loadConfig({ BASEMAP_PMTILES: '' }).basemapPmtiles).toBeUndefined();
  });

  it('refuses a file that is not a PMTiles archive, with the path in the message', async () => {
    await expect(openBasemap(join(GLYPHS_DIR, 'OFL.txt'))).rejects.toThrow(/BASEMAP_PMTILES: .*OFL\.txt is not a readable PMTiles archive/);
  });
});
