// CPTS, GP supply, zoning and memberships importers on a database holding seven real 2018 outlines
// around Les Sables-d'Olonne (five current communes: 85194 is the 2019 merger of 85060, 85166 and 85194).
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db } from '../../server/src/db/port.js';
import { importCommunes } from '../../server/src/import/communes.js';
import { importCpts } from '../../server/src/import/cpts.js';
import { ImportError } from '../../server/src/import/errors.js';
import { importGp, SIRENE_PROXY } from '../../server/src/import/gp.js';
import { importMemberships } from '../../server/src/import/memberships.js';
import { importStructures } from '../../server/src/import/structures.js';
import { importBassins } from '../../server/src/import/bassins.js';
import { importCentreTypes } from '../../server/src/import/centre-types.js';
import { importZoning } from '../../server/src/import/zoning.js';
import { describeEachBackend } from '../helpers/db.js';

const fx = (path: string) => fileURLToPath(new URL(`../fixtures/${path}`, import.meta.url));

/** Every table an importer here writes, as a comparable fingerprint. */
async function snapshot(db: Db): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of ['cpts', 'cpts_commune', 'offre_mg', 'zonage', 'adhesion_pharmacie', 'import_log']) {
    const r = await db.query<{ n: number; h: string }>(
      `SELECT count(*)::int AS n, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS h FROM ${t} x`,
    );
    out[t] = `${r.rows[0]!.n}:${r.rows[0]!.h}`;
  }
  return out;
}

/** The rows an import writes, without the import id (which a re-import changes). */
async function content(db: Db): Promise<unknown> {
  const q = async (sql: string) => (await db.query(sql)).rows;
  return {
    cpts: await q(`SELECT id, nom, finess, statut, perimetre, siege_commune, date_ouverture, source, ST_AsText(geom) AS g FROM cpts ORDER BY id`),
    members: await q('SELECT * FROM cpts_commune ORDER BY cpts_id, commune_code'),
    gp: await q('SELECT commune_code, nb_generalistes, est_proxy, source, annee FROM offre_mg ORDER BY commune_code'),
    zonage: await q('SELECT commune_code, zone, source, date_zonage FROM zonage ORDER BY commune_code'),
    adhesions: await q('SELECT pharmacie_finess, structure_finess, cpts_id, date_adhesion, source FROM adhesion_pharmacie ORDER BY 1, 2, 3'),
  };
}

async function rejects(p: Promise<unknown>): Promise<ImportError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ImportError);
  return e as ImportError;
}

async function members(db: Db, id: string): Promise<Record<string, number>> {
  const r = await db.query<{ code: string; part: number }>(
    'SELECT commune_code AS code, part_surface AS part FROM cpts_commune WHERE cpts_id = $1 ORDER BY 1',
    [id],
  );
  return Object.fromEntries(r.rows.map((x) => [x.code, x.part]));
}

