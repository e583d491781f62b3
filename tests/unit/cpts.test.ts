import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCptsCsv, parseCptsGeojson, parseStatut } from '../../server/src/import/cpts.js';
import { detectDelimiter, parseDate, readCsv, requireColumn, toCurrentCommune } from '../../server/src/import/csv.js';
import { IssueList } from '../../server/src/import/errors.js';
import { readSource } from '../../server/src/import/source.js';
import { fixturePath, fixtureText, issuesOf } from '../helpers/input.js';
import { needsShared, sharedSource } from '../helpers/shared.js';

const fixture = (name: string) => fixturePath('cpts', name);
const text = (name: string) => fixtureText('cpts', name);
const SHARED_APPROX = sharedSource('cpts/cpts-perimeters-approx.csv');
const shared = needsShared(SHARED_APPROX);


describe('readCsv (shared CSV helper)', () => {
  it('detects the delimiter from the header line, ignoring quoted separators', () => {
    expect(detectDelimiter('a;b;c')).toBe(';');
    expect(detectDelimiter('a,b,c')).toBe(',');
    expect(detectDelimiter('"nom, prénom";code')).toBe(';');
    expect(detectDelimiter('"a;b",c,d')).toBe(',');
    expect(detectDelimiter('seule_colonne')).toBe(';');
  });

  it('gives each record the 1-based line where it starts (CRLF, blank lines, quoted newlines)', () => {
    const t = readCsv('\r\nid;nom\r\n1;a\r\n\r\n2;"deux\r\nlignes"\r\n3;c', 'x.csv');
    expect(t.delimiter).toBe(';');
    expect(t.headerLine).toBe(2);
    expect(t.columns).toEqual(['id', 'nom']);
    expect(t.rows.map((r) => [r.line, r.values.id, r.values.nom])).toEqual([
      [3, '1', 'a'],
      [5, '2', 'deux\nlignes'],
      [7, '3', 'c'],
    ]);
  });

  it('trims names and values, accepts empty trailing fields, rejects rows with a wrong field count', () => {
    expect(readCsv(' a , b ,\n 1 , 2 ,\n', 'x.csv').rows[0]!.values).toEqual({ a: '1', b: '2' });
    const issues = issuesOf(() => readCsv('a,b\n1,2\n3\n4,5,6\n', 'x.csv'));
    expect(issues.map((i) => i.line)).toEqual([3, 4]);
    expect(issues[0]!.message).toMatch(/expected 2 fields separated by ","/);
  });

  it('reports an unclosed quote and duplicate column names', () => {
    const q = issuesOf(() => readCsv('a;b\n1;"2\n', 'x.csv'));
    expect(q[0]).toMatchObject({ file: 'x.csv', line: 2 });
    expect(q[0]!.message).toMatch(/malformed CSV/);
    const d = issuesOf(() => readCsv('a;A\n1;2\n', 'x.csv'));
    expect(d[0]!.message).toMatch(/column "A" appears twice/);
    expect(issuesOf(() => readCsv('\n\n', 'x.csv'))[0]!.message).toMatch(/empty/);
  });

  it('requireColumn names the missing column and lists the columns found', () => {
    const t = readCsv('x;y\n1;2\n', 'x.csv');
    const issues = new IssueList('x.csv');
    expect(requireColumn(t, issues, ['ID', 'x'], 'id')).toBe('x'); // case-insensitive, first candidate present
    expect(requireColumn(t, issues, 'code_insee', 'INSEE code')).toBeUndefined();
    expect(issues.items).toEqual([
      { file: 'x.csv', line: 1, field: 'code_insee', message: 'missing column for the INSEE code: expected "code_insee"; columns found: "x", "y"' },
    ]);
  });

  it('parses ISO and French dates, rejects impossible ones', () => {
    expect(parseDate('2021-03-01')).toBe('2021-03-01');
    expect(parseDate('15/06/2022')).toBe('2022-06-15');
    expect(parseDate('2021-02-30')).toBeUndefined();
    expect(parseDate('2021/03/01')).toBeUndefined();
  });

  it('maps INSEE codes to current communes and explains the failures', () => {
    expect(toCurrentCommune('85060')).toEqual({ code: '85194', renamed: true });
    expect(toCurrentCommune('85194')).toEqual({ code: '85194', renamed: false });
    expect(toCurrentCommune('2a004')).toEqual({ code: '2A004', renamed: false });
    expect(toCurrentCommune('1034')).toMatchObject({ error: expect.stringMatching(/leading zero/) });
    expect(toCurrentCommune('85999')).toMatchObject({ error: expect.stringMatching(/unknown INSEE code 85999/) });
  });
});

