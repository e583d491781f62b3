// Decisions on overlapping pairs « as of » a day (issue 9), on both backends, on the synthetic territory
// (tests/helpers/fixture-territory.ts): FIXT-D = {9, 10, 11} and FIXT-E = {9, 10, 11, 12}, perimeters in force since
// 2020. The pair is put « en conciliation » on DAY1 and arbitrated on DAY3 (E keeps 10, D keeps 9 and 11), and E takes
// 11 back the same day, so that the arbitrated pair still overlaps on DAY3 and today. The matrix (JSON, filter, CSV),
// the overlaps tile and the pair's history answer with the decision in force on the day asked for.
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db } from '../../server/src/db/port.js';
import { tileOf } from '../../server/src/tiles/mvt-js.js';
import { call, createAccounts, signIn, type Caller } from '../helpers/auth.js';
import { describeEachBackend } from '../helpers/db.js';
import { centre, communeCode as code, loadFixtureTerritory, withThreeSharedCommunes } from '../helpers/fixture-territory.js';
import { startServer, type TestServer } from '../helpers/http.js';
import { decodeTile } from '../helpers/mvt.js';

const BEFORE = '2026-11-01';
const DAY1 = '2026-11-02';
const DAY2 = '2026-11-03';
const DAY3 = '2026-11-04';
const DE = '/api/overlaps/FIXT-D/FIXT-E';

