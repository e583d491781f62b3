// Which establishments count, on both backends: closed ones (ferme_le set by a newer stock) leave counts, statuses,
// nearest sites and lists unless asked for; only MSP, ESP and medical or polyvalent centres de santé are structures a
// pharmacy can join (nearest structures, « adhésion probable », CPTS sheets), the other centres are listed apart with
// their sub-type. Every expected figure is counted here from the fixture's own list, not read back from the database.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db } from '../../server/src/db/port.js';
import { describeEachBackend } from '../helpers/db.js';
import { centre, communeCode, CPTS, loadFixtureTerritory } from '../helpers/fixture-territory.js';
import { startServer, type TestServer } from '../helpers/http.js';

type Sub = 'medical-polyvalent' | 'infirmier' | 'dentaire' | 'ophtalmologique' | 'autre' | null;

/** Sites east of the centre of their commune by `dx` degrees; `closed`: closed by a newer stock. */
const SITES: { finess: string; type: 'msp' | 'csp' | 'esp' | 'siege_cpts'; sub: Sub; commune: number; dx: number; closed?: boolean }[] = [
  { finess: '449700001', type: 'csp', sub: 'dentaire', commune: 1, dx: 0.0005 }, // ≈ 38 m from P1: not joinable
  { finess: '449700002', type: 'msp', sub: null, commune: 1, dx: 0.0008, closed: true }, // ≈ 61 m from P1: closed
  { finess: '449700003', type: 'msp', sub: null, commune: 1, dx: 0.012 }, // ≈ 910 m from P1: the nearest joinable open site
  { finess: '449700004', type: 'csp', sub: 'infirmier', commune: 2, dx: 0.001 },
  { finess: '449700005', type: 'csp', sub: 'medical-polyvalent', commune: 2, dx: 0.002 },
  { finess: '449700006', type: 'csp', sub: 'ophtalmologique', commune: 6, dx: 0.001 },
  { finess: '449700007', type: 'csp', sub: 'medical-polyvalent', commune: 6, dx: 0.002, closed: true },
  { finess: '449700008', type: 'esp', sub: null, commune: 7, dx: 0.001 },
  { finess: '449700009', type: 'siege_cpts', sub: null, commune: 3, dx: 0.001 },
];

/** Pharmacies at the centre of their commune. */
const PHARMACIES: { finess: string; commune: number; closed?: boolean }[] = [
  { finess: '449710001', commune: 1 },
  { finess: '449710002', commune: 1, closed: true },
  { finess: '449710003', commune: 2 },
  { finess: '449710006', commune: 6 },
  { finess: '449710007', commune: 7, closed: true },
];

const joinable = (s: (typeof SITES)[number]) => s.type === 'msp' || s.type === 'esp' || (s.type === 'csp' && s.sub === 'medical-polyvalent');
const inCpts = (id: keyof typeof CPTS) => (n: number) => (CPTS[id].communes as readonly number[]).includes(n);