describe('parseStatut', () => {
  it('accepts the French labels and the stored codes, case- and accent-insensitively', () => {
    expect(parseStatut('Pré-projet')).toBe('pre-projet');
    expect(parseStatut('PRE PROJET')).toBe('pre-projet');
    expect(parseStatut('projet')).toBe('projet');
    expect(parseStatut('En fonctionnement')).toBe('en-fonctionnement');
    expect(parseStatut('en-fonctionnement')).toBe('en-fonctionnement');
    expect(parseStatut('Contrat ACI signé')).toBe('aci-signe');
    expect(parseStatut('aci-signe')).toBe('aci-signe');
    expect(parseStatut('en cours')).toBeUndefined();
  });
});

describe('parseCptsCsv', () => {
  it.skipIf(shared.skip)(shared.title('reads the shared approximate perimeters file (103 FINESS CPTS, EPCI of the seat)'), () => {
    const r = parseCptsCsv(readFileSync(SHARED_APPROX, 'utf8'), 'cpts-perimeters-approx.csv');
    expect(r.rows).toBe(2859);
    expect(r.cpts).toHaveLength(103);
    // Rows naming Paris, Lyon or Marseille whole stand for all their arrondissements municipaux.
    const split = readFileSync(SHARED_APPROX, 'utf8').split('\n').filter((l) => /;(75056|69123|13055);/.test(l)).length;
    const extra = readFileSync(SHARED_APPROX, 'utf8').split('\n').reduce((n, l) => n + ((/;75056;/.test(l) ? 19 : /;69123;/.test(l) ? 8 : /;13055;/.test(l) ? 15 : 0)), 0);
    expect(r.counts.communesSplit).toBe(split);
    expect(r.members.length + r.counts.duplicates).toBe(2859 + extra);
    expect(r.cpts.every((c) => c.perimetre === 'approximatif' && c.finess === c.id && c.statut === 'en-fonctionnement')).toBe(true);
    const lv = r.cpts.find((c) => c.id === '850028614')!;
    expect(lv.nom).toBe('CPTS LITTORAL VENDEEN');
    expect(lv.source).toBe(
      'cpts-perimeters-approx.csv — périmètre approximatif (approx:epci-du-siege:200071165) ; statut « en fonctionnement » supposé (CPTS enregistrée au FINESS, statut absent du fichier)',
    );
    expect(r.members.filter((m) => m.cptsId === '850028614').map((m) => m.code).sort()).toEqual(['85112', '85194', '85214', '85250', '85298']);
  });

  it('reads the FINESS perimeters form: id is a FINESS number, status defaulted and said so', () => {
    const r = parseCptsCsv(text('approx-littoral-vendeen.csv'), 'approx-littoral-vendeen.csv', { source: 'Périmètres test' });
    expect(r.cpts).toEqual([
      {
        id: '850028614',
        nom: 'CPTS LITTORAL VENDEEN',
        finess: '850028614',
        statut: 'en-fonctionnement',
        perimetre: 'approximatif',
        dateOuverture: null,
        source: expect.stringMatching(/^Périmètres test — périmètre approximatif .*supposé \(CPTS enregistrée au FINESS/),
      },
    ]);
    expect(r.members.map((m) => [m.code, m.line])).toEqual([
      ['85194', 2],
      ['85112', 3],
      ['85214', 4],
      ['85250', 5],
      ['85298', 6],
    ]);
  });

  it('reads the plain form; semicolon and comma variants give the same result; former codes are mapped and merged', () => {
    const semi = parseCptsCsv(text('plain-semicolon.csv'), 'plain.csv');
    const comma = parseCptsCsv(text('plain-comma.csv'), 'plain.csv');
    expect(comma).toEqual(semi);
    expect(semi.cpts.map((c) => [c.id, c.statut, c.finess, c.perimetre])).toEqual([
      ['illustratif-olonne', 'aci-signe', null, 'officiel'],
      ['illustratif-bocage', 'pre-projet', null, 'officiel'],
    ]);
    // 85060 and 85166 merged into Les Sables-d'Olonne (85194) in 2019: one membership.
    expect(semi.members.filter((m) => m.cptsId === 'illustratif-olonne').map((m) => [m.code, m.inputCode, m.line])).toEqual([
      ['85194', '85060', 2],
      ['85112', undefined, 4],
    ]);
    expect(semi.counts).toEqual({ renamedCodes: 1, duplicates: 1, communesSplit: 0 });
    expect(semi.warnings).toEqual([
      'line 3: CPTS illustratif-olonne lists commune 85194 (as 85166) again (first on line 2); counted once',
    ]);
  });

  it('deduplicates repeated (CPTS, commune) rows with a warning; statuses are case-insensitive', () => {
    const r = parseCptsCsv(text('duplicate-rows.csv'), 'duplicate-rows.csv');
    expect(r.cpts.map((c) => c.statut)).toEqual(['en-fonctionnement']);
    expect(r.members.map((m) => m.code)).toEqual(['85194']);
    expect(r.warnings).toHaveLength(2);
    expect(r.warnings[1]).toMatch(/^line 4: .*85194 again \(first on line 2\)/);
  });

  it('rejects unknown INSEE codes with line and field', () => {
    const issues = issuesOf(() => parseCptsCsv(text('invalid-unknown-insee.csv'), 'invalid-unknown-insee.csv'));
    expect(issues.map((i) => [i.line, i.field])).toEqual([
      [3, 'code_insee'],
      [4, 'code_insee'],
    ]);
    expect(issues[0]!.message).toMatch(/unknown INSEE code 85999/);
    expect(issues[1]!.message).toMatch(/leading zero/);
  });

  it('rejects an unknown status, naming the accepted ones', () => {
    const issues = issuesOf(() => parseCptsCsv(text('invalid-bad-status.csv'), 'invalid-bad-status.csv'));
    expect(issues).toEqual([
      {
        file: 'invalid-bad-status.csv',
        line: 3,
        field: 'statut',
        message: 'unknown status "en cours de création": expected pré-projet, projet, en fonctionnement or contrat ACI signé',
      },
    ]);
  });

  it('rejects one CPTS id with two names', () => {
    const issues = issuesOf(() => parseCptsCsv(text('invalid-duplicate-id-different-names.csv'), 'x.csv'));
    expect(issues).toEqual([
      {
        file: 'x.csv',
        line: 3,
        field: 'cpts_nom',
        message: 'CPTS illustratif-olonne is named "CPTS des Olonnes et du bocage" here but "CPTS illustrative des Olonnes" on line 2',
      },
    ]);
  });

  it('names a missing column and the columns found; a column option renames it', () => {
    const issues = issuesOf(() => parseCptsCsv(text('invalid-missing-column.csv'), 'x.csv'));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toBe(
      'missing column for the INSEE code: expected "code_insee"; columns found: "cpts_id", "cpts_nom", "statut", "insee"',
    );
    const r = parseCptsCsv(text('invalid-missing-column.csv'), 'x.csv', { codeColumn: 'insee' });
    expect(r.members.map((m) => m.code)).toEqual(['85194']);
  });

  it('without a status column: a non-FINESS id needs the status option (reported once per CPTS)', () => {
    const issues = issuesOf(() => parseCptsCsv(text('no-status-column.csv'), 'x.csv'));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toMatch(/no status for CPTS illustratif-olonne/);
    const r = parseCptsCsv(text('no-status-column.csv'), 'x.csv', { status: 'Pré-projet', perimetre: 'illustratif' });
    expect(r.cpts.map((c) => [c.statut, c.perimetre, c.source])).toEqual([['pre-projet', 'illustratif', 'x.csv']]);
  });

  it('takes a CPTS status from its first row that has one; contradicting statuses are errors', () => {
    const csv = (rows: string[]) => ['id;nom;statut;code_insee', ...rows].join('\n');
    const r = parseCptsCsv(csv(['850028614;CPTS LV;;85194', '850028614;CPTS LV;Projet;85112', '850028614;CPTS LV;;85214']), 'x.csv');
    expect(r.cpts.map((c) => [c.statut, c.source])).toEqual([['projet', 'x.csv']]);
    const issues = issuesOf(() => parseCptsCsv(csv(['a;A;projet;85194', 'a;A;;85112', 'a;A;pré-projet;85214']), 'x.csv'));
    expect(issues).toEqual([{ file: 'x.csv', line: 4, field: 'statut', message: 'CPTS a has status pre-projet here but projet on line 2' }]);
  });

  it('refuses to label an approximate perimeter as official, and bad options', () => {
    const issues = issuesOf(() => parseCptsCsv(text('approx-littoral-vendeen.csv'), 'x.csv', { perimetre: 'officiel' }));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 2, field: 'methode', message: expect.stringMatching(/cannot be imported with perimetre officiel/) });
    const bad = issuesOf(() => parseCptsCsv(text('plain-semicolon.csv'), 'x.csv', { status: 'actif', perimetre: 'flou' as 'officiel' }));
    expect(bad.map((i) => i.field)).toEqual(['status', 'perimetre']);
  });

  it('name-only CPTS (an ARS listing): stable ids from région and name; arrondissements of Marseille; Nice claimed whole by several', () => {
    const file = 'paca-ars-excerpt-name-only.csv';
    const opts = { status: 'non renseigné', source: 'ARS PACA, listing des CPTS, janvier 2026' };
    const r = parseCptsCsv(text(file), file, opts);
    expect(r.idsGenerated).toBe(true);
    expect(r.cpts.map((c) => [c.id, c.nom, c.statut, c.finess, c.perimetre, c.source])).toEqual([
      ['93-cpts-actes-sante', 'CPTS Actes Santé', 'non-renseigne', null, 'officiel', 'ARS PACA, listing des CPTS, janvier 2026'],
      ['93-cpts-nice-nord-et-ses-collines', 'CPTS Nice Nord et ses Collines', 'non-renseigne', null, 'officiel', 'ARS PACA, listing des CPTS, janvier 2026'],
      ['93-cpts-nice-ouest-vallee', 'CPTS Nice ouest Vallée', 'non-renseigne', null, 'officiel', 'ARS PACA, listing des CPTS, janvier 2026'],
    ]);
    const of = (id: string) => r.members.filter((m) => m.cptsId === id).map((m) => m.code);
    expect(of('93-cpts-actes-sante')).toEqual(['13214', '13215', '13216']);
    expect(of('93-cpts-nice-ouest-vallee')).toEqual(['06046', '06088']);
    expect(of('93-cpts-nice-nord-et-ses-collines')).toContain('06088');
    // Same ids on every import.
    expect(parseCptsCsv(text(file), file, opts).cpts.map((c) => c.id)).toEqual(r.cpts.map((c) => c.id));
    // A status is needed: the listing gives none.
    expect(issuesOf(() => parseCptsCsv(text(file), file))[0]!.message).toMatch(/no status for CPTS CPTS Actes Santé.*non renseigné/);
  });

  it('a commune split into arrondissements claimed whole stands for all of them; an arrondissement of another commune is refused', () => {
    const csv = ['cpts_id;cpts_nom;statut;code_insee;code_arrondissement', 'a;A;projet;13055;', 'b;B;projet;13055;13207', 'c;C;projet;13055;75101'].join('\n');
    const issues = issuesOf(() => parseCptsCsv(csv, 'x.csv'));
    expect(issues).toEqual([{ file: 'x.csv', line: 4, field: 'code_arrondissement', message: '"75101" is not an arrondissement municipal of 13055' }]);
    const r = parseCptsCsv(csv.split('\n').slice(0, 3).join('\n'), 'x.csv');
    expect(r.members.filter((m) => m.cptsId === 'a')).toHaveLength(16);
    expect(r.members.filter((m) => m.cptsId === 'b').map((m) => m.code)).toEqual(['13207']);
    expect(r.counts.communesSplit).toBe(1);
  });

  it('reads a gzip copy identically', async () => {
    const gz = await readSource(fixture('approx-littoral-vendeen.csv.gz'));
    expect(parseCptsCsv(gz.text, 'a.csv')).toEqual(parseCptsCsv(text('approx-littoral-vendeen.csv'), 'a.csv'));
  });
});

