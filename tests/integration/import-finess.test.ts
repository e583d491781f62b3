import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../server/src/db/port.js';
import { ImportError } from '../../server/src/import/errors.js';
import { importCommunes } from '../../server/src/import/communes.js';
import { importFiness } from '../../server/src/import/finess.js';
import type { ImportReport } from '../../server/src/import/types.js';
import { describeEachBackend } from '../helpers/db.js';
import { needsShared, sharedSource } from '../helpers/shared.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/finess/${name}`, import.meta.url));
const NATIONAL = sharedSource('finess/etalab-cs1100507-stock-20210108-reconstructed.csv.gz');
const DEPARTEMENTS = sharedSource('communes-2018/departements-avec-outre-mer.geojson.gz');
const GUADELOUPE = sharedSource('communes-2018/communes-971-guadeloupe.geojson.gz');
const national = needsShared(NATIONAL, DEPARTEMENTS, GUADELOUPE);
const NO_COMMUNE = { located_by_position: 0, commune_unknown: 0, closed_now: 0 };

/**
 * Expected WGS84 positions of fixture records, computed outside PostGIS (inverse Transverse Mercator / Lambert
 * conformal conic formulas on GRS80, an independent implementation), or, for the hand-made Mayotte record,
 * the point its coordinates were made from.
 */
const EXPECTED: [finess: string, lon: number, lat: number, where: string][] = [
  ['970103206', -61.50524, 16.27135, 'Les Abymes, Guadeloupe (EPSG:5490)'],
  ['970202651', -61.06945, 14.60492, 'Fort-de-France, Martinique (EPSG:5490)'],
  ['970300802', -52.64784, 5.16573, 'Kourou, Guyane (EPSG:2972)'],
  ['970402699', 55.65671, -20.94889, 'Saint-André, La Réunion (EPSG:2975)'],
  ['976000601', 45.227, -12.78, 'Mamoudzou, Mayotte (EPSG:4471)'],
  ['440013704', -1.57715, 47.22437, 'Nantes (EPSG:2154 named)'],
  ['440051043', -2.06021, 47.27752, 'Corsept (LAMBERT_93)'],
];

/** Everything an import can change, as comparable text: row counts, rows, and the import log. */
async function snapshot(db: Db) {
  const q = async (sql: string) => (await db.query<Record<string, unknown>>(sql)).rows;
  return {
    counts: await q(`SELECT (SELECT count(*) FROM pharmacie) p, (SELECT count(*) FROM structure) s, (SELECT count(*) FROM import_log) l`),
    pharmacie: await q(`SELECT finess, nom, adresse, code_postal, commune_code, telephone, date_ouverture, date_maj,
                          ST_AsText(geom) g, ST_AsText(geom_3857) g3, coord_source, source, import_id FROM pharmacie ORDER BY finess`),
    structure: await q(`SELECT finess, type, categorie_code, categorie_libelle, nom, adresse, code_postal, commune_code, telephone,
                          date_ouverture, date_maj, ST_AsText(geom) g, ST_AsText(geom_3857) g3, coord_source, source, import_id
                        FROM structure ORDER BY finess`),
    log: await q(`SELECT id, kind, file_name, rows, checksum, options::text, report::text FROM import_log ORDER BY id`),
  };
}

