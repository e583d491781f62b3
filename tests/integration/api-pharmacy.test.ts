// The pharmacist-facing API over real HTTP, on both backends: pharmacies by status (JSON and CSV),
// nearby, search and the guide, against the synthetic territory whose answers are known by construction.
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../server/src/db/port.js';
import { cog } from '../../server/src/import/cog.js';
import { describeEachBackend } from '../helpers/db.js';
import { CARE, centre, communeCode, EVRON, loadFixtureCare, loadFixtureTerritory, MERIDIAN_OFFSETS } from '../helpers/fixture-territory.js';
import { startServer, type TestServer } from '../helpers/http.js';

/**
 * Length of the meridian arc between latitudes φ1 and φ2 on the WGS84 ellipsoid, computed independently of PostGIS:
 *   M = a (1 − e²) ∫[φ1, φ2] (1 − e² sin² φ)^(−3/2) dφ,   a = 6,378,137 m, f = 1/298.257223563, e² = f (2 − f)
 * (the meridian radius of curvature integrated along the meridian), by Simpson's rule on 1,000 intervals
 * — far below a millimetre of error over a kilometre. GRS80 (f = 1/298.257222101) differs by nanometres here.
 */
function meridianArc(lat1: number, lat2: number): number {
  const a = 6378137;
  const f = 1 / 298.257223563;
  const e2 = f * (2 - f);
  const g = (phi: number) => (1 - e2 * Math.sin(phi) ** 2) ** -1.5;
  const p1 = (lat1 * Math.PI) / 180;
  const p2 = (lat2 * Math.PI) / 180;
  const n = 1000;
  const h = (p2 - p1) / n;
  let s = g(p1) + g(p2);
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * g(p1 + i * h);
  return a * (1 - e2) * (s * h) / 3;
}

const [, C1_LAT] = centre(1);
const D100 = meridianArc(C1_LAT, C1_LAT + MERIDIAN_OFFSETS.MSP_N100);
const D1000 = meridianArc(C1_LAT, C1_LAT + MERIDIAN_OFFSETS.MSP_N1000);

/** Accent- and case-insensitive form of a name (the test's own, for the expected order). */
const norm = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();

const ALL = Object.values(CARE).filter((f) => f.startsWith('4490'));

describe('meridian arc (test oracle)', () => {
  it('gives ≈ 111.2 km per degree at 47° and the fixture distances near 100 m and 1 km', () => {
    expect(meridianArc(46.5, 47.5)).toBeGreaterThan(111_150);
    expect(meridianArc(46.5, 47.5)).toBeLessThan(111_200);
    expect(D100).toBeGreaterThan(99.5);
    expect(D100).toBeLessThan(100.5);
    expect(D1000).toBeGreaterThan(999.5);
    expect(D1000).toBeLessThan(1001);
  });
});

