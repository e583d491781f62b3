// Vector tiles over real HTTP on both backends, against the fixture territory whose answers are known by
// construction (tests/helpers/fixture-territory.ts), plus a few sites placed at known distances.
import { existsSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendDecision } from '../../server/src/analysis/conciliation.js';
import type { Db } from '../../server/src/db/port.js';
import { readDataVersion } from '../../server/src/tiles/cache.js';
import { DATA_TILE_RANGES_SQL, LAYERS, dataTiles } from '../../server/src/tiles/layers.js';
import { lonLatToTileUnits, renderJs, tileOf } from '../../server/src/tiles/mvt-js.js';
import { renderPostgis, supportsAsMvt } from '../../server/src/tiles/mvt-postgis.js';
import { refreshAdminOutlines } from '../../server/src/import/outlines.js';
import { backends, describeEachBackend } from '../helpers/db.js';
import { CPTS, SIZE, centre, communeCode, corner, insertCpts, loadFixtureTerritory, population } from '../helpers/fixture-territory.js';
import { startServer, type TestServer } from '../helpers/http.js';

/** The built client's page (`npm run build:client`), which the server fills with its boot data. */
const CLIENT_PAGE = new URL('../../client/dist/index.html', import.meta.url);
import { bbox, decodeTile, ringArea2, type DecodedFeature } from '../helpers/mvt.js';

// The fixture's centre (between communes 6 and 7, on the 47.075° parallel) and the tile holding it at z8:
// 126/89, which holds the whole fixture (the southern row of communes crosses into the buffer).
const [LON_C, LAT_C] = [-1.5, 47.075];
const Z8 = tileOf(LON_C, LAT_C, 8);
// z12: the tile of commune 6's centre.
const Z12 = tileOf(...centre(6), 12);
const FAR = tileOf(7.75, 48.58, 8); // Strasbourg
// z10 (lat 47.040…47.279, lon −1.758…−1.406) holds every site below.

/** Offsets in metres → degrees near the fixture (the distances below keep wide margins around 150 m). */
const east = (lon: number, lat: number, m: number): [number, number] => [lon + m / (111320 * Math.cos((lat * Math.PI) / 180)), lat];
const north = (lon: number, lat: number, m: number): [number, number] => [lon, lat + m / 111132];

const MSP = centre(6);
const CSP = centre(10);
/** Pharmacies: position, expected statut and procheStructure. */
const PHARMACIES: Record<
  string,
  { at: [number, number]; status: string; near: boolean; memberOf?: { structure?: string; cpts?: string }; commune?: string }
> = {
  '440000101': { at: east(...MSP, 100), status: 'membre', near: true, memberOf: { structure: '440000001' } }, // commune 6
  '440000102': { at: centre(7), status: 'couverte-sans-adhesion', near: false }, // commune 7, in FIXT-B, ~3.8 km from the MSP
  '440000103': { at: north(...CSP, 200), status: 'zone-blanche', near: false }, // commune 10, 200 m from the CSP
  '440000104': { at: north(...CSP, -120), status: 'zone-blanche', near: true }, // commune 10, 120 m from the CSP
  '440000105': { at: centre(11), status: 'membre', near: false, memberOf: { cpts: 'FIXT-B' } }, // white commune, member of a CPTS
  '440000106': { at: centre(12), status: 'commune-inconnue', near: false, commune: '44999' }, // a code matching no commune
};
const STRUCTURES: Record<string, { at: [number, number]; type: string }> = {
  '440000001': { at: MSP, type: 'msp' },
  '440000002': { at: CSP, type: 'csp' },
  '440000003': { at: centre(8), type: 'esp' },
};
/** GP counts and zoning of a few communes. */
const GP: Record<number, number> = { 6: 8, 2: 3, 5: 0, 9: 12 };
const ZONE: Record<number, string> = { 6: 'ZIP', 9: 'ZAC', 1: 'HZ' };

