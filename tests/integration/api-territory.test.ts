// The ARS planner's questions over HTTP, on the synthetic territory whose answers are known by construction
// (tests/helpers/fixture-territory.ts): CPTS sheets, overlap matrix, coverage, white zones, perimeter check.
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../server/src/db/port.js';
import { cog } from '../../server/src/import/cog.js';
import { describeEachBackend } from '../helpers/db.js';
import {
  centre,
  communeCode,
  corner,
  DISTANT,
  LAT0,
  LON0,
  loadFixturePlanner,
  loadFixtureTerritory,
  PLANNER_PHARMACIES,
  PLANNER_SITES,
  SIZE,
  withThreeSharedCommunes,
} from '../helpers/fixture-territory.js';
import { startServer, type TestServer } from '../helpers/http.js';

// ── Independent geodesy on the WGS84 ellipsoid (not PostGIS) ─────────────────────────────────────────
const A = 6378137;
const F = 1 / 298.257223563;
const E2 = F * (2 - F);
const E = Math.sqrt(E2);
const rad = (d: number) => (d * Math.PI) / 180;

/** Length of the meridian arc between two latitudes (degrees), in km: Simpson's rule on M(φ). */
function meridianArcKm(lat1: number, lat2: number): number {
  const M = (phi: number) => (A * (1 - E2)) / Math.pow(1 - E2 * Math.sin(phi) ** 2, 1.5);
  const n = 200;
  const a = rad(lat1);
  const h = (rad(lat2) - a) / n;
  let s = M(a) + M(rad(lat2));
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * M(a + i * h);
  return ((s * h) / 3) / 1000;
}

/** Length of a parallel arc of `dLon` degrees at latitude `lat`, in km (the geodesic differs by < 1 cm at 10 km). */
const parallelArcKm = (lat: number, dLon: number) => ((A / Math.sqrt(1 - E2 * Math.sin(rad(lat)) ** 2)) * Math.cos(rad(lat)) * rad(dLon)) / 1000;

/** Area of the lon/lat rectangle [lat1, lat2] × dLon on the ellipsoid, in km² (authalic formula). */
function rectangleAreaKm2(lat1: number, lat2: number, dLon: number): number {
  const f = (lat: number) => {
    const s = Math.sin(rad(lat));
    return s / (1 - E2 * s * s) + (1 / (2 * E)) * Math.log((1 + E * s) / (1 - E * s));
  };
  return ((A * A * (1 - E2) * rad(dLon)) / 2) * (f(lat2) - f(lat1)) / 1e6;
}

const squareKm2 = (n: number) => rectangleAreaKm2(corner(n)[1], corner(n)[1] + SIZE, SIZE);
const sumSquares = (ns: number[]) => ns.reduce((s, n) => s + squareKm2(n), 0);
const code = communeCode;