describe('parseCptsGeojson', () => {
  it('reads one Feature per CPTS with its properties and geometry', () => {
    const r = parseCptsGeojson(text('polygon-one-commune-and-30pc-of-neighbour.geojson'), 'p.geojson');
    expect(r.cpts).toHaveLength(1);
    expect(r.cpts[0]).toMatchObject({
      id: 'illustratif-st-mathurin',
      statut: 'projet',
      perimetre: 'illustratif',
      finess: null,
      source: 'p.geojson',
      index: 0,
    });
    expect(JSON.parse(r.cpts[0]!.geometry).type).toBe('Polygon');
  });

  it('accepts a self-intersecting polygon (repaired in PostGIS at import)', () => {
    const r = parseCptsGeojson(text('polygon-self-intersecting.geojson'), 'p.geojson');
    expect(r.cpts.map((c) => c.id)).toEqual(['illustratif-noeud-papillon']);
  });

  it('lists every problem: bad status, missing name, unclosed ring, projected coordinates, duplicate id, non-polygon', () => {
    const issues = issuesOf(() => parseCptsGeojson(text('invalid-geojson-properties.geojson'), 'bad.geojson'));
    expect(issues.map((i) => [i.field, i.message])).toEqual([
      ['features[0].properties.statut', expect.stringMatching(/^feature 0 \(CPTS a\): unknown status "en attente"/)],
      ['features[1].properties.nom', 'feature 1 (CPTS b): no nom property'],
      ['features[2].geometry', 'feature 2 (CPTS c): a ring is not closed (its last position differs from its first)'],
      ['features[3].geometry', expect.stringMatching(/^feature 3 \(CPTS d\): position \[300000, 6600000\] is not longitude\/latitude/)],
      ['features[4].geometry', 'feature 4 (CPTS a): geometry must be a Polygon or MultiPolygon, found Point'],
      ['features[4].properties.id', expect.stringMatching(/CPTS a already has a feature \(features\[0\]\)/)],
    ]);
    expect(issues.every((i) => i.file === 'bad.geojson')).toBe(true);
  });

  it('rejects what is not GeoJSON', () => {
    expect(issuesOf(() => parseCptsGeojson('{"type":', 'x.geojson'))[0]!.message).toMatch(/JSON invalide/);
    expect(issuesOf(() => parseCptsGeojson('{"type":"Topology"}', 'x.geojson'))[0]!.message).toMatch(/FeatureCollection/);
    const crs = '{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::2154"}},"features":[]}';
    expect(issuesOf(() => parseCptsGeojson(crs, 'x.geojson')).map((i) => i.field)).toEqual(['crs', undefined]);
  });
});