describeEachBackend('pharmacist API', (backend) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let srv: TestServer;

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    await loadFixtureTerritory(db);
    await loadFixtureCare(db);
    // a real current commune (Chaumes-en-Retz, 44005) that absorbed 44040 (COG): for the former-code lookup
    await db.query(
      `INSERT INTO commune (code, nom, departement, region, population, anciens_codes, area_km2, geom, geom_3857, geom_3857_low, source)
       SELECT '44005', 'Chaumes-en-Retz', '44', '52', 7440, $1, 1, g, ST_Transform(g, 3857), ST_Transform(g, 3857), 'test'
         FROM (SELECT ST_Multi(ST_MakeEnvelope(-1.6, 46.9, -1.55, 46.95, 4326)) AS g) s`,
      [cog().communes.get('44005')!.anciensCodes], // as the communes importer writes them
    );
    srv = await startServer(db);
  });
  afterAll(async () => {
    await srv?.close();
    await dispose?.();
  });

  const byFiness = (rows: { finess: string }[]) => Object.fromEntries(rows.map((r) => [r.finess, r])) as Record<string, any>;

  describe('GET /api/pharmacies', () => {
    it('gives each pharmacy its status, and the counts per status', async () => {
      const { status, body } = await srv.getJson('/api/pharmacies');
      expect(status).toBe(200);
      expect(body.total).toBe(8);
      expect(body.parStatut).toEqual({ membre: 3, 'couverte-sans-adhesion': 2, 'zone-blanche': 2, 'commune-inconnue': 1 });
      const r = byFiness(body.officines);
      expect(Object.keys(r).sort()).toEqual([...ALL].sort());
      expect(r[CARE.P1].statut).toBe('couverte-sans-adhesion');
      expect(r[CARE.P3].statut).toBe('couverte-sans-adhesion');
      expect(r[CARE.P2].statut).toBe('membre');
      expect(r[CARE.P6].statut).toBe('membre');
      expect(r[CARE.P12].statut).toBe('membre');
      expect(r[CARE.P9].statut).toBe('zone-blanche');
      expect(r[CARE.P11].statut).toBe('zone-blanche');
      expect(r[CARE.P99].statut).toBe('commune-inconnue');
      // ordered by commune name (accent- and case-insensitive), then pharmacy name; unknown commune last
      expect(body.officines.map((x: any) => x.finess)).toEqual([CARE.P1, CARE.P11, CARE.P12, CARE.P2, CARE.P3, CARE.P6, CARE.P9, CARE.P99]);
      expect(body.sources.map((s: any) => s.type).sort()).toEqual(['communes', 'cpts', 'finess', 'gp', 'memberships', 'zoning']);
      // or by pharmacy name
      const byName = (await srv.getJson('/api/pharmacies?tri=nom')).body.officines.map((x: any) => x.nom);
      expect(byName).toEqual([...byName].sort((a: string, b: string) => norm(a).localeCompare(norm(b))));
    });

    it('finds the nearest MSP/CSP by geodesic distance (meridian arc within 0.5 m), never a CPTS seat', async () => {
      const r = byFiness((await srv.getJson('/api/pharmacies')).body.officines);
      expect(r[CARE.P1].mspCspLaPlusProche.finess).toBe(CARE.MSP_N100);
      expect(Math.abs(r[CARE.P1].mspCspLaPlusProche.distanceM - D100)).toBeLessThan(0.5);
      // P6: the three MSP due north are the nearest in planar degrees, the CSP due east is nearer on the ellipsoid
      expect(r[CARE.P6].mspCspLaPlusProche).toMatchObject({ finess: CARE.CSP_E, type: 'csp' });
      expect(r[CARE.P6].mspCspLaPlusProche.distanceM).toBeGreaterThan(940);
      expect(r[CARE.P6].mspCspLaPlusProche.distanceM).toBeLessThan(960);
      expect(r[CARE.P3].mspCspLaPlusProche.finess).not.toBe(CARE.SIEGE_3);
      expect(['msp', 'csp']).toContain(r[CARE.P3].mspCspLaPlusProche.type);
      expect(r[CARE.P99].mspCspLaPlusProche).toBeNull();
      expect(r[CARE.P99].position).toBeNull();
    });

    it('flags « adhésion probable » only for non-members within `rayon` metres', async () => {
      let r = byFiness((await srv.getJson('/api/pharmacies')).body.officines);
      expect(r[CARE.P1].adhesionProbable).toBe(true); // 100 m ≤ 150 m
      expect(r[CARE.P2].adhesionProbable).toBe(false); // member, MSP 228 m away anyway
      expect(r[CARE.P3].adhesionProbable).toBe(false);
      r = byFiness((await srv.getJson('/api/pharmacies?rayon=50')).body.officines);
      expect(r[CARE.P1].adhesionProbable).toBe(false);
      r = byFiness((await srv.getJson('/api/pharmacies?rayon=2000')).body.officines);
      expect(r[CARE.P6].adhesionProbable).toBe(false); // a member
      expect(r[CARE.P2].adhesionProbable).toBe(false);
      const { body } = await srv.getJson('/api/pharmacies?rayon=300');
      expect(body.rayon).toBe(300);
      expect(body.avertissement).toMatch(/présomption/);
    });

    it('gives CPTS, memberships, zoning and GP density with the under-6 rule', async () => {
      const r = byFiness((await srv.getJson('/api/pharmacies')).body.officines);
      expect(r[CARE.P6].cpts.map((c: any) => c.id)).toEqual(['FIXT-A', 'FIXT-B']);
      expect(r[CARE.P6].adhesions).toEqual([{ cible: 'cpts', id: 'FIXT-B', nom: 'CPTS Fixture B', type: 'cpts', dateAdhesion: '2023-01-15', fermee: false }]);
      expect(r[CARE.P2].adhesions).toEqual([{ cible: 'structure', id: CARE.MSP_2, nom: 'MSP des Deux Rives', type: 'msp', dateAdhesion: '2022-03-01', fermee: false }]);
      expect(r[CARE.P12].cpts).toEqual([]);
      expect(r[CARE.P9]).toMatchObject({ zonage: 'ZIP', enZipZac: true, generalistes: { nombre: 12, densitePour10000: 13.3, proxy: true } });
      expect(r[CARE.P11]).toMatchObject({ zonage: 'ZAC', enZipZac: true });
      expect(r[CARE.P12]).toMatchObject({ zonage: 'HZ', enZipZac: false });
      expect(r[CARE.P1]).toMatchObject({ zonage: null, enZipZac: null, generalistes: { nombre: '< 6', densitePour10000: null, proxy: true } });
      expect(r[CARE.P2].generalistes).toEqual({ nombre: null, densitePour10000: null, proxy: null });
      expect(r[CARE.P1].commune).toEqual({ code: '44901', nom: 'Commune 1', departement: '44', region: '52' });
    });

    it('filters by département, région, CPTS (territory or membership), status, zoning and name', async () => {
      const finesses = async (qs: string) => {
        const { status, body } = await srv.getJson(`/api/pharmacies?${qs}`);
        expect(status, qs).toBe(200);
        expect(body.total, qs).toBe(body.officines.length);
        return body.officines.map((x: any) => x.finess).sort();
      };
      const known = ALL.filter((f) => f !== CARE.P99).sort();
      expect(await finesses('departement=44')).toEqual(known);
      expect(await finesses('region=52')).toEqual(known);
      expect(await finesses('departement=53')).toEqual([]);
      expect(await finesses('cpts=FIXT-A')).toEqual([CARE.P1, CARE.P2, CARE.P6].sort());
      expect(await finesses('cpts=FIXT-B')).toEqual([CARE.P2, CARE.P3, CARE.P6].sort());
      expect(await finesses('cpts=FIXT-C')).toEqual([CARE.P12]); // member, outside the CPTS's communes
      expect(await finesses('statut=zone-blanche')).toEqual([CARE.P9, CARE.P11].sort());
      expect(await finesses('statut=membre&cpts=FIXT-B')).toEqual([CARE.P2, CARE.P6].sort());
      expect(await finesses('zonage=ZIP')).toEqual([CARE.P9]);
      expect(await finesses('zonage=ZAC')).toEqual([CARE.P11]);
      expect(await finesses('zonage=ZIP_ZAC')).toEqual([CARE.P9, CARE.P11].sort());
      expect(await finesses('zonage=hors-zip-zac')).toEqual([CARE.P1, CARE.P2, CARE.P3, CARE.P6, CARE.P12, CARE.P99].sort());
      expect(await finesses('q=evron')).toEqual([CARE.P11]);
      expect(await finesses('q=%C3%89VRON')).toEqual([CARE.P11]);
      expect(await finesses('q=pharmacie%20du')).toEqual([CARE.P12, CARE.P1, CARE.P3].sort());
      // counts ignore the status filter, total follows it
      const { body } = await srv.getJson('/api/pharmacies?statut=membre&departement=44');
      expect(body.parStatut).toEqual({ membre: 3, 'couverte-sans-adhesion': 2, 'zone-blanche': 2, 'commune-inconnue': 0 });
      expect(body.total).toBe(3);
    });

    it('pages with limit/offset in a stable order', async () => {
      const all = (await srv.getJson('/api/pharmacies')).body.officines.map((x: any) => x.finess);
      const pages: string[] = [];
      for (let offset = 0; offset < 8; offset += 3) {
        const { body } = await srv.getJson(`/api/pharmacies?limit=3&offset=${offset}`);
        expect(body.total).toBe(8);
        expect(body.limit).toBe(3);
        pages.push(...body.officines.map((x: any) => x.finess));
      }
      expect(pages).toEqual(all);
      expect((await srv.getJson('/api/pharmacies?offset=100')).body.officines).toEqual([]);
    });
  });

  describe('GET /api/pharmacies.csv', () => {
    const csv = async (qs: string) => {
      const res = await srv.get(`/api/pharmacies.csv${qs}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
      const bytes = new Uint8Array(await res.arrayBuffer());
      expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // UTF-8 BOM
      const text = new TextDecoder().decode(bytes);
      const records: string[][] = parseCsv(text, { delimiter: ';', bom: true, relax_column_count: false });
      // codes are written ="…" (text for spreadsheets): read them back as the code
      const rows = records.slice(1).map((r) => r.map((c) => c.replace(/^="([0-9A-Za-z]+)"$/, '$1')));
      return { res, header: records[0]!, rows, text, raw: records.slice(1) };
    };

    it('holds exactly the filtered rows, all of them, with French headers and sources in X-Data-Sources', async () => {
      for (const qs of ['', '?statut=zone-blanche', '?cpts=FIXT-A', '?zonage=ZIP_ZAC&rayon=500', '?q=pharmacie']) {
        const { res, header, rows } = await csv(qs);
        const json = (await srv.getJson(`/api/pharmacies${qs}${qs ? '&' : '?'}limit=1000`)).body;
        expect(rows.map((r) => r[0]), qs).toEqual(json.officines.map((r: any) => r.finess));
        expect(res.headers.get('x-row-count')).toBe(String(rows.length));
        expect(header[0]).toBe('FINESS');
        const sources = JSON.parse(res.headers.get('x-data-sources')!);
        expect(sources.find((s: any) => s.type === 'finess')).toMatchObject({ fichier: 'fixture-finess-été.csv' });
        expect(new Date(sources[0].importeLe).getTime()).not.toBeNaN();
      }
    });

    it('writes the URPS columns: CPTS joined by |, statut, adhésion probable, nearest MSP and distance, zoning, density', async () => {
      await db.query(`UPDATE pharmacie SET telephone = '0240000001' WHERE finess = $1`, [CARE.P1]);
      const { header, rows, text, raw } = await csv('');
      expect(text).toContain('\r\n');
      // codes stay text in a spreadsheet (leading zeros kept): FINESS, postal, INSEE and département codes, phone as ="…"
      const p1raw = raw.find((r) => r[0] === `="${CARE.P1}"`)!;
      expect(p1raw.slice(0, 5)).toEqual([`="${CARE.P1}"`, 'Pharmacie du Méridien', '1 place de la Mairie; Pharmacie du Méridien', '="44901"', '="44901"']);
      expect(p1raw.slice(7, 9)).toEqual(['="0240000001"', '="44"']);
      expect(header).toEqual([
        'FINESS', 'nom', 'adresse', 'code postal', 'code commune', 'commune', 'adresse complète', 'téléphone', 'département', 'CPTS', 'statut',
        'adhésion probable (structure à 150 m ou moins)', 'structure la plus proche', 'type de structure', 'FINESS structure',
        'distance structure (m)', 'zonage', 'médecins généralistes (commune)', 'densité MG pour 10 000 hab.', 'MG : indicateur approché', 'fermée le',
      ]);
      const col = (name: string) => header.indexOf(name);
      const row = (f: string) => rows.find((r) => r[0] === f)!;
      const p1 = row(CARE.P1);
      expect(p1[col('adresse')]).toBe('1 place de la Mairie; Pharmacie du Méridien'); // quoted because of the ';'
      expect(p1[col('commune')]).toBe('Commune 1');
      expect(p1[col('code commune')]).toBe('44901');
      expect(p1[col('CPTS')]).toBe('CPTS Fixture A');
      expect(p1[col('statut')]).toBe('couverte sans adhésion');
      expect(p1[col('adhésion probable (structure à 150 m ou moins)')]).toBe('oui');
      expect(p1[col('structure la plus proche')]).toBe('MSP du Méridien');
      expect(p1[col('type de structure')]).toBe('MSP');
      expect(Math.abs(Number(p1[col('distance structure (m)')]!.replace(',', '.')) - D100)).toBeLessThan(0.5);
      expect(p1[col('distance structure (m)')]).toMatch(/^\d+(,\d)?$/); // decimal comma
      expect(p1[col('adresse complète')]).toBe('1 place de la Mairie; Pharmacie du Méridien, 44901 Commune 1');
      expect(p1[col('médecins généralistes (commune)')]).toBe('< 6');
      expect(p1[col('densité MG pour 10 000 hab.')]).toBe('');
      expect(row(CARE.P6)[col('CPTS')]).toBe('CPTS Fixture A|CPTS Fixture B');
      expect(row(CARE.P6)[col('statut')]).toBe('membre');
      expect(row(CARE.P6)[col('adhésion probable (structure à 150 m ou moins)')]).toBe('non');
      expect(row(CARE.P9)[col('statut')]).toBe('zone blanche');
      expect(row(CARE.P9)[col('zonage')]).toBe('ZIP');
      expect(row(CARE.P9)[col('densité MG pour 10 000 hab.')]).toBe('13,3');
      expect(row(CARE.P9)[col('médecins généralistes (commune)')]).toBe('12');
      expect(row(CARE.P99)[col('statut')]).toBe('commune inconnue');
      expect(row(CARE.P99)[col('distance structure (m)')]).toBe('');
    });

    it('refuses paging parameters and bad filters with a 400, an unknown CPTS with a 404', async () => {
      expect((await srv.getJson('/api/pharmacies.csv?limit=10')).status).toBe(400);
      expect((await srv.getJson('/api/pharmacies.csv?statut=x')).status).toBe(400);
      const r = await srv.getJson('/api/pharmacies.csv?cpts=NOPE');
      expect(r.status).toBe(404);
      expect(r.body.erreur).toMatch(/CPTS « NOPE » introuvable/);
    });
  });

  describe('GET /api/nearby', () => {
    it('by FINESS: commune, covering CPTS, nearest MSP at meridian-arc distances, own status', async () => {
      const { status, body } = await srv.getJson(`/api/nearby?finess=${CARE.P1}`);
      expect(status).toBe(200);
      expect(body.origine.type).toBe('officine');
      expect(body.commune).toMatchObject({ code: '44901', nom: 'Commune 1', departement: { code: '44', nom: 'Loire-Atlantique' }, region: { code: '52', nom: 'Pays de la Loire' } });
      expect(body.cpts).toEqual([
        { id: 'FIXT-A', nom: 'CPTS Fixture A', statut: 'en-fonctionnement', perimetre: 'officiel', perimetreLibelle: 'Périmètre officiel (ARS)', attribution: 'fixture' },
      ]);
      expect(body.k).toBe(3);
      expect(body.plusProches.msp).toHaveLength(3);
      expect(body.plusProches.msp.map((s: any) => s.finess).slice(0, 2)).toEqual([CARE.MSP_N100, CARE.MSP_N1000]);
      expect(Math.abs(body.plusProches.msp[0].distanceM - D100)).toBeLessThan(0.5);
      expect(Math.abs(body.plusProches.msp[1].distanceM - D1000)).toBeLessThan(0.5);
      const d = body.plusProches.msp.map((s: any) => s.distanceM);
      expect(d).toEqual([...d].sort((a, b) => a - b));
      expect(body.plusProches.csp.map((s: any) => s.finess)).toEqual([CARE.CSP_E]);
      expect(body.plusProches.esp.map((s: any) => s.finess)).toEqual([CARE.ESP_9]);
      expect(body.pharmacie).toMatchObject({ finess: CARE.P1, statut: 'couverte-sans-adhesion', adhesions: [] });
      expect(body.zonage).toBeNull();
      const pc = body.missions.find((m: any) => m.id === 'pharmacien-correspondant');
      expect(pc.eligibleIci).toBe('zonage inconnu');
      expect(pc.explication).toMatch(/Zonage inconnu/);
      expect(body.sources.length).toBeGreaterThan(0);
    });

    it('gives the k nearest per type (k ≤ 10) and a member pharmacy’s memberships', async () => {
      const { body } = await srv.getJson(`/api/nearby?finess=${CARE.P2}&k=10`);
      // every MSP of the fixture (6 < k), nearest first
      expect(body.plusProches.msp.map((s: any) => s.finess)).toEqual([CARE.MSP_2, CARE.MSP_N100, CARE.MSP_N1000, CARE.MSP_B6, CARE.MSP_B6B, CARE.MSP_B6C]);
      expect(body.pharmacie.statut).toBe('membre');
      expect(body.pharmacie.adhesions).toEqual([{ cible: 'structure', id: CARE.MSP_2, nom: 'MSP des Deux Rives', type: 'msp', dateAdhesion: '2022-03-01', fermee: false }]);
      expect(body.cpts.map((c: any) => c.id)).toEqual(['FIXT-A', 'FIXT-B']);
      const one = (await srv.getJson(`/api/nearby?finess=${CARE.P2}&k=1`)).body;
      expect(one.plusProches.msp.map((s: any) => s.finess)).toEqual([CARE.MSP_2]);
    });

    it('by point and by commune; pharmacien correspondant eligible only in the ZIP/ZAC communes', async () => {
      const [x, y] = centre(1);
      const p = (await srv.getJson(`/api/nearby?lon=${x}&lat=${y}`)).body;
      expect(p.origine.type).toBe('point');
      expect(p.commune.code).toBe('44901');
      expect(p.plusProches.msp[0].finess).toBe(CARE.MSP_N100);
      expect(Math.abs(p.plusProches.msp[0].distanceM - D100)).toBeLessThan(0.5);
      expect(p.pharmacie).toBeNull();

      const expectations: [number, string][] = [[9, 'oui'], [11, 'oui'], [10, 'non'], [12, 'non'], [3, 'zonage inconnu']];
      for (const [n, eligible] of expectations) {
        const { status, body } = await srv.getJson(`/api/nearby?commune=${communeCode(n)}`);
        expect(status).toBe(200);
        expect(body.origine.type).toBe('commune');
        const pc = body.missions.find((m: any) => m.id === 'pharmacien-correspondant');
        expect(pc.eligibleIci, `commune ${n}`).toBe(eligible);
        expect(pc.explication).toContain(`Commune ${n}`);
        // missions without a zoning condition are open everywhere
        for (const m of body.missions.filter((m: any) => m.id !== 'pharmacien-correspondant')) expect(m.eligibleIci).toBe('oui');
      }
      const zip = (await srv.getJson(`/api/nearby?commune=${communeCode(9)}`)).body;
      expect(zip.zonage).toEqual({ zone: 'ZIP', libelle: 'Zone d’intervention prioritaire (ZIP)', source: 'ARS fixture', date: '2023-03-31' });
      expect(zip.cpts).toEqual([]);
      const pc = zip.missions.find((m: any) => m.id === 'pharmacien-correspondant');
      expect(pc.explication).toMatch(/ZIP/);
      expect(pc.remunerations.map((r: any) => r.montant)).toEqual([2, 1, 500]);
      expect(pc.source.document).toMatch(/Guide/);
      expect(pc.source.date).toBeTruthy();
      const ids = zip.contacts.map((c: any) => c.id);
      expect(ids).toEqual(expect.arrayContaining(['ars', 'urps-pharmaciens', 'cpam', 'avecsante', 'inter-urps-pdl', 'apmsl']));
      expect(zip.contacts.find((c: any) => c.id === 'ars').nom).toContain('Pays de la Loire');
      expect(zip.contacts.find((c: any) => c.id === 'cpam').nom).toContain('Loire-Atlantique (44)');
      const [x9, y9] = centre(9);
      expect((await srv.getJson(`/api/nearby?lon=${x9 + 0.01}&lat=${y9 - 0.01}`)).body.commune.code).toBe('44909');
    });

    it('answers 404 for an unknown FINESS, an unknown commune and a point outside every commune', async () => {
      let r = await srv.getJson('/api/nearby?finess=449999999');
      expect(r.status).toBe(404);
      expect(r.body.erreur).toMatch(/FINESS 449999999/);
      r = await srv.getJson('/api/nearby?commune=44999');
      expect(r.status).toBe(404);
      expect(r.body.erreur).toMatch(/Commune 44999 introuvable/);
      r = await srv.getJson('/api/nearby?lon=2.35&lat=48.85');
      expect(r.status).toBe(404);
      expect(r.body.erreur).toBe('Le point (longitude 2.35, latitude 48.85) n’est situé dans aucune commune connue de la base.');
      r = await srv.getJson(`/api/nearby?finess=${CARE.P99}`);
      expect(r.status).toBe(404);
      r = await srv.getJson('/api/nearby?commune=44059'); // a former code whose current commune (44021) is not loaded
      expect(r.status).toBe(404);
      expect(r.body.erreur).toMatch(/Commune 44059 introuvable/);
    });

    it('answers for the current commune when given a former INSEE code', async () => {
      const { status, body } = await srv.getJson('/api/nearby?commune=44040');
      expect(status).toBe(200);
      expect(body.commune).toMatchObject({ code: '44005', nom: 'Chaumes-en-Retz' });
      expect(body.origine.explication).toMatch(/Le code 44040 correspond aujourd’hui à la commune 44005/);
    });
  });

  describe('GET /api/search', () => {
    const hits = async (q: string, limit?: number) => {
      const { status, body } = await srv.getJson(`/api/search?q=${encodeURIComponent(q)}${limit ? `&limit=${limit}` : ''}`);
      expect(status, q).toBe(200);
      return body.resultats as any[];
    };

    it('ranks the exact name first, then prefixes (shorter first, then larger population)', async () => {
      const h = await hits('Commune 1');
      expect(h.slice(0, 4).map((x) => x.libelle)).toEqual(['Commune 1', 'Commune 12', 'Commune 11', 'Commune 10']);
      expect(h[0]).toMatchObject({ type: 'commune', id: '44901', rang: 1, sousLibelle: 'Commune · Loire-Atlantique (44)' });
      expect(h[0].emprise).toEqual([-1.6, 47, -1.55, 47.05]);
      expect(h[0].point.lon).toBeGreaterThan(-1.6);
      expect(h[0].point.lon).toBeLessThan(-1.55);
      expect(h[1].rang).toBe(2);
    });

    it('is accent- and case-insensitive', async () => {
      const h = await hits('evron');
      expect(h[0]).toMatchObject({ type: 'commune', id: EVRON.code, libelle: 'Évron', rang: 1 });
      expect(h[1]).toMatchObject({ type: 'pharmacie', id: CARE.P11, libelle: 'Grande Pharmacie d’Évron', rang: 3 });
      expect(h[1].sousLibelle).toBe('Officine · Commune 11 (44)');
      expect(h[1].emprise).toBeNull();
      expect((await hits('ÉVRON')).map((x) => x.id)).toEqual(h.map((x) => x.id));
      expect((await hits('méridien')).map((x) => x.id).sort()).toEqual([CARE.P1, CARE.MSP_N100].sort());
    });

    it('matches codes exactly first: INSEE, postal code, FINESS, CPTS id; code prefixes next', async () => {
      expect((await hits('44909'))[0]).toMatchObject({ type: 'commune', id: '44909', rang: 0 });
      expect((await hits('44990'))[0]).toMatchObject({ type: 'commune', id: '44909', rang: 0 }); // postal code of a pharmacy there
      expect((await hits(CARE.P9))[0]).toMatchObject({ type: 'pharmacie', id: CARE.P9, rang: 0 });
      expect((await hits(CARE.MSP_2))[0]).toMatchObject({ type: 'structure', id: CARE.MSP_2, rang: 0, sousLibelle: 'Maison de santé (MSP) · Commune 2 (44)' });
      const c = (await hits('fixt-b'))[0];
      expect(c).toMatchObject({ type: 'cpts', id: 'FIXT-B', rang: 0, libelle: 'CPTS Fixture B' });
      expect(c.sousLibelle).toBe('CPTS · Contrat ACI signé · 4 commune(s)');
      expect(c.emprise).toEqual([-1.55, 47, -1.45, 47.1]);
      const prefix = await hits('4491', 50);
      expect(prefix.filter((x) => x.type === 'commune').map((x) => x.id)).toEqual(['44913', '44912', '44911', '44910']);
    });

    it('limits the number of hits', async () => {
      expect(await hits('pharmacie', 2)).toHaveLength(2);
      expect((await hits('pharmacie')).length).toBe(8);
      expect(await hits('zzzz')).toEqual([]);
      expect(await hits('449_1')).toEqual([]); // LIKE wildcards are literal characters
      expect(await hits('100%')).toEqual([]);
    });
  });

  describe('GET /api/guide and the OpenAPI document', () => {
    it('returns the four structures with their founding texts, sources and missions', async () => {
      const { status, body } = await srv.getJson('/api/guide');
      expect(status).toBe(200);
      expect(body.structures.map((s: any) => s.id)).toEqual(['esp', 'msp', 'csp', 'cpts']);
      expect(body.structures.map((s: any) => s.texteOfficiel.match(/L\d{4}-[\d-]+/)![0])).toEqual(['L1411-11-1', 'L6323-3', 'L6323-1', 'L1434-12']);
      for (const s of body.structures) expect(body.sources[s.source].document).toBeTruthy();
      expect(body.missions.map((m: any) => m.id)).toEqual(['pharmacien-correspondant', 'dispensation-protocolisee', 'teleconsultation-officine', 'remuneration-objectifs']);
    });

    it('documents every endpoint', async () => {
      const { body } = await srv.getJson('/api/openapi.json');
      for (const p of ['/api/pharmacies', '/api/pharmacies.csv', '/api/nearby', '/api/search', '/api/guide']) {
        expect(body.paths[p]?.get?.summary, p).toBeTruthy();
      }
      expect(body.paths['/api/pharmacies'].get.parameters.map((p: any) => p.name)).toEqual(
        expect.arrayContaining(['departement', 'region', 'cpts', 'statut', 'zonage', 'q', 'rayon', 'limit', 'offset']),
      );
    });
  });

  it('answers every bad input with a 400 and a French message naming the parameter, never a 500', async () => {
    const bad: [string, RegExp][] = [
      ['/api/pharmacies?departement=xx', /departement/],
      ['/api/pharmacies?region=5', /region/],
      ['/api/pharmacies?statut=actif', /statut/],
      ['/api/pharmacies?zonage=ZV', /zonage/],
      ['/api/pharmacies?q=a', /q doit faire au moins 2/],
      ['/api/pharmacies?q=--', /q doit contenir au moins une lettre/],
      ['/api/pharmacies?q=' + 'x'.repeat(101), /q doit faire au plus 100/],
      ['/api/pharmacies?rayon=5', /rayon doit être au moins 10/],
      ['/api/pharmacies?rayon=2001', /rayon doit être au plus 2000/],
      ['/api/pharmacies?rayon=abc', /rayon doit être un nombre entier/],
      ['/api/pharmacies?limit=0', /limit/],
      ['/api/pharmacies?limit=1001', /limit/],
      ['/api/pharmacies?offset=-1', /offset/],
      ['/api/pharmacies?limit=1.5', /limit/],
      ['/api/pharmacies?departement=44&departement=49', /departement doit être donné une seule fois/],
      ['/api/pharmacies?dept=44', /paramètre inconnu : dept/],
      ['/api/nearby', /exactement un de finess, lon\+lat ou commune/],
      ['/api/nearby?finess=449000001&commune=44901', /exactement un/],
      ['/api/nearby?lon=-1.5', /lon et lat/],
      ['/api/nearby?lon=-1.5&lat=95', /lat/],
      ['/api/nearby?lon=east&lat=47', /lon/],
      ['/api/nearby?finess=12345', /finess/],
      ['/api/nearby?commune=4490', /commune/],
      ['/api/nearby?commune=44901&k=0', /k doit être au moins 1/],
      ['/api/nearby?commune=44901&k=11', /k doit être au plus 10/],
      ['/api/search', /q est obligatoire/],
      ['/api/search?q=a', /q doit faire au moins 2/],
      ['/api/search?q=%20%20a%20', /q doit faire au moins 2/],
      ['/api/search?q=' + 'x'.repeat(101), /q doit faire au plus 100/],
      ['/api/search?q=%27%27', /q doit contenir au moins une lettre/],
      ['/api/search?q=ab&limit=51', /limit/],
      ['/api/search?q=ab&foo=1', /paramètre inconnu/],
    ];
    for (const [url, msg] of bad) {
      const { status, body } = await srv.getJson(url);
      expect(status, url).toBe(400);
      expect(body.erreur, url).toMatch(msg);
    }
  });
});
