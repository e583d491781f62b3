// Overlap conciliation over HTTP (issue 9, item 3), on the synthetic territory (tests/helpers/fixture-territory.ts):
// A = {1, 2, 5, 6} and B = {2, 3, 6, 7} dispute 2 and 6; D = {9, 10, 11} and E = {9, 10, 11, 12} dispute 9, 10, 11.
// Decisions and their history, public read without notes, région refusal, arbitration (both perimeters written in one
// transaction or neither), the CSV and the GeoJSON with the decision.
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arbitrate } from '../../server/src/api/conciliation.js';
import type { Db } from '../../server/src/db/port.js';
import { today } from '../../server/src/domain/versions.js';
import { createAccounts, call, signIn, tokenOf, type Caller } from '../helpers/auth.js';
import { describeEachBackend } from '../helpers/db.js';
import { communeCode as code, loadFixtureTerritory, withThreeSharedCommunes } from '../helpers/fixture-territory.js';
import { startServer, type TestServer } from '../helpers/http.js';

const AB = '/api/overlaps/FIXT-A/FIXT-B';
const members = async (db: Db, id: string) =>
  (await db.query<{ c: string }>('SELECT commune_code AS c FROM cpts_commune WHERE cpts_id = $1 ORDER BY 1', [id])).rows.map((r) => r.c);