describeEachBackend('territory importers (CPTS, GP, zoning, memberships)', (backend) => {
  let db: Db;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    await importCommunes(db, [fx('cpts/communes-sables-olonne-2018.geojson')]);
    // Real FINESS establishments of Les Sables-d'Olonne (stock of January 2021), inserted directly.
    await db.exec(`
      INSERT INTO pharmacie (finess, nom, commune_code, source) VALUES
        ('850014838', 'PHARMACIE DE LA BOUSSOLE', '85194', 'FINESS 2021-01-08'),
        ('850023730', 'PHARMACIE GOUIN', '85112', 'FINESS 2021-01-08'),
        ('850015801', 'PHARMACIE DES PRESIDENTS', '85194', 'FINESS 2021-01-08');
      INSERT INTO structure (finess, type, nom, commune_code, source) VALUES
        ('850026436', 'msp', 'MSP DES 3 CAPS', '85194', 'FINESS 2021-01-08'),
        ('850028614', 'siege_cpts', 'CPTS LITTORAL VENDEEN', '85194', 'FINESS 2021-01-08');`);
  });
  afterAll(async () => {
    await dispose?.();
  });

  it('setup: five current communes', async () => {
    const r = await db.query<{ code: string }>('SELECT code FROM commune ORDER BY code');
    expect(r.rows.map((x) => x.code)).toEqual(['85112', '85194', '85214', '85250', '85298']);
  });

  it('CSV CPTS: FINESS id, approximate perimeter, seat from the structure table, geometry = union of its communes', async () => {
    const report = await importCpts(db, fx('cpts/approx-littoral-vendeen.csv'));
    expect(report).toMatchObject({ kind: 'cpts', rows: 5, counts: { cpts: 1, created: 1, memberships: 5, approximatif: 1 } });
    const c = (await db.query('SELECT * FROM cpts WHERE id = $1', ['850028614'])).rows[0]!;
    expect(c).toMatchObject({
      nom: 'CPTS LITTORAL VENDEEN',
      finess: '850028614',
      statut: 'en-fonctionnement',
      perimetre: 'approximatif',
      siege_commune: '85194',
      import_id: report.importId,
    });
    expect(c.source).toMatch(/approx:epci-du-siege:200071165.*supposé \(CPTS enregistrée au FINESS/);
    expect(await members(db, '850028614')).toEqual({ '85112': 1, '85194': 1, '85214': 1, '85250': 1, '85298': 1 });
    const g = (
      await db.query<{ cpts_km2: number; sum_km2: number; diff_km2: number; type: string; srid: number; t3857: boolean; today: boolean }>(
        `SELECT ST_Area(k.geom::geography) / 1e6 AS cpts_km2,
                (SELECT sum(area_km2) FROM commune) AS sum_km2,
                ST_Area(ST_SymDifference(k.geom, (SELECT ST_Union(geom) FROM commune))::geography) / 1e6 AS diff_km2,
                GeometryType(k.geom) AS type, ST_SRID(k.geom_3857) AS srid,
                ST_Equals(k.geom_3857, ST_Transform(k.geom, 3857)) AS t3857, k.date_maj = current_date AS today
         FROM cpts k WHERE id = '850028614'`,
      )
    ).rows[0]!;
    expect(g.cpts_km2).toBeCloseTo(g.sum_km2, 1);
    expect(g.diff_km2).toBeLessThan(0.01);
    expect(g).toMatchObject({ type: 'MULTIPOLYGON', srid: 3857, t3857: true, today: true });
  });

  it('CSV CPTS: re-importing (the gzip copy) is idempotent', async () => {
    const before = await content(db);
    const logs = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM import_log')).rows[0]!.n;
    const report = await importCpts(db, fx('cpts/approx-littoral-vendeen.csv.gz'));
    expect(report.counts).toMatchObject({ created: 0, updated: 1, membershipsReplaced: 5, memberships: 5 });
    expect(await content(db)).toEqual(before);
    expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM import_log')).rows[0]!.n).toBe(logs + 1);
  });

  it('CSV CPTS, plain form: former codes mapped, statuses stored, membership rows replaced on re-import', async () => {
    const r = await importCpts(db, fx('cpts/plain-comma.csv'), { perimetre: 'illustratif' });
    expect(r.counts).toMatchObject({ cpts: 2, created: 2, memberships: 5, renamedCodes: 1, duplicateRows: 1 });
    expect(r.warnings).toHaveLength(1);
    const rows = (await db.query('SELECT id, statut, perimetre, finess, siege_commune FROM cpts WHERE perimetre = $1 ORDER BY id', ['illustratif'])).rows;
    expect(rows).toEqual([
      { id: 'illustratif-bocage', statut: 'pre-projet', perimetre: 'illustratif', finess: null, siege_commune: null },
      { id: 'illustratif-olonne', statut: 'aci-signe', perimetre: 'illustratif', finess: null, siege_commune: null },
    ]);
    expect(await members(db, 'illustratif-olonne')).toEqual({ '85112': 1, '85194': 1 });
    // A new file for illustratif-olonne lists 85194 only: its rows are replaced, the other CPTS untouched.
    const again = await importCpts(db, fx('cpts/duplicate-rows.csv'), { perimetre: 'illustratif' });
    expect(again.counts).toMatchObject({ cpts: 1, membershipsReplaced: 2, memberships: 1, duplicateRows: 2 });
    expect(await members(db, 'illustratif-olonne')).toEqual({ '85194': 1 });
    expect(await members(db, 'illustratif-bocage')).toEqual({ '85214': 1, '85250': 1, '85298': 1 });
    const statut = await db.query('SELECT statut FROM cpts WHERE id = $1', ['illustratif-olonne']);
    expect(statut.rows[0]).toEqual({ statut: 'en-fonctionnement' });
  });

  it('a CSV naming communes not in the database fails, says to import communes first, and changes nothing', async () => {
    const before = await snapshot(db);
    const e = await rejects(importCpts(db, fx('cpts/approx-terres-de-montaigu-communes-not-imported.csv')));
    expect(e.issues).toHaveLength(9);
    expect(e.issues[0]).toMatchObject({ line: 2, field: 'code_insee', message: expect.stringMatching(/^commune 85146 is not in the commune table: import the communes/) });
    expect(await snapshot(db)).toEqual(before);
  });

  it('a CSV with an invalid row changes nothing', async () => {
    const before = await snapshot(db);
    const e = await rejects(importCpts(db, fx('cpts/invalid-unknown-insee.csv')));
    expect(e.issues.map((i) => i.line)).toEqual([3, 4]);
    expect(await snapshot(db)).toEqual(before);
  });

  it('GeoJSON CPTS: members by share of area — threshold 0.5 keeps the covered commune only, 0.25 adds the 30 % neighbour', async () => {
    const file = fx('cpts/polygon-one-commune-and-30pc-of-neighbour.geojson');
    const r = await importCpts(db, file);
    expect(r.counts).toMatchObject({ cpts: 1, created: 1, memberships: 1, communesBelowThreshold: 1 });
    const half = await members(db, 'illustratif-st-mathurin');
    expect(Object.keys(half)).toEqual(['85250']);
    expect(half['85250']).toBeCloseTo(1, 2);

    const r2 = await importCpts(db, file, { threshold: 0.25 });
    expect(r2.counts).toMatchObject({ created: 0, updated: 1, memberships: 2, membershipsReplaced: 1 });
    const quarter = await members(db, 'illustratif-st-mathurin');
    expect(Object.keys(quarter)).toEqual(['85214', '85250']);
    expect(Math.abs(quarter['85214']! - 0.3)).toBeLessThanOrEqual(0.02);
    expect(quarter['85250']).toBeCloseTo(1, 2);

    // cpts.geom is the polygon itself (not the union of the members).
    const g = (
      await db.query<{ poly_km2: number; st_mathurin_km2: number; type: string; perimetre: string; statut: string }>(
        `SELECT ST_Area(geom::geography) / 1e6 AS poly_km2, (SELECT area_km2 FROM commune WHERE code = '85250') AS st_mathurin_km2,
                GeometryType(geom) AS type, perimetre, statut FROM cpts WHERE id = 'illustratif-st-mathurin'`,
      )
    ).rows[0]!;
    const steFoy = (await db.query<{ a: number }>(`SELECT area_km2 AS a FROM commune WHERE code = '85214'`)).rows[0]!.a;
    expect(g.poly_km2).toBeCloseTo(g.st_mathurin_km2 + 0.3 * steFoy, 1);
    expect(g).toMatchObject({ type: 'MULTIPOLYGON', perimetre: 'illustratif', statut: 'projet' });

    const before = await content(db);
    await importCpts(db, file, { threshold: 0.25 });
    expect(await content(db)).toEqual(before);
  });

  it('GeoJSON CPTS: a self-intersecting polygon is repaired, with a warning (forced: it selects no commune)', async () => {
    await rejects(importCpts(db, fx('cpts/polygon-self-intersecting.geojson')));
    const r = await importCpts(db, fx('cpts/polygon-self-intersecting.geojson'), { force: true });
    expect(r.counts).toMatchObject({ repairedPolygons: 1 });
    expect(r.warnings[0]).toMatch(/^feature 0 \(CPTS illustratif-noeud-papillon .*\): invalid polygon \(Self-intersection.*repaired with ST_MakeValid/);
    expect(r.warnings[1]).toMatch(/^feature 0 \(CPTS illustratif-noeud-papillon .*\): le polygone ne sélectionne aucune commune .*\(--force\)$/);
    const g = (
      await db.query<{ valid: boolean; parts: number; type: string }>(
        `SELECT ST_IsValid(geom) AS valid, ST_NumGeometries(geom) AS parts, GeometryType(geom) AS type FROM cpts WHERE id = 'illustratif-noeud-papillon'`,
      )
    ).rows[0]!;
    expect(g).toEqual({ valid: true, parts: 2, type: 'MULTIPOLYGON' });
  });

  it('GeoJSON CPTS: a polygon empty once made valid fails the whole file, naming the feature', async () => {
    const before = await snapshot(db);
    const e = await rejects(importCpts(db, fx('cpts/invalid-polygon-empty-once-valid.geojson')));
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]).toMatchObject({
      field: 'features[1].geometry',
      message: expect.stringMatching(/^feature 1 \(CPTS illustratif-plat CPTS illustrative plate\): the polygon has no area once made valid/),
    });
    expect(await snapshot(db)).toEqual(before);
    expect((await db.query(`SELECT 1 FROM cpts WHERE id = 'illustratif-carre'`)).rows).toEqual([]);
  });

  it('GP: former codes summed per current commune; re-import idempotent; a new import of the source replaces its rows', async () => {
    const r = await importGp(db, fx('gp/sirene-excerpt-sables-montaigu.csv'));
    expect(r.counts).toMatchObject({ communes: 6, mergedRows: 6, mergedCommunes: 2, renamedCodes: 6, unknownCodes: 0, generalistes: 112 });
    // Montaigu-Vendée has GP figures but no outline in this database: imported, and said so.
    expect(r.counts.notInCommuneTable).toBe(1);
    expect(r.warnings).toEqual(['1 commune(s) with GP figures are not in the commune table (no outline imported): 85146']);
    const gp = async () =>
      Object.fromEntries(
        (await db.query<{ c: string; n: number }>('SELECT commune_code AS c, nb_generalistes AS n FROM offre_mg ORDER BY 1')).rows.map((x) => [x.c, x.n]),
      );
    expect(await gp()).toEqual({ '85112': 2, '85146': 27, '85194': 81, '85214': 0, '85250': 1, '85298': 1 });
    const row = (await db.query('SELECT est_proxy, source, annee, import_id FROM offre_mg WHERE commune_code = $1', ['85194'])).rows[0];
    expect(row).toEqual({ est_proxy: true, source: SIRENE_PROXY.source, annee: 2019, import_id: r.importId });

    const before = await content(db);
    await importGp(db, fx('gp/sirene-excerpt-sables-montaigu.csv.gz'));
    expect(await content(db)).toEqual(before);

    const smaller = await importGp(db, fx('gp/unknown-code-skipped.csv'));
    expect(smaller.counts).toMatchObject({ communes: 2, unknownCodes: 1, removedStale: 4 });
    expect(smaller.warnings.some((w) => /^line 4: unknown INSEE code 85999/.test(w))).toBe(true);
    expect(await gp()).toEqual({ '85194': 42, '85250': 1 });

    const other = await importGp(db, fx('gp/custom-columns.csv'), {
      codeColumn: 'code_insee',
      countColumn: 'nb_medecins_generalistes',
      source: 'Annuaire test (illustratif)',
      year: 2024,
      proxy: false,
    });
    expect(other.counts).toMatchObject({ communes: 3, replacedOtherSource: 2 });
    expect((await db.query('SELECT nb_generalistes, est_proxy, source, annee FROM offre_mg WHERE commune_code = $1', ['85194'])).rows[0]).toEqual({
      nb_generalistes: 57,
      est_proxy: false,
      source: 'Annuaire test (illustratif)',
      annee: 2024,
    });
  });

  it('GP: bad counts and a custom layout without a source change nothing', async () => {
    const before = await snapshot(db);
    const opts = { codeColumn: 'code_insee', countColumn: 'nb_medecins_generalistes' };
    expect((await rejects(importGp(db, fx('gp/invalid-bad-counts.csv'), { ...opts, source: 's' }))).issues).toHaveLength(4);
    expect((await rejects(importGp(db, fx('gp/custom-columns.csv'), opts))).issues[0]!.field).toBe('source');
    expect(await snapshot(db)).toEqual(before);
  });

  it('zoning: upserts per commune; re-import idempotent; unknown codes change nothing', async () => {
    const r = await importZoning(db, fx('zoning/zonage-comma.csv'), { source: 'ARS PDL (illustratif)' });
    expect(r.counts).toMatchObject({ communes: 5, ZIP: 1, ZAC: 1, ZV: 1, HZ: 2 });
    const before = await content(db);
    await importZoning(db, fx('zoning/zonage-comma.csv'), { source: 'ARS PDL (illustratif)' });
    expect(await content(db)).toEqual(before);
    await importZoning(db, fx('zoning/zonage-semicolon-source-column.csv'));
    const z = (await db.query('SELECT commune_code, zone, source, date_zonage FROM zonage ORDER BY 1')).rows;
    expect(z).toEqual([
      { commune_code: '85112', zone: 'ZIP', source: 'ARS Pays de la Loire (illustratif)', date_zonage: '2023-03-31' },
      { commune_code: '85194', zone: 'ZIP', source: 'ARS Pays de la Loire (illustratif)', date_zonage: '2023-03-31' },
      { commune_code: '85214', zone: 'HZ', source: 'ARS PDL (illustratif)', date_zonage: '2023-03-31' },
      { commune_code: '85250', zone: 'ZV', source: 'ARS Pays de la Loire (illustratif)', date_zonage: '2023-03-31' },
      { commune_code: '85298', zone: 'HZ', source: 'ARS PDL (illustratif)', date_zonage: null },
    ]);
    const snap = await snapshot(db);
    await rejects(importZoning(db, fx('zoning/invalid-unknown-code.csv'), { source: 's' }));
    expect(await snapshot(db)).toEqual(snap);
  });

  it('memberships: structure and CPTS targets upserted; re-import idempotent', async () => {
    const r = await importMemberships(db, fx('memberships/adhesions.csv'));
    expect(r.counts).toMatchObject({ memberships: 3, structures: 1, cpts: 2, created: 3 });
    const before = await content(db);
    const again = await importMemberships(db, fx('memberships/adhesions.csv'));
    expect(again.counts.created).toBe(0);
    expect(await content(db)).toEqual(before);
    const more = await importMemberships(db, fx('memberships/adhesions-comma-structure-only.csv'));
    expect(more.counts).toMatchObject({ memberships: 1, created: 1, duplicateRows: 1 });
    const rows = (await db.query('SELECT pharmacie_finess, structure_finess, cpts_id, date_adhesion FROM adhesion_pharmacie ORDER BY 1, 2, 3')).rows;
    expect(rows).toEqual([
      { pharmacie_finess: '850014838', structure_finess: '850026436', cpts_id: null, date_adhesion: '2021-03-01' },
      { pharmacie_finess: '850015801', structure_finess: '850026436', cpts_id: null, date_adhesion: '2022-01-10' },
      { pharmacie_finess: '850015801', structure_finess: null, cpts_id: '850028614', date_adhesion: '2022-06-15' },
      { pharmacie_finess: '850023730', structure_finess: null, cpts_id: '850028614', date_adhesion: null },
    ]);
  });

  it('memberships referencing an unknown pharmacy, structure or CPTS are rejected with the line; nothing changes', async () => {
    const before = await snapshot(db);
    const e = await rejects(importMemberships(db, fx('memberships/invalid-unknown-pharmacy.csv')));
    expect(e.issues).toEqual([
      {
        file: 'invalid-unknown-pharmacy.csv',
        line: 3,
        field: 'pharmacie_finess',
        message: 'pharmacy 850099999 is not in the pharmacie table (import the FINESS file first, or check the number)',
      },
    ]);
    const e2 = await rejects(importMemberships(db, fx('memberships/invalid-unknown-structure-and-cpts.csv')));
    expect(e2.issues.map((i) => [i.line, i.field])).toEqual([
      [2, 'structure_finess'],
      [3, 'cpts_id'],
    ]);
    const e3 = await rejects(importMemberships(db, fx('memberships/invalid-cpts-seat-as-structure.csv')));
    expect(e3.issues.map((i) => i.message)).toEqual([
      'structure 850028614 is the seat of a CPTS: a membership of a CPTS goes in cpts_id (here 850028614)',
    ]);
    expect(await snapshot(db)).toEqual(before);
  });

  it('structure list (ESP…): stable ids, placed by commune or position, FINESS prevails; a new list closes what it drops', async () => {
    const file = fx('structures/esp-liste-illustrative.csv');
    const r = await importStructures(db, file, { source: 'Liste illustrative', date: '2026-01-15' });
    expect(r.counts).toMatchObject({ structures: 5, created: 4, alreadyInFiness: 1, closed: 0, esp: 2, csp: 2, msp: 1 });
    const rows = await db.query(
      `SELECT finess, type, sous_type, sous_type_regle, commune_code, origine, geom IS NOT NULL AS positioned, coord_source
         FROM structure WHERE origine = 'liste' ORDER BY finess`,
    );
    expect(rows.rows).toEqual([
      { finess: 'csp-85112-centre-de-sante-dentaire-illustratif', type: 'csp', sous_type: 'dentaire', sous_type_regle: 'nom-dentaire', commune_code: '85112', origine: 'liste', positioned: true, coord_source: 'point intérieur de la commune (position approchée)' },
      { finess: 'csp-85214-centre-de-sante-illustratif-polyvalent', type: 'csp', sous_type: 'infirmier', sous_type_regle: 'liste', commune_code: '85214', origine: 'liste', positioned: true, coord_source: 'point intérieur de la commune (position approchée)' },
      { finess: 'esp-46-4978n-1-7361w-esp-illustrative-du-chateau', type: 'esp', sous_type: null, sous_type_regle: null, commune_code: '85194', origine: 'liste', positioned: true, coord_source: 'liste : longitude, latitude' },
      { finess: 'esp-85194-esp-illustrative-des-olonnes', type: 'esp', sous_type: null, sous_type_regle: null, commune_code: '85194', origine: 'liste', positioned: true, coord_source: 'point intérieur de la commune (position approchée)' },
    ]);
    // The MSP known to FINESS keeps FINESS's record.
    expect((await db.query("SELECT origine, source FROM structure WHERE finess = '850026436'")).rows).toEqual([{ origine: 'finess', source: 'FINESS 2021-01-08' }]);
    // A later list without the first ESP: it is closed on the list's date, kept.
    const later = join(await mkdtemp(join(tmpdir(), 'structures-')), 'liste-2.csv');
    await writeFile(later, (await readFile(file, 'utf8')).split('\n').filter((l) => !l.startsWith('ESP ILLUSTRATIVE DES OLONNES')).join('\n'));
    const r2 = await importStructures(db, later, { source: 'Liste illustrative', date: '2026-06-01' });
    expect(r2.counts).toMatchObject({ created: 0, closed: 1 });
    expect((await db.query("SELECT ferme_le::text FROM structure WHERE finess = 'esp-85194-esp-illustrative-des-olonnes'")).rows).toEqual([{ ferme_le: '2026-06-01' }]);
  });

  it('structure list: every bad row reported with line and field; nothing changes', async () => {
    const before = await snapshot(db);
    const e = await rejects(importStructures(db, fx('structures/invalid-structures.csv')));
    expect(e.issues.map((i) => [i.line, i.field])).toEqual([
      [2, 'code_insee'],
      [3, 'nom'],
      [4, 'type'],
      [5, 'finess'],
      [6, 'latitude'],
    ]);
    expect(await snapshot(db)).toEqual(before);
  });

  it('centre de santé sub-type corrections: applied to the centres loaded, kept for the others', async () => {
    await db.exec(`INSERT INTO structure (finess, type, sous_type, sous_type_regle, nom, commune_code, source)
                   VALUES ('850099991', 'csp', 'dentaire', 'ape-dentaire', 'CENTRE DE SANTE TEST', '85194', 'FINESS test')`);
    const r = await importCentreTypes(db, fx('structures/corrections-sous-types.csv'));
    expect(r.counts).toEqual({ corrections: 2, applied: 1, pending: 1 });
    expect(r.warnings).toEqual(['corrections-sous-types.csv, line 3, field finess: 850099992 is no centre de santé loaded; the correction is kept for a later FINESS stock']);
    expect((await db.query("SELECT sous_type, sous_type_regle FROM structure WHERE finess = '850099991'")).rows).toEqual([{ sous_type: 'medical-polyvalent', sous_type_regle: 'correction' }]);
    expect((await db.query('SELECT finess, sous_type, source FROM structure_sous_type_correction ORDER BY 1')).rows).toEqual([
      { finess: '850099991', sous_type: 'medical-polyvalent', source: 'URPS test' },
      { finess: '850099992', sous_type: 'infirmier', source: 'URPS test' },
    ]);
  });

  it('bassins de vie: one row per commune with its bassin and zone d’emploi; arrondissements and merged communes', async () => {
    const r = await importBassins(db, [fx('bassins/table-appartenance-excerpt.csv'), fx('bassins/libelles-excerpt.csv')]);
    expect(r.counts).toEqual({ communes: 8 + 16, bassinsDeVie: 4, zonesEmploi: 5 });
    expect(r.warnings).toEqual([
      'table-appartenance-excerpt.csv, line 5: 85076 and 85021, merged into 85076, lie in different bassins de vie or zones d’emploi; 85076 takes 44043 / 5216',
      expect.stringMatching(/^\d+ current commune\(s\) of the départements covered are absent from the table/),
    ]);
    const q = await db.query(
      `SELECT cb.commune_code, bv.nom AS bassin, ze.nom AS zone FROM commune_bassin cb JOIN bassin_vie bv ON bv.code = cb.bassin_vie
         JOIN zone_emploi ze ON ze.code = cb.zone_emploi WHERE cb.commune_code IN ('85194', '85076', '13216') ORDER BY 1`,
    );
    expect(q.rows).toEqual([
      { commune_code: '13216', bassin: 'Marseille', zone: 'Marseille' },
      { commune_code: '85076', bassin: 'Clisson', zone: 'Nantes' },
      { commune_code: '85194', bassin: "Les Sables-d'Olonne", zone: "Les Sables-d'Olonne" },
    ]);
    expect((await db.query("SELECT millesime, source FROM bassin_vie WHERE code = '85194'")).rows).toEqual([
      { millesime: 2022, source: expect.stringContaining('© Code Officiel Géographique (Insee) et package R COGugaison') },
    ]);
    await expect(importBassins(db, [fx('bassins/libelles-excerpt.csv')])).rejects.toThrow(/no table d’appartenance found/);
  });
});
