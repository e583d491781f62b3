// Coverage, white zones and statuses by membership over the territorial units, whatever a commune's geometry
// (a commune without outline counts; a commune split into arrondissements counts through them), and one answer
// per rule: every endpoint and tile gives the same density, status and labels for the same commune and pharmacy.
// Both backends.
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db } from '../../server/src/db/port.js';
import { gpDensity, SECRET_LABEL } from '../../server/src/domain/rules.js';
import { PHARMACY_STATUS_LIBELLES, ZONE_LIBELLES } from '../../server/src/domain/vocabulary.js';
import { tileOf } from '../../server/src/tiles/mvt-js.js';
import { describeEachBackend } from '../helpers/db.js';
import { CARE, centre, communeCode, loadFixtureCare, loadFixtureTerritory } from '../helpers/fixture-territory.js';
import { startServer, type TestServer } from '../helpers/http.js';
import { decodeTile, type DecodedFeature } from '../helpers/mvt.js';

// Added to the synthetic territory (département 44), none with an outline but the split commune:
//   44914 « Sans contour couverte » 3,000 inhabitants, member of FIXT-A; pharmacy NOG_COVERED (positioned in commune 5).
//   44915 « Sans contour blanche » 2,000 inhabitants, in no CPTS; pharmacy NOG_WHITE, without position.
//   44920 « Ville à arrondissements » (the square east of commune 8), 3,000 inhabitants, split into
//   44921 (1,000, member of FIXT-C) and 44922 (2,000, in no CPTS); pharmacy SPLIT coded 44920 (the commune, as FINESS does).
const NOG_COVERED = { code: '44914', population: 3000, pharmacy: '449000014' };
const NOG_WHITE = { code: '44915', population: 2000, pharmacy: '449000015' };
const SPLIT = { code: '44920', arrondissements: { '44921': 1000, '44922': 2000 }, pharmacy: '449000020' };

async function addCommunes(db: Db): Promise<void> {
  const insert = (code: string, nom: string, population: number, wkt: string | null, parent: string | null) =>
    db.query(
      `INSERT INTO commune (code, nom, departement, region, population, population_annee, area_km2, geom, geom_3857, geom_3857_low, parent, source)
       SELECT $1, $2, '44', '52', $3, 2023, ST_Area(g::geography) / 1e6, g, ST_Transform(g, 3857), ST_Transform(g, 3857), $5, 'fixture'
         FROM (SELECT ST_GeomFromText($4, 4326) AS g) s`,
      [code, nom, population, wkt, parent],
    );
  await insert(NOG_COVERED.code, 'Sans contour couverte', NOG_COVERED.population, null, null);
  await insert(NOG_WHITE.code, 'Sans contour blanche', NOG_WHITE.population, null, null);
  await insert(SPLIT.code, 'Ville à arrondissements', 3000, 'MULTIPOLYGON(((-1.4 47.05,-1.35 47.05,-1.35 47.1,-1.4 47.1,-1.4 47.05)))', null);
  for (const [code, population] of Object.entries(SPLIT.arrondissements)) await insert(code, `Arrondissement ${code}`, population, null, SPLIT.code);
  await db.query(
    `INSERT INTO cpts_commune (cpts_id, commune_code, source) VALUES ('FIXT-A', $1, 'fixture'), ('FIXT-C', '44921', 'fixture')`,
    [NOG_COVERED.code],
  );
  const [x5, y5] = centre(5);
  await db.query(
    `INSERT INTO pharmacie (finess, nom, commune_code, geom, geom_3857, source) VALUES
       ($1, 'Pharmacie sans contour', $2, ST_SetSRID(ST_MakePoint($7, $8), 4326), ST_Transform(ST_SetSRID(ST_MakePoint($7, $8), 4326), 3857), 'fixture'),
       ($3, 'Pharmacie blanche sans contour', $4, NULL, NULL, 'fixture'),
       ($5, 'Pharmacie de la ville', $6, ST_SetSRID(ST_MakePoint(-1.375, 47.075), 4326), ST_Transform(ST_SetSRID(ST_MakePoint(-1.375, 47.075), 4326), 3857), 'fixture')`,
    [NOG_COVERED.pharmacy, NOG_COVERED.code, NOG_WHITE.pharmacy, NOG_WHITE.code, SPLIT.pharmacy, SPLIT.code, x5, y5 + 0.01],
  );
}