describeEachBackend('overlap conciliation', (backend) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let srv: TestServer;
  let ars52: Caller;
  let ars93: Caller;
  let urps52: Caller;
  let admin: Caller;

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    await loadFixtureTerritory(db);
    await withThreeSharedCommunes(db);
    // the other région of the accounts (a commune of it joins the pair A/B at the end)
    await db.query(`INSERT INTO region (code, nom) VALUES ('93', 'Provence-Alpes-Côte d’Azur') ON CONFLICT DO NOTHING`);
    const accounts = await createAccounts(db);
    srv = await startServer(db);
    ars52 = await signIn(srv, 'ars-52');
    ars93 = await tokenOf(db, accounts['ars-93']!);
    urps52 = await tokenOf(db, accounts['urps-52']!);
    admin = await tokenOf(db, accounts.admin!);
  });
  afterAll(async () => {
    await srv?.close();
    await dispose?.();
  });

  const pairAB = async (who: Caller | null = null) => {
    const r = await call(srv, 'GET', '/api/overlaps', who);
    return ((await r.json()) as { paires: { a: { id: string }; b: { id: string }; decision: Record<string, unknown> }[] }).paires.find(
      (p) => p.a.id === 'FIXT-A' && p.b.id === 'FIXT-B',
    )!;
  };

  describe('decisions', () => {
    it('a pair nobody decided on is « à examiner », without date', async () => {
      expect((await pairAB()).decision).toEqual({ decision: 'a-examiner', libelle: 'À examiner', date: null, enregistreLe: null, attributions: null });
      const h = await srv.getJson(`${AB}/decisions`);
      expect(h.body).toMatchObject({ paire: { a: 'FIXT-A', b: 'FIXT-B' }, actuelle: { decision: 'a-examiner' }, historique: [] });
    });

    it('the ARS of the région records decisions, whatever the order of the pair; history kept, the latest is current', async () => {
      const first = await call(srv, 'POST', '/api/overlaps/FIXT-B/FIXT-A/decisions', ars52, {
        decision: 'en-conciliation',
        note: 'Réunion des deux bureaux le 3 novembre.\nCompte rendu à venir.',
        date: '2026-11-03',
      });
      expect(first.status).toBe(201);
      expect(await first.json()).toMatchObject({
        paire: { a: 'FIXT-A', b: 'FIXT-B' },
        decision: { decision: 'en-conciliation', libelle: 'En conciliation', date: '2026-11-03', auteur: 'ars-52' },
      });
      const second = await call(srv, 'POST', `${AB}/decisions`, admin, { decision: 'chevauchement-accepte', note: 'Accord des deux CPTS' });
      expect(second.status).toBe(201);

      const h = (await (await call(srv, 'GET', '/api/overlaps/FIXT-B/FIXT-A/decisions', ars93)).json()) as any;
      expect(h.actuelle).toMatchObject({ decision: 'chevauchement-accepte', date: today(), note: 'Accord des deux CPTS', auteur: 'admin' });
      expect(h.historique.map((d: any) => [d.decision, d.auteur])).toEqual([
        ['chevauchement-accepte', 'admin'],
        ['en-conciliation', 'ars-52'],
      ]);
      const audit = await db.query<{ action: string; region: string; avant: any; apres: any }>(
        `SELECT action, region, avant, apres FROM audit WHERE cible_type = 'chevauchement' ORDER BY id`,
      );
      expect(audit.rows.map((r) => [r.action, r.region, r.avant?.decision ?? null, r.apres.decision])).toEqual([
        ['chevauchement.decision', '52', null, 'en-conciliation'],
        ['chevauchement.decision', '52', 'en-conciliation', 'chevauchement-accepte'],
      ]);
    });

    it('decisions are public, notes and authors are for ARS users and admins only', async () => {
      const anon = await srv.getJson(`${AB}/decisions`);
      expect(anon.body.actuelle.decision).toBe('chevauchement-accepte');
      for (const d of [anon.body.actuelle, ...anon.body.historique]) expect(Object.keys(d)).not.toContain('note');
      expect(JSON.stringify(anon.body)).not.toMatch(/Accord|Réunion|ars-52/);
      const urps = (await (await call(srv, 'GET', `${AB}/decisions`, urps52)).json()) as any;
      expect(JSON.stringify(urps)).not.toMatch(/Accord|Réunion/);
      expect((await pairAB()).decision).toMatchObject({ decision: 'chevauchement-accepte', libelle: 'Chevauchement accepté' });
      expect((await pairAB()).decision).not.toHaveProperty('note');
      expect((await pairAB(ars93)).decision).toMatchObject({ note: 'Accord des deux CPTS', auteur: 'admin' });
    });

    it('the matrix filters by decision; the GeoJSON carries it', async () => {
      const n = async (d: string) => (await srv.getJson(`/api/overlaps?decision=${d}`)).body.nombre;
      expect([await n('chevauchement-accepte'), await n('a-examiner'), await n('arbitre')]).toEqual([1, 1, 0]);
      expect((await srv.getJson('/api/overlaps?decision=oui')).status).toBe(400);
      const g = await srv.getJson('/api/overlaps.geojson');
      expect(g.body.features.map((f: any) => [f.properties.a, f.properties.decision])).toEqual([
        ['FIXT-D', 'a-examiner'],
        ['FIXT-A', 'chevauchement-accepte'],
      ]);
    });

    it('the CSV shows the decision and its date; the note and author columns only to ARS users and admins', async () => {
      const read = async (who: Caller | null) => {
        const r = await call(srv, 'GET', '/api/overlaps.csv', who);
        expect(r.headers.get('vary')).toMatch(/Cookie/);
        return parseCsv(Buffer.from(await r.arrayBuffer()).toString('utf8'), { delimiter: ';', bom: true }) as string[][];
      };
      const pub = await read(null);
      expect(pub[0]!.slice(-2)).toEqual(['Décision', 'Date de la décision']);
      const ab = pub.find((row) => row[0] === 'FIXT-A')!;
      expect(ab.slice(-2)).toEqual(['Chevauchement accepté', expect.stringMatching(/^\d{4}-\d\d-\d\d$/)]);
      expect(pub.find((row) => row[0] === 'FIXT-D')!.slice(-2)).toEqual(['À examiner', '']);
      expect(pub.flat().join()).not.toMatch(/Accord/);
      const ars = await read(ars52);
      expect(ars[0]!.slice(-4)).toEqual(['Décision', 'Date de la décision', 'Note de la décision', 'Auteur de la décision']);
      expect(ars.find((row) => row[0] === 'FIXT-A')!.slice(-2)).toEqual(['Accord des deux CPTS', 'admin']);
    });

    it('refusals: another région 403, URPS 403, anonymous 401, « arbitré » without arbitration, a future date, no overlap, unknown CPTS', async () => {
      const post = async (who: Caller | null, body: unknown, path = `${AB}/decisions`) => (await call(srv, 'POST', path, who, body)).status;
      const ok = { decision: 'en-conciliation' };
      expect(await post(ars93, ok)).toBe(403);
      expect(await post(urps52, ok)).toBe(403);
      expect(await post(null, ok)).toBe(401);
      expect(await post(ars52, { decision: 'arbitre' })).toBe(400);
      expect(await post(ars52, { decision: 'en-conciliation', date: '2999-01-01' })).toBe(400);
      expect(await post(ars52, { decision: 'en-conciliation', note: 'a\u0000b' })).toBe(400);
      expect(await post(ars52, ok, '/api/overlaps/FIXT-A/FIXT-C/decisions')).toBe(409);
      expect(await post(ars52, ok, '/api/overlaps/FIXT-A/INCONNUE/decisions')).toBe(404);
      expect(await post(ars52, ok, '/api/overlaps/FIXT-A/FIXT-A/decisions')).toBe(400);
      expect((await srv.getJson('/api/overlaps/FIXT-A/INCONNUE/decisions')).status).toBe(404);
      expect((await srv.getJson(`${AB}/decisions`)).body.historique).toHaveLength(2);
    });

    it('the decisions table refuses UPDATE and DELETE', async () => {
      await expect(db.query(`UPDATE chevauchement_decision SET note = 'x'`)).rejects.toThrow(/append-only/);
      await expect(db.query(`DELETE FROM chevauchement_decision`)).rejects.toThrow(/append-only/);
    });
  });

  describe('arbitration', () => {
    const DE = '/api/overlaps/FIXT-D/FIXT-E';

    it('refuses an incomplete or foreign assignment, a side left empty, another région', async () => {
      const post = async (who: Caller, attributions: Record<string, string>) => (await call(srv, 'POST', `${DE}/arbitrage`, who, { attributions })).status;
      expect(await post(ars52, { [code(9)]: 'FIXT-D' })).toBe(409); // 10 and 11 not given
      expect(await post(ars52, { [code(9)]: 'FIXT-D', [code(10)]: 'FIXT-D', [code(11)]: 'FIXT-A' })).toBe(400);
      expect(await post(ars52, { [code(9)]: 'FIXT-E', [code(10)]: 'FIXT-E', [code(11)]: 'FIXT-E' })).toBe(400); // D would be empty
      expect(await post(ars93, { [code(9)]: 'FIXT-D', [code(10)]: 'FIXT-E', [code(11)]: 'FIXT-D' })).toBe(403);
      expect([await members(db, 'FIXT-D'), await members(db, 'FIXT-E')]).toEqual([[9, 10, 11].map(code), [9, 10, 11, 12].map(code)]);
    });

    it('a failure while writing the second perimeter leaves both CPTS unchanged', async () => {
      // a real failure inside the transaction, after D's perimeter is written: E's write is refused by the database
      await db.query(`CREATE FUNCTION refuse_e() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF OLD.cpts_id = 'FIXT-E' THEN RAISE EXCEPTION 'refused for the test'; END IF; RETURN OLD; END $$`);
      await db.query('CREATE TRIGGER refuse_e BEFORE DELETE ON cpts_commune FOR EACH ROW EXECUTE FUNCTION refuse_e()');
      const actor = { utilisateur: null, auteur: 'test', role: 'admin' as const, region: null, sessionId: null, jetonId: null };
      const geomBefore = await db.query(`SELECT id, ST_AsText(geom) AS g FROM cpts WHERE id IN ('FIXT-D', 'FIXT-E') ORDER BY id`);
      await expect(
        arbitrate(db, actor, { a: 'FIXT-D', b: 'FIXT-E' }, { attributions: { [code(9)]: 'FIXT-D', [code(10)]: 'FIXT-E', [code(11)]: 'FIXT-D' } }),
      ).rejects.toThrow(/refused for the test/);
      await db.query('DROP TRIGGER refuse_e ON cpts_commune');
      await db.query('DROP FUNCTION refuse_e()');
      expect([await members(db, 'FIXT-D'), await members(db, 'FIXT-E')]).toEqual([[9, 10, 11].map(code), [9, 10, 11, 12].map(code)]);
      expect((await db.query(`SELECT id, ST_AsText(geom) AS g FROM cpts WHERE id IN ('FIXT-D', 'FIXT-E') ORDER BY id`)).rows).toEqual(geomBefore.rows);
      expect((await srv.getJson(`${DE}/decisions`)).body.historique).toEqual([]);
      expect((await db.query(`SELECT count(*)::int AS n FROM audit WHERE action LIKE '%arbitrage'`)).rows[0]).toEqual({ n: 0 });
    });

    it('a perimeter saved meanwhile (stale version) refuses the whole arbitration: 409, both unchanged', async () => {
      const r = await call(srv, 'POST', `${DE}/arbitrage`, ars52, {
        attributions: { [code(9)]: 'FIXT-D', [code(10)]: 'FIXT-E', [code(11)]: 'FIXT-D' },
        versionsAttendues: { 'FIXT-D': 1, 'FIXT-E': 7 },
      });
      expect(r.status).toBe(409);
      expect(((await r.json()) as { erreur: string }).erreur).toMatch(/FIXT-E a été modifiée entre-temps/);
      expect([await members(db, 'FIXT-D'), await members(db, 'FIXT-E')]).toEqual([[9, 10, 11].map(code), [9, 10, 11, 12].map(code)]);
      expect((await srv.getJson(`${DE}/decisions`)).body.historique).toEqual([]);
    });

    it('gives each disputed commune to one side: both perimeters change, the overlap is gone, « arbitré » is recorded', async () => {
      const r = await call(srv, 'POST', '/api/overlaps/FIXT-E/FIXT-D/arbitrage', ars52, {
        attributions: { [code(9)]: 'FIXT-D', [code(10)]: 'FIXT-E', [code(11)]: 'FIXT-D' },
        note: 'Arbitrage du comité du 20 novembre',
      });
      expect(r.status).toBe(200);
      expect(await r.json()).toMatchObject({
        paire: { a: 'FIXT-D', b: 'FIXT-E' },
        decision: { decision: 'arbitre', note: 'Arbitrage du comité du 20 novembre', auteur: 'ars-52' },
        perimetres: [
          { id: 'FIXT-D', version: 2, nbCommunes: 2, communesRetirees: [code(10)] },
          { id: 'FIXT-E', version: 2, nbCommunes: 2, communesRetirees: [code(9), code(11)] },
        ],
      });
      expect([await members(db, 'FIXT-D'), await members(db, 'FIXT-E')]).toEqual([[9, 11].map(code), [10, 12].map(code)]);
      // a new version of each perimeter, the previous one kept
      const versions = await db.query<{ cpts_id: string; numero: number; commentaire: string }>(
        `SELECT cpts_id, numero, commentaire FROM cpts_version WHERE cpts_id IN ('FIXT-D', 'FIXT-E') ORDER BY cpts_id, numero`,
      );
      expect(versions.rows.map((v) => [v.cpts_id, v.numero])).toEqual([['FIXT-D', 1], ['FIXT-D', 2], ['FIXT-E', 1], ['FIXT-E', 2]]);
      expect(versions.rows[1]!.commentaire).toBe(`Arbitrage du chevauchement avec FIXT-E : communes attribuées à FIXT-E : ${code(10)}`);
      // the outlines follow: D is two squares, E two squares
      const areas = await db.query<{ id: string; n: number }>(
        `SELECT id, round((ST_Area(geom) / 0.0025)::numeric)::int AS n FROM cpts WHERE id IN ('FIXT-D', 'FIXT-E') ORDER BY id`,
      );
      expect(areas.rows).toEqual([{ id: 'FIXT-D', n: 2 }, { id: 'FIXT-E', n: 2 }]);
      const m = await srv.getJson('/api/overlaps');
      expect(m.body.paires.map((p: any) => `${p.a.id}|${p.b.id}`)).toEqual(['FIXT-A|FIXT-B']);
      const h = await srv.getJson(`${DE}/decisions`);
      expect(h.body.actuelle).toMatchObject({ decision: 'arbitre', libelle: 'Arbitré', attributions: { [code(10)]: 'FIXT-E' } });
      expect(h.body.actuelle).not.toHaveProperty('note');
      const audit = await db.query<{ action: string; cible_id: string }>(`SELECT action, cible_id FROM audit WHERE action LIKE '%arbitrage' ORDER BY id`);
      expect(audit.rows.map((x) => [x.action, x.cible_id])).toEqual([
        ['cpts.perimetre.arbitrage', 'FIXT-D'],
        ['cpts.perimetre.arbitrage', 'FIXT-E'],
        ['chevauchement.arbitrage', 'FIXT-D|FIXT-E'],
      ]);
      // nothing left to decide on
      expect((await call(srv, 'POST', `${DE}/decisions`, ars52, { decision: 'en-conciliation' })).status).toBe(409);
    });
  });

  describe('a pair disputing communes of two régions', () => {
    beforeAll(async () => {
      await db.query(`INSERT INTO departement (code, nom, region) VALUES ('13', 'Bouches-du-Rhône', '93') ON CONFLICT DO NOTHING`);
      await db.query(`INSERT INTO commune (code, nom, departement, region, population, population_annee, source) VALUES ('13999', 'Commune 13', '13', '93', 100, 2023, 'test')`);
      await db.query(`INSERT INTO cpts_commune (cpts_id, commune_code, source) VALUES ('FIXT-A', '13999', 'test'), ('FIXT-B', '13999', 'test')`);
    });

    it('is decided by an admin, not by the ARS of either région', async () => {
      const body = { decision: 'en-conciliation' };
      expect((await call(srv, 'POST', `${AB}/decisions`, ars52, body)).status).toBe(403);
      expect((await call(srv, 'POST', `${AB}/decisions`, ars93, body)).status).toBe(403);
      expect((await call(srv, 'POST', `${AB}/decisions`, admin, body)).status).toBe(201);
    });
  });
});
