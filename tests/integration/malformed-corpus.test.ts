// The malformed-input corpus, on every backend: each file is refused with its file, line and field named, and leaves
// the database as it was. The files of tests/fixtures/malformed are written by its generate.ts (one case each,
// named after it); the invalid-* files beside the valid fixtures of each importer are the earlier cases.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db } from '../../server/src/db/port.js';
import { ImportError, type InputIssue } from '../../server/src/import/errors.js';
import { runImport } from '../../server/src/import/index.js';
import type { ImportKind } from '../../server/src/import/log.js';
import { describeEachBackend } from '../helpers/db.js';

const fx = (path: string) => fileURLToPath(new URL(`../fixtures/${path}`, import.meta.url));

type Expected = Pick<InputIssue, 'line' | 'field'> & { message: RegExp };

/** One row per file: the refusal expected (among the issues listed). */
const CASES: [string, Expected][] = [
  ['malformed/centre-types--header-only.csv', { line: 1, message: /^aucune ligne de données après l'en-tête : le fichier n'a/ }],
  ['malformed/centre-types--unknown-sub-type.csv', { line: 2, field: 'sous_type', message: /^unknown sub-type "podologique": expected médical\/polyval/ }],
  ['malformed/communes--code-malformed.geojson', { line: 1, field: 'properties.code', message: /^feature 1 \(Les Sables-d’Olonne\): "8519" is not an INSEE/ }],
  ['malformed/communes--crs-lambert93.geojson', { field: 'crs', message: /^coordinates are in urn:ogc:def:crs:EPSG::2154; expected/ }],
  ['malformed/communes--empty-file.geojson', { line: 1, message: /^JSON invalide \(Unexpected end of JSON input\) ; un Featur/ }],
  ['malformed/communes--json-syntax-error.geojson', { line: 3, message: /^JSON invalide \(Expected double-quoted property name in J/ }],
  ['malformed/communes--nesting-depth-many-lines.geojson', { line: 31, message: /^imbrication de plus de 32 niveaux \(colonne 1\) : ce n'est/ }],
  ['malformed/communes--nesting-depth-one-line.geojson', { line: 1, message: /^imbrication de plus de 32 niveaux \(colonne 662\) : ce n'e/ }],
  ['malformed/communes--no-features.geojson', { field: 'features', message: /^la FeatureCollection n'a aucune feature : aucun contour/ }],
  ['malformed/communes--nul-byte.geojson', { line: 8, message: /^octet nul \(NUL\) en colonne 29 : un fichier texte n'en co/ }],
  ['malformed/communes--only-unknown-codes.geojson', { message: /^aucun contour valide : aucun des 1 contours n'est celui/ }],
  ['malformed/communes--outline-across-metropole-and-reunion.geojson', { line: 1, field: 'geometry', message: /^feature 1, code 85194: la géométrie s'étend hors de Fran/ }],
  ['malformed/communes--outline-as-large-as-a-region.geojson', { line: 1, field: 'geometry', message: /^feature 1 \(Les Sables-d’Olonne\), code 85194: surface de/ }],
  ['malformed/communes--outline-in-the-atlantic.geojson', { line: 1, field: 'geometry', message: /^feature 1 \(Les Sables-d’Olonne\), code 85194: la géométri/ }],
  ['malformed/communes--point-geometry.geojson', { line: 1, field: 'geometry.type', message: /^feature 1, code 85194: geometry type "Point"; expected P/ }],
  ['malformed/communes--projected-coordinates.geojson', { line: 1, field: 'geometry.coordinates', message: /^feature 1 \(Les Sables-d’Olonne\), code 85194: ring 1, pos/ }],
  ['malformed/communes--topology-not-feature-collection.geojson', { field: 'type', message: /^not a GeoJSON FeatureCollection \(top-level type "Topolog/ }],
  ['malformed/communes--unclosed-ring.geojson', { line: 1, field: 'geometry.coordinates', message: /^feature 1 \(Les Sables-d’Olonne\), code 85194: ring 1 is n/ }],
  ['malformed/communes--utf16le-bom.geojson', { line: 1, message: /^le fichier est encodé en UTF-16 \(marque d'ordre des octe/ }],
  ['malformed/communes--vendee-outline-in-reunion.geojson', { line: 1, field: 'geometry', message: /^feature 1 \(Les Sables-d’Olonne\), code 85194: la géométri/ }],
  ['malformed/communes--world-sized-outline.geojson', { line: 1, field: 'geometry', message: /^feature 1 \(Les Sables-d’Olonne\), code 85194: la géométri/ }],
  ['malformed/cpts--csv-commune-not-imported.csv', { line: 2, field: 'code_insee', message: /^commune 44109 is not in the commune table: import the co/ }],
  ['malformed/cpts--csv-header-only.csv', { line: 1, message: /^aucune ligne de données après l'en-tête : le fichier n'a/ }],
  ['malformed/cpts--csv-unknown-status.csv', { line: 2, field: 'statut', message: /^unknown status "en sommeil": expected pré-projet, projet/ }],
  ['malformed/cpts--csv-utf16le-bom.csv', { line: 1, message: /^le fichier est encodé en UTF-16 \(marque d'ordre des octe/ }],
  ['malformed/cpts--nesting-depth.geojson', { line: 2, message: /^imbrication de plus de 32 niveaux \(colonne 29\) : ce n'es/ }],
  ['malformed/cpts--no-features.geojson', { message: /^the FeatureCollection has no features/ }],
  ['malformed/cpts--nul-byte.geojson', { line: 8, message: /^octet nul \(NUL\) en colonne 17 : un fichier texte n'en co/ }],
  ['malformed/cpts--polygon-across-metropole-and-guadeloupe.geojson', { field: 'features[0].geometry', message: /^feature 0 \(CPTS cpts-test\): la géométrie s'étend hors de/ }],
  ['malformed/cpts--polygon-covering-france.geojson', { field: 'features[0].geometry', message: /^feature 0 \(CPTS cpts-test\): surface de 935\u202f280 km², invraisemblable pour un périmètre de CPTS/ }],
  ['malformed/cpts--polygon-in-the-sea.geojson', { field: 'features[0].geometry', message: /^feature 0 \(CPTS cpts-test CPTS de test\): le polygone ne/ }],
  ['malformed/cpts--polygon-projected-coordinates.geojson', { field: 'features[0].geometry', message: /^feature 0 \(CPTS cpts-test\): position \[355328, 6693664\] i/ }],
  ['malformed/cpts--polygon-where-no-commune-is-imported.geojson', { field: 'features[0].geometry', message: /^feature 0 \(CPTS cpts-test CPTS de test\): le polygone ne/ }],
  ['malformed/cpts--utf16le-bom.geojson', { line: 1, message: /^le fichier est encodé en UTF-16 \(marque d'ordre des octe/ }],
  ['malformed/cpts--world-sized-polygon.geojson', { field: 'features[0].geometry', message: /^feature 0 \(CPTS cpts-test\): la géométrie s'étend hors de/ }],
  ['malformed/finess--header-only.csv', { field: 'structureet', message: /^no structureet record: expected at least one establishme/ }],
  ['malformed/finess--nul-byte.csv', { line: 2, message: /^octet nul \(NUL\) en colonne 57 : un fichier texte n'en co/ }],
  ['malformed/finess--only-geolocalisation-records.csv', { field: 'structureet', message: /^no structureet record: expected at least one establishme/ }],
  ['malformed/finess--unknown-crs.csv', { line: 3, field: 'sourcecoordet', message: /^unknown coordinate system EPSG:3857 in "1,ATLASANTE,100,/ }],
  ['malformed/finess--utf16le-bom.csv', { line: 1, message: /^le fichier est encodé en UTF-16 \(marque d'ordre des octe/ }],
  ['malformed/gp--blank-lines-only.csv', { message: /^the file is empty \(no header line\)/ }],
  ['malformed/gp--code-lost-leading-zero.csv', { line: 2, field: 'codecommuneetablissement', message: /^"1004" is not an INSEE code \(4 digits: a leading zero lo/ }],
  ['malformed/gp--code-twice.csv', { line: 4, field: 'codecommuneetablissement', message: /^INSEE code 85194 appears twice \(first on line 2\)/ }],
  ['malformed/gp--empty.csv', { message: /^the file is empty \(no header line\)/ }],
  ['malformed/gp--extra-field.csv', { line: 2, message: /^expected 2 fields separated by ";" \(as in the header\), f/ }],
  ['malformed/gp--fractional-count.csv', { line: 2, field: 'generaliste', message: /^"2\.5" is not a count of GPs \(a whole number ≥ 0, e\.g\. 3/ }],
  ['malformed/gp--header-only.csv', { line: 1, message: /^aucune ligne de données après l'en-tête : le fichier n'a/ }],
  ['malformed/gp--latin1-declared-utf8.csv', { message: /^the file is not valid UTF-8 \(use --encoding latin1 for a/ }],
  ['malformed/gp--missing-count-column.csv', { line: 1, field: 'generaliste', message: /^missing column for the GP count: expected "generaliste";/ }],
  ['malformed/gp--negative-count.csv', { line: 2, field: 'generaliste', message: /^"-3" is not a count of GPs \(a whole number ≥ 0, e\.g\. 3 o/ }],
  ['malformed/gp--no-valid-row.csv', { line: 2, field: 'codecommuneetablissement', message: /^aucune ligne valide : les 2 ligne\(s\) lue\(s\) ont un code/ }],
  ['malformed/gp--nul-byte.csv', { line: 3, message: /^octet nul \(NUL\) en colonne 8 : un fichier texte n'en con/ }],
  ['malformed/gp--truncated.csv.gz', { message: /^not a complete gzip file \(unexpected end of file\); the f/ }],
  ['malformed/gp--unclosed-quote.csv', { line: 3, message: /^malformed CSV: Quote Not Closed: the parsing is finished/ }],
  ['malformed/gp--utf16le-bom.csv', { line: 1, message: /^le fichier est encodé en UTF-16 \(marque d'ordre des octe/ }],
  ['malformed/gp--utf16le-no-bom.csv', { line: 1, message: /^le fichier semble encodé en UTF-16 ou UTF-32 \(un octet n/ }],
  ['malformed/memberships--header-only.csv', { line: 1, message: /^aucune ligne de données après l'en-tête : le fichier n'a/ }],
  ['malformed/memberships--nul-byte.csv', { line: 2, message: /^octet nul \(NUL\) en colonne 33 : un fichier texte n'en co/ }],
  ['malformed/memberships--unknown-pharmacy.csv', { line: 2, field: 'pharmacie_finess', message: /^pharmacy 850099999 is not in the pharmacie table \(import/ }],
  ['malformed/structures--header-only.csv', { line: 1, message: /^aucune ligne de données après l'en-tête : le fichier n'a/ }],
  ['malformed/structures--latitude-out-of-range.csv', { line: 2, field: 'latitude', message: /^"146\.5" is not a latitude in degrees \(WGS84, e\.g\. 47\.218/ }],
  ['communes/invalid-degenerate-empty.geojson', { line: 2, field: 'geometry', message: /^commune 85092 Fontenay-le-Comte: the outline is empty on/ }],
  ['communes/invalid-duplicate-code.geojson', { line: 3, field: 'properties.code', message: /^duplicate commune code 85035: already given by invalid-d/ }],
  ['communes/invalid-malformed-geometry.geojson', { line: 1, field: 'geometry.coordinates', message: /^feature 1 \(Bretignolles-sur-Mer\), code 85035: ring 1, po/ }],
  ['communes/invalid-missing-code.geojson', { line: 2, field: 'properties.code', message: /^feature 2 \(Saint-Mathurin\) has no commune code/ }],
  ['communes/invalid-not-feature-collection.geojson', { field: 'type', message: /^not a GeoJSON FeatureCollection \(top-level type "Feature/ }],
  ['communes/invalid-truncated.geojson.gz', { message: /^not a complete gzip file \(unexpected end of file\); the f/ }],
  ['communes/invalid-unclosed-ring.geojson', { line: 2, field: 'geometry.coordinates', message: /^feature 2 \(Brem-sur-Mer\), code 85243: ring 1 is not clos/ }],
  ['cpts/invalid-bad-status.csv', { line: 3, field: 'statut', message: /^unknown status "en cours de création": expected pré-proj/ }],
  ['cpts/invalid-duplicate-id-different-names.csv', { line: 3, field: 'cpts_nom', message: /^CPTS illustratif-olonne is named "CPTS des Olonnes et du/ }],
  ['cpts/invalid-geojson-properties.geojson', { field: 'features[0].properties.statut', message: /^feature 0 \(CPTS a\): unknown status "en attente": expecte/ }],
  ['cpts/invalid-missing-column.csv', { line: 1, field: 'code_insee', message: /^missing column for the INSEE code: expected "code_insee"/ }],
  ['cpts/invalid-polygon-empty-once-valid.geojson', { field: 'features[1].geometry', message: /^feature 1 \(CPTS illustratif-plat CPTS illustrative plate/ }],
  ['cpts/invalid-unknown-insee.csv', { line: 3, field: 'code_insee', message: /^unknown INSEE code 85999: not a commune of the COG 2026/ }],
  ['finess/invalid-bad-coordinate.csv', { line: 4, field: 'coordxet', message: /^"355328,5" is not a number \(expected a projected coordin/ }],
  ['finess/invalid-bad-date.csv', { line: 2, field: 'dateouv', message: /^"2019-02-30" is not a date \(expected yyyy-mm-dd or dd\/mm/ }],
  ['finess/invalid-duplicate-finess.csv', { line: 4, field: 'nofinesset', message: /^duplicate FINESS number 440013696 \(first at line 2\): exp/ }],
  ['finess/invalid-encoding-latin1-declared-utf8.csv', { line: 2, field: 'libcategagretab', message: /^byte 0xE0 is not valid UTF-8: the file was declared UTF-/ }],
  ['finess/invalid-missing-header.csv', { line: 1, field: 'header', message: /^header missing: the first line must be `finess;etalab;<c/ }],
  ['finess/invalid-truncated-last-line.csv', { line: 5, field: 'sourcecoordet', message: /^expected at least 6 fields \(geolocalisation;nofinesset;c/ }],
  ['finess/invalid-truncated.csv.gz', { line: 7, field: 'codeape', message: /^the gzip stream ends unexpectedly \(unexpected end of fil/ }],
  ['gp/invalid-bad-counts.csv', { line: 3, field: 'nb_medecins_generalistes', message: /^"trois" is not a count of GPs \(a whole number ≥ 0, e\.g\./ }],
  ['gp/invalid-duplicate-codes.csv', { line: 4, field: 'code_insee', message: /^INSEE code 85194 appears twice \(first on line 2\)/ }],
  ['gp/invalid-missing-column.csv', { line: 1, field: 'code_insee', message: /^missing column for the INSEE code: expected "code_insee"/ }],
  ['memberships/invalid-cpts-seat-as-structure.csv', { line: 2, field: 'structure_finess', message: /^structure 850028614 is the seat of a CPTS: a membership of a CPTS goes in cpts_id/ }],
  ['memberships/invalid-missing-column.csv', { line: 1, field: 'structure_finess', message: /^missing column for the membership target \(structure or C/ }],
  ['memberships/invalid-targets.csv', { line: 2, field: 'structure_finess', message: /^give a structure_finess OR a cpts_id, not both \(85002643/ }],
  ['memberships/invalid-unknown-pharmacy.csv', { line: 3, field: 'pharmacie_finess', message: /^pharmacy 850099999 is not in the pharmacie table/ }],
  ['memberships/invalid-unknown-structure-and-cpts.csv', { line: 2, field: 'structure_finess', message: /^structure 850099998 is not in the structure table/ }],
  ['zoning/invalid-conflicting-zones.csv', { line: 3, field: 'zone', message: /^commune 85194 is zoned ZAC here but ZIP on line 2/ }],
  ['zoning/invalid-missing-column.csv', { line: 1, field: 'zone', message: /^missing column for the zone: expected one of "zone", "zo/ }],
  ['zoning/invalid-unknown-code.csv', { line: 3, field: 'code_insee', message: /^unknown INSEE code 85999: not a commune of the COG 2026/ }],
  ['zoning/invalid-unknown-zone.csv', { line: 3, field: 'zone', message: /^unknown zone "zone rouge": expected ZIP, ZAC, ZV, ZAR, h/ }],
  ['structures/invalid-structures.csv', { line: 2, field: 'code_insee', message: /^no place: give an INSEE code or a longitude and latitude/ }],
  ['malformed/zoning--header-only.csv', { line: 1, message: /^aucune ligne de données après l'en-tête : le fichier n'a/ }],
  ['malformed/zoning--impossible-date.csv', { line: 2, field: 'date', message: /^"2023-02-30" is not a date \(YYYY-MM-DD or dd\/mm\/yyyy\)/ }],
  ['malformed/zoning--nul-byte.csv', { line: 2, message: /^octet nul \(NUL\) en colonne 8 : un fichier texte n'en con/ }],
  ['malformed/zoning--unknown-zone.csv', { line: 2, field: 'zone', message: /^unknown zone "ZZZ": expected ZIP, ZAC, ZV, ZAR, hors zon/ }],
  ['malformed/zoning--utf16be-bom.csv', { line: 1, message: /^le fichier est encodé en UTF-16 \(marque d'ordre des octe/ }],
];

/** Options some files are imported with (the rest with none). */
const OPTIONS: Record<string, Record<string, unknown>> = {
  'malformed/gp--latin1-declared-utf8.csv': { encoding: 'utf-8' },
  'finess/invalid-encoding-latin1-declared-utf8.csv': { encoding: 'utf-8' },
  'gp/invalid-bad-counts.csv': { codeColumn: 'code_insee', countColumn: 'nb_medecins_generalistes', source: 'test' },
  'gp/invalid-duplicate-codes.csv': { codeColumn: 'code_insee', countColumn: 'nb_medecins_generalistes', source: 'test' },
  'gp/invalid-missing-column.csv': { codeColumn: 'code_insee', countColumn: 'nb_medecins_generalistes', source: 'test' },
  'zoning/invalid-conflicting-zones.csv': { source: 'test' },
  'zoning/invalid-missing-column.csv': { source: 'test' },
  'zoning/invalid-unknown-code.csv': { source: 'test' },
  'zoning/invalid-unknown-zone.csv': { source: 'test' },
};

/** The import kind of a corpus file: `malformed/<kind>--<case>` or `<kind>/invalid-<case>`. */
const kindOf = (path: string) => (path.startsWith('malformed/') ? path.slice('malformed/'.length).split('--')[0]! : path.split('/')[0]!) as ImportKind;

/** Every table an importer writes, as a comparable fingerprint (row count and checksum of the rows). */
const TABLES = [
  'region', 'departement', 'commune', 'pharmacie', 'structure', 'cpts', 'cpts_commune', 'offre_mg', 'zonage', 'adhesion_pharmacie',
  'import_log', 'finess_stock', 'finess_changement', 'structure_sous_type_correction', 'bassin_vie', 'zone_emploi', 'commune_bassin',
];
async function snapshot(db: Db): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of TABLES) {
    const r = await db.query<{ n: number; h: string }>(
      `SELECT count(*)::int AS n, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS h FROM ${t} x`,
    );
    out[t] = `${r.rows[0]!.n}:${r.rows[0]!.h}`;
  }
  return out;
}

async function refusal(p: Promise<unknown>): Promise<ImportError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e, 'the import must be refused').toBeInstanceOf(ImportError);
  return e as ImportError;
}

it('the corpus: at least 50 generated cases, each in the table, and every invalid-* fixture', () => {
  const generated = readdirSync(fx('malformed')).filter((f) => f.includes('--'));
  expect(generated.length).toBeGreaterThanOrEqual(50);
  const earlier = ['communes', 'cpts', 'finess', 'gp', 'memberships', 'zoning', 'structures']
    .flatMap((k) => readdirSync(fx(k)).filter((f) => f.startsWith('invalid-') && f !== 'invalid-bow-tie-repairable.geojson').map((f) => `${k}/${f}`));
  expect(CASES.map(([p]) => p).sort()).toEqual([...generated.map((f) => `malformed/${f}`), ...earlier].sort());
});

describeEachBackend('malformed corpus: refused with file, line and field, database unchanged', (backend) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let before: Record<string, string>;

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    await runImport(db, 'communes', [fx('cpts/communes-sables-olonne-2018.geojson')]);
    await runImport(db, 'finess', [fx('finess/finess-2021-utf8.csv')]);
    await db.exec(`
      INSERT INTO pharmacie (finess, nom, commune_code, source) VALUES
        ('850014838', 'PHARMACIE DE LA BOUSSOLE', '85194', 'test'), ('850023730', 'PHARMACIE GOUIN', '85112', 'test');
      INSERT INTO structure (finess, type, nom, commune_code, source) VALUES
        ('850026436', 'msp', 'MSP DES 3 CAPS', '85194', 'test'), ('850028614', 'siege_cpts', 'CPTS LITTORAL VENDEEN', '85194', 'test');`);
    await runImport(db, 'gp', [fx('gp/sirene-excerpt-sables-montaigu.csv')]);
    await runImport(db, 'zoning', [fx('zoning/zonage-comma.csv')], { source: 'test' });
    await runImport(db, 'cpts', [fx('cpts/plain-comma.csv')]);
    before = await snapshot(db);
  }, 120_000);
  afterAll(async () => {
    await dispose?.();
  });

  it.each(CASES)('%s', async (path, expected) => {
    const e = await refusal(runImport(db, kindOf(path), [fx(path)], OPTIONS[path] ?? {}));
    const name = path.split('/').pop()!;
    expect(e.issues.every((i) => i.file === name)).toBe(true);
    expect(e.issues).toContainEqual({ file: name, line: expected.line, field: expected.field, message: expect.stringMatching(expected.message) });
    expect(await snapshot(db)).toEqual(before);
  });

  // What follows changes the database: after the corpus.
  it('FINESS: an orphan position record and coordinates outside Lambert-93 are warnings with file, line and field; the known position is kept', async () => {
    const where = "SELECT ST_AsText(geom) AS g, coord_source FROM pharmacie WHERE finess = '440013696'";
    const known = (await db.query(where)).rows[0];
    expect(known).toMatchObject({ g: expect.stringMatching(/^POINT/) });
    const file = 'warning-position-outside-lambert93-and-orphan.csv';
    const r = await runImport(db, 'finess', [fx(`finess/${file}`)]);
    expect(r.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^${file}, line 10, field coordxet: FINESS 440013696 .* : coordonnées 6693664.2 355328.5 hors du domaine de EPSG:2154 .*la position déjà connue.* est conservée`)),
        `${file}, line 17, field nofinesset: geolocalisation du FINESS 440099998, qui n'a pas de ligne structureet dans le fichier (ligne orpheline) ; ignorée`,
      ]),
    );
    expect((await db.query(where)).rows[0]).toEqual(known);
  });

  it('CPTS polygons: with --force, one in the sea and one of implausible area are imported with a warning', async () => {
    const sea = await runImport(db, 'cpts', [fx('malformed/cpts--polygon-in-the-sea.geojson')], { force: true });
    expect(sea.warnings).toEqual([expect.stringMatching(/^feature 0 \(CPTS cpts-test CPTS de test\): le polygone ne sélectionne aucune commune .* ; importée quand même \(--force\)$/)]);
    const large = await runImport(db, 'cpts', [fx('malformed/cpts--polygon-covering-france.geojson')], { force: true });
    expect(large.warnings).toEqual([expect.stringMatching(/^feature 0 \(CPTS cpts-test\): surface de .* km², invraisemblable pour un périmètre de CPTS .* ; importé car --force$/)]);
    expect(large.counts).toMatchObject({ cpts: 1, memberships: 5 });
  });
});
