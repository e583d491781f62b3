// Pharmacy recruitment over HTTP, on both backends: steps appended to a pharmacy's history, « adhérente » making it a
// member everywhere (membership written in the same transaction, audited), a withdrawal ending it, the private
// states and notes (never to an anonymous reader nor another région), the recrutement filter and the CSV by state.
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PharmacyPage } from '../../server/src/api/contract/pharmacies.js';
import type { RecruitmentHistory, RecruitmentStep } from '../../server/src/api/contract/recrutement.js';
import type { Db } from '../../server/src/db/port.js';
import { ADHESION_SOURCE_RECRUTEMENT, RECRUTEMENT_ETAT_LIBELLES } from '../../server/src/domain/vocabulary.js';
import { call, createAccounts, signIn, tokenOf, type Account, type Caller } from '../helpers/auth.js';
import { describeEachBackend } from '../helpers/db.js';
import { CARE, loadFixtureCare, loadFixtureTerritory } from '../helpers/fixture-territory.js';
import { startServer, type TestServer } from '../helpers/http.js';
import { pharmacyIn } from '../helpers/recruitment.js';

const NOTE = 'Titulaire rappelée : très intéressée par la CPTS';
const P = CARE.P1; // couverte sans adhésion (commune 1, in CPTS FIXT-A), région 52
const path = (finess: string) => `/api/pharmacies/${finess}/recrutement`;

