// CPTS perimeters edited with dated versions (issue 9, item 2), on both backends: versions written through the API,
// the optimistic check (409 naming who saved meanwhile, nothing lost), diff figures, revert, dated steps, the
// analyses « as of » a day before and after a dated change, a re-import over an edited perimeter, and the migration
// of a database that had no versions.
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, MIGRATIONS_DIR } from '../../server/src/db/migrate.js';
import type { Db } from '../../server/src/db/port.js';
import { openPg } from '../../server/src/db/pg.js';
import { openPglite } from '../../server/src/db/pglite.js';
import { today } from '../../server/src/domain/versions.js';
import { importCpts } from '../../server/src/import/cpts.js';
import { tileOf } from '../../server/src/tiles/mvt-js.js';
import { call, createAccounts, signIn, tokenOf, type Caller } from '../helpers/auth.js';
import { testDatabaseUrl, withDatabase } from '../helpers/db-config.js';
import { describeEachBackend, dropDatabase, type TestBackend } from '../helpers/db.js';
import { centre, communeCode as cc, squareWkt } from '../helpers/fixture-territory.js';
import { startServer, type TestServer } from '../helpers/http.js';
import { decodeTile } from '../helpers/mvt.js';
import { loadRegisterFixture } from '../helpers/register.js';

const NEW = { nom: 'CPTS Nouvelle' };
const V1 = [9, 10].map(cc); // 19,000 inhabitants, T1
const V2 = [2, 9, 10, 11, 12].map(cc); // 44,000 inhabitants, T2; commune 2 is also in FIXT-A and FIXT-B