async function insertSites(db: Db): Promise<void> {
  const point = (p: [number, number]) => `ST_SetSRID(ST_MakePoint(${p[0]}, ${p[1]}), 4326)`;
  for (const [finess, s] of Object.entries(STRUCTURES)) {
    await db.query(
      `INSERT INTO structure (finess, type, sous_type, nom, geom, geom_3857, source)
       VALUES ($1, $2, CASE WHEN $2 = 'csp' THEN 'medical-polyvalent' END, $3, ${point(s.at)}, ST_Transform(${point(s.at)}, 3857), 'fixture')`,
      [finess, s.type, `Structure ${finess}`],
    );
  }
  for (const [finess, p] of Object.entries(PHARMACIES)) {
    const commune = await db.query<{ code: string }>(`SELECT code FROM commune WHERE ST_Contains(geom, ${point(p.at)})`);
    await db.query(
      `INSERT INTO pharmacie (finess, nom, commune_code, geom, geom_3857, source) VALUES ($1, $2, $3, ${point(p.at)}, ST_Transform(${point(p.at)}, 3857), 'fixture')`,
      [finess, `Pharmacie ${finess}`, p.commune ?? commune.rows[0]!.code],
    );
    if (p.memberOf) {
      await db.query(`INSERT INTO adhesion_pharmacie (pharmacie_finess, structure_finess, cpts_id, source) VALUES ($1, $2, $3, 'fixture')`, [
        finess,
        p.memberOf.structure ?? null,
        p.memberOf.cpts ?? null,
      ]);
    }
  }
  for (const [n, count] of Object.entries(GP)) {
    await db.query(`INSERT INTO offre_mg (commune_code, nb_generalistes, est_proxy, source) VALUES ($1, $2, false, 'fixture')`, [
      communeCode(Number(n)),
      count,
    ]);
  }
  for (const [n, zone] of Object.entries(ZONE)) {
    await db.query(`INSERT INTO zonage (commune_code, zone, source) VALUES ($1, $2, 'fixture')`, [communeCode(Number(n)), zone]);
  }
}

const CHATEAUFORT =
  'MULTIPOLYGON(((2.07859 48.75392,2.08547 48.7534,2.08833 48.75255,2.08955 48.75399,2.09125 48.75341,2.09199 48.75553,' +
  '2.09484 48.75558,2.09769 48.75626,2.10149 48.75649,2.10644 48.75736,2.10497 48.75515,2.10417 48.7525,2.10187 48.74862,' +
  '2.09856 48.74548,2.10286 48.74532,2.10117 48.74275,2.10591 48.74244,2.10465 48.73797,2.10255 48.73761,2.09856 48.73518,' +
  '2.09895 48.73387,2.10366 48.73266,2.10279 48.73042,2.10646 48.72881,2.10892 48.72711,2.11008 48.72504,2.11247 48.72289,' +
  '2.10616 48.71934,2.10413 48.72269,2.09996 48.72403,2.09568 48.72433,2.09348 48.72581,2.09416 48.72672,2.09056 48.72729,' +
  '2.08886 48.72823,2.08417 48.72813,2.08124 48.72992,2.08164 48.7315,2.08408 48.73348,2.08656 48.73442,2.08413 48.73645,' +
  '2.0845 48.73716,2.08176 48.73915,2.08699 48.74095,2.08695 48.74441,2.08769 48.74531,2.08531 48.7463,2.08646 48.74747,' +
  '2.08073 48.75132,2.07859 48.75392)),((2.10554 48.71659,2.10627 48.71888,2.10769 48.71771,2.10554 48.71659)))';

const tilePath = (layer: string, t: { z: number; x: number; y: number }) => `/tiles/${layer}/${t.z}/${t.x}/${t.y}.mvt`;

/** The decoded features of a tile (identity encoding), with their layer checked. */
async function features(server: TestServer, layer: string, t: { z: number; x: number; y: number }): Promise<DecodedFeature[]> {
  const r = await server.raw(tilePath(layer, t), { 'accept-encoding': 'identity' });
  if (r.status === 204) return [];
  expect(r.status).toBe(200);
  const layers = decodeTile(r.body);
  expect(layers.map((l) => [l.name, l.version, l.extent])).toEqual([[layer, 2, 4096]]);
  return layers[0]!.features;
}

/** Expected bbox of commune n's square in tile units, clipped to the buffered tile; undefined if outside. */
function expectedSquare(n: number, t: { z: number; x: number; y: number }): [number, number, number, number] | undefined {
  const [lon, lat] = corner(n);
  const [x0, y0] = lonLatToTileUnits(lon, lat + SIZE, t.z, t.x, t.y);
  const [x1, y1] = lonLatToTileUnits(lon + SIZE, lat, t.z, t.x, t.y);
  const c = (v: number) => Math.min(4160, Math.max(-64, Math.round(v)));
  const b: [number, number, number, number] = [c(x0), c(y0), c(x1), c(y1)];
  return b[2] - b[0] > 1 && b[3] - b[1] > 1 ? b : undefined;
}

const near = (a: number[], b: number[], tol = 1) => a.length === b.length && a.every((v, i) => Math.abs(v - b[i]!) <= tol);

/** A feature reduced to what both encoders must agree on: attributes, ring count, bbox and area of each ring. */
function shape(f: DecodedFeature) {
  return { type: f.type, properties: f.properties, rings: f.geometry.map((r) => ({ bbox: bbox([r]), area: ringArea2(r) / 2 })) };
}