describeEachBackend('FINESS import', (backend) => {
  let db: Db;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
  });
  afterAll(async () => {
    await dispose?.();
  });

  describe('fixtures', () => {
    it('2026 layout: every point lands where its own CRS puts it, overseas and metropolitan', async () => {
      const stages = new Set<string>();
      const report = await importFiness(db, fixture('finess-2026-overseas.csv'), { onProgress: (s) => stages.add(s) });
      expect(stages).toEqual(new Set(['read', 'parse', 'insert']));
      expect(report).toMatchObject({ kind: 'finess', file: 'finess-2026-overseas.csv', rows: 7, warnings: [] });
      expect(report.counts).toEqual({
        pharmacies: 4,
        msp: 2,
        csp: 1,
        csp_dentaire: 1, // CTRE SANTE DENTAIRE DE LA M.F.M
        siege_cpts: 0,
        skipped_other_categories: 0,
        without_coordinates: 0,
        in_arrondissement: 0,
        ...NO_COMMUNE,
      });
      for (const [finess, lon, lat, where] of EXPECTED) {
        const r = await db.query<{ d: number; d3857: number; srid: number; srid3857: number; import_id: number; source: string }>(
          `SELECT ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint($2, $3), 4326)::geography) d,
                  ST_Distance(geom_3857, ST_Transform(geom, 3857)) d3857, ST_SRID(geom) srid, ST_SRID(geom_3857) srid3857,
                  import_id, source
           FROM (SELECT finess, geom, geom_3857, import_id, source FROM pharmacie
                 UNION ALL SELECT finess, geom, geom_3857, import_id, source FROM structure) e WHERE finess = $1`,
          [finess, lon, lat],
        );
        expect(r.rows, where).toHaveLength(1);
        const row = r.rows[0]!;
        expect(row.d, `${where}: metres from the expected point`).toBeLessThan(25);
        expect(row.d3857).toBeLessThan(0.01);
        expect([row.srid, row.srid3857]).toEqual([4326, 3857]);
        expect(row.import_id).toBe(report.importId);
        expect(row.source).toBe('FINESS etalab stock 2026-01-08 (finess-2026-overseas.csv)');
      }
      const s = await db.query(`SELECT finess, type, categorie_code, commune_code FROM structure ORDER BY finess`);
      expect(s.rows).toEqual([
        { finess: '440051043', type: 'msp', categorie_code: '603', commune_code: '44046' },
        { finess: '970202651', type: 'csp', categorie_code: '124', commune_code: '97209' },
        { finess: '976000601', type: 'msp', categorie_code: '603', commune_code: '97611' },
      ]);
      const log = await db.query(`SELECT kind, file_name, rows, report->'counts'->>'pharmacies' p FROM import_log WHERE id = $1`, [report.importId]);
      expect(log.rows).toEqual([{ kind: 'finess', file_name: 'finess-2026-overseas.csv', rows: 7, p: '4' }]);
    });

    it('2016 latin-1 and 2021 gzip files: text, dates, commune mapping, missing positions', async () => {
      // Older stocks than the 2026 one just loaded: forced.
      await importFiness(db, fixture('finess-2016-latin1.csv'), { force: true });
      const r21 = await importFiness(db, fixture('finess-2021-utf8.csv.gz'), { force: true });
      expect(r21.counts).toMatchObject({ pharmacies: 4, msp: 1, csp: 1, siege_cpts: 1, skipped_other_categories: 1, without_coordinates: 1 });
      const q = async (finess: string) =>
        (
          await db.query(
            `SELECT nom, adresse, commune_code, date_ouverture, date_maj, geom IS NULL no_geom, source
             FROM (SELECT finess, nom, adresse, commune_code, date_ouverture, date_maj, geom, source FROM pharmacie
                   UNION ALL SELECT finess, nom, adresse, commune_code, date_ouverture, date_maj, geom, source FROM structure) e
             WHERE finess = $1`,
            [finess],
          )
        ).rows[0];
      expect(await q('490019015')).toEqual({
        nom: 'POLE DE SANTÉ JEAN BERNARD',
        adresse: '31 R DE LA PROMENADE, LE PUY SAINT BONNET',
        commune_code: '49099',
        date_ouverture: '2012-09-28',
        date_maj: '2014-12-09',
        no_geom: false,
        source: 'FINESS etalab stock 2016-12-20 (finess-2016-latin1.csv)',
      });
      expect(await q('440014702')).toMatchObject({ commune_code: '44003', no_geom: false });
      expect(await q('440013720')).toMatchObject({ no_geom: true, source: 'FINESS etalab stock 2021-01-08 (finess-2021-utf8.csv.gz)' });
      // Ajaccio pharmacy, Lambert-93 in Corsica (expected point computed outside PostGIS, as EXPECTED above)
      const aj = await db.query<{ d: number }>(
        `SELECT ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint(8.73813, 41.92509), 4326)::geography) d FROM pharmacie WHERE finess = '2A0000972'`,
      );
      expect(aj.rows[0]!.d).toBeLessThan(25);
    });

    it('re-importing the same file is idempotent', async () => {
      const strip = (s: Awaited<ReturnType<typeof snapshot>>) => ({
        counts: s.counts[0]!.p,
        pharmacie: s.pharmacie.map(({ import_id: _, ...r }) => r),
        structure: s.structure.map(({ import_id: _, ...r }) => r),
      });
      const first = await importFiness(db, fixture('finess-2021-utf8.csv'), { force: true });
      const before = await snapshot(db);
      const again = await importFiness(db, fixture('finess-2021-utf8.csv'), { force: true });
      const after = await snapshot(db);
      expect(strip(after)).toEqual(strip(before));
      expect(again.counts).toEqual(first.counts);
      expect(after.log.length).toBe(before.log.length + 1);
      const ids = await db.query(`SELECT DISTINCT import_id FROM pharmacie WHERE finess IN ('440013696', '440013704', '440014702', '440013720')`);
      expect(ids.rows).toEqual([{ import_id: again.importId }]);
    });

    it('a failed import leaves the database unchanged', async () => {
      const before = await snapshot(db);
      expect(Number(before.counts[0]!.p)).toBeGreaterThan(0);
      const invalid: [string, 'auto' | 'utf-8'][] = [
        ['invalid-encoding-latin1-declared-utf8.csv', 'utf-8'],
        ['invalid-truncated.csv.gz', 'auto'],
        ['invalid-truncated-last-line.csv', 'auto'],
        ['invalid-duplicate-finess.csv', 'auto'],
        ['invalid-bad-coordinate.csv', 'auto'],
        ['invalid-missing-header.csv', 'auto'],
        ['invalid-bad-date.csv', 'auto'],
      ];
      for (const [file, encoding] of invalid) {
        await expect(importFiness(db, fixture(file), { encoding, force: true }), file).rejects.toBeInstanceOf(ImportError);
      }
      // A stock older than the one loaded (2026-01-08), not forced.
      await expect(importFiness(db, fixture('finess-2021-utf8.csv'), {})).rejects.toThrow(/older than the one loaded \(2026-01-08\)/);
      // A failure inside the transaction, after rows and the log entry were written (e.g. a cancelled import).
      let written = 0;
      await expect(
        importFiness(db, fixture('finess-2016-latin1.csv'), {
          force: true,
          onProgress: (stage, done) => {
            if (stage === 'insert' && done > 0) {
              written = done;
              throw new Error('cancelled');
            }
          },
        }),
      ).rejects.toThrow('cancelled');
      expect(written).toBeGreaterThan(0);
      expect(await snapshot(db)).toEqual(before);
    });
  });

  it('an unknown INSEE code is a warning: the establishment is placed by its position, else kept as « commune inconnue »', async () => {
    const file = fixture('unknown-insee-located-by-position.csv');
    const before = await importFiness(db, file, { force: true });
    // No commune outline loaded: nowhere to look.
    expect(before.counts).toMatchObject({ pharmacies: 2, located_by_position: 0, commune_unknown: 1 });
    expect(before.warnings).toEqual([
      'unknown-insee-located-by-position.csv, line 3, field commune: FINESS 440013704 (PHARMACIE SELO): unknown INSEE code 44999 (département 44, commune 999): no commune of the COG 2026, current or former; kept as « commune inconnue » (its position lies in no commune outline loaded)',
    ]);
    expect((await db.query("SELECT commune_code FROM pharmacie WHERE finess = '440013704'")).rows).toEqual([{ commune_code: null }]);
    await db.exec(`INSERT INTO region VALUES ('52', 'Pays de la Loire') ON CONFLICT DO NOTHING;
                   INSERT INTO departement VALUES ('44', 'Loire-Atlantique', '52') ON CONFLICT DO NOTHING`);
    await db.query(
      `INSERT INTO commune (code, nom, departement, region, population, area_km2, geom, geom_3857, geom_3857_low, source)
       SELECT '44109', 'Nantes (test square)', '44', '52', 1, 1, g, ST_Transform(g, 3857), ST_Transform(g, 3857), 'test'
         FROM (SELECT ST_Multi(ST_MakeEnvelope(-1.6, 47.18, -1.5, 47.25, 4326)) g) x`,
    );
    const after = await importFiness(db, file, { force: true });
    expect(after.counts).toMatchObject({ located_by_position: 1, commune_unknown: 0 });
    expect(after.warnings[0]).toMatch(/FINESS 440013704 .*unknown INSEE code 44999.*; placed in 44109 by its position$/);
    expect((await db.query("SELECT commune_code FROM pharmacie WHERE finess = '440013704'")).rows).toEqual([{ commune_code: '44109' }]);
    await db.exec("DELETE FROM commune WHERE code = '44109'");
  });

  // The import time is a benchmark figure (npm run bench:import), not an assertion.
  describe.skipIf(national.skip)(national.title('national FINESS stock (2021-01-08, 95,333 establishments)'), () => {
    let report: ImportReport;
    beforeAll(async () => {
      await db.exec('DELETE FROM pharmacie; DELETE FROM structure; DELETE FROM finess_stock;');
      await importCommunes(db, [GUADELOUPE]); // brings 97701 Saint-Barthélemy and 97801 Saint-Martin, without outline
      report = await importFiness(db, NATIONAL, {});
    });

    it('imports with warnings only; Saint-Barthélemy and Saint-Martin in their own communes; pharmacies per département as in the file', async () => {
      expect(report.rows).toBe(95333);
      expect(report.counts).toMatchObject({
        pharmacies: 21116,
        msp: 1763,
        csp: 2495,
        siege_cpts: 103,
        skipped_other_categories: 95333 - 21116 - 1763 - 2495 - 103,
        commune_unknown: 0,
      });
      // Only the 9 centres de santé of Paris, Lyon and Marseille whose CEDEX postal code names no arrondissement.
      expect(report.warnings).toHaveLength(9);
      expect(report.warnings.every((w) => /split into arrondissements municipaux/.test(w))).toBe(true);

      // Pharmacies per département, computed independently from the raw file (9A 123 / 127: the collectivités 977 / 978).
      const overseas: Record<string, string> = { '9A': '971', '9B': '972', '9C': '973', '9D': '974', '9E': '975', '9F': '976' };
      const expected: Record<string, number> = {};
      for (const line of gunzipSync(await readFile(NATIONAL)).toString('utf8').split('\n')) {
        const f = line.split(';');
        if (f[0] !== 'structureet' || f[18] !== '620') continue;
        const com = `${f[13]}${f[12]}`;
        const dep = com === '9A123' ? '977' : com === '9A127' ? '978' : (overseas[f[13]!] ?? f[13]!);
        expected[dep] = (expected[dep] ?? 0) + 1;
      }
      expect([expected['977'], expected['978']]).toEqual([3, 11]);
      const got = await db.query<{ dep: string; n: number }>(
        `SELECT CASE WHEN commune_code LIKE '97%' THEN left(commune_code, 3) ELSE left(commune_code, 2) END dep, count(*)::int n
         FROM pharmacie WHERE import_id = $1 GROUP BY 1`,
        [report.importId],
      );
      expect(Object.fromEntries(got.rows.map((r) => [r.dep, r.n]))).toEqual(expected);

      // The 14 of Saint-Barthélemy and Saint-Martin: each commune row exists, each point on its own island.
      const islands = await db.query<{ commune_code: string; nom: string; n: number; on_island: number }>(
        `SELECT p.commune_code, c.nom, count(*)::int n,
                count(*) FILTER (WHERE CASE p.commune_code
                   WHEN '97701' THEN ST_Intersects(p.geom, ST_MakeEnvelope(-62.96, 17.86, -62.78, 17.98, 4326))
                   ELSE ST_Intersects(p.geom, ST_MakeEnvelope(-63.16, 18.03, -62.96, 18.13, 4326)) END)::int on_island
           FROM pharmacie p JOIN commune c ON c.code = p.commune_code
          WHERE p.commune_code IN ('97701', '97801') GROUP BY 1, 2 ORDER BY 1`,
      );
      expect(islands.rows).toEqual([
        { commune_code: '97701', nom: 'Saint-Barthélemy', n: 3, on_island: 3 },
        { commune_code: '97801', nom: 'Saint-Martin', n: 11, on_island: 11 },
      ]);
      // Centres de santé by sub-type, against keyword counts taken here from the raw names: every centre whose name says
      // « soins infirmiers », « dentaire » (without « médical », « polyvalent » or « ophtalmo ») or « ophtalmo » has that sub-type.
      const names = new Map<string, string>();
      for (const line of gunzipSync(await readFile(NATIONAL)).toString('utf8').split('\n')) {
        const f = line.split(';');
        if (f[0] === 'structureet' && f[18] === '124') names.set(f[1]!, f[3]!.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toUpperCase());
      }
      const types = new Map(
        (await db.query<{ finess: string; sous_type: string }>("SELECT finess, sous_type FROM structure WHERE type = 'csp'")).rows.map((r) => [r.finess, r.sous_type]),
      );
      expect(types.size).toBe(names.size);
      const expectAll = (test: (n: string) => boolean, type: string) => {
        const ids = [...names].filter(([, n]) => test(n)).map(([id]) => id);
        expect(ids.filter((id) => types.get(id) !== type), type).toEqual([]);
        return ids.length;
      };
      const infirmiers = expectAll((n) => n.includes('SOINS INFIRMIERS'), 'infirmier');
      const dentaires = expectAll((n) => n.includes('DENTAIRE') && !/MEDIC|POLYVALENT|OPHT/.test(n), 'dentaire');
      const ophtalmo = expectAll((n) => n.includes('OPHTALMO'), 'ophtalmologique');
      expect([infirmiers, dentaires, ophtalmo]).toEqual([164, 792, 52]);
      const byType = (t: string) => [...types.values()].filter((x) => x === t).length;
      expect(byType('infirmier')).toBeGreaterThanOrEqual(infirmiers);
      expect(byType('dentaire')).toBeGreaterThanOrEqual(dentaires);
      expect(report.counts.csp_medical_polyvalent! + report.counts.csp_infirmier! + report.counts.csp_dentaire! + report.counts.csp_ophtalmologique! + report.counts.csp_autre!).toBe(2495);

      // Paris, Lyon and Marseille pharmacies are in their arrondissement (postal code), none at the commune.
      const plm = await db.query(`SELECT count(*)::int n FROM pharmacie WHERE commune_code IN ('75056', '69123', '13055')`);
      expect(plm.rows).toEqual([{ n: 0 }]);

      // Every overseas establishment within (or within 2 km of, outlines are simplified) its own département.
      const geo = JSON.parse(gunzipSync(await readFile(DEPARTEMENTS)).toString('utf8')) as {
        features: { properties: { code: string }; geometry: unknown }[];
      };
      const outlines = geo.features
        .filter((f) => f.properties.code.startsWith('97'))
        .map((f) => ({ code: f.properties.code, geometry: JSON.stringify(f.geometry) }));
      const check = await db.transaction(async (tx) => {
        await tx.query(`CREATE TEMP TABLE test_dep_outline (code text PRIMARY KEY, geom geometry) ON COMMIT DROP`);
        await tx.query(
          `INSERT INTO test_dep_outline SELECT code, ST_SetSRID(ST_GeomFromGeoJSON(geometry), 4326)
           FROM jsonb_to_recordset($1::jsonb) AS r(code text, geometry text)`,
          [JSON.stringify(outlines)],
        );
        return tx.query<{ dep: string; checked: number; outside: number; worst_m: number }>(
          `WITH e AS (
             SELECT finess, left(commune_code, 3) dep, geom FROM pharmacie WHERE commune_code LIKE '97%' AND geom IS NOT NULL
             UNION ALL
             SELECT finess, left(commune_code, 3), geom FROM structure WHERE commune_code LIKE '97%' AND geom IS NOT NULL)
           SELECT e.dep, count(*) checked,
                  count(*) FILTER (WHERE d.geom IS NULL OR NOT (ST_Intersects(e.geom, d.geom)
                                   OR ST_DWithin(e.geom::geography, d.geom::geography, 2000))) outside,
                  max(CASE WHEN ST_Intersects(e.geom, d.geom) THEN 0 ELSE ST_Distance(e.geom::geography, d.geom::geography) END) worst_m
           FROM e LEFT JOIN test_dep_outline d ON d.code = e.dep
           WHERE e.dep NOT IN ('977', '978') -- no outline: checked above
           GROUP BY e.dep ORDER BY e.dep`,
        );
      });
      const byDep = Object.fromEntries(check.rows.map((r) => [r.dep, r]));
      expect(Object.keys(byDep)).toEqual(['971', '972', '973', '974']); // no Mayotte row in this extract
      for (const r of check.rows) {
        expect(r.outside, `${r.dep}: establishments off their département (worst ${Math.round(r.worst_m)} m)`).toBe(0);
        expect(r.checked).toBeGreaterThan(20);
      }
    });
  });
});