async function tileFeatures(srv: TestServer, layer: string, lon: number, lat: number): Promise<DecodedFeature[]> {
  const t = tileOf(lon, lat, 12);
  const r = await srv.raw(`/tiles/${layer}/${t.z}/${t.x}/${t.y}.mvt`, { 'accept-encoding': 'identity' });
  expect(r.status).toBe(200);
  return decodeTile(r.body)[0]!.features;
}

describeEachBackend('coverage and statuses by membership, one answer per rule', (backend) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let srv: TestServer;

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    await loadFixtureTerritory(db);
    await loadFixtureCare(db);
    await addCommunes(db);
    srv = await startServer(db);
  });
  afterAll(async () => {
    await srv?.close();
    await dispose?.();
  });

  it('counts every territorial unit in the coverage, with or without outline, and a split commune through its arrondissements', async () => {
    const { body } = await srv.getJson('/api/coverage?departement=44');
    // units: communes 1–12 (78,000), Évron (8,000), 44914, 44915, 44921, 44922 — not 44920 itself
    // covered: communes 1–8 (36,000), 44914 (3,000), 44921 (1,000)
    expect(body.total).toMatchObject({
      nbCommunes: 17,
      nbCommunesCouvertes: 10,
      population: 94_000,
      populationCouverte: 40_000,
      partCommunesPct: 58.82,
      partPopulationPct: 42.55,
    });
  });

  it('lists as white zones the units in no CPTS, the one without outline included, the split commune never', async () => {
    const { body } = await srv.getJson('/api/white-zones?departement=44&limit=100');
    const codes = body.communes.map((c: { code: string }) => c.code).sort();
    expect(codes).toEqual([...[9, 10, 11, 12].map(communeCode), '44913', NOG_WHITE.code, '44922'].sort());
    expect(body.populationTotale).toBe(42_000 + 8000 + 2000 + 2000);
    const geo = await srv.getJson(`/api/white-zones.geojson?departement=44&limit=100`);
    const nog = geo.body.features.find((f: { properties: { code: string } }) => f.properties.code === NOG_WHITE.code);
    expect(nog.geometry).toBeNull();
  });

  it('keeps the pharmacies of communes without outline in their département’s counts, with their status', async () => {
    const { body } = await srv.getJson('/api/pharmacies?departement=44&limit=1000');
    expect(body.parStatut).toEqual({ membre: 3, 'couverte-sans-adhesion': 4, 'zone-blanche': 3, 'commune-inconnue': 0 });
    const st = Object.fromEntries(body.officines.map((r: { finess: string; statut: string }) => [r.finess, r.statut]));
    expect(st[NOG_COVERED.pharmacy]).toBe('couverte-sans-adhesion');
    expect(st[NOG_WHITE.pharmacy]).toBe('zone-blanche');
    expect(st[SPLIT.pharmacy]).toBe('couverte-sans-adhesion');
  });

  it('answers nearby for a commune without outline (no distances) and for a split commune (its arrondissements’ CPTS)', async () => {
    const nog = (await srv.getJson(`/api/nearby?commune=${NOG_COVERED.code}`)).body;
    expect(nog.cpts.map((c: { id: string }) => c.id)).toEqual(['FIXT-A']);
    expect(nog.origine.position).toBeNull();
    expect(nog.plusProches).toEqual({ msp: [], csp: [], esp: [] });
    const ph = (await srv.getJson(`/api/nearby?finess=${NOG_COVERED.pharmacy}`)).body;
    expect(ph.commune.code).toBe(NOG_COVERED.code);
    expect(ph.pharmacie.statut).toBe('couverte-sans-adhesion');
    expect(ph.plusProches.msp.length).toBeGreaterThan(0);
    const split = (await srv.getJson(`/api/nearby?commune=${SPLIT.code}`)).body;
    expect(split.cpts.map((c: { id: string }) => c.id)).toEqual(['FIXT-C']);
  });

  it('draws the split commune as covered and its pharmacy with the list’s status', async () => {
    const communes = await tileFeatures(srv, 'communes', -1.375, 47.075);
    expect(communes.find((f) => f.properties.code === SPLIT.code)!.properties).toMatchObject({ couverte: true, zoneBlanche: false });
    const pharmacies = await tileFeatures(srv, 'pharmacies', -1.375, 47.075);
    expect(pharmacies.find((f) => f.properties.finess === SPLIT.pharmacy)!.properties.statut).toBe('couverte-sans-adhesion');
  });

  it('gives the same density, status and labels for commune 9 and its pharmacy in every endpoint and tile', async () => {
    const code = communeCode(9);
    const [lon, lat] = centre(9);
    const density = gpDensity(12, 9000);
    expect(density).toBe(13.3);

    const list = (await srv.getJson('/api/pharmacies?departement=44&limit=1000')).body.officines.find((r: { finess: string }) => r.finess === CARE.P9);
    const csv = parseCsv((await (await srv.get('/api/pharmacies.csv?departement=44')).text()).replace(/^\uFEFF/, ''), { delimiter: ';' }) as string[][];
    // the pharmacy CSV writes codes as ="…" (text for spreadsheets)
    const csvRow = Object.fromEntries(csv[0]!.map((h, i) => [h, csv.find((r) => r[0] === `="${CARE.P9}"`)![i]]));
    const white = (await srv.getJson('/api/white-zones?departement=44&limit=100')).body.communes.find((c: { code: string }) => c.code === code);
    const wzCsv = parseCsv((await (await srv.get('/api/white-zones.csv?departement=44')).text()).replace(/^\uFEFF/, ''), { delimiter: ';' }) as string[][];
    const wzRow = Object.fromEntries(wzCsv[0]!.map((h, i) => [h, wzCsv.find((r) => r[0] === code)![i]]));
    const near = (await srv.getJson(`/api/nearby?finess=${CARE.P9}`)).body;
    const tileCommune = (await tileFeatures(srv, 'communes', lon, lat)).find((f) => f.properties.code === code)!.properties;
    const tilePharmacy = (await tileFeatures(srv, 'pharmacies', lon, lat)).find((f) => f.properties.finess === CARE.P9)!.properties;

    // density: one value, one decimal, everywhere (the French CSV writes it with a comma)
    expect([list.generalistes.densitePour10000, white.offreMg.densitePour10000, tileCommune.densiteGeneralistes]).toEqual([density, density, density]);
    expect([csvRow['densité MG pour 10 000 hab.'], wzRow['Densité pour 10 000 hab.']]).toEqual(['13,3', '13,3']);
    // status: the list, its CSV, nearby and the tile
    expect([list.statut, near.pharmacie.statut, tilePharmacy.statut]).toEqual(['zone-blanche', 'zone-blanche', 'zone-blanche']);
    expect(csvRow.statut).toBe(PHARMACY_STATUS_LIBELLES['zone-blanche']);
    // zone and its label
    expect([list.zonage, white.zonage.zone, near.zonage.zone, tileCommune.zone]).toEqual(['ZIP', 'ZIP', 'ZIP', 'ZIP']);
    expect([white.zonage.libelle, near.zonage.libelle, wzRow.Zonage]).toEqual([ZONE_LIBELLES.ZIP, ZONE_LIBELLES.ZIP, ZONE_LIBELLES.ZIP]);
  });

  it('hides the density of a commune under the secrecy threshold in every endpoint and tile', async () => {
    const [lon, lat] = centre(1);
    const list = (await srv.getJson('/api/pharmacies?departement=44&limit=1000')).body.officines.find((r: { finess: string }) => r.finess === CARE.P1);
    const tile = (await tileFeatures(srv, 'communes', lon, lat)).find((f) => f.properties.code === communeCode(1))!.properties;
    const sheet = (await srv.getJson('/api/cpts/FIXT-A')).body;
    expect(list.generalistes).toMatchObject({ nombre: SECRET_LABEL, densitePour10000: null });
    expect(tile.densiteGeneralistes).toBeUndefined();
    expect(tile.secretStatistique).toBe(true);
    expect(sheet.offreMg).toMatchObject({ nbGeneralistes: SECRET_LABEL, densitePour10000: null });
    // the CPTS, the pharmacies list and nearby word the CPTS the same way
    const near = (await srv.getJson(`/api/nearby?finess=${CARE.P1}`)).body;
    const a = near.cpts.find((c: { id: string }) => c.id === 'FIXT-A');
    expect(a.perimetreLibelle).toBe(sheet.perimetreLibelle);
  });
});
