import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db } from '../../server/src/db/port.js';
import { COG_SOURCE, cog } from '../../server/src/import/cog.js';
import { importCommunes } from '../../server/src/import/communes.js';
import { ImportError } from '../../server/src/import/errors.js';
import { describeEachBackend } from '../helpers/db.js';
import { needsShared, sharedSource } from '../helpers/shared.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/communes/', import.meta.url));
const VENDEE = sharedSource('communes-2018/communes-85-vendee.geojson.gz');
const vendee = needsShared(VENDEE);
const GUADELOUPE = sharedSource('communes-2018/communes-971-guadeloupe.geojson.gz');
const guadeloupe = needsShared(GUADELOUPE);
const fx = (name: string) => join(FIXTURES, name);
const SABLES = fx('communes-85-les-sables-d-olonne-2018.geojson');
const HUILLE = fx('communes-49-huille-lezigne-insee-com.geojson');
const UNMATCHED = fx('unmatched-unknown-code.geojson');
const MARSEILLE = fx('communes-13-marseille-2018.geojson');

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** Everything an import may touch, as one comparable value. */
async function snapshot(db: Db) {
  const r = await db.query(`SELECT
      (SELECT count(*) FROM commune) AS communes,
      (SELECT count(*) FROM region) AS regions,
      (SELECT count(*) FROM departement) AS departements,
      (SELECT count(*) FROM import_log) AS logs,
      (SELECT max(id) FROM import_log) AS last_log,
      (SELECT md5(coalesce(string_agg(code || ':' || area_km2 || ':' || import_id || ':' || md5(ST_AsBinary(geom)::text), ',' ORDER BY code), ''))
         FROM commune) AS digest`);
  return r.rows[0];
}

/** Runs `fn`, expecting an ImportError; returns it. */
async function importError(fn: () => Promise<unknown>): Promise<ImportError> {
  const e = await fn().then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ImportError);
  return e as ImportError;
}

/** Area (km², spheroidal) of the features of a GeoJSON file with the given codes, computed by PostGIS. */
async function sourceArea(db: Db, file: string, codes: string[], codeKey = 'code'): Promise<number> {
  const doc = JSON.parse(await readFile(file, 'utf8'));
  const geoms = doc.features.filter((f: { properties: Record<string, string> }) => codes.includes(f.properties[codeKey]!)).map((f: { geometry: unknown }) => JSON.stringify(f.geometry));
  expect(geoms).toHaveLength(codes.length);
  const r = await db.query<{ km2: number }>(
    'SELECT sum(ST_Area(ST_SetSRID(ST_GeomFromGeoJSON(g), 4326)::geography)) / 1e6 AS km2 FROM unnest($1::text[]) AS g',
    [geoms],
  );
  return r.rows[0]!.km2;
}