describeEachBackend('pharmacy recruitment', (backend) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let srv: TestServer;
  let accounts: Record<string, Account>;
  let other: string;
  const who: Record<string, Caller> = {};
  const anonymous: Caller = { headers: {} };

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    await loadFixtureTerritory(db);
    await loadFixtureCare(db);
    other = await pharmacyIn(db, '93');
    accounts = await createAccounts(db);
    srv = await startServer(db);
    for (const login of ['admin', 'ars-52', 'ars-93', 'urps-93']) who[login] = await tokenOf(db, accounts[login]!);
    who['urps-52'] = await signIn(srv, 'urps-52'); // by session: the browser's way, with its CSRF token
  });
  afterAll(async () => {
    await srv?.close();
    await dispose?.();
  });

  const record = async (as: string, body: unknown, finess: string = P) => {
    const r = await call(srv, 'POST', path(finess), who[as]!, body);
    return { status: r.status, body: (await r.json()) as RecruitmentStep & { erreur?: string } };
  };
  const list = async (as: Caller, query = '') => {
    const r = await call(srv, 'GET', `/api/pharmacies?limit=1000&inclureFermes=true${query}`, as);
    const text = await r.text();
    expect(r.status, text).toBe(200);
    return { page: JSON.parse(text) as PharmacyPage, text, cache: r.headers.get('cache-control') };
  };
  const row = (page: PharmacyPage, finess: string) => page.officines.find((o) => o.finess === finess);
  const csv = async (as: Caller, query: string) => {
    const r = await call(srv, 'GET', `/api/pharmacies.csv?${query}`, as);
    expect(r.status).toBe(200);
    return parseCsv((await r.text()).replace(/^\uFEFF/, ''), { delimiter: ';', columns: true }) as Record<string, string>[];
  };

  it('a URPS user of the région records calls: each step is appended, the newest first, with its author', async () => {
    expect((await record('urps-52', { etat: 'contactee', date: '2025-01-10', note: 'Premier appel' })).status).toBe(201);
    const second = await record('urps-52', { etat: 'interessee', date: '2025-02-01', note: NOTE });
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({ etat: 'interessee', date: '2025-02-01', note: NOTE, auteur: 'Compte urps-52', adhesion: null, retrait: null });
    const h = await call(srv, 'GET', path(P), who['urps-52']!);
    expect(h.headers.get('cache-control')).toBe('private, no-store');
    const history = (await h.json()) as RecruitmentHistory;
    expect(history.etat).toBe('interessee');
    expect(history.etapes.map((e) => [e.etat, e.date])).toEqual([['interessee', '2025-02-01'], ['contactee', '2025-01-10']]);
  });

  it('« adhérente » writes the membership in the same audited transaction: the pharmacy is « membre » for everyone', async () => {
    expect(row((await list(anonymous)).page, P)?.statut).toBe('couverte-sans-adhesion');
    const r = await record('urps-52', { etat: 'adherente', date: '2025-03-01', adhesion: { cible: 'cpts', id: 'FIXT-A' } });
    expect(r.status).toBe(201);
    expect(r.body.adhesion).toEqual({ cible: 'cpts', id: 'FIXT-A', nom: 'CPTS Fixture A', date: '2025-03-01' });
    const m = await db.query('SELECT cpts_id, date_adhesion::text AS date, source FROM adhesion_pharmacie WHERE pharmacie_finess = $1', [P]);
    expect(m.rows).toEqual([{ cpts_id: 'FIXT-A', date: '2025-03-01', source: ADHESION_SOURCE_RECRUTEMENT }]);
    const pub = row((await list(anonymous)).page, P)!;
    expect(pub.statut).toBe('membre');
    expect(pub.adhesions.map((a) => [a.cible, a.id, a.dateAdhesion])).toEqual([['cpts', 'FIXT-A', '2025-03-01']]);
    const a = await db.query<{ auteur: string; region: string; avant: unknown; apres: { etat: string; adhesions: unknown[] } }>(
      `SELECT auteur, region, avant, apres FROM audit WHERE action = 'recrutement.etape' AND cible_id = $1 ORDER BY id DESC LIMIT 1`,
      [P],
    );
    expect(a.rows[0]).toMatchObject({ auteur: 'urps-52', region: '52', avant: { etat: 'interessee', adhesions: [] } });
    expect(a.rows[0]!.apres).toMatchObject({ etat: 'adherente', adhesions: [{ cible: 'cpts', id: 'FIXT-A' }] });
  });

  it('states and notes are private: none for an anonymous reader, none for another région; ARS of the région reads them', async () => {
    const anon = await list(anonymous);
    expect(anon.text).not.toContain(NOTE);
    expect(anon.page.officines.every((o) => o.recrutement === undefined)).toBe(true);
    expect(anon.cache ?? '').not.toMatch(/private/);
    const r93 = await list(who['urps-93']!);
    expect(r93.text).not.toContain(NOTE);
    expect(row(r93.page, P)!.recrutement).toBeUndefined();
    expect(row(r93.page, other)!.recrutement).toEqual({ etat: 'a-contacter', date: null, note: null, auteur: null });
    const ars = await list(who['ars-52']!);
    expect(ars.cache).toBe('private, no-store');
    expect(row(ars.page, P)!.recrutement).toEqual({ etat: 'adherente', date: '2025-03-01', note: NOTE, auteur: 'Compte urps-52' });
    expect(row(ars.page, other)!.recrutement).toBeUndefined();
    expect((await call(srv, 'GET', path(P), who['ars-52']!)).status).toBe(200);
    for (const [as, method] of [['ars-93', 'GET'], ['urps-93', 'GET'], ['urps-93', 'POST'], ['ars-52', 'POST']] as const) {
      const r = await call(srv, method, path(P), who[as]!, method === 'POST' ? { etat: 'refus' } : undefined);
      expect(r.status, `${as} ${method}`).toBe(403);
      expect(await r.text()).not.toContain(NOTE);
    }
    const anonHistory = await call(srv, 'GET', path(P), anonymous);
    expect(anonHistory.status).toBe(401);
    expect(await anonHistory.text()).not.toContain(NOTE);
  });

  it('filters by state within the caller’s région (everywhere for an admin); anonymous: 401', async () => {
    const adherentes = await list(who['urps-52']!, '&recrutement=adherente');
    expect(adherentes.page.officines.map((o) => o.finess)).toEqual([P]);
    expect(adherentes.page.total).toBe(1);
    const toCall = (await list(who['urps-52']!, '&recrutement=a-contacter,contactee')).page.officines.map((o) => o.finess);
    expect(toCall).toContain(CARE.P9);
    expect(toCall).not.toContain(P);
    expect(toCall).not.toContain(other);
    expect((await list(who.admin!, '&recrutement=a-contacter')).page.officines.map((o) => o.finess)).toContain(other);
    const r = await call(srv, 'GET', '/api/pharmacies?recrutement=adherente', anonymous);
    expect(r.status).toBe(401);
    expect((await call(srv, 'GET', '/api/pharmacies?recrutement=inconnu', who['urps-52']!)).status).toBe(400);
  });

  it('the CSV by state carries state, date and last note for the région’s users, and no such column for the public', async () => {
    const rows = await csv(who['urps-52']!, 'recrutement=adherente');
    expect(rows.map((r) => r.FINESS)).toEqual([`="${P}"`]);
    expect(rows[0]).toMatchObject({ recrutement: RECRUTEMENT_ETAT_LIBELLES.adherente, 'date recrutement': '2025-03-01', 'dernière note recrutement': NOTE, statut: 'membre' });
    const pub = await csv(anonymous, 'departement=44');
    expect(Object.keys(pub[0]!)).not.toContain('recrutement');
    expect(JSON.stringify(pub)).not.toContain(NOTE);
  });

  it('a withdrawal ends the membership at its date; the step keeps which one and since when', async () => {
    const r = await record('urps-52', { etat: 'refus', date: '2025-06-30', note: 'Quitte la CPTS', retrait: { cible: 'cpts', id: 'FIXT-A' } });
    expect(r.status).toBe(201);
    expect(r.body.retrait).toEqual({ cible: 'cpts', id: 'FIXT-A', nom: 'CPTS Fixture A', depuis: '2025-03-01' });
    expect(row((await list(anonymous)).page, P)?.statut).toBe('couverte-sans-adhesion');
    const history = (await (await call(srv, 'GET', path(P), who.admin!)).json()) as RecruitmentHistory;
    expect(history.etapes.map((e) => e.etat)).toEqual(['refus', 'adherente', 'interessee', 'contactee']);
  });

  it('refuses in French what cannot be recorded, and leaves the history as it was', async () => {
    const cases: [unknown, RegExp][] = [
      [{ etat: 'adherente' }, /adhesion/],
      [{ etat: 'contactee', adhesion: { cible: 'cpts', id: 'FIXT-A' } }, /adhesion/],
      [{ etat: 'adherente', adhesion: { cible: 'cpts', id: 'INCONNUE' } }, /introuvable/],
      [{ etat: 'adherente', adhesion: { cible: 'structure', id: CARE.SIEGE_3 } }, /MSP, ESP/],
      [{ etat: 'contactee', date: '2999-01-01' }, /futur/],
      [{ etat: 'contactee', date: '2025-01-01' }, /précède/],
      [{ etat: 'contactee', retrait: { cible: 'cpts', id: 'FIXT-A' } }, /pas d’adhésion/],
      [{ etat: 'appelee' }, /etat doit valoir/],
    ];
    for (const [body, message] of cases) {
      const r = await record('urps-52', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.erreur).toMatch(message);
    }
    expect((await record('admin', { etat: 'contactee' }, '449999999')).status).toBe(404);
    const n = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM recrutement_officine WHERE pharmacie_finess = $1', [P]);
    expect(n.rows[0]!.n).toBe(4);
  });

  it('a structure membership through recruitment; the history table refuses UPDATE and DELETE', async () => {
    const r = await record('admin', { etat: 'adherente', adhesion: { cible: 'structure', id: CARE.MSP_N100, date: '2025-07-01' } });
    expect(r.status).toBe(201);
    expect(row((await list(anonymous)).page, P)?.adhesions.map((a) => a.id)).toEqual([CARE.MSP_N100]);
    await expect(db.query(`UPDATE recrutement_officine SET note = 'x'`)).rejects.toThrow(/append-only/);
    await expect(db.query(`DELETE FROM recrutement_officine`)).rejects.toThrow(/append-only/);
  });
});
