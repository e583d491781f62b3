import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ImportError } from '../../server/src/import/errors.js';
import {
  type FinessEstablishment,
  parseFiness,
  parseFinessDate,
  readFinessSource,
  sridOfCoordSource,
  STRUCTURE_FIELDS,
} from '../../server/src/import/finess.js';
import { issuesOf } from '../helpers/input.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/finess/${name}`, import.meta.url));
const load = (name: string, encoding: 'auto' | 'utf-8' | 'latin1' = 'auto') => readFinessSource(fixture(name), encoding);
const byId = (list: FinessEstablishment[]) => new Map(list.map((e) => [e.finess, e]));

// A real 2021 record (a pharmacy in Nantes) to derive inline test lines from.
const BASE =
  "structureet;440013696;440006435;PHARMACIE DE LA BOURGEONNIERE;;;;90;R;DE LA BOURGEONNIERE;;;109;44;LOIRE-ATLANTIQUE;44300 NANTES;0240764052;;620;Pharmacie d'Officine;3201;Commerce de Biens à Usage Médicaux;50104528000028;;;;;;2019-01-07;;2020-12-16;";
const L93 = '1,ATLASANTE,100,IGN,BD_ADRESSE,V2.2,LAMBERT_93';

/** BASE with some fields replaced, by name. */
function record(changes: Partial<Record<(typeof STRUCTURE_FIELDS)[number], string>>): string {
  const f = BASE.split(';');
  for (const [k, v] of Object.entries(changes)) f[STRUCTURE_FIELDS.indexOf(k as (typeof STRUCTURE_FIELDS)[number])] = v;
  return f.join(';');
}
const parseText = (lines: string[]) => parseFiness({ fileName: 'inline.csv', text: lines.join('\n') + '\n' });