describeEachBackend('importCommunes', (backend) => {
  let db: Db;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
  });
  afterAll(async () => {
    await dispose?.();
  });

  it('refuses broken files, listing every problem, and writes nothing (empty database)', async () => {
    const before = await snapshot(db);
    expect(before).toMatchObject({ communes: 0, regions: 0, logs: 0 });
    const e = await importError(() =>
      importCommunes(db, [fx('invalid-truncated.geojson.gz'), fx('invalid-unclosed-ring.geojson'), fx('invalid-not-feature-collection.geojson'), SABLES]),
    );
    expect(e.issues.map((i) => [i.file, i.line, i.field])).toEqual([
      ['invalid-truncated.geojson.gz', undefined, undefined],
      ['invalid-unclosed-ring.geojson', 2, 'geometry.coordinates'],
      ['invalid-not-feature-collection.geojson', undefined, 'type'],
      // 85035 and 85243 are also in the unclosed-ring file
      ['communes-85-les-sables-d-olonne-2018.geojson', 2, 'properties.code'],
      ['communes-85-les-sables-d-olonne-2018.geojson', 9, 'properties.code'],
    ]);
    expect(e.issues[0]!.message).toMatch(/not a complete gzip file .*truncated/);
    expect(await snapshot(db)).toEqual(before);
  });

  it('refuses an outline that is empty once made valid, naming the commune and file; nothing written', async () => {
    const before = await snapshot(db);
    const e = await importError(() => importCommunes(db, [fx('invalid-degenerate-empty.geojson')]));
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]).toMatchObject({ file: 'invalid-degenerate-empty.geojson', line: 2, field: 'geometry' });
    expect(e.issues[0]!.message).toMatch(/^commune 85092 Fontenay-le-Comte: the outline is empty once made valid \(.*Self-intersection/);
    expect(await snapshot(db)).toEqual(before); // the regions/départements upserted first are rolled back too
  });

  it('imports real outlines: communes nouvelles dissolved, INSEE attributes, valid MultiPolygons, import log', async () => {
    const stages = new Set<string>();
    const report = await importCommunes(db, [SABLES, HUILLE, UNMATCHED], { onProgress: (s) => stages.add(s) });
    expect([...stages]).toEqual(['read', 'parse', 'load outlines', 'dissolve', 'store', 'outlines']);
    // the map's outlines and label points (migration 040), rebuilt from the stored communes
    const outlines = await db.query<{ niveau: string; code: string; inside: boolean; valid: boolean }>(
      `SELECT niveau, code, ST_Intersects(etiquette_3857, geom_3857) AS inside, ST_IsValid(geom_3857) AND ST_IsValid(geom_3857_low) AS valid
         FROM contour_admin ORDER BY niveau, code`,
    );
    expect(outlines.rows).toEqual([
      { niveau: 'departement', code: '49', inside: true, valid: true },
      { niveau: 'departement', code: '85', inside: true, valid: true },
      { niveau: 'region', code: '52', inside: true, valid: true },
    ]);
    const labels = await db.query<{ n: number; ranks: number[] }>(
      `SELECT count(*)::int AS n, array_agg(rang_departement ORDER BY rang_departement) FILTER (WHERE c.departement = '85') AS ranks
         FROM commune_etiquette e JOIN commune c USING (code)`,
    );
    expect(labels.rows[0]).toEqual({ n: 8, ranks: [1, 2, 3, 4, 5, 6, 7] });
    const c = cog();
    const depCount = (d: string) => [...c.communes.values()].filter((x) => x.departement === d).length;
    expect(report.counts).toEqual({
      files: 3,
      features: 12,
      communes: 8,
      merged: 2,
      unmatched: 1,
      missing: depCount('85') - 7 + depCount('49') - 1,
      withoutOutline: 0, // a few communes of a département: the others are reported, not stored
      arrondissements: 0,
      repaired: 0,
    });
    expect(report.warnings).toContain(
      'unmatched-unknown-code.geojson, feature 1: code 85999 (Inconnue) is no commune of the current COG 2026; outline not imported',
    );
    expect(report.warnings).toContain("85165 L'Oie: no outline in the input (département 85)");

    const rows = (
      await db.query<Record<string, unknown>>(`SELECT code, nom, departement, region, epci, population, population_annee, anciens_codes,
         source, import_id, area_km2, ST_IsValid(geom) AS valid, ST_IsEmpty(geom) AS empty, GeometryType(geom) AS type,
         ST_SRID(geom_3857) AS srid_3857, GeometryType(geom_3857_low) AS low_type, ST_IsEmpty(geom_3857_low) AS low_empty,
         ST_NumGeometries(geom) AS parts
         FROM commune ORDER BY code`)
    ).rows;
    expect(rows.map((r) => r.code)).toEqual(['49174', '85035', '85112', '85194', '85214', '85243', '85250', '85288']);
    for (const r of rows) {
      const x = c.communes.get(r.code as string)!;
      expect(r).toMatchObject({
        nom: x.nom,
        departement: x.departement,
        region: x.region,
        epci: x.epci,
        population: x.population,
        population_annee: COG_SOURCE.populationYear,
        anciens_codes: x.anciensCodes,
        import_id: report.importId,
        valid: true,
        empty: false,
        type: 'MULTIPOLYGON',
        srid_3857: 3857,
        low_type: 'MULTIPOLYGON',
        low_empty: false,
      });
      expect(r.source).toBe(
        `outlines: communes-85-les-sables-d-olonne-2018.geojson, communes-49-huille-lezigne-insee-com.geojson, unmatched-unknown-code.geojson; codes, names and populations 2023: ${COG_SOURCE.name}`,
      );
    }
    // The dissolved communes nouvelles: one polygon each, as large as their pieces together (±1 %).
    const byCode = new Map(rows.map((r) => [r.code as string, r]));
    expect(byCode.get('85194')!.parts).toBe(1);
    const sablesPieces = await sourceArea(db, SABLES, ['85194', '85060', '85166']);
    expect(byCode.get('85194')!.area_km2 as number).toBeGreaterThan(sablesPieces * 0.99);
    expect(byCode.get('85194')!.area_km2 as number).toBeLessThan(sablesPieces * 1.01);
    expect(sablesPieces).toBeGreaterThan(80); // Les Sables-d'Olonne: about 86 km²
    const huillePieces = await sourceArea(db, HUILLE, ['49159', '49174'], 'INSEE_COM');
    expect(Math.abs((byCode.get('49174')!.area_km2 as number) / huillePieces - 1)).toBeLessThan(0.01);
    // A single outline keeps its area exactly.
    expect(byCode.get('85243')!.area_km2 as number).toBeCloseTo(await sourceArea(db, SABLES, ['85243']), 6);

    const log = (await db.query('SELECT kind, file_name, rows, checksum, report FROM import_log WHERE id = $1', [report.importId])).rows[0]!;
    const checksums = await Promise.all([SABLES, HUILLE, UNMATCHED].map(async (f) => sha256(await readFile(f))));
    expect(log).toMatchObject({
      kind: 'communes',
      file_name: 'communes-85-les-sables-d-olonne-2018.geojson, communes-49-huille-lezigne-insee-com.geojson, unmatched-unknown-code.geojson',
      rows: 12,
      checksum: sha256(checksums.sort().join('\n')),
    });
    expect((log.report as { counts: unknown }).counts).toEqual(report.counts);
    expect((await db.query('SELECT count(*) AS n FROM departement')).rows[0]!.n).toBe(c.departements.size);
  });

  it('repairs self-intersecting outlines with a warning giving the reason', async () => {
    const report = await importCommunes(db, [fx('invalid-bow-tie-repairable.geojson'), fx('communes-14-conde-en-normandie-self-intersection.geojson')]);
    expect(report.counts).toMatchObject({ communes: 2, repaired: 2 });
    expect(report.warnings.filter((w) => w.includes('repaired with ST_MakeValid'))).toEqual([
      expect.stringMatching(/^85113 L'Île-d'Yeu: invalid outline in invalid-bow-tie-repairable\.geojson, feature 1 \(Self-intersection\[.*\]\); repaired/),
      '14174 Condé-en-Normandie: invalid outline in communes-14-conde-en-normandie-self-intersection.geojson, feature 1 (Ring Self-intersection[-0.56932 48.89639]); repaired with ST_MakeValid',
    ]);
    const r = (
      await db.query<{ code: string; valid: boolean; parts: number; area_km2: number; half_box: number }>(
        `SELECT code, ST_IsValid(geom) AS valid, ST_NumGeometries(geom) AS parts, area_km2,
                ST_Area(ST_Envelope(geom)::geography) / 2e6 AS half_box
           FROM commune WHERE code IN ('85113', '14174') ORDER BY code`,
      )
    ).rows;
    expect(r.map((x) => [x.code, x.valid])).toEqual([
      ['14174', true],
      ['85113', true],
    ]);
    // The bow-tie over a box becomes its two triangles: half the box.
    const yeu = r[1]!;
    expect(yeu.parts).toBe(2);
    expect(Math.abs(yeu.area_km2 / yeu.half_box - 1)).toBeLessThan(0.01);
  });

  it('refuses an empty-once-valid outline among valid ones and leaves existing data unchanged', async () => {
    const before = await snapshot(db);
    expect(before!.communes).toBe(10);
    await importError(() => importCommunes(db, [SABLES, fx('invalid-degenerate-empty.geojson')]));
    expect(await snapshot(db)).toEqual(before);
  });

  it('re-imports idempotently, from a folder (départements/régions files skipped)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'communes-import-'));
    const folder = join(dir, 'outlines');
    try {
      await mkdir(folder);
      await copyFile(SABLES, join(folder, 'communes-85-les-sables-d-olonne-2018.geojson'));
      await writeFile(join(folder, 'departements-avec-outre-mer.geojson'), 'not read');
      const before = await snapshot(db);
      const area = (await db.query("SELECT area_km2 FROM commune WHERE code = '85194'")).rows[0]!.area_km2;
      const report = await importCommunes(db, [folder]);
      expect(report.file).toBe('outlines/ (1 file)');
      expect(report.counts).toMatchObject({ communes: 7, merged: 1 });
      const after = await snapshot(db);
      expect(after).toMatchObject({ communes: before!.communes, regions: before!.regions, logs: (before!.logs as number) + 1 });
      expect((await db.query("SELECT area_km2 FROM commune WHERE code = '85194'")).rows[0]!.area_km2).toBe(area);
      const dup = await db.query('SELECT code FROM commune GROUP BY code HAVING count(*) > 1');
      expect(dup.rows).toEqual([]);
      const ids = await db.query<{ import_id: number; n: number }>(
        "SELECT import_id, count(*) AS n FROM commune WHERE departement = '85' AND code <> '85113' GROUP BY import_id",
      );
      expect(ids.rows).toEqual([{ import_id: report.importId, n: 7 }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(vendee.skip)(vendee.title('imports the whole Vendée file: every current commune, the two re-created in 2019 without outline'), async () => {
    const report = await importCommunes(db, [VENDEE]);
    const c = cog();
    const vendee = [...c.communes.values()].filter((x) => x.departement === '85');
    expect(report.counts).toMatchObject({ features: 267, communes: 251, unmatched: 0, missing: 2, withoutOutline: 2 });
    expect(report.warnings).toEqual([
      "85165 L'Oie: no outline in the input (département 85); stored without outline",
      '85212 Sainte-Florence: no outline in the input (département 85); stored without outline',
    ]);
    const stored = (await db.query<{ code: string; outline: boolean }>("SELECT code, geom IS NOT NULL AS outline FROM commune WHERE departement = '85' ORDER BY code")).rows;
    expect(stored.map((r) => r.code)).toEqual(vendee.map((x) => x.code).sort());
    expect(stored.filter((r) => !r.outline).map((r) => r.code)).toEqual(['85165', '85212']);
    // Population per commune equals the INSEE population of the COG, for every commune in the database.
    const all = (await db.query<{ code: string; population: number | null }>('SELECT code, population FROM commune')).rows;
    expect(all.length).toBe(vendee.length + 2); // Vendée + Huillé-Lézigné + Condé-en-Normandie
    for (const r of all) expect([r.code, r.population]).toEqual([r.code, c.communes.get(r.code)!.population]);
    const bad = await db.query(
      "SELECT code FROM commune WHERE NOT ST_IsValid(geom) OR ST_IsEmpty(geom) OR GeometryType(geom) <> 'MULTIPOLYGON' OR ST_IsEmpty(geom_3857_low)",
    );
    expect(bad.rows).toEqual([]);
  });

  it.skipIf(guadeloupe.skip)(guadeloupe.title('Guadeloupe stores Saint-Barthélemy and Saint-Martin without outline'), async () => {
    const report = await importCommunes(db, [GUADELOUPE]);
    expect(report.counts).toMatchObject({ communes: 32, withoutOutline: 2 });
    const r = await db.query(`SELECT code, nom, departement, region, population, geom IS NULL AS no_outline, area_km2
                                FROM commune WHERE code IN ('97701', '97801') ORDER BY code`);
    expect(r.rows).toEqual([
      { code: '97701', nom: 'Saint-Barthélemy', departement: '977', region: '977', population: cog().communes.get('97701')!.population, no_outline: true, area_km2: null },
      { code: '97801', nom: 'Saint-Martin', departement: '978', region: '978', population: cog().communes.get('97801')!.population, no_outline: true, area_km2: null },
    ]);
  });

  it('Marseille: its 16 arrondissements stored with their parent and population; an arrondissement outline file is accepted', async () => {
    const before = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM commune')).rows[0]!.n;
    const report = await importCommunes(db, [MARSEILLE]);
    expect(report.counts).toMatchObject({ communes: 1, withoutOutline: 16, arrondissements: 16 });
    const arr = (
      await db.query<{ code: string; parent: string; population: number; outline: boolean }>(
        "SELECT code, parent, population, geom IS NOT NULL AS outline FROM commune WHERE parent = '13055' ORDER BY code",
      )
    ).rows;
    expect(arr.map((a) => a.code)).toEqual(cog().arrondissementsOf('13055').map((a) => a.code));
    expect(arr.every((a) => !a.outline && a.population === cog().arrondissements.get(a.code)!.population)).toBe(true);
    expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM commune')).rows[0]!.n).toBe(before + 17);

    // Arrondissement outlines alone: stored under their own code, Marseille's outline kept.
    const marseille = (await db.query("SELECT md5(ST_AsBinary(geom)::text) AS g FROM commune WHERE code = '13055'")).rows[0];
    const r2 = await importCommunes(db, [fx('synthetic-arrondissements-13201-13202.geojson')]);
    expect(r2.counts).toMatchObject({ communes: 2, missing: 0, arrondissements: 16 });
    expect(r2.warnings).toEqual([]);
    const withOutline = await db.query("SELECT code, parent FROM commune WHERE parent = '13055' AND geom IS NOT NULL ORDER BY code");
    expect(withOutline.rows).toEqual([
      { code: '13201', parent: '13055' },
      { code: '13202', parent: '13055' },
    ]);
    expect((await db.query("SELECT md5(ST_AsBinary(geom)::text) AS g FROM commune WHERE code = '13055'")).rows[0]).toEqual(marseille);
    // Importing Marseille again does not erase the arrondissement outlines.
    await importCommunes(db, [MARSEILLE]);
    expect((await db.query("SELECT count(*)::int AS n FROM commune WHERE parent = '13055' AND geom IS NOT NULL")).rows[0]).toEqual({ n: 2 });
  });
});