/** A CSV answer: UTF-8 with BOM (fetch's text() would strip it), CRLF, `;`. */
async function readCsv(r: Response): Promise<string[][]> {
  const buf = Buffer.from(await r.arrayBuffer());
  expect([...buf.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  expect(buf.toString('utf8')).toMatch(/\r\n$/);
  return parseCsv(buf.toString('utf8'), { delimiter: ';', bom: true });
}

describeEachBackend('territory API (CPTS, overlaps, coverage, perimeter check)', (backend) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let srv: TestServer;

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    await loadFixtureTerritory(db);
    await loadFixturePlanner(db);
    // the territory is changed by hand-made SQL between tests, which no data version sees: every answer computed
    srv = await startServer(db, { config: { apiCacheBytes: 0 } });
  });
  afterAll(async () => {
    await srv?.close();
    await dispose?.();
  });

  // ── CPTS list and sheet ───────────────────────────────────────────────────────────────────────────
  describe('GET /api/cpts', () => {
    it('lists every CPTS with population, communes, area, band and ACI envelope', async () => {
      const { status, body } = await srv.getJson('/api/cpts');
      expect(status).toBe(200);
      expect(body.cpts.map((c: any) => c.id)).toEqual(['FIXT-A', 'FIXT-B', 'FIXT-C', 'FIXT-N']);
      expect(body.nombre).toBe(4);
      const a = body.cpts[0];
      expect(a).toMatchObject({
        nom: 'CPTS Fixture A',
        statut: 'en-fonctionnement',
        statutLibelle: 'En fonctionnement',
        perimetre: 'officiel',
        perimetreNonOfficiel: false,
        population: 14_000,
        nbCommunes: 4,
        nbCommunesPartielles: 0,
        bande: 'T1',
        taille: 1,
        avertissementSeuil: null,
        departements: ['44'],
        regions: ['52'],
        nbCptsEnChevauchement: 1,
      });
      expect(Math.abs(a.superficieKm2 - sumSquares([1, 2, 5, 6]))).toBeLessThan(0.011);
      expect(a.aci).toMatchObject({ taille: 1, financementTotalEur: 287_500, aideFonctionnementAnnuelleEur: { min: 50_000, max: 90_000 } });
      expect(a.aci.source).toMatch(/exercice coordonné/);
      expect(body.cpts.map((c: any) => c.population)).toEqual([14_000, 18_000, 12_000, DISTANT.north.population]);
      expect(body.cpts[2].nbCptsEnChevauchement).toBe(0); // C touches B along a border: no shared commune
      expect(body.bareme.bandes).toHaveLength(4);
      expect(body.sources.map((s: any) => s.type).sort()).toEqual(['communes', 'cpts', 'finess', 'gp', 'memberships']);
    });

    it('counts structures and pharmacies by commune membership', async () => {
      const { body } = await srv.getJson('/api/cpts');
      const [a, b, c] = body.cpts;
      // A = {1,2,5,6}: MSP in 1 and 2, CSP in 6, 'autre' in 5; pharmacies: two in 1, one in 2, one in 6.
      // total: the structures a pharmacy can join (MSP, medical centres, ESP); no ESP known: « non recensées dans FINESS »
      const noEsp = { esp: null, espLibelle: 'non recensées dans FINESS', autresCentres: 0 };
      expect(a.structures).toEqual({ msp: 2, csp: 1, ...noEsp, siegeCpts: 0, autre: 1, total: 3 });
      expect(a.pharmacies).toEqual({ dansLePerimetre: 4, adherentes: 0 });
      // B = {2,3,6,7}: MSP in 2, CSP in 6, CPTS seat in 3; pharmacies in 2 and 6 (that of 6 is a member of B).
      expect(b.structures).toEqual({ msp: 1, csp: 1, ...noEsp, siegeCpts: 1, autre: 0, total: 2 });
      expect(b.pharmacies).toEqual({ dansLePerimetre: 2, adherentes: 1 });
      // C = {4,8}: nothing inside, but the pharmacy of commune 12 is a member of C.
      expect(c.structures.total).toBe(0);
      expect(c.pharmacies).toEqual({ dansLePerimetre: 0, adherentes: 1 });
    });

    it('gives GP supply with density per 10,000, "< 6" under the secrecy threshold, proxy flag and source', async () => {
      const { body } = await srv.getJson('/api/cpts');
      const [a, b, c] = body.cpts;
      // A: commune 1 → 5, commune 6 → 7: 12 GPs for 14,000 inhabitants.
      expect(a.offreMg).toMatchObject({ nbGeneralistes: 12, densitePour10000: 8.6, estProxy: true, sources: ['fixture-planner'], annees: [2019] });
      expect(a.offreMg.notes.join(' ')).toMatch(/2 commune\(s\) absente\(s\) de la source/);
      // B: commune 6 → 7 only: 7 / 18,000.
      expect(b.offreMg).toMatchObject({ nbGeneralistes: 7, densitePour10000: 3.9 });
      // C: no GP at all: shown "< 6", no density, and said why.
      expect(c.offreMg).toMatchObject({ nbGeneralistes: '< 6', densitePour10000: null });
      expect(c.offreMg.notes.join(' ')).toMatch(/secret statistique/);
    });

    it('labels an approximate perimeter', async () => {
      const { body } = await srv.getJson('/api/cpts?departement=49');
      expect(body.cpts.map((c: any) => c.id)).toEqual(['FIXT-N']);
      expect(body.cpts[0]).toMatchObject({
        perimetre: 'approximatif',
        perimetreNonOfficiel: true,
        perimetreLibelle: 'Périmètre approximatif (reconstitué, non officiel)',
      });
      expect(body.cpts[0].notes[0]).toMatch(/^Périmètre approximatif/);
    });

    it('filters by département, région, band and status', async () => {
      const ids = async (q: string) => (await srv.getJson(`/api/cpts${q}`)).body.cpts.map((c: any) => c.id);
      expect(await ids('?departement=44')).toEqual(['FIXT-A', 'FIXT-B', 'FIXT-C']);
      expect(await ids('?region=52')).toEqual(['FIXT-A', 'FIXT-B', 'FIXT-C', 'FIXT-N']);
      expect(await ids('?region=11')).toEqual([]);
      expect(await ids('?statut=projet')).toEqual(['FIXT-C']);
      expect(await ids('?bande=T1')).toEqual(['FIXT-A', 'FIXT-B', 'FIXT-C', 'FIXT-N']);
      expect(await ids('?bande=T2')).toEqual([]);
      expect(await ids('?bande=T1&statut=projet')).toEqual(['FIXT-C']);
      expect(await ids('?departement=44&statut=aci-signe')).toEqual(['FIXT-B']);
    });

    it('GET /api/cpts/:id gives the sheet: communes, structures, pharmacies, overlaps', async () => {
      const { status, body } = await srv.getJson('/api/cpts/FIXT-A');
      expect(status).toBe(200);
      expect(body.id).toBe('FIXT-A');
      expect(body.communes.map((c: any) => [c.code, c.population, c.partSurface, c.autresCpts])).toEqual([
        [code(1), 1000, 1, []],
        [code(2), 2000, 1, ['FIXT-B']],
        [code(5), 5000, 1, []],
        [code(6), 6000, 1, ['FIXT-B']],
      ]);
      const inA = (n: number) => [1, 2, 5, 6].includes(n);
      expect(body.structuresListe.map((s: any) => s.finess).sort()).toEqual(
        PLANNER_SITES.filter((s) => inA(s.commune)).map((s) => s.finess).sort(),
      );
      expect(body.pharmaciesListe.map((p: any) => [p.finess, p.adherente])).toEqual(
        PLANNER_PHARMACIES.filter((p) => inA(p.commune)).map((p) => [p.finess, false]),
      );
      expect(body.chevauchements).toHaveLength(1);
      expect(body.chevauchements[0]).toMatchObject({ a: { id: 'FIXT-A' }, b: { id: 'FIXT-B' }, population: 8000 });
      const b = (await srv.getJson('/api/cpts/FIXT-B')).body;
      expect(b.pharmaciesListe.find((p: any) => p.finess === '449810006').adherente).toBe(true);
    });

    it('unknown CPTS → 404 with a French message', async () => {
      for (const path of ['/api/cpts/NOPE', '/api/cpts/NOPE/communes.geojson']) {
        const r = await srv.getJson(path);
        expect(r.status).toBe(404);
        expect(r.body.erreur).toBe('CPTS NOPE introuvable');
      }
    });

    it('GeoJSON for the map: CPTS perimeters and member communes', async () => {
      const r = await srv.get('/api/cpts.geojson?departement=44');
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/application\/geo\+json/);
      const fc = await r.json();
      expect(fc.type).toBe('FeatureCollection');
      expect(fc.features.map((f: any) => f.properties.id)).toEqual(['FIXT-A', 'FIXT-B', 'FIXT-C']);
      expect(fc.features[0].geometry.type).toBe('MultiPolygon');
      expect(fc.features[0].properties).toMatchObject({ population: 14_000, bande: 'T1', perimetreNonOfficiel: false });
      expect(JSON.parse(r.headers.get('x-data-sources')!).length).toBeGreaterThan(0);

      const m = await (await srv.get('/api/cpts/FIXT-A/communes.geojson')).json();
      expect(m.features.map((f: any) => [f.properties.code, f.properties.autresCpts])).toEqual([
        [code(1), []],
        [code(2), ['FIXT-B']],
        [code(5), []],
        [code(6), ['FIXT-B']],
      ]);
      const xs = m.features[0].geometry.coordinates[0][0].map((p: number[]) => p[0]);
      expect(Math.min(...xs)).toBeCloseTo(LON0, 9);
    });
  });

  // ── Overlap matrix ────────────────────────────────────────────────────────────────────────────────
  describe('GET /api/overlaps', () => {
    it('A and B share exactly {44902, 44906}: 8,000 inhabitants, two squares; C (border contact) is no overlap', async () => {
      const { status, body } = await srv.getJson('/api/overlaps');
      expect(status).toBe(200);
      expect(body.nombre).toBe(1);
      const [p] = body.paires;
      expect(p.a).toMatchObject({ id: 'FIXT-A', population: 14_000, partEnLitigePct: 57.1 });
      expect(p.b).toMatchObject({ id: 'FIXT-B', population: 18_000, partEnLitigePct: 44.4 });
      // both claim the two communes whole, and neither has arrondissements: the overlap cannot be split below them
      const shared = { partageeSansDecoupage: true, libelle: 'commune partagée sans découpage infra-communal' };
      expect(p.communes).toEqual([
        { code: code(2), nom: 'Commune 2', population: 2000, ...shared },
        { code: code(6), nom: 'Commune 6', population: 6000, ...shared },
      ]);
      expect(p.nbCommunesPartageesSansDecoupage).toBe(2);
      expect(p.a.attribution).toBe('fixture');
      expect(p.nbCommunes).toBe(2);
      expect(p.population).toBe(8000);
      expect(Math.abs(p.superficieKm2 - sumSquares([2, 6]))).toBeLessThan(0.011);
      expect(body.paires.some((x: any) => x.a.id === 'FIXT-C' || x.b.id === 'FIXT-C')).toBe(false);
    });

    it('keeps a pair when either CPTS touches the filter', async () => {
      const n = async (q: string) => (await srv.getJson(`/api/overlaps${q}`)).body.nombre;
      expect(await n('?departement=44')).toBe(1);
      expect(await n('?region=52')).toBe(1);
      expect(await n('?departement=49')).toBe(0);
      expect(await n('?region=11')).toBe(0);
    });

    it('GeoJSON: the union of the shared communes (squares 2 and 6 → one rectangle)', async () => {
      const r = await srv.get('/api/overlaps.geojson');
      expect(r.status).toBe(200);
      const fc = await r.json();
      expect(fc.features).toHaveLength(1);
      const f = fc.features[0];
      expect(f.properties).toMatchObject({ a: 'FIXT-A', b: 'FIXT-B', communes: [code(2), code(6)], population: 8000 });
      expect(f.geometry.type).toBe('MultiPolygon');
      expect(f.geometry.coordinates).toHaveLength(1);
      const pts: number[][] = f.geometry.coordinates[0][0];
      const [x0, y0] = corner(2);
      expect(Math.min(...pts.map((p) => p[0]!))).toBeCloseTo(x0, 9);
      expect(Math.max(...pts.map((p) => p[0]!))).toBeCloseTo(x0 + SIZE, 9);
      expect(Math.min(...pts.map((p) => p[1]!))).toBeCloseTo(y0, 9);
      expect(Math.max(...pts.map((p) => p[1]!))).toBeCloseTo(y0 + 2 * SIZE, 9);
    });

    it('CSV: French spreadsheet format with the sources in X-Data-Sources', async () => {
      const r = await srv.get('/api/overlaps.csv');
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/text\/csv/);
      const sources = JSON.parse(r.headers.get('x-data-sources')!);
      expect(sources.map((s: any) => s.type).sort()).toEqual(['communes', 'cpts']);
      const rows = await readCsv(r);
      expect(rows[0]![0]).toBe('CPTS A (identifiant)');
      expect(rows).toHaveLength(2);
      expect(rows[1]!.slice(0, 1)).toEqual(['FIXT-A']);
      expect(rows[1]![3]).toBe('FIXT-B');
      expect(rows[1]!.slice(6, 10)).toEqual(['2', `${code(2)}, ${code(6)}`, 'Commune 2, Commune 6', '8000']);
      expect(rows[1]!.slice(11)).toEqual(['57,1', '44,4', 'Commune 2, Commune 6', 'fixture', 'À examiner', '']);
    });
  });

  // ── Coverage and white zones ──────────────────────────────────────────────────────────────────────
  describe('GET /api/coverage', () => {
    // Département 44: communes 1–12 (78,000), 1–8 covered (36,000). Département 49: 49901 (white,
    // 13,000) and 49902 (FIXT-N, approximate perimeter, 14,000).
    it('shares of population and communes per département and région', async () => {
      const { status, body } = await srv.getJson('/api/coverage');
      expect(status).toBe(200);
      const d44 = body.departements.find((d: any) => d.code === '44');
      expect(d44).toMatchObject({
        nom: 'Loire-Atlantique',
        nbCommunes: 12,
        nbCommunesCouvertes: 8,
        nbCommunesMultiCpts: 2,
        nbCommunesCouvertesHorsOfficiel: 0,
        partCommunesPct: 66.67,
        population: 78_000,
        populationCouverte: 36_000,
        populationMultiCpts: 8000,
        partPopulationPct: 46.15,
      });
      const d49 = body.departements.find((d: any) => d.code === '49');
      expect(d49).toMatchObject({
        nbCommunes: 2,
        nbCommunesCouvertes: 1,
        nbCommunesCouvertesHorsOfficiel: 1,
        partCommunesPct: 50,
        population: 27_000,
        populationCouverte: 14_000,
        partPopulationPct: 51.85,
      });
      expect(body.regions).toHaveLength(1);
      expect(body.regions[0]).toMatchObject({
        code: '52',
        nom: 'Pays de la Loire',
        nbCommunes: 14,
        nbCommunesCouvertes: 9,
        partCommunesPct: 64.29,
        population: 105_000,
        populationCouverte: 50_000,
        partPopulationPct: 47.62,
      });
      expect(body.total).toMatchObject({ nbCommunes: 14, populationCouverte: 50_000 });
    });

    it('a département filter gives that département, its whole région and the département as total', async () => {
      const { body } = await srv.getJson('/api/coverage?departement=49');
      expect(body.departements.map((d: any) => d.code)).toEqual(['49']);
      expect(body.regions.map((r: any) => [r.code, r.nbCommunes])).toEqual([['52', 14]]);
      expect(body.total).toMatchObject({ nbCommunes: 2, population: 27_000, partPopulationPct: 51.85 });
      const none = (await srv.getJson('/api/coverage?region=11')).body;
      expect(none).toMatchObject({ departements: [], regions: [], total: { nbCommunes: 0, partPopulationPct: null } });
    });
  });

  describe('GET /api/white-zones', () => {
    const ALL = [DISTANT.white.code, code(12), code(11), code(10), code(9)];

    it('communes in no CPTS, largest first, with GP supply ("< 6"), zoning and paging', async () => {
      const { status, body } = await srv.getJson('/api/white-zones');
      expect(status).toBe(200);
      expect(body.total).toBe(5);
      expect(body.populationTotale).toBe(42_000 + DISTANT.white.population);
      expect(body.communes.map((c: any) => c.code)).toEqual(ALL);
      const by = Object.fromEntries(body.communes.map((c: any) => [c.code, c]));
      expect(by[code(9)].offreMg).toMatchObject({ nbGeneralistes: 12, densitePour10000: 13.3, estProxy: true, absenteDeLaSource: false });
      expect(by[code(10)].offreMg).toMatchObject({ nbGeneralistes: '< 6', densitePour10000: null, absenteDeLaSource: false }); // 0
      expect(by[code(11)].offreMg).toMatchObject({ nbGeneralistes: '< 6', densitePour10000: null, absenteDeLaSource: true, source: null });
      expect(by[code(9)].zonage).toMatchObject({ zone: 'ZIP', libelle: 'Zone d’intervention prioritaire (ZIP)' });
      expect(by[code(10)].zonage.zone).toBe('ZV');
      expect(by[DISTANT.white.code].zonage).toBeNull();
      const page = (await srv.getJson('/api/white-zones?limit=2&offset=2')).body;
      expect(page).toMatchObject({ total: 5, limit: 2, offset: 2 });
      expect(page.communes.map((c: any) => c.code)).toEqual(ALL.slice(2, 4));
      expect((await srv.getJson('/api/white-zones?offset=10')).body).toMatchObject({ total: 5, communes: [] });
      const d49 = (await srv.getJson('/api/white-zones?departement=49')).body;
      expect(d49.communes.map((c: any) => c.code)).toEqual([DISTANT.white.code]);
    });

    it('nearest CPTS by geodesic distance from the commune’s interior point, and CPTS sharing a border', async () => {
      const { body } = await srv.getJson('/api/white-zones');
      const by = Object.fromEntries(body.communes.map((c: any) => [c.code, c]));
      // Communes 9–12 (centres at lat 47.125): the nearest CPTS edge is due south at lat 47.1 — a meridian arc.
      const south = meridianArcKm(LAT0 + 2 * SIZE, centre(9)[1]);
      expect(south).toBeGreaterThan(2.77);
      for (const [n, id] of [
        [9, 'FIXT-A'],
        [10, 'FIXT-A'], // FIXT-A and FIXT-B both lie due south at the same distance: the smaller id wins
        [11, 'FIXT-B'],
        [12, 'FIXT-C'],
      ] as const) {
        expect(by[code(n)].cptsLaPlusProche.id).toBe(id);
        expect(Math.abs(by[code(n)].cptsLaPlusProche.distanceKm - south)).toBeLessThanOrEqual(0.006);
      }
      // Sharing a border, not a mere corner: 9 touches A along 5 (B only at a corner of 6); 11 touches B along 7
      // (C only at a corner of 8).
      expect(by[code(9)].cptsLimitrophes).toEqual(['FIXT-A']);
      expect(by[code(10)].cptsLimitrophes).toEqual(['FIXT-A', 'FIXT-B']);
      expect(by[code(11)].cptsLimitrophes).toEqual(['FIXT-B']);
      expect(by[code(12)].cptsLimitrophes).toEqual(['FIXT-C']);
      expect(by[DISTANT.white.code].cptsLimitrophes).toEqual([]);
    });

    it('the nearest CPTS is the geodesic one, not the nearest in planar degrees', async () => {
      const { body } = await srv.getJson('/api/white-zones?departement=49');
      const w = body.communes[0];
      const [x, y] = DISTANT.white.centre;
      const toC = parallelArcKm(y, x - (LON0 + 4 * SIZE)); // 0.11° of longitude ≈ 8.36 km
      const toN = meridianArcKm(y, DISTANT.north.bbox[1]); // 0.10° of latitude ≈ 11.1 km, nearer in degrees
      expect(toC).toBeLessThan(toN);
      expect(w.cptsLaPlusProche.id).toBe('FIXT-C');
      expect(Math.abs(w.cptsLaPlusProche.distanceKm - toC)).toBeLessThanOrEqual(0.006);
    });

    it('GeoJSON and CSV variants', async () => {
      const fc = await (await srv.get('/api/white-zones.geojson?limit=3')).json();
      expect(fc).toMatchObject({ type: 'FeatureCollection', total: 5, limit: 3 });
      expect(fc.features.map((f: any) => f.properties.code)).toEqual(ALL.slice(0, 3));
      expect(fc.features[0].geometry.type).toBe('MultiPolygon');

      const r = await srv.get('/api/white-zones.csv');
      expect(r.status).toBe(200);
      expect(JSON.parse(r.headers.get('x-data-sources')!).map((s: any) => s.type).sort()).toEqual(['communes', 'cpts', 'gp', 'zoning']);
      const rows = await readCsv(r);
      expect(rows[0]!.slice(0, 2)).toEqual(['Code INSEE', 'Commune']);
      expect(rows.slice(1).map((x) => x[0])).toEqual(ALL); // every white zone by default
      const nine = rows.find((x) => x[0] === code(9))!;
      expect(nine.slice(4, 10)).toEqual(['9000', '12', '13,3', 'oui', 'fixture-planner', 'Zone d’intervention prioritaire (ZIP)']);
      expect(rows.find((x) => x[0] === code(10))![5]).toBe('< 6');
    });
  });

  // ── Perimeter check ───────────────────────────────────────────────────────────────────────────────
  describe('POST /api/perimeter/check', () => {
    const check = (body: unknown) => srv.postJson('/api/perimeter/check', body);

    it('{1, 2}: contiguous, overlaps A (3,000) and B (2,000)', async () => {
      const { status, body } = await check({ communes: [code(1), code(2)] });
      expect(status).toBe(200);
      expect(body).toMatchObject({ mode: 'communes', population: 3000, nbCommunes: 2, bande: 'T1', contigu: true });
      expect(body.parties).toEqual([{ numero: 1, nbCommunes: 2, communes: [code(1), code(2)], population: 3000 }]);
      expect(body.chevauchements.map((o: any) => [o.id, o.communes, o.population, o.partDeLaCptsPct])).toEqual([
        ['FIXT-A', [code(1), code(2)], 3000, 21.4],
        ['FIXT-B', [code(2)], 2000, 11.1],
      ]);
      expect(body.zonesBlanches).toEqual({ nbCommunes: 0, population: 0, communes: [] });
      expect(Math.abs(body.superficieKm2 - sumSquares([1, 2]))).toBeLessThan(0.011);
    });

    it('{1, 12}: two separate parts; covers white zone 12', async () => {
      const { body } = await check({ communes: [code(12), code(1)] });
      expect(body.contigu).toBe(false);
      expect(body.parties.map((p: any) => p.communes)).toEqual([[code(12)], [code(1)]]);
      expect(body.chevauchements.map((o: any) => [o.id, o.population])).toEqual([['FIXT-A', 1000]]);
      expect(body.zonesBlanches).toEqual({ nbCommunes: 1, population: 12_000, communes: [code(12)] });
      expect(body.avertissements.join(' ')).toMatch(/non contigu : 2 parties/);
    });

    it('{1, 6} touch only at a corner: two parts; {1, 2, 6} is contiguous', async () => {
      const corner16 = (await check({ communes: [code(1), code(6)] })).body;
      expect(corner16.contigu).toBe(false);
      expect(corner16.parties.map((p: any) => p.communes)).toEqual([[code(6)], [code(1)]]);
      expect(corner16.chevauchements.map((o: any) => [o.id, o.population])).toEqual([
        ['FIXT-A', 7000],
        ['FIXT-B', 6000],
      ]);
      const joined = (await check({ communes: [code(1), code(2), code(6)] })).body;
      expect(joined.contigu).toBe(true);
      expect(joined.parties).toHaveLength(1);
    });

    it('the whole grid: 78,000 inhabitants, T2 with a warning 2,000 (2.5 %) under the 80,000 threshold', async () => {
      const all = Array.from({ length: 12 }, (_, i) => code(i + 1));
      const { body } = await check({ communes: [...all, code(3), '44999'] });
      expect(body).toMatchObject({ population: 78_000, nbCommunes: 12, bande: 'T2', contigu: true, communesIntrouvables: ['44999'] });
      expect(body.avertissementSeuil).toMatchObject({ seuil: 80_000, ecart: -2000, ecartPct: 2.5, position: 'sous' });
      expect(body.avertissements[0]).toBe(body.avertissementSeuil.message);
      expect(body.aci.financementTotalEur).toBeNull();
      expect(body.chevauchements.map((o: any) => [o.id, o.nbCommunes, o.population, o.partDeLaCptsPct])).toEqual([
        ['FIXT-B', 4, 18_000, 100],
        ['FIXT-A', 4, 14_000, 100],
        ['FIXT-C', 2, 12_000, 100],
      ]);
      expect(body.zonesBlanches).toMatchObject({ nbCommunes: 4, population: 42_000 });
    });

    it('a polygon covering commune 1 and 30 % of commune 2: only commune 1 at threshold 0.5, both at 0.25', async () => {
      const [x0, y0] = corner(1);
      const x1 = x0 + SIZE + 0.3 * SIZE;
      const y1 = y0 + SIZE; // the top edge runs along communes 5 and 6: contact without area
      const ring = [
        [x0 - 0.01, y0 - 0.01],
        [x1, y0 - 0.01],
        [x1, y1],
        [x0 - 0.01, y1],
        [x0 - 0.01, y0 - 0.01],
      ];
      const half = (await check({ geometrie: { type: 'Polygon', coordinates: [ring] }, seuil: 0.5 })).body;
      expect(half).toMatchObject({ mode: 'geometrie', seuil: 0.5, population: 1000 });
      expect(half.communes.map((c: any) => [c.code, c.part])).toEqual([[code(1), 1]]);
      expect(half.communesSousLeSeuil).toHaveLength(1);
      expect(half.communesSousLeSeuil[0].code).toBe(code(2));
      expect(half.communesSousLeSeuil[0].part).toBeCloseTo(0.3, 3);
      expect(half.chevauchements.map((o: any) => [o.id, o.population])).toEqual([['FIXT-A', 1000]]);
      const quarter = (await check({ geometrie: { type: 'MultiPolygon', coordinates: [[ring]] }, seuil: 0.25 })).body;
      expect(quarter.communes.map((c: any) => c.code)).toEqual([code(1), code(2)]);
      expect(quarter.population).toBe(3000);
      expect(Math.abs(quarter.superficieKm2 - (squareKm2(1) + 0.3 * squareKm2(2)))).toBeLessThan(0.011);
      const dflt = (await check({ geometrie: { type: 'Polygon', coordinates: [ring] } })).body;
      expect(dflt.seuil).toBe(0.5);
    });

    it('a self-intersecting polygon is made valid; a polygon without area is refused', async () => {
      const [x0, y0] = corner(6);
      const bowtie = [
        [x0, y0],
        [x0 + SIZE, y0 + SIZE],
        [x0 + SIZE, y0],
        [x0, y0 + SIZE],
        [x0, y0],
      ];
      const r = await check({ geometrie: { type: 'Polygon', coordinates: [bowtie] }, seuil: 0.4 });
      expect(r.status).toBe(200);
      expect(r.body.communes.map((c: any) => c.code)).toEqual([code(6)]); // two triangles: half of commune 6
      const flat = [
        [x0, y0],
        [x0 + SIZE, y0],
        [x0 + 2 * SIZE, y0],
        [x0, y0],
      ];
      const bad = await check({ geometrie: { type: 'Polygon', coordinates: [flat] } });
      expect(bad.status).toBe(400);
      expect(bad.body.erreur).toMatch(/^Géométrie vide/);
    });

    it('writes nothing', async () => {
      const count = async () =>
        (await db.query<{ n: number }>('SELECT (SELECT count(*) FROM cpts)::int + (SELECT count(*) FROM cpts_commune)::int AS n')).rows[0]!.n;
      const before = await count();
      await check({ communes: [code(1), code(12)] });
      expect(await count()).toBe(before);
    });
  });

  // ── Every bad input is a 4xx with a French message, never a 500 ───────────────────────────────────
  describe('bad input', () => {
    it.each([
      ['/api/cpts?departement=4', /departement/],
      ['/api/cpts?region=abc', /region/],
      ['/api/cpts?bande=T5', /bande/],
      ['/api/cpts?statut=actif', /statut/],
      ['/api/cpts?dept=44', /paramètre inconnu : dept/],
      ['/api/cpts?departement=44&departement=49', /departement/],
      ['/api/cpts.geojson?bande=5', /bande/],
      ['/api/overlaps?departement=XX', /departement/],
      ['/api/overlaps.csv?region=5', /region/],
      ['/api/overlaps.geojson?foo=1', /foo/],
      ['/api/coverage?departement=2C', /departement/],
      ['/api/white-zones?limit=0', /limit/],
      ['/api/white-zones?limit=abc', /limit/],
      ['/api/white-zones?limit=6000', /limit/],
      ['/api/white-zones?offset=-1', /offset/],
      ['/api/white-zones.geojson?limit=1.5', /limit/],
      ['/api/white-zones.csv?region=x', /region/],
    ])('GET %s → 400', async (path, re) => {
      const r = await srv.getJson(path);
      expect(r.status).toBe(400);
      expect(r.body.erreur).toMatch(/^Paramètre invalide/);
      expect(r.body.erreur).toMatch(re);
    });

    it.each([
      ['empty object', {}, /Corps de requête invalide/],
      ['array', [], /Corps de requête invalide/],
      ['empty list', { communes: [] }, /vide/],
      ['4-digit code', { communes: ['4410'] }, /Code\(s\) INSEE invalide\(s\)/],
      ['2,001 communes', { communes: Array.from({ length: 2001 }, (_, i) => `44${String(i).padStart(3, '0')}`) }, /2 000 communes au plus/],
      ['unclosed ring', { geometrie: { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1]]] } }, /pas fermé/],
      ['point', { geometrie: { type: 'Point', coordinates: [0, 0] } }, /Polygon ou MultiPolygon/],
      ['latitude 95', { geometrie: { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 95], [0, 0]]] } }, /WGS84/],
      ['seuil 2', { geometrie: { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] }, seuil: 2 }, /seuil/],
      ['seuil with communes', { communes: ['44109'], seuil: 0.5 }, /inconnu/],
    ])('POST /api/perimeter/check, %s → 400', async (_label, body, re) => {
      const r = await srv.postJson('/api/perimeter/check', body);
      expect(r.status).toBe(400);
      expect(r.body.erreur).toMatch(re);
    });

    it('malformed JSON or a non-JSON body → 400', async () => {
      const post = (body: string, type: string) =>
        srv.fetch('/api/perimeter/check', { method: 'POST', headers: { 'content-type': type }, body });
      const a = await post('{"communes": [', 'application/json');
      expect(a.status).toBe(400);
      const b = await post('communes=44109', 'text/plain');
      expect(b.status).toBe(400);
      expect((await b.json()).erreur).toMatch(/Corps de requête invalide/);
    });

    it('GET /api/health names the backend and counts the rows of each table and the imports', async () => {
      const { status, body } = await srv.getJson('/api/health');
      expect(status).toBe(200);
      expect(body).toMatchObject({ etat: 'ok', moteur: backend.name });
      expect(body.lignes.cpts).toBe(4);
      expect(body.imports.map((i: any) => i.type)).toEqual(expect.arrayContaining(['communes', 'cpts']));
    });

    it('every territory endpoint is in the OpenAPI document', async () => {
      const { body } = await srv.getJson('/api/openapi.json');
      for (const p of [
        '/api/cpts',
        '/api/cpts.geojson',
        '/api/cpts/{id}',
        '/api/cpts/{id}/communes.geojson',
        '/api/overlaps',
        '/api/overlaps.geojson',
        '/api/overlaps.csv',
        '/api/coverage',
        '/api/white-zones',
        '/api/white-zones.geojson',
        '/api/white-zones.csv',
      ]) {
        expect(body.paths[p]?.get, p).toBeDefined();
      }
      expect(body.paths['/api/perimeter/check'].post.responses['400']).toBeDefined();
    });
  });

  // ── Changes to the territory (these run last, in order) ───────────────────────────────────────────
  describe('after changes to the territory', () => {
    it('withThreeSharedCommunes: D/E share exactly 3 communes (30,000) and come first; E is T2 at exactly +5 %', async () => {
      await withThreeSharedCommunes(db);
      const { body } = await srv.getJson('/api/overlaps');
      expect(body.paires.map((p: any) => [p.a.id, p.b.id, p.nbCommunes, p.population])).toEqual([
        ['FIXT-D', 'FIXT-E', 3, 30_000],
        ['FIXT-A', 'FIXT-B', 2, 8000],
      ]);
      expect(body.paires[0].communes.map((c: any) => c.code)).toEqual([code(9), code(10), code(11)]);
      expect(body.paires[0].a.partEnLitigePct).toBe(100);
      expect(body.paires[0].b.partEnLitigePct).toBe(71.4);
      expect(Math.abs(body.paires[0].superficieKm2 - sumSquares([9, 10, 11]))).toBeLessThan(0.011);

      const e = (await srv.getJson('/api/cpts/FIXT-E')).body;
      expect(e).toMatchObject({ population: 42_000, bande: 'T2', aci: { financementTotalEur: null } });
      expect(e.avertissementSeuil).toMatchObject({ seuil: 40_000, ecart: 2000, ecartPct: 5, position: 'au-dessus', bandeVoisine: 'T1' });
      expect((await srv.getJson('/api/cpts?bande=T2')).body.cpts.map((c: any) => c.id)).toEqual(['FIXT-E']);

      expect((await srv.getJson('/api/white-zones?departement=44')).body).toMatchObject({ total: 0, communes: [] });
      const far = (await srv.getJson('/api/white-zones')).body.communes;
      expect(far.map((c: any) => [c.code, c.cptsLaPlusProche.id])).toEqual([[DISTANT.white.code, 'FIXT-C']]);
      const cov = (await srv.getJson('/api/coverage?departement=44')).body.total;
      expect(cov).toMatchObject({ nbCommunesCouvertes: 12, populationCouverte: 78_000, nbCommunesMultiCpts: 5 });
    });

    it('a partly covered member counts its whole population but only its share of area, said in a note', async () => {
      await db.query(`UPDATE cpts_commune SET part_surface = 0.5 WHERE cpts_id = 'FIXT-B' AND commune_code = $1`, [code(6)]);
      const b = (await srv.getJson('/api/cpts/FIXT-B')).body;
      expect(b).toMatchObject({ population: 18_000, nbCommunesPartielles: 1, populationCommunesPartielles: 6000 });
      expect(Math.abs(b.superficieKm2 - (sumSquares([2, 3, 7]) + 0.5 * squareKm2(6)))).toBeLessThan(0.011);
      expect(b.notes.join(' ')).toMatch(/1 commune\(s\) membre\(s\) ne sont couvertes qu’en partie.*6 000 hab\./);
      const pair = (await srv.getJson('/api/overlaps?departement=44')).body.paires.find((p: any) => p.a.id === 'FIXT-A');
      expect(pair.population).toBe(8000);
      expect(Math.abs(pair.superficieKm2 - (squareKm2(2) + 0.5 * squareKm2(6)))).toBeLessThan(0.011); // least(1, 0.5)
    });

    it('former INSEE codes are mapped to the current commune and reported', async () => {
      // A real merged commune of the COG, inserted as a square far from the grid.
      const c = cog();
      const [old, current] = [...c.communes.values()]
        .filter((x) => x.departement === '44' && x.anciensCodes.length)
        .map((x) => [x.anciensCodes.find((a) => a !== x.code && !c.communes.has(a))!, x.code] as const)
        .find(([a]) => a)!;
      await db.query(
        `INSERT INTO commune (code, nom, departement, region, population, anciens_codes, area_km2, geom, geom_3857, geom_3857_low, source)
         SELECT $1, $2, '44', '52', 500, $3, ST_Area(g::geography) / 1e6, g, ST_Transform(g, 3857), ST_Transform(g, 3857), 'fixture'
           FROM (SELECT ST_GeomFromText('MULTIPOLYGON(((-2 46,-1.99 46,-1.99 46.01,-2 46.01,-2 46)))', 4326) AS g) s`,
        [current, c.communes.get(current)!.nom, c.communes.get(current)!.anciensCodes], // as the communes importer writes them
      );
      const { status, body } = await srv.postJson('/api/perimeter/check', { communes: [old, code(1)] });
      expect(status).toBe(200);
      expect(body.codesConvertis).toEqual([{ code: old, codeActuel: current }]);
      expect(body.communes.map((x: any) => x.code).sort()).toEqual([code(1), current].sort());
      expect(body.population).toBe(1500);
      expect(body.communesIntrouvables).toEqual([]);
      expect(body.avertissements.join(' ')).toContain(`Le code ${old} n’est plus en vigueur : commune actuelle ${current}.`);
    });
  });
});