describeEachBackend('CPTS perimeter versions', (backend: TestBackend) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let srv: TestServer;
  let ars: Caller;
  let ars2: Caller;
  let id: string;

  const post = async (who: Caller, path: string, body: unknown) => {
    const r = await call(srv, 'POST', path, who, body);
    return { status: r.status, body: (await r.json()) as any };
  };
  const get = async (who: Caller | null, path: string) => {
    const r = await call(srv, 'GET', path, who);
    return { status: r.status, body: (await r.json()) as any };
  };

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    const accounts = await createAccounts(db);
    await loadRegisterFixture(db);
    // the fixture's perimeters as a migrated database holds them: version 1, effective from their import (2020)
    await db.query(`UPDATE import_log SET imported_at = '2020-01-15T10:00:00Z' WHERE kind = 'cpts'`);
    await db.query(`UPDATE cpts SET import_id = (SELECT id FROM import_log WHERE kind = 'cpts')`);
    await db.query('SELECT cpts_version_initiale(id) FROM cpts');
    srv = await startServer(db);
    ars = await signIn(srv, 'ars-52');
    ars2 = await tokenOf(db, accounts['ars-52']!);
  });
  afterAll(async () => {
    await srv?.close();
    await dispose?.();
  });

  it('creates a CPTS with version 1 from its effective date, and a dated step', async () => {
    const r = await post(ars, '/api/cpts', { ...NEW, communes: V1, valideDu: '2024-01-01', commentaire: 'Lettre d’intention reçue' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    id = r.body.cpts.id;
    expect(id).toBe('52-cpts-nouvelle');
    expect(r.body.version).toMatchObject({ numero: 1, valideDu: '2024-01-01', auteur: 'ars-52', origine: 'edition', nbCommunes: 2, population: 19000, bande: 'T1' });
    expect(r.body.cpts.statut).toBe('pre-projet');
    expect((await post(ars, '/api/cpts', { ...NEW, communes: V1 })).status).toBe(409);
  });

  it('saves version 2; the 409 of a stale save names who saved meanwhile, and loses nothing', async () => {
    const saved = await post(ars, `/api/cpts/${id}/versions`, { communes: V2, valideDu: '2025-06-01', commentaire: 'Extension', versionAttendue: 1 });
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    expect(saved.body.version).toMatchObject({ numero: 2, population: 44000, bande: 'T2', enVigueur: true });
    const stale = await post(ars2, `/api/cpts/${id}/versions`, { communes: V1, versionAttendue: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.erreur).toMatch(/version 2 a été enregistrée par ars-52 le .* Rien n’a été enregistré/);
    expect(stale.body.details).toMatchObject({ versionAttendue: 1, versionActuelle: 2, auteur: 'ars-52' });
    const h = await get(ars, `/api/cpts/${id}/versions`);
    expect(h.body.versions.map((v: { numero: number }) => v.numero)).toEqual([2, 1]);
    const members = await db.query<{ c: string }>('SELECT commune_code AS c FROM cpts_commune WHERE cpts_id = $1 ORDER BY 1', [id]);
    expect(members.rows.map((x) => x.c)).toEqual(V2);
  });

  it('refuses communes outside the région (403 naming them), unknown ones (400), a date in the future or before the version in force', async () => {
    const outside = await post(ars, `/api/cpts/${id}/versions`, { communes: [...V2, '13901'], versionAttendue: 2 });
    expect(outside.status).toBe(403);
    expect(outside.body.erreur).toMatch(/13901 Commune provençale Un \(région 93\)/);
    const unknown = await post(ars, `/api/cpts/${id}/versions`, { communes: ['44999'], versionAttendue: 2 });
    expect([unknown.status, unknown.body.erreur]).toEqual([400, expect.stringMatching(/inconnue.*44999/)]);
    const future = await post(ars, `/api/cpts/${id}/versions`, { communes: V2, valideDu: '2999-01-01', versionAttendue: 2 });
    expect([future.status, future.body.erreur]).toEqual([400, expect.stringMatching(/futur/)]);
    const back = await post(ars, `/api/cpts/${id}/versions`, { communes: V2, valideDu: '2025-01-01', versionAttendue: 2 });
    expect([back.status, back.body.erreur]).toEqual([400, expect.stringMatching(/précède/)]);
    const other = await signIn(srv, 'ars-93');
    expect((await post(other, `/api/cpts/${id}/versions`, { communes: ['13901'], versionAttendue: 2 })).status).toBe(403);
  });

  it('diff between versions: communes added and removed with names, population and band before and after; CSV', async () => {
    const d = await get(ars, `/api/cpts/${id}/versions/diff?de=1&a=2`);
    expect(d.status).toBe(200);
    expect(d.body.ajoutees.map((c: { code: string }) => c.code)).toEqual([2, 11, 12].map(cc));
    expect(d.body.ajoutees[0]).toEqual({ code: cc(2), nom: 'Commune 2', departement: '44', population: 2000 });
    expect(d.body.retirees).toEqual([]);
    expect(d.body.de).toMatchObject({ numero: 1, population: 19000, bande: 'T1', nbCommunes: 2 });
    expect(d.body.a).toMatchObject({ numero: 2, population: 44000, bande: 'T2', nbCommunes: 5 });
    expect([d.body.ecartPopulation, d.body.changementBande]).toEqual([25000, true]);
    const back = await get(ars, `/api/cpts/${id}/versions/diff?de=2&a=1`);
    expect(back.body.retirees).toHaveLength(3);
    const csv = await call(srv, 'GET', `/api/cpts/${id}/versions/diff.csv?de=1&a=2`, ars);
    const lines = (await csv.text()).replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toBe(`"ajoutée";"=""${cc(2)}""";"Commune 2";"=""44""";2000;1;2;"T1";"T2"`);
    expect((await get(ars, `/api/cpts/${id}/versions/diff?de=1&a=9`)).status).toBe(404);
  });

  it('dated steps set the status of the maps, and the status as of a day', async () => {
    for (const [etape, le] of [['lettre-intention', '2024-02-01'], ['projet-sante-valide', '2025-03-01']]) {
      expect((await post(ars, `/api/cpts/${id}/etapes`, { etape, le })).status).toBe(201);
    }
    const list = async (date?: string) =>
      (await get(null, `/api/cpts${date ? `?date=${date}` : ''}`)).body.cpts.find((c: { id: string }) => c.id === id);
    expect((await list())?.statut).toBe('en-fonctionnement');
    expect((await list('2024-06-01'))?.statut).toBe('projet');
    expect((await list('2024-01-15'))?.statut).toBe('pre-projet');
  });

  it('the analyses answer as of a day: before any version the CPTS is absent, before and after a dated change they differ', async () => {
    const pairs = async (date?: string) =>
      (await get(null, `/api/overlaps${date ? `?date=${date}` : ''}`)).body.paires.map((p: any) => `${p.a.id}|${p.b.id}`).sort();
    expect(await pairs('2019-12-31')).toEqual([]);
    expect(await pairs('2025-01-01')).toEqual(['FIXT-A|FIXT-B']);
    expect(await pairs()).toEqual([`${id}|FIXT-A`, `${id}|FIXT-B`, 'FIXT-A|FIXT-B'].sort());
    expect(await pairs('2025-07-01')).toEqual(await pairs());

    const list = async (date: string) => (await get(null, `/api/cpts?date=${date}`)).body.cpts.find((c: { id: string }) => c.id === id);
    expect(await list('2023-12-31')).toBeUndefined();
    expect(await list('2025-01-01')).toMatchObject({ nbCommunes: 2, population: 19000, bande: 'T1' });
    expect(await list('2025-06-01')).toMatchObject({ nbCommunes: 5, population: 44000, bande: 'T2' });
    expect((await get(null, `/api/cpts/${id}?date=2023-12-31`)).status).toBe(404);
    expect((await get(null, `/api/cpts/${id}?date=2025-01-01`)).body.communes.map((c: { code: string }) => c.code)).toEqual(V1);

    const covered = async (date: string) => (await get(null, `/api/coverage?region=52&date=${date}`)).body.total.populationCouverte;
    // 2023: FIXT-A, B, C = communes 1-8 (36,000); 2025-01: + 9, 10; 2025-07: + 11, 12
    expect([await covered('2019-12-31'), await covered('2023-12-31'), await covered('2025-01-01'), await covered('2025-07-01')]).toEqual([0, 36000, 55000, 78000]);
    const white = async (date: string) => (await get(null, `/api/white-zones?region=52&date=${date}`)).body.communes.map((c: { code: string }) => c.code).sort();
    expect(await white('2023-12-31')).toEqual([9, 10, 11, 12].map(cc));
    expect(await white('2025-01-01')).toEqual([cc(11), cc(12)]);
    expect((await get(null, '/api/white-zones?date=2025-13-01')).status).toBe(400);
  });

  it('tiles as of a day: the CPTS layer before any version is empty, and the date is part of the cache key', async () => {
    const t = tileOf(...centre(10), 12);
    const cptsIds = async (date?: string) => {
      const r = await call(srv, 'GET', `/tiles/cpts/${t.z}/${t.x}/${t.y}.mvt${date ? `?date=${date}` : ''}`, null);
      if (r.status === 204) return [];
      return decodeTile(new Uint8Array(await r.arrayBuffer()))[0]!.features.map((f) => f.properties.id).sort();
    };
    expect(await cptsIds('2019-12-31')).toEqual([]);
    expect(await cptsIds('2025-01-01')).toContain(id);
    expect(await cptsIds('2023-12-31')).not.toContain(id);
    expect(await cptsIds()).toContain(id);
    expect((await call(srv, 'GET', `/tiles/pharmacies/12/${t.x}/${t.y}.mvt?date=2025-01-01`, null)).status).toBe(400);
  });

  it('revert writes a new version equal to an old one', async () => {
    const r = await post(ars, `/api/cpts/${id}/versions/1/retour`, { versionAttendue: 2 });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.version).toMatchObject({ numero: 3, origine: 'retour', retourA: 1, commentaire: 'Retour à la version 1', population: 19000 });
    expect(r.body.communes).toEqual(V1);
    const h = await get(ars, `/api/cpts/${id}/versions`);
    expect(h.body.versions.map((v: { numero: number }) => v.numero)).toEqual([3, 2, 1]);
    const audit = await db.query<{ action: string }>(`SELECT action FROM audit WHERE cible_id = $1 ORDER BY id`, [id]);
    expect(audit.rows.map((a) => a.action)).toEqual(['cpts.creation', 'cpts.version', 'cpts.etape', 'cpts.etape', 'cpts.version.retour']);
    await expect(db.query(`UPDATE cpts_version SET commentaire = 'x' WHERE cpts_id = $1`, [id])).rejects.toThrow(/history/);
    await expect(db.query(`DELETE FROM cpts_version_commune WHERE cpts_id = $1`, [id])).rejects.toThrow(/history/);
  });

  it('a re-import over an edited perimeter keeps the edit and reports it, unless asked to replace it; others get versions by cli', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cpts-reimport-'));
    const feature = (fid: string, nom: string, n: number) => ({
      type: 'Feature',
      properties: { id: fid, nom, statut: 'projet' },
      geometry: { type: 'MultiPolygon', coordinates: [[squareCoords(n)]] },
    });
    const file = join(dir, 'cpts.geojson');
    await writeFile(file, JSON.stringify({ type: 'FeatureCollection', features: [feature(id, NEW.nom, 1), feature('FIXT-C', 'CPTS Fixture C', 4)] }));
    try {
      const kept = await importCpts(db, file);
      expect(kept.conflicts).toEqual([expect.objectContaining({ id, version: 3, auteur: 'ars-52', remplace: false })]);
      expect(kept.warnings.join('\n')).toMatch(/kept as edited/);
      expect(kept.counts).toMatchObject({ versions: 1, conflicts: 1 });
      const units = async (cid: string) => (await db.query<{ c: string }>('SELECT commune_code AS c FROM cpts_commune WHERE cpts_id = $1 ORDER BY 1', [cid])).rows.map((x) => x.c);
      expect(await units(id)).toEqual(V1);
      expect(await units('FIXT-C')).toEqual([cc(4)]);
      const c = await db.query<{ numero: number; auteur: string; origine: string }>(
        `SELECT numero, auteur, origine FROM cpts_version WHERE cpts_id = 'FIXT-C' ORDER BY numero`,
      );
      expect(c.rows).toEqual([
        { numero: 1, auteur: 'migration', origine: 'migration' },
        { numero: 2, auteur: 'cli', origine: 'import' },
      ]);
      const again = await importCpts(db, file);
      expect(again.counts).toMatchObject({ versions: 0, conflicts: 1 });
      const replaced = await importCpts(db, file, { replaceEdits: true });
      expect(replaced.conflicts).toEqual([expect.objectContaining({ id, remplace: true })]);
      expect(await units(id)).toEqual([cc(1)]);
      const h = await get(ars, `/api/cpts/${id}/versions`);
      expect(h.body.versions[0]).toMatchObject({ numero: 4, auteur: 'cli', origine: 'import' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** The outer ring of fixture commune n, as GeoJSON coordinates. */
function squareCoords(n: number): number[][] {
  return /\(\(\((.*)\)\)\)/
    .exec(squareWkt(n))![1]!
    .split(',')
    .map((p) => p.split(' ').map(Number));
}

// ── Migration of a database that had no versions ─────────────────────────────────────────────────────────────

/** A fresh database migrated up to (not including) migration 060, and a function applying the rest. */
async function beforeVersions(backend: TestBackend): Promise<{ db: Db; dispose: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'cpts-migrations-'));
  for (const f of await readdir(MIGRATIONS_DIR)) if (/^\d+_/.test(f) && Number(f.split('_')[0]) < 60) await cp(join(MIGRATIONS_DIR, f), join(dir, f));
  if (backend.name === 'pglite') {
    const data = await mkdtemp(join(tmpdir(), 'cpts-old-'));
    const db = await openPglite(data);
    await migrate(db, dir);
    return { db, dispose: async () => { await db.close(); await rm(data, { recursive: true, force: true }); await rm(dir, { recursive: true, force: true }); } };
  }
  const url = testDatabaseUrl()!;
  const name = `cpts_test_${process.pid}_old_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const c = new pg.Client({ connectionString: withDatabase(url, name) });
  await c.connect();
  await c.query('CREATE EXTENSION IF NOT EXISTS postgis');
  await c.end();
  const db = await openPg(withDatabase(url, name));
  await migrate(db, dir);
  return {
    db,
    dispose: async () => {
      await dropDatabase(db, url, name);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

describeEachBackend('migration of a database without versions', (backend) => {
  let db: Db;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ db, dispose } = await beforeVersions(backend));
  }, 600_000); // a fresh embedded database migrated from scratch: slow on a loaded machine
  afterAll(async () => {
    await dispose?.();
  });

  it('today’s perimeters become version 1, effective from their import day (else their last update, else today)', async () => {
    await loadRegisterFixture(db);
    await db.query(`UPDATE import_log SET imported_at = '2021-03-04T09:00:00Z' WHERE kind = 'cpts'`);
    await db.query(`UPDATE cpts SET import_id = (SELECT id FROM import_log WHERE kind = 'cpts') WHERE id IN ('FIXT-A', 'FIXT-B')`);
    await db.query(`UPDATE cpts SET date_maj = '2022-05-06' WHERE id = 'FIXT-C'`);
    const before = await db.query<{ id: string; c: string }>('SELECT cpts_id AS id, commune_code AS c FROM cpts_commune ORDER BY 1, 2');
    await migrate(db);
    const v = await db.query<{ id: string; numero: number; valide_du: string; auteur: string; geom: boolean }>(
      `SELECT cpts_id AS id, numero, valide_du::text AS valide_du, auteur, geom IS NOT NULL AS geom FROM cpts_version ORDER BY 1`,
    );
    expect(v.rows).toEqual([
      { id: 'FIXT-A', numero: 1, valide_du: '2021-03-04', auteur: 'migration', geom: true },
      { id: 'FIXT-B', numero: 1, valide_du: '2021-03-04', auteur: 'migration', geom: true },
      { id: 'FIXT-C', numero: 1, valide_du: '2022-05-06', auteur: 'migration', geom: true },
      { id: 'FIXT-P', numero: 1, valide_du: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/), auteur: 'migration', geom: false },
    ]);
    const after = await db.query<{ id: string; c: string }>('SELECT cpts_id AS id, commune_code AS c FROM cpts_commune_au(current_date) ORDER BY 1, 2');
    expect(after.rows).toEqual(before.rows);
    expect((await db.query('SELECT 1 FROM cpts_commune_au(DATE \'2021-03-03\')')).rows).toEqual([]);
  });
});

describe('effective dates', () => {
  it('today is the Paris calendar day', () => {
    expect(today(new Date('2026-01-01T23:30:00Z'))).toBe('2026-01-02');
  });
});