function expectSameFeatures(a: DecodedFeature[], b: DecodedFeature[], key: string): void {
  const sa = a.map(shape).sort((x, y) => String(x.properties[key]).localeCompare(String(y.properties[key])));
  const sb = b.map(shape).sort((x, y) => String(x.properties[key]).localeCompare(String(y.properties[key])));
  expect(sa.map((f) => f.properties)).toEqual(sb.map((f) => f.properties));
  for (let i = 0; i < sa.length; i++) {
    expect(sa[i]!.type).toBe(sb[i]!.type);
    expect(sa[i]!.rings.length).toBe(sb[i]!.rings.length);
    for (let k = 0; k < sa[i]!.rings.length; k++) {
      const [ra, rb] = [sa[i]!.rings[k]!, sb[i]!.rings[k]!];
      expect(near(ra.bbox, rb.bbox, 2), `${key} ${String(sa[i]!.properties[key])} ring ${k}: ${ra.bbox} vs ${rb.bbox}`).toBe(true);
      // areas within two units of perimeter drift; same sign (ring orientation)
      expect(Math.sign(ra.area)).toBe(Math.sign(rb.area));
      expect(Math.abs(ra.area - rb.area)).toBeLessThanOrEqual(2 * (ra.bbox[2] - ra.bbox[0] + ra.bbox[3] - ra.bbox[1]) + 4);
    }
  }
}

const KEYS: Record<string, string> = { communes: 'code', cpts: 'id', overlaps: 'id', structures: 'finess', pharmacies: 'finess', limites: 'id', etiquettes: 'id' };
const PARITY_TILES = [tileOf(LON_C, LAT_C, 5), tileOf(LON_C, LAT_C, 7), Z8, tileOf(...centre(6), 10), Z12, tileOf(...MSP, 14)];
/** Decoded features of every layer at PARITY_TILES, per backend, for the cross-backend comparison at the end. */
const decodedByBackend = new Map<string, Map<string, DecodedFeature[]>>();