describeEachBackend('overlap decisions as of a day', (backend) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let srv: TestServer;
  let ars: Caller;

  const post = async (path: string, body: unknown) => {
    const r = await call(srv, 'POST', path, ars, body);
    const json = (await r.json()) as any;
    expect(r.status, JSON.stringify(json)).toBeLessThan(300);
    return json;
  };
  const q = (date?: string, extra = '') => `?${[date ? `date=${date}` : '', extra].filter(Boolean).join('&')}`;

  /** The decision of D/E in the matrix JSON; undefined when the pair is not in it. */
  const inJson = async (date?: string, filter = '') => {
    const r = await srv.getJson(`/api/overlaps${q(date, filter)}`);
    expect(r.status).toBe(200);
    return (r.body.paires as any[]).find((p) => p.a.id === 'FIXT-D' && p.b.id === 'FIXT-E')?.decision.decision as string | undefined;
  };
  /** Its « Décision » and « Date de la décision » cells in the CSV. */
  const inCsv = async (date?: string) => {
    const r = await call(srv, 'GET', `/api/overlaps.csv${q(date)}`, null);
    expect(r.status).toBe(200);
    const rows = parseCsv(Buffer.from(await r.arrayBuffer()).toString('utf8'), { delimiter: ';', bom: true }) as string[][];
    const col = rows[0]!.indexOf('Décision');
    const row = rows.find((x) => x[0] === 'FIXT-D' && x[3] === 'FIXT-E')!;
    return [row[col], row[col + 1]];
  };
  /**
   * Its `decision` attribute in the overlaps tile over commune 11 (decoded with the reference decoder), at the data
   * version of /tiles/layers.json as the map asks after a write.
   */
  const inTile = async (date?: string) => {
    const t = tileOf(...centre(11), 10);
    const { version } = (await srv.getJson('/tiles/layers.json')).body;
    const r = await call(srv, 'GET', `/tiles/overlaps/${t.z}/${t.x}/${t.y}.mvt${q(date, `v=${version}`)}`, null);
    expect(r.status).toBe(200);
    const f = decodeTile(new Uint8Array(await r.arrayBuffer()))[0]!.features.find((x) => x.properties.id === 'FIXT-D|FIXT-E');
    return f?.properties.decision;
  };

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    await loadFixtureTerritory(db);
    await withThreeSharedCommunes(db);
    // the perimeters as a migrated database holds them: version 1, effective from their import (2020)
    await db.query(`UPDATE import_log SET imported_at = '2020-01-15T10:00:00Z' WHERE kind = 'cpts'`);
    await db.query(`UPDATE cpts SET import_id = (SELECT id FROM import_log WHERE kind = 'cpts')`);
    await db.query('SELECT cpts_version_initiale(id) FROM cpts');
    await db.query(`INSERT INTO region (code, nom) VALUES ('93', 'Provence-Alpes-Côte d’Azur') ON CONFLICT DO NOTHING`); // the accounts' other région
    await createAccounts(db);
    srv = await startServer(db);
    ars = await signIn(srv, 'ars-52');

    await post(`${DE}/decisions`, { decision: 'en-conciliation', date: DAY1, note: 'Réunion des deux bureaux' });
    await post(`${DE}/arbitrage`, { attributions: { [code(9)]: 'FIXT-D', [code(10)]: 'FIXT-E', [code(11)]: 'FIXT-D' }, date: DAY3 });
    await post('/api/cpts/FIXT-E/versions', { communes: [10, 11, 12].map(code), valideDu: DAY3, versionAttendue: 2, commentaire: 'Reprend la commune 11' });
  });
  afterAll(async () => {
    await srv?.close();
    await dispose?.();
  });

  it('the matrix JSON: « à examiner » before day 1, « en conciliation » on days 1 and 2, « arbitré » from day 3 and today', async () => {
    expect([await inJson(BEFORE), await inJson(DAY1), await inJson(DAY2), await inJson(DAY3), await inJson()]).toEqual([
      'a-examiner',
      'en-conciliation',
      'en-conciliation',
      'arbitre',
      'arbitre',
    ]);
    const before = (await srv.getJson(`/api/overlaps${q(BEFORE)}`)).body.paires.find((p: any) => p.a.id === 'FIXT-D');
    expect(before.decision).toEqual({ decision: 'a-examiner', libelle: 'À examiner', date: null, enregistreLe: null, attributions: null });
  });

  it('the decision filter of the matrix reads the decision of the day asked for', async () => {
    expect(await inJson(DAY2, 'decision=en-conciliation')).toBe('en-conciliation');
    expect(await inJson(DAY2, 'decision=arbitre')).toBeUndefined();
    expect(await inJson(BEFORE, 'decision=a-examiner')).toBe('a-examiner');
    expect(await inJson(undefined, 'decision=en-conciliation')).toBeUndefined();
    expect(await inJson(undefined, 'decision=arbitre')).toBe('arbitre');
  });

  it('the CSV: the decision and its date of the day asked for', async () => {
    expect(await inCsv(BEFORE)).toEqual(['À examiner', '']);
    expect(await inCsv(DAY2)).toEqual(['En conciliation', DAY1]);
    expect(await inCsv(DAY3)).toEqual(['Arbitré', DAY3]);
    expect(await inCsv()).toEqual(['Arbitré', DAY3]);
  });

  it('the overlaps tile attribute', async () => {
    expect([await inTile(BEFORE), await inTile(DAY1), await inTile(DAY2), await inTile(DAY3), await inTile()]).toEqual([
      'a-examiner',
      'en-conciliation',
      'en-conciliation',
      'arbitre',
      'arbitre',
    ]);
  });

  it('the history of the pair as of a day: the decision then, and only those taken by then', async () => {
    const h = async (date?: string) => (await srv.getJson(`${DE}/decisions${q(date)}`)).body;
    expect((await h(BEFORE)).actuelle.decision).toBe('a-examiner');
    expect((await h(BEFORE)).historique).toEqual([]);
    expect((await h(DAY2)).actuelle).toMatchObject({ decision: 'en-conciliation', date: DAY1 });
    expect((await h(DAY2)).historique.map((d: any) => d.decision)).toEqual(['en-conciliation']);
    expect((await h()).historique.map((d: any) => d.decision)).toEqual(['arbitre', 'en-conciliation']);
    expect((await srv.getJson(`${DE}/decisions?date=2026-02-30`)).status).toBe(400);
  });

  it('a decision recorded late but dated before the current one shows on its days, never over the newer one', async () => {
    // recorded after the arbitration, dated day 2: the committee of day 2 accepted the overlap before the arbitration
    await post(`${DE}/decisions`, { decision: 'chevauchement-accepte', date: DAY2 });
    expect([await inJson(DAY1), await inJson(DAY2), await inJson(DAY3), await inJson()]).toEqual([
      'en-conciliation',
      'chevauchement-accepte',
      'arbitre',
      'arbitre',
    ]);
    expect([await inTile(DAY2), await inTile()]).toEqual(['chevauchement-accepte', 'arbitre']);
    const h = (await srv.getJson(`${DE}/decisions`)).body;
    expect(h.actuelle.decision).toBe('arbitre');
    expect(h.historique.map((d: any) => d.decision)).toEqual(['arbitre', 'chevauchement-accepte', 'en-conciliation']);
  });
});