describe('parseFiness: layout variants', () => {
  it('2021 layout (UTF-8, ISO dates, comma-joined source, trailing empty field): keeps the four categories', async () => {
    const src = await load('finess-2021-utf8.csv');
    expect(src.encoding).toBe('utf-8');
    const r = parseFiness(src);
    expect(r.header).toEqual({ count: 8, date: '2021-01-08' });
    expect(r.structureRecords).toBe(8);
    expect(r.geolocationRecords).toBe(8);
    expect(r.counts).toEqual({
      pharmacies: 4,
      msp: 1,
      csp: 1,
      siege_cpts: 1,
      skipped_other_categories: 1, // the hospital (355)
      without_coordinates: 1, // PHARMACIE BONAL has no geolocalisation record
      in_arrondissement: 0,
    });
    // the geolocalisation of an establishment not in the file is reported and ignored
    expect(r.warnings).toEqual([expect.stringMatching(/^finess-2021-utf8\.csv, line \d+, field nofinesset: geolocalisation du FINESS 440099998, qui n'a pas de ligne structureet/)]);
    const e = byId(r.establishments);
    expect(e.has('440000016')).toBe(false); // hospital skipped
    expect(e.has('440099998')).toBe(false); // geolocalisation of an establishment not in the file: ignored
    expect(e.get('440013696')).toEqual({
      finess: '440013696',
      kind: 'pharmacie',
      categorieCode: '620',
      categorieLibelle: "Pharmacie d'Officine",
      nom: 'PHARMACIE DE LA BOURGEONNIERE',
      adresse: '90 R DE LA BOURGEONNIERE',
      codePostal: '44300',
      communeCode: '44109',
      communeStatut: 'ok',
      communeNote: null,
      codeApe: null,
      telephone: '0240764052',
      dateOuverture: '2019-01-07',
      dateMaj: '2020-12-16',
      x: 355328.5,
      y: 6693664.2,
      srid: 2154,
      coordSource: L93,
      line: 2,
    });
    // 44160 (Saint-Géréon, merged in 2019) is mapped to the current commune 44003 Ancenis-Saint-Géréon.
    expect(e.get('440014702')!.communeCode).toBe('44003');
    expect(e.get('440013720')).toMatchObject({ x: null, y: null, srid: null, coordSource: null, adresse: '17 CHS DE LA MADELEINE' });
    expect(e.get('440051043')).toMatchObject({ kind: 'msp', categorieCode: '603', categorieLibelle: 'Maison de santé (L.6223-3)' });
    expect(e.get('440005858')).toMatchObject({ kind: 'csp', categorieCode: '124', communeCode: '44162' });
    expect(e.get('440056653')).toMatchObject({ kind: 'siege_cpts', categorieCode: '604', telephone: null, communeCode: '44193' });
  });

  it('a gzip copy parses exactly like the plain file', async () => {
    const plain = parseFiness(await load('finess-2021-utf8.csv'));
    const gz = parseFiness(await load('finess-2021-utf8.csv.gz'));
    expect(gz.establishments).toEqual(plain.establishments);
    expect(gz.counts).toEqual(plain.counts);
  });

  it('2016 layout (latin-1, dd/mm/yyyy dates, sourcecoordet spread over several fields, no trailing field)', async () => {
    const src = await load('finess-2016-latin1.csv');
    expect(src.encoding).toBe('latin1');
    const r = parseFiness(src);
    expect(r.header).toEqual({ count: 5, date: '2016-12-20' });
    expect(r.counts).toMatchObject({ pharmacies: 2, msp: 2, csp: 0, siege_cpts: 0, skipped_other_categories: 1, without_coordinates: 0 });
    const e = byId(r.establishments);
    expect(e.get('490019015')).toMatchObject({
      nom: 'POLE DE SANTÉ JEAN BERNARD',
      adresse: '31 R DE LA PROMENADE, LE PUY SAINT BONNET',
      communeCode: '49099',
      dateOuverture: '2012-09-28',
      dateMaj: '2014-12-09',
      x: 405466.8,
      y: 6669406.2,
      srid: 2154,
      coordSource: L93, // the spread fields joined back with commas
    });
    expect(e.get('490018975')!.adresse).toBe('8 BD DU MARÉCHAL FOCH');
    // geolocalisation line ending with an empty date: still positioned
    expect(e.get('490534328')).toMatchObject({ nom: "PHARMACIE DE L'ESPÉRANCE", x: 411592.5, srid: 2154, coordSource: L93 });
    // Corse-du-Sud: FINESS département 2A + commune 004
    expect(e.get('2A0000972')).toMatchObject({ communeCode: '2A004', codePostal: '20000', srid: 2154 });
  });

  it('2026 layout: overseas départements 9A…9F map to 971…976, each record in the CRS it names', async () => {
    const r = parseFiness(await load('finess-2026-overseas.csv'));
    expect(r.warnings).toEqual([]);
    const e = byId(r.establishments);
    const got = (id: string) => [e.get(id)!.communeCode, e.get(id)!.srid, e.get(id)!.x, e.get(id)!.y];
    expect(got('970103206')).toEqual(['97101', 5490, 659725.0, 1799535.0]); // Les Abymes, Guadeloupe
    expect(got('970202651')).toEqual(['97209', 5490, 707958.8, 1615512.9]); // Fort-de-France, Martinique
    expect(got('970300802')).toEqual(['97304', 2972, 317351.6, 571220.2]); // Kourou, Guyane
    expect(got('970402699')).toEqual(['97409', 2975, 360335.9, 7682923.7]); // Saint-André, La Réunion
    expect(got('976000601')).toEqual(['97611', 4471, 524637.7, 8587182.2]); // Mamoudzou, Mayotte
    expect(got('440013704')).toEqual(['44109', 2154, 353836.7, 6690488.2]); // explicit EPSG:2154
    expect(got('440051043')).toEqual(['44046', 2154, 317729.3, 6698609.0]); // LAMBERT_93
    expect(e.get('970202651')).toMatchObject({ kind: 'csp', adresse: '29 R MOREAU DE JONNES, BP 665', codePostal: '97200' });
    expect(e.get('976000601')).toMatchObject({ kind: 'msp', dateMaj: '2025-12-01' });
  });

  it('accepts structureet records with or without the trailing empty field, and CRLF line ends', () => {
    const noTrailing = record({ nofinesset: '440013704' }).replace(/;$/, '');
    const r = parseFiness({ fileName: 'crlf.csv', text: ['finess;etalab;2;2021-01-08', BASE, noTrailing].join('\r\n') });
    expect(r.establishments.map((x) => x.finess)).toEqual(['440013696', '440013704']);
    expect(r.establishments[1]!.dateMaj).toBe('2020-12-16');
  });

  it('warns when the header count differs from the records read', () => {
    const r = parseText(['finess;etalab;3;2021-01-08', BASE]);
    expect(r.warnings).toEqual(['inline.csv, line 1, field header: the header announces 3 establishments, the file has 1 structureet records']);
  });

  it('leaves a record without commune code, or with an unknown one, to its position (no error)', () => {
    const r = parseText([
      'finess;etalab;3;2021-01-08',
      record({ nofinesset: '970103172', commune: '', departement: '', libdepartement: '', ligneacheminement: '97150 ST MARTIN' }),
      record({ nofinesset: '440013704', commune: '999' }),
      record({ nofinesset: '970103008', departement: '9A', commune: '205' }), // a Martinique number under Guadeloupe
    ]);
    const e = byId(r.establishments);
    expect(e.get('970103172')).toMatchObject({ communeCode: null, communeStatut: 'inconnue', communeNote: 'no commune code in the file', codePostal: '97150' });
    expect(e.get('440013704')).toMatchObject({ communeCode: null, communeStatut: 'inconnue', communeNote: expect.stringMatching(/^unknown INSEE code 44999 \(département 44, commune 999\)/) });
    expect(e.get('970103008')).toMatchObject({ communeCode: null, communeStatut: 'inconnue', communeNote: expect.stringMatching(/^unknown INSEE code 97205/) });
    expect(r.warnings).toEqual([]); // reported by the import, once it has looked for the commune by position
  });

  it('FINESS as published: Saint-Barthélemy (9A 123) and Saint-Martin (9A 127); Paris by its postal code, Marseille CEDEX left to the position', async () => {
    const r = parseFiness(await load('finess-2021-overseas-collectivities-and-arrondissements.csv'));
    const e = byId(r.establishments);
    const got = (id: string) => [e.get(id)!.communeCode, e.get(id)!.communeStatut, e.get(id)!.srid];
    expect(got('970107033')).toEqual(['97701', 'ok', 5490]); // SNC PHARMACIE ROUX - POUJOL - ROMEUF, Gustavia
    expect(got('970103172')).toEqual(['97801', 'ok', 5490]); // PHARMACIE SOUALIGA, Saint-Martin
    expect(got('750028466')).toEqual(['75116', 'ok', 2154]); // PHARMACIE BUGEAUD, 75116 PARIS: the 16e arrondissement
    expect(got('130782865')).toEqual(['13055', 'divisee', 2154]); // 13235 MARSEILLE CEDEX 02: no arrondissement's postal code
    expect(e.get('130782865')!.communeNote).toMatch(/postal code 13235 names none of them/);
    expect(r.counts).toMatchObject({ pharmacies: 3, csp: 1, in_arrondissement: 1 });
    expect(r.warnings).toEqual([]);
  });

  it('an implausible but real calendar date (0202-02-24, as in the 2021 stock) is stored as unknown with a warning', () => {
    const r = parseText(['finess;etalab;1;2021-01-08', record({ dateouv: '0202-02-24' })]);
    expect(r.establishments[0]!.dateOuverture).toBeNull();
    expect(r.warnings).toEqual([expect.stringMatching(/^inline\.csv, line 2, field dateouv: FINESS 440013696 .*implausible dateouv 0202-02-24; stored as unknown$/)]);
  });

  it('drops a position outside its CRS area or in the wrong CRS for the département, with a warning', () => {
    const r = parseText([
      'finess;etalab;2;2021-01-08',
      BASE,
      record({ nofinesset: '440013704' }),
      `geolocalisation;440013696;6693664.2;355328.5;${L93};2020-12-16`, // x and y swapped
      'geolocalisation;440013704;659725.0;1799535.0;2,ATLASANTE,96,BAN,EPSG:5490 RGAF09/UTM Zone 20N (Antilles);2020-12-16',
    ]);
    expect(r.establishments.every((e) => e.x === null && e.srid === null)).toBe(true);
    expect(r.counts.without_coordinates).toBe(2);
    expect(r.warnings).toEqual([
      expect.stringMatching(/^inline\.csv, line 4, field coordxet: FINESS 440013696 .*hors du domaine de EPSG:2154/),
      expect.stringMatching(/^inline\.csv, line 5, field sourcecoordet: FINESS 440013704 .*EPSG:5490 .*n'est pas le système du département 44/),
    ]);
  });

  it('reports a geolocalisation record of no establishment (file, line), and a NUL byte as an error', () => {
    const r = parseText(['finess;etalab;1;2021-01-08', BASE, `geolocalisation;440099998;355328.5;6693664.2;${L93};2020-12-16`]);
    expect(r.warnings).toEqual([
      "inline.csv, line 3, field nofinesset: geolocalisation du FINESS 440099998, qui n'a pas de ligne structureet dans le fichier (ligne orpheline) ; ignorée",
    ]);
    const issues = issuesOf(() => parseText(['finess;etalab;1;2021-01-08', record({ rs: 'PHARMACIE\0X' })]));
    expect(issues).toEqual([{ file: 'inline.csv', line: 2, field: 'rs', message: expect.stringMatching(/NUL byte/) }]);
  });

  it('reads the header date in either format', () => {
    expect(parseText(['finess;etalab;1;08/01/2021', BASE]).header.date).toBe('2021-01-08');
  });
});

describe('coordinate systems and dates', () => {
  it('sridOfCoordSource names the CRS of each layout', () => {
    expect(sridOfCoordSource(L93)).toBe(2154);
    expect(sridOfCoordSource('')).toBe(2154);
    expect(sridOfCoordSource('2,ATLASANTE,96,BAN,EPSG:5490 RGAF09/UTM Zone 20N (Antilles)')).toBe(5490);
    expect(sridOfCoordSource('2,ATLASANTE,96,BAN,EPSG:2972 RGFG95/UTM Zone 22N (Guyane)')).toBe(2972);
    expect(sridOfCoordSource('2,ATLASANTE,96,BAN,EPSG:2975 RGR92/UTM Zone 40S (Réunion)')).toBe(2975);
    expect(sridOfCoordSource('2,ATLASANTE,96,BAN,EPSG:4471 RGM04/UTM Zone 38S (Mayotte)')).toBe(4471);
    expect(sridOfCoordSource('1,ATLASANTE,100,IGN,BD_ADRESSE,V2.2,UTM_N20')).toBe(5490);
    expect(sridOfCoordSource('1,ATLASANTE,100,IGN,BD_ADRESSE,V2.2,UTM_S40')).toBe(2975);
    expect(sridOfCoordSource('EPSG:27572 NTF Lambert II')).toEqual({ unknown: 'EPSG:27572' });
  });

  it('parseFinessDate accepts ISO and dd/mm/yyyy calendar dates only', () => {
    expect(parseFinessDate('2021-01-08')).toBe('2021-01-08');
    expect(parseFinessDate('29/02/2016')).toBe('2016-02-29');
    expect(parseFinessDate('0202-02-24')).toBe('0202-02-24');
    for (const bad of ['2019-02-30', '29/02/2017', '2021-1-8', '08-01-2021', '2021/01/08', '']) expect(parseFinessDate(bad)).toBeUndefined();
  });
});

describe('parseFiness: invalid input names file, line, field and what was expected', () => {
  const cases: { file: string; encoding?: 'utf-8'; line: number; field: string; message: RegExp }[] = [
    { file: 'invalid-encoding-latin1-declared-utf8.csv', encoding: 'utf-8', line: 2, field: 'libcategagretab', message: /0xE0 is not valid UTF-8/ },
    { file: 'invalid-truncated.csv.gz', line: 7, field: 'codeape', message: /gzip stream ends unexpectedly.*truncated/ },
    { file: 'invalid-truncated-last-line.csv', line: 5, field: 'sourcecoordet', message: /at least 6 fields.*found 4/ },
    { file: 'invalid-duplicate-finess.csv', line: 4, field: 'nofinesset', message: /duplicate FINESS number 440013696 \(first at line 2\)/ },
    { file: 'invalid-bad-coordinate.csv', line: 4, field: 'coordxet', message: /"355328,5" is not a number/ },
    { file: 'invalid-missing-header.csv', line: 1, field: 'header', message: /header missing.*finess;etalab;<count>;<date>/ },
    { file: 'invalid-bad-date.csv', line: 2, field: 'dateouv', message: /"2019-02-30" is not a date \(expected yyyy-mm-dd or dd\/mm\/yyyy\)/ },
  ];
  for (const c of cases) {
    it(c.file, async () => {
      let err: unknown;
      try {
        parseFiness(await load(c.file, c.encoding ?? 'auto'));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ImportError);
      const first = (err as ImportError).issues[0]!;
      expect(first).toMatchObject({ file: c.file, line: c.line, field: c.field });
      expect(first.message).toMatch(c.message);
    });
  }

  it('lists every problem, not just the first', async () => {
    let err: ImportError | undefined;
    try {
      parseFiness(await load('invalid-bad-date.csv'));
    } catch (e) {
      err = e as ImportError;
    }
    expect(err!.issues.map((i) => [i.line, i.field])).toEqual([
      [2, 'dateouv'],
      [5, 'datemaj'],
    ]);
  });

  it('rejects malformed headers, FINESS numbers, field counts, département and commune fields, unknown CRS', () => {
    const issues = issuesOf(() =>
      parseText([
        'finess;etalab;many;2021-01-08',
        record({ nofinesset: '44001369' }),
        BASE.replace(/;$/, ';extra;'),
        record({ nofinesset: '970103008', departement: '9', commune: '205' }),
        record({ nofinesset: '440013704', categetab: '62' }),
        record({ nofinesset: '440013712', departement: '44', commune: '' }),
        'geolocalisation;440013696;355328.5;6693664.2;2,ATLASANTE,96,BAN,EPSG:27572 NTF;2020-12-16',
        'geolocalisation;440013696;;6693664.2;' + L93 + ';2020-12-16',
        'structure;440013696',
      ]),
    );
    expect(issues.map((i) => [i.line, i.field])).toEqual([
      [1, 'header count'],
      [2, 'nofinesset'],
      [3, 'structureet'],
      [4, 'departement'],
      [5, 'categetab'],
      [6, 'commune'],
      [7, 'sourcecoordet'],
      [8, 'coordxet'],
      [9, 'record type'],
    ]);
    expect(issues.every((i) => i.file === 'inline.csv')).toBe(true);
    expect(issues[3]!.message).toMatch(/département "9" is not a FINESS département code/);
  });

  it('rejects an empty file', () => {
    const issues = issuesOf(() => parseFiness({ fileName: 'empty.csv', text: '' }));
    expect(issues).toEqual([{ file: 'empty.csv', line: 1, field: 'header', message: expect.stringMatching(/empty file/) }]);
  });
});