describeEachBackend('vector tiles API', (backend) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let server: TestServer;
  /** The tile cache's clock: the data version is read again only once a test moves it past the TTL. */
  let clock = 0;

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    await loadFixtureTerritory(db);
    await insertSites(db);
    // the fixture writes the communes directly: what the communes import does after storing them
    expect(await refreshAdminOutlines(db)).toEqual({ departements: 1, regions: 1, communes: 12 });
    server = await startServer(db, { tiles: { versionTtlMs: 1000, now: () => clock } });
  });

  afterAll(async () => {
    await server?.close();
    await dispose?.();
  });

  it('serves the communes of the fixture at z8 with their attributes and outlines', async () => {
    expect(Z8).toEqual({ z: 8, x: 126, y: 89 });
    const fs = await features(server, 'communes', Z8);
    const byCode = new Map(fs.map((f) => [f.properties.code, f]));
    expect([...byCode.keys()].sort()).toEqual(Array.from({ length: 12 }, (_, i) => communeCode(i + 1)));
    const inCpts = new Set<number>(Object.values(CPTS).flatMap((c) => [...c.communes]));
    for (let n = 1; n <= 12; n++) {
      const f = byCode.get(communeCode(n))!;
      expect(f.type).toBe(3);
      const gp = GP[n];
      const expected: Record<string, unknown> = {
        code: communeCode(n),
        nom: `Commune ${n}`,
        population: population(n),
        couverte: inCpts.has(n),
        zoneBlanche: !inCpts.has(n),
      };
      if (gp !== undefined) expected.gp = gp;
      if (gp !== undefined && gp >= 6) expected.densiteGeneralistes = Math.round((gp * 10000 * 10) / population(n)) / 10;
      if (gp !== undefined && gp < 6) expected.secretStatistique = true;
      if (ZONE[n]) expected.zone = ZONE[n];
      expect(f.properties).toEqual(expected);
      // one square ring, exterior (positive area in MVT terms), where the fixture puts it
      expect(f.geometry).toHaveLength(1);
      expect(ringArea2(f.geometry[0]!)).toBeGreaterThan(0);
      expect(near(bbox(f.geometry), expectedSquare(n, Z8)!)).toBe(true);
    }
    expect(byCode.get(communeCode(6))!.properties.densiteGeneralistes).toBe(13.3);
  });

  it('clips at z12 to the communes that meet the buffered tile', async () => {
    const fs = await features(server, 'communes', Z12);
    const expected = Array.from({ length: 12 }, (_, i) => i + 1).filter((n) => expectedSquare(n, Z12));
    expect(expected.length).toBeGreaterThan(1);
    expect(expected.length).toBeLessThan(12);
    expect(fs.map((f) => f.properties.code).sort()).toEqual(expected.map(communeCode));
    for (const f of fs) {
      const n = Number(String(f.properties.code).slice(3));
      expect(near(bbox(f.geometry), expectedSquare(n, Z12)!), `commune ${n}`).toBe(true);
    }
  });

  it('serves the CPTS with their band, population and overlap flag', async () => {
    const fs = await features(server, 'cpts', Z8);
    const got = Object.fromEntries(fs.map((f) => [f.properties.id, f.properties]));
    expect(Object.keys(got).sort()).toEqual(['FIXT-A', 'FIXT-B', 'FIXT-C']);
    for (const [id, c] of Object.entries(CPTS)) {
      expect(got[id]).toEqual({
        id,
        nom: c.nom,
        tranche: 'T1',
        population: c.communes.reduce((s, n) => s + population(n), 0),
        statut: c.statut,
        perimetre: 'officiel',
        source: 'fixture',
        enChevauchement: id !== 'FIXT-C',
      });
    }
    const a = fs.find((f) => f.properties.id === 'FIXT-A')!;
    const [x0, , , y1] = expectedSquare(1, Z8)!;
    const [, y0, x1] = expectedSquare(6, Z8)!;
    expect(near(bbox(a.geometry), [x0, y0, x1, y1])).toBe(true);
    // low zooms read the generalised outline (migration 002) and still find all three
    expect((await features(server, 'cpts', tileOf(LON_C, LAT_C, 5))).map((f) => f.properties.id).sort()).toEqual(['FIXT-A', 'FIXT-B', 'FIXT-C']);
  });

  it('draws one overlap, A/B, as the union of their two shared communes', async () => {
    const fs = await features(server, 'overlaps', Z8);
    expect(fs.map((f) => f.properties)).toEqual([
      {
        id: 'FIXT-A|FIXT-B',
        cptsA: 'FIXT-A',
        cptsB: 'FIXT-B',
        nomA: CPTS['FIXT-A'].nom,
        nomB: CPTS['FIXT-B'].nom,
        nbCommunesPartagees: 2,
        populationPartagee: population(2) + population(6),
        decision: 'a-examiner',
      },
    ]);
    // communes 2 and 6 are stacked: one ring spanning both
    expect(fs[0]!.geometry).toHaveLength(1);
    const [x0, , x1, y1] = expectedSquare(2, Z8)!;
    const [, y0] = expectedSquare(6, Z8)!;
    expect(near(bbox(fs[0]!.geometry), [x0, y0, x1, y1])).toBe(true);
  });

  it('serves structures and pharmacies with status and proximity to an MSP or CSP', async () => {
    const t = tileOf(LON_C, LAT_C, 10);
    const s = await features(server, 'structures', t);
    expect(Object.fromEntries(s.map((f) => [f.properties.finess, f.properties.type]))).toEqual(
      Object.fromEntries(Object.entries(STRUCTURES).map(([k, v]) => [k, v.type])),
    );
    for (const f of s) {
      expect(f.type).toBe(1);
      const [ex, ey] = lonLatToTileUnits(...STRUCTURES[f.properties.finess as string]!.at, t.z, t.x, t.y);
      expect(near(f.geometry[0]![0]!, [Math.round(ex), Math.round(ey)])).toBe(true);
    }
    const p = await features(server, 'pharmacies', t);
    expect(Object.fromEntries(p.map((f) => [f.properties.finess, [f.properties.statut, f.properties.procheStructure]]))).toEqual(
      Object.fromEntries(Object.entries(PHARMACIES).map(([k, v]) => [k, [v.status, v.near]])),
    );
  });

  it('draws the outlines of the département and of its région, dissolved from the communes', async () => {
    const fs = await features(server, 'limites', Z8);
    expect(fs.map((f) => f.properties)).toEqual([
      { id: 'departement-44', niveau: 'departement', code: '44', nom: 'Loire-Atlantique' },
      { id: 'region-52', niveau: 'region', code: '52', nom: 'Pays de la Loire' },
    ]);
    // one ring around the 4 × 3 squares: the union has no seam between communes
    const [x0, , , y1] = expectedSquare(1, Z8)!;
    const [, y0, x1] = expectedSquare(12, Z8)!;
    for (const f of fs) {
      expect(f.type).toBe(3);
      expect(f.geometry).toHaveLength(1);
      expect(near(bbox(f.geometry), [x0, y0, x1, y1], 2)).toBe(true);
    }
    // low zooms read the generalised outline
    expect((await features(server, 'limites', tileOf(LON_C, LAT_C, 5))).map((f) => f.properties.id)).toEqual(['departement-44', 'region-52']);
  });

  it('names the région, the département, the CPTS and more communes as one zooms in, by population', async () => {
    // every name of the fixture at zoom z, from the tiles of its four corners (the fixture may straddle a tile edge)
    const names = async (z: number) => {
      const tiles = new Map([[-1.6, 47], [-1.4, 47], [-1.6, 47.15], [-1.4, 47.15]].map(([lon, lat]) => tileOf(lon!, lat!, z)).map((t) => [`${t.x}/${t.y}`, t]));
      const ids = new Set<string>();
      for (const t of tiles.values()) for (const f of await features(server, 'etiquettes', t)) ids.add(String(f.properties.id));
      return [...ids].sort();
    };
    const communes = (ns: number[]) => ns.map((n) => `commune-${communeCode(n)}`).sort();
    expect(await names(5)).toEqual(['region-52']);
    expect(await names(6)).toEqual([...communes([12]), 'region-52']);
    // z7: the two most populated communes of the département (none has 50,000 inhabitants)
    expect(await names(7)).toEqual([...communes([11, 12]), 'departement-44', 'region-52']);
    expect(await names(8)).toEqual([...communes([7, 8, 9, 10, 11, 12]), 'departement-44']);
    expect(await names(9)).toEqual([...communes([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), 'cpts-FIXT-A', 'cpts-FIXT-B', 'cpts-FIXT-C', 'departement-44']);
    expect(await names(11)).not.toContain('departement-44');
    const z9 = tileOf(...centre(12), 9);
    const fs = await features(server, 'etiquettes', z9);
    const c12 = fs.find((f) => f.properties.id === `commune-${communeCode(12)}`)!;
    expect(c12.properties).toEqual({ id: 'commune-44912', nature: 'commune', code: '44912', nom: 'Commune 12', population: 12000, rangDepartement: 1 });
    expect(fs.find((f) => f.properties.id === 'cpts-FIXT-A')!.properties).toEqual({ id: 'cpts-FIXT-A', nature: 'cpts', code: 'FIXT-A', nom: CPTS['FIXT-A'].nom });
    // each commune's name inside its own square
    for (const f of fs.filter((x) => x.properties.nature === 'commune')) {
      const [x, y] = f.geometry[0]![0]!;
      const square = expectedSquare(Number(String(f.properties.code).slice(3)), z9);
      if (!square) continue; // in the buffer, beyond the square's clipped extent
      const [a, b, c, d] = square;
      expect(x > a && x < c && y > b && y < d, String(f.properties.id)).toBe(true);
    }
  });

  it('answers 204 for a tile without data, 400 for impossible coordinates, 404 for an unknown layer', async () => {
    for (const l of LAYERS) {
      const r = await server.raw(tilePath(l.id, FAR));
      expect(r.status, l.id).toBe(204);
      expect(r.body).toHaveLength(0);
    }
    for (const bad of ['/tiles/communes/23/0/0.mvt', '/tiles/communes/8/256/0.mvt', '/tiles/communes/8/1/256.mvt', '/tiles/communes/8/1.5/0.mvt', '/tiles/communes/x/0/0.mvt', '/tiles/communes/-1/0/0.mvt']) {
      const r = await server.getJson(bad);
      expect(r.status, bad).toBe(400);
      expect(r.body.erreur).toMatch(/^Paramètre invalide : ([zxy] : )?[zxy] doit être un entier/);
    }
    const r = await server.getJson('/tiles/hopitaux/8/126/89.mvt');
    expect(r.status).toBe(404);
    expect(r.body.erreur).toContain('Couche « hopitaux » introuvable');
    expect(r.body.erreur).toContain('communes, cpts, overlaps, structures, pharmacies');
  });

  it('compresses with gzip when accepted, sets ETag and Cache-Control, and answers 304 to If-None-Match', async () => {
    const gz = await server.raw(tilePath('communes', Z12), { 'accept-encoding': 'gzip, deflate' });
    expect(gz.status).toBe(200);
    expect(gz.headers['content-type']).toBe('application/vnd.mapbox-vector-tile');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers['cache-control']).toBe('public, max-age=300');
    expect(gz.headers.vary).toContain('Accept-Encoding');
    expect(JSON.parse(gz.headers['x-data-sources'] as string).map((s: { type: string }) => s.type).sort()).toEqual(['communes', 'cpts']);
    const plain = await server.raw(tilePath('communes', Z12), { 'accept-encoding': 'identity' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
    expect(plain.body.length).toBeGreaterThan(gz.body.length);
    const etag = gz.headers.etag as string;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}-gz"$/);
    expect(plain.headers.etag).toBe(etag.replace('-gz', ''));
    const again = await server.raw(tilePath('communes', Z12), { 'accept-encoding': 'gzip', 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body).toHaveLength(0);
    expect(again.headers.etag).toBe(etag);
    const other = await server.raw(tilePath('communes', Z12), { 'accept-encoding': 'gzip', 'if-none-match': '"something-else"' });
    expect(other.status).toBe(200);
    // another tile has another ETag
    const cpts = await server.raw(tilePath('cpts', Z12), { 'accept-encoding': 'gzip' });
    expect(cpts.headers.etag).not.toBe(etag);
  });

  it('describes the layers (TileJSON per layer) and is in the OpenAPI document', async () => {
    const r = await server.getJson('/tiles/layers.json');
    expect(r.status).toBe(200);
    expect(r.body.couches.map((l: { id: string }) => l.id)).toEqual(['communes', 'cpts', 'overlaps', 'structures', 'pharmacies', 'limites', 'etiquettes']);
    const communes = r.body.couches[0];
    expect(communes.tiles).toEqual([`/tiles/communes/{z}/{x}/{y}.mvt?v=${r.body.version}`]);
    expect(communes.tilejson).toBe('3.0.0');
    expect(communes.attributs.map((a: { nom: string }) => a.nom)).toEqual(['code', 'nom', 'population', 'gp', 'densiteGeneralistes', 'secretStatistique', 'couverte', 'zoneBlanche', 'zone', 'bassinVie', 'zoneEmploi']);
    expect(communes.vector_layers[0].fields.couverte).toBe('Boolean');
    // the data bounds: the fixture's 4 × 3 communes
    expect(communes.bounds).toEqual([-1.6, 47, -1.4, 47.15]);
    expect(communes.sources.map((s: { type: string }) => s.type).sort()).toEqual(['communes', 'cpts']);
    const pharmacies = r.body.couches.find((l: { id: string }) => l.id === 'pharmacies');
    expect(pharmacies.attributs.find((a: { nom: string }) => a.nom === 'statut').valeurs).toEqual(['membre', 'couverte-sans-adhesion', 'zone-blanche', 'commune-inconnue']);
    const api = await server.getJson('/api/openapi.json');
    expect(Object.keys(api.body.paths)).toEqual(expect.arrayContaining(['/tiles/layers.json', '/tiles/{layer}/{z}/{x}/{y}.mvt']));
  });

  it('encodes the same features with ST_AsMVT and in the process (on PostGIS), and keeps them for the cross-backend check', async () => {
    const decoded = new Map<string, DecodedFeature[]>();
    for (const layer of LAYERS)
      for (const t of PARITY_TILES) {
        const js = await renderJs(db, layer, t.z, t.x, t.y);
        const fs = js.length ? decodeTile(js)[0]!.features : [];
        decoded.set(`${layer.id}/${t.z}/${t.x}/${t.y}`, fs);
        if (db.backend === 'postgis') {
          // what this backend serves: ST_AsMVT
          const pg = await renderPostgis(db, layer, t.z, t.x, t.y);
          const pgFs = pg.length ? decodeTile(pg)[0]!.features : [];
          expectSameFeatures(pgFs, fs, KEYS[layer.id]!);
          decoded.set(`${layer.id}/${t.z}/${t.x}/${t.y}`, pgFs);
        }
      }
    expect(decoded.get(`communes/${Z8.z}/${Z8.x}/${Z8.y}`)).toHaveLength(12);
    expect(decoded.get(`pharmacies/14/${tileOf(...MSP, 14).x}/${tileOf(...MSP, 14).y}`)!.length).toBeGreaterThan(0);
    decodedByBackend.set(backend.name, decoded);
  });

  it('keeps an outline crossing the tile edge to its own extent (regression: Châteaufort, 78143)', async () => {
    // Real outline (IGN ADMIN EXPRESS-COG 2018 via france-geojson, Licence Ouverte). Clipping it after the grid
    // snap once came out as the whole buffered tile minus the outline in the in-process encoder.
    await db.query(`INSERT INTO region (code, nom) VALUES ('11', 'Île-de-France') ON CONFLICT DO NOTHING`);
    await db.query(`INSERT INTO departement (code, nom, region) VALUES ('78', 'Yvelines', '11') ON CONFLICT DO NOTHING`);
    await db.query(
      `INSERT INTO commune (code, nom, departement, region, population, area_km2, geom, geom_3857, geom_3857_low, source)
       SELECT '78143', 'Châteaufort', '78', '11', 1564, ST_Area(g::geography) / 1e6, g, ST_Transform(g, 3857), ST_Transform(g, 3857), 'test'
         FROM (SELECT ST_GeomFromText($1, 4326) AS g) s`,
      [CHATEAUFORT],
    );
    const t = { z: 10, x: 518, y: 352 };
    const f = (await features(server, 'communes', t)).find((x) => x.properties.code === '78143')!;
    expect(f.properties.nom).toBe('Châteaufort');
    const [x0, y0, x1, y1] = bbox(f.geometry);
    expect(x0).toBe(-64); // clipped at the buffer's western edge
    expect(near([y0, x1, y1], [2923, 36, 3644], 2)).toBe(true);
    const area = f.geometry.reduce((s, r) => s + ringArea2(r), 0) / 2;
    expect(area).toBeGreaterThan(0);
    expect(area).toBeLessThan(100 * 721);
  });

  it('draws the overlap of two CPTS sharing a commune and its enclave without a hole', async () => {
    // Commune 91: a square with a hole; commune 92: the enclave filling it, a little over its rim (outlines of
    // neighbours never match exactly). Both in FIXT-X and FIXT-Y.
    const sq = (x: number, y: number, s: number) => `(${x} ${y},${x + s} ${y},${x + s} ${y + s},${x} ${y + s},${x} ${y})`;
    const shapes: Record<number, string> = { 91: `MULTIPOLYGON((${sq(0, 47, 0.1)},${sq(0.03, 47.03, 0.04)}))`, 92: `MULTIPOLYGON((${sq(0.029, 47.029, 0.042)}))` };
    for (const [n, wkt] of Object.entries(shapes)) {
      await db.query(
        `INSERT INTO commune (code, nom, departement, region, population, area_km2, geom, geom_3857, geom_3857_low, source)
         SELECT $1, $2, '44', '52', 500, ST_Area(g::geography) / 1e6, g, ST_Transform(g, 3857), ST_Transform(g, 3857), 'test'
           FROM (SELECT ST_GeomFromText($3, 4326) AS g) s`,
        [communeCode(Number(n)), `Commune ${n}`, wkt],
      );
    }
    await insertCpts(db, 'FIXT-X', 'CPTS X', 'projet', [91, 92]);
    await insertCpts(db, 'FIXT-Y', 'CPTS Y', 'projet', [91, 92]);
    const t = tileOf(0.05, 47.07, 10);
    const [o] = await features(server, 'overlaps', t);
    expect(o!.properties).toMatchObject({ id: 'FIXT-X|FIXT-Y', nbCommunesPartagees: 2, populationPartagee: 1000 });
    expect(o!.geometry).toHaveLength(1); // one exterior ring: the enclave fills the hole
    const clip = (v: number) => Math.min(4160, Math.max(-64, Math.round(v)));
    const [x0, y0] = lonLatToTileUnits(0, 47.1, t.z, t.x, t.y).map(clip) as [number, number];
    const [x1, y1] = lonLatToTileUnits(0.1, 47, t.z, t.x, t.y).map(clip) as [number, number];
    expect(near(bbox(o!.geometry), [x0, y0, x1, y1])).toBe(true);
    expect(Math.abs(ringArea2(o!.geometry[0]!) / 2 - (x1 - x0) * (y1 - y0))).toBeLessThan(2 * (x1 - x0 + y1 - y0));
  });

  it('empties its cache when an import is logged (even by another process)', async () => {
    const path = tilePath('communes', Z12);
    const before = (await server.getJson('/tiles/layers.json')).body.version;
    const first = await server.raw(path, { 'accept-encoding': 'gzip' });
    const second = await server.raw(path, { 'accept-encoding': 'gzip' });
    expect(second.headers['x-tile-cache']).toBe('hit');
    expect(second.headers.etag).toBe(first.headers.etag);
    const covered7 = async () => (await features(server, 'communes', Z12)).find((f) => f.properties.code === communeCode(7))!.properties;
    expect((await covered7()).couverte).toBe(true);
    // Commune 7 leaves FIXT-B, without an import: the cache still serves the old tile.
    await db.query(`DELETE FROM cpts_commune WHERE cpts_id = 'FIXT-B' AND commune_code = $1`, [communeCode(7)]);
    clock += 1001;
    expect((await covered7()).couverte).toBe(true);
    // An import is logged (as the CLI would, from its own connection): within a second, tiles are recomputed.
    await db.query(`INSERT INTO import_log (kind, file_name, rows, checksum) VALUES ('memberships', 'test', 1, 'test')`);
    expect((await server.raw(path, { 'accept-encoding': 'gzip' })).headers['x-tile-cache']).toBe('hit'); // within the TTL
    clock += 1001;
    const fresh = await server.raw(path, { 'accept-encoding': 'gzip' });
    expect(fresh.headers['x-tile-cache']).toBe('miss');
    expect(fresh.headers.etag).not.toBe(first.headers.etag);
    expect(await covered7()).toMatchObject({ couverte: false, zoneBlanche: true });
    const layers = await server.getJson('/tiles/layers.json');
    expect(layers.body.version).not.toBe(before);
    expect(layers.body.couches[0].tiles[0]).toContain(`v=${layers.body.version}`);
  });

  it('gives, right after a write, the tile URLs of the new data version (a client redrawing what it wrote)', async () => {
    const path = tilePath('communes', Z12);
    clock += 1001;
    const before = (await server.getJson('/tiles/layers.json')).body.version;
    await server.raw(path, { 'accept-encoding': 'gzip' });
    expect((await server.raw(path, { 'accept-encoding': 'gzip' })).headers['x-tile-cache']).toBe('hit');
    await db.query(`INSERT INTO import_log (kind, file_name, rows, checksum) VALUES ('memberships', 'test-2', 1, 'test-2')`);
    // within the TTL of the tiles' version: layers.json reads it fresh, and the tiles follow
    const after = (await server.getJson('/tiles/layers.json')).body.version;
    expect(after).not.toBe(before);
    expect((await server.raw(path, { 'accept-encoding': 'gzip' })).headers['x-tile-cache']).toBe('miss');
  });

  it.skipIf(!existsSync(CLIENT_PAGE))('serves the page with the configuration and the layers of the data version read as it is served', async () => {
    clock += 1001;
    await db.query(`INSERT INTO import_log (kind, file_name, rows, checksum) VALUES ('memberships', 'test-page', 1, 'test-page')`);
    // within the TTL of the tiles' version: the page reads it fresh, as layers.json does
    const res = await fetch(server.url + '/', { headers: { accept: 'text/html' } });
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const html = await res.text();
    const json = /<script type="application\/json" id="boot-data">(.*?)<\/script>/s.exec(html)?.[1];
    expect(json, 'boot data in the page').toBeDefined();
    expect(json).not.toMatch(/</);
    const boot = JSON.parse(json!);
    expect(boot.config).toEqual((await server.getJson('/api/config')).body);
    expect(boot.layers).toEqual((await server.getJson('/tiles/layers.json')).body);
    expect(boot.layers.version).toBe(await readDataVersion(db));
  });

  it('answers a tile URL of a version it does not hold yet from that version (layers.json read by another worker)', async () => {
    const path = tilePath('communes', Z12);
    clock += 1001;
    await server.raw(path, { 'accept-encoding': 'gzip' });
    expect((await server.raw(path, { 'accept-encoding': 'gzip' })).headers['x-tile-cache']).toBe('hit');
    await db.query(`INSERT INTO import_log (kind, file_name, rows, checksum) VALUES ('memberships', 'test-3', 1, 'test-3')`);
    // within the TTL: without the new version in its URL the tile still comes from the cache of before the write
    expect((await server.raw(path, { 'accept-encoding': 'gzip' })).headers['x-tile-cache']).toBe('hit');
    const v = await readDataVersion(db);
    expect((await server.raw(`${path}?v=${v}`, { 'accept-encoding': 'gzip' })).headers['x-tile-cache']).toBe('miss');
  });

  it('shows a decision on its overlap at once: the decisions are part of the data version', async () => {
    const decision = async () => (await features(server, 'overlaps', Z8))[0]!.properties.decision;
    expect(await decision()).toBe('a-examiner');
    await appendDecision(db, { utilisateur: null, auteur: 'test' }, { a: 'FIXT-A', b: 'FIXT-B' }, { decision: 'en-conciliation' });
    clock += 1001;
    expect(await decision()).toBe('en-conciliation');
  });

  it('prerenders the tiles where communes lie: a commune without outline does not stretch them to the whole world', async () => {
    // greatest()/least() skip NULLs: the NULL box of a commune without outline once gave the range 0…2^z − 1 (610,048
    // tiles from z4 to z8 on national data, rendered one after the other for hours)
    const tiles = async () => dataTiles((await db.query<{ x0: number; x1: number; y0: number; y1: number }>(DATA_TILE_RANGES_SQL, [8])).rows);
    const before = await tiles();
    expect(before).toContainEqual({ x: Z8.x, y: Z8.y });
    expect(before.length).toBeLessThan(20);
    await db.query(`INSERT INTO commune (code, nom, departement, region, source) VALUES ('44998', 'Commune sans contour', '44', '52', 'fixture')`);
    try {
      expect(await tiles()).toEqual(before);
    } finally {
      await db.query(`DELETE FROM commune WHERE code = '44998'`);
    }
  });

  it('says in /api/health whether the low-zoom tiles are prerendered (bench:load waits for it): then a z5 tile is a cache hit', async () => {
    // ST_AsMVT (PostGIS) prerenders up to z8 in the background; the in-process encoder (PGlite) prerenders nothing
    const prerenders = backend.name === 'postgis' && (await supportsAsMvt(db));
    let state: string | undefined;
    for (let i = 0; i < 600 && state !== (prerenders ? 'termine' : 'sans'); i++) {
      if (i) await new Promise((r) => setTimeout(r, 50));
      state = (await server.getJson('/api/health')).body.prerenduTuiles;
      expect(['sans', 'en-cours', 'termine']).toContain(state);
    }
    expect(state).toBe(prerenders ? 'termine' : 'sans');
    const z5 = tileOf(LON_C, LAT_C, 5);
    const res = await fetch(`${server.url}/tiles/communes/5/${z5.x}/${z5.y}.mvt`);
    await res.arrayBuffer();
    expect(res.headers.get('x-tile-cache')).toBe(prerenders ? 'hit' : 'miss');
  });
});

describe('vector tiles: both backends', () => {
  const both = backends.length === 2;
  it.skipIf(!both)(`decode to the same features (ids, attributes; geometry within two units)${both ? '' : ' [skipped: TEST_DATABASE_URL not set]'}`, () => {
    const [a, b] = [decodedByBackend.get('pglite')!, decodedByBackend.get('postgis')!];
    expect([...a.keys()]).toEqual([...b.keys()]);
    expect(a.size).toBe(LAYERS.length * PARITY_TILES.length);
    for (const [key, fs] of a) expectSameFeatures(b.get(key)!, fs, KEYS[key.split('/')[0]!]!);
  });
});