describeEachBackend('open and joinable establishments', (backend) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let srv: TestServer;

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    await loadFixtureTerritory(db);
    const log = (await db.query<{ id: number }>(`INSERT INTO import_log (kind, file_name, rows, checksum) VALUES ('finess', 'joinable.csv', 14, 'x') RETURNING id`))
      .rows[0]!.id;
    for (const s of SITES) {
      const [x, y] = centre(s.commune);
      await db.query(
        `INSERT INTO structure (finess, type, sous_type, nom, commune_code, geom, geom_3857, source, import_id, ferme_le)
         SELECT $1, $2, $3, $4, $5, g, ST_Transform(g, 3857), 'fixture', $8, $9 FROM (SELECT ST_SetSRID(ST_MakePoint($6, $7), 4326) AS g) s`,
        [s.finess, s.type, s.sub, `Site ${s.finess}`, communeCode(s.commune), x + s.dx, y, log, s.closed ? '2022-01-08' : null],
      );
    }
    for (const p of PHARMACIES) {
      const [x, y] = centre(p.commune);
      await db.query(
        `INSERT INTO pharmacie (finess, nom, commune_code, telephone, geom, geom_3857, source, import_id, ferme_le)
         SELECT $1, $2, $3, '0240000000', g, ST_Transform(g, 3857), 'fixture', $6, $7 FROM (SELECT ST_SetSRID(ST_MakePoint($4, $5), 4326) AS g) s`,
        [p.finess, `Pharmacie ${p.finess}`, communeCode(p.commune), x, y, log, p.closed ? '2022-01-08' : null],
      );
    }
    srv = await startServer(db);
  });
  afterAll(async () => {
    await srv?.close();
    await dispose?.();
  });

  it('CPTS sheets count open joinable structures, list the other centres apart, say « non recensées dans FINESS » for no ESP', async () => {
    for (const id of Object.keys(CPTS) as (keyof typeof CPTS)[]) {
      const open = SITES.filter((s) => !s.closed && inCpts(id)(s.commune));
      const expected = {
        msp: open.filter((s) => s.type === 'msp').length,
        csp: open.filter((s) => s.type === 'csp' && joinable(s)).length,
        esp: open.filter((s) => s.type === 'esp').length || null,
        autresCentres: open.filter((s) => s.type === 'csp' && !joinable(s)).length,
        total: open.filter(joinable).length,
      };
      const { body } = await srv.getJson(`/api/cpts/${id}`);
      expect(body.structures, id).toMatchObject(expected);
      expect(body.structures.espLibelle, id).toBe(expected.esp === null ? 'non recensées dans FINESS' : null);
      expect(body.autresCentresListe.map((s: any) => s.finess).sort(), id).toEqual(
        open.filter((s) => s.type === 'csp' && !joinable(s)).map((s) => s.finess).sort(),
      );
      expect(body.structuresListe.map((s: any) => s.finess).sort(), id).toEqual(
        open.filter((s) => !(s.type === 'csp' && !joinable(s))).map((s) => s.finess).sort(),
      );
      const openPharmacies = PHARMACIES.filter((p) => !p.closed && inCpts(id)(p.commune));
      expect(body.pharmacies.dansLePerimetre, id).toBe(openPharmacies.length);
      expect(body.pharmaciesListe.map((p: any) => p.finess).sort(), id).toEqual(openPharmacies.map((p) => p.finess).sort());
    }
    const a = (await srv.getJson('/api/cpts/FIXT-A')).body;
    expect(a.autresCentresListe.find((s: any) => s.finess === '449700001').sousTypeLibelle).toBe('centre de santé dentaire');
  });

  it('the nearest structure and « adhésion probable » skip closed sites and centres a pharmacy cannot join', async () => {
    const { body } = await srv.getJson('/api/pharmacies?limit=1000');
    expect(body.total).toBe(PHARMACIES.filter((p) => !p.closed).length);
    const p1 = body.officines.find((r: any) => r.finess === '449710001');
    expect(p1.mspCspLaPlusProche.finess).toBe('449700003'); // not the dental centre at 38 m, nor the closed MSP at 61 m
    expect(p1.adhesionProbable).toBe(false);
    expect(p1.telephone).toBe('0240000000');
    const probable = (await srv.getJson('/api/pharmacies?adhesionProbable=true&rayon=1000&limit=1000')).body;
    expect(probable.officines.map((r: any) => r.finess).sort()).toEqual(
      (await srv.getJson('/api/pharmacies?rayon=1000&limit=1000')).body.officines.filter((r: any) => r.adhesionProbable).map((r: any) => r.finess).sort(),
    );
    expect(probable.officines.map((r: any) => r.finess)).toContain('449710001'); // the open MSP at ≈ 910 m
    const all = (await srv.getJson('/api/pharmacies?inclureFermes=true&limit=1000')).body;
    expect(all.total).toBe(PHARMACIES.length);
    expect(all.officines.find((r: any) => r.finess === '449710002').fermeLe).toBe('2022-01-08');
  });

  it('nearby lists joinable open structures per type and the other centres apart with their sub-type', async () => {
    const { body } = await srv.getJson('/api/nearby?finess=449710001&k=10');
    const listed = [...body.plusProches.msp, ...body.plusProches.csp, ...body.plusProches.esp].map((s: any) => s.finess).sort();
    expect(listed).toEqual(SITES.filter((s) => !s.closed && joinable(s)).map((s) => s.finess).sort());
    expect(body.autresCentres.map((s: any) => [s.finess, s.sousTypeLibelle])).toEqual([
      ['449700001', 'centre de santé dentaire'],
      ['449700004', 'centre de soins infirmiers'],
      ['449700006', 'centre de santé ophtalmologique'],
    ]);
    // the covering CPTS come first among the contacts
    expect(body.contacts[0]).toMatchObject({ id: 'cpts:FIXT-A', categorie: 'cpts' });
  });
});
