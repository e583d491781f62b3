import { describe, expect, it } from 'vitest';
import { parseZone, parseZoning } from '../../server/src/import/zoning.js';
import { fixtureText, issuesOf } from '../helpers/input.js';

const text = (name: string) => fixtureText('zoning', name);

describe('parseZone', () => {
  it('accepts ZIP, ZAC, ZV, HZ / hors zonage and the full names, case-insensitively', () => {
    expect(['zip', 'ZAC', 'Zv', 'hz', 'Hors zonage', 'HORS-ZONAGE', "Zone d'action complémentaire"].map(parseZone)).toEqual([
      'ZIP',
      'ZAC',
      'ZV',
      'HZ',
      'HZ',
      'HZ',
      'ZAC',
    ]);
    expect(parseZone('zone rouge')).toBeUndefined();
  });

  it('reads the national file’s ranked values, ZAR, and « non disponible » (null)', () => {
    expect(['1_ZIP', '2_ZAC', '3_HZ', '4_ZAR', 'ZAR', "zone d'accompagnement régional"].map(parseZone)).toEqual(['ZIP', 'ZAC', 'HZ', 'ZAR', 'ZAR', 'ZAR']);
    expect(['N/A - résultat non disponible', 'non disponible', 'N/A'].map(parseZone)).toEqual([null, null, null]);
  });
});

describe('parseZoning', () => {
  it('reads a comma file with a date column and the source option', () => {
    const r = parseZoning(text('zonage-comma.csv'), 'z.csv', { source: 'ARS PDL 2023 (illustratif)' });
    expect(r.rows.map((x) => [x.code, x.zone, x.date, x.line])).toEqual([
      ['85194', 'ZAC', '2023-03-31', 2],
      ['85112', 'ZIP', '2023-03-31', 3],
      ['85214', 'HZ', '2023-03-31', 4],
      ['85250', 'ZV', '2023-03-31', 5],
      ['85298', 'HZ', null, 6],
    ]);
    expect(r.rows.every((x) => x.source === 'ARS PDL 2023 (illustratif)')).toBe(true);
  });

  it('the date option fills rows without a date', () => {
    const r = parseZoning(text('zonage-comma.csv'), 'z.csv', { source: 's', date: '01/04/2023' });
    expect(r.rows.map((x) => x.date)).toEqual(['2023-03-31', '2023-03-31', '2023-03-31', '2023-03-31', '2023-04-01']);
  });

  it('reads a semicolon file with a source column and French dates; maps former codes', () => {
    const r = parseZoning(text('zonage-semicolon-source-column.csv'), 'z.csv');
    expect(r.rows.map((x) => [x.code, x.zone, x.date, x.source])).toEqual([
      ['85194', 'ZIP', '2023-03-31', 'ARS Pays de la Loire (illustratif)'],
      ['85112', 'ZIP', '2023-03-31', 'ARS Pays de la Loire (illustratif)'],
      ['85250', 'ZV', '2023-03-31', 'ARS Pays de la Loire (illustratif)'],
    ]);
    expect(r.counts.renamedCodes).toBe(1);
  });

  it('reads an excerpt of the national file (zonage_mg column): ZAR, non disponible, arrondissements as themselves', () => {
    const r = parseZoning(text('zonage-mg-national-excerpt.csv'), 'z.csv', { source: 's' });
    expect(r.rows.map((x) => [x.code, x.zone, x.raw])).toEqual([
      ['02003', 'ZAR', '4_ZAR'],
      ['13201', 'HZ', '3_HZ'],
      ['13202', 'ZAC', '2_ZAC'],
      ['2A004', 'HZ', '3_HZ'],
      ['44109', 'HZ', '3_HZ'],
      ['75101', 'HZ', '3_HZ'],
      ['75119', 'ZIP', '1_ZIP'],
      ['97411', null, 'N/A - résultat non disponible'],
    ]);
  });

  it('takes column names as options', () => {
    const r = parseZoning(text('zonage-renamed-columns.csv'), 'z.csv', { codeColumn: 'insee', zoneColumn: 'classement', source: 's' });
    expect(r.rows.map((x) => [x.code, x.zone])).toEqual([
      ['85194', 'ZIP'],
      ['85214', 'ZAC'],
    ]);
  });

  it('requires a source', () => {
    const issues = issuesOf(() => parseZoning(text('zonage-comma.csv'), 'z.csv'));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ field: 'source', message: expect.stringMatching(/^no source: give the source option or a source column/) });
  });

  it('rejects unknown zones and unknown codes with line and field', () => {
    expect(issuesOf(() => parseZoning(text('invalid-unknown-zone.csv'), 'z.csv', { source: 's' }))).toEqual([
      { file: 'z.csv', line: 3, field: 'zone', message: 'unknown zone "zone rouge": expected ZIP, ZAC, ZV, ZAR, hors zonage (HZ) or non disponible' },
    ]);
    const codes = issuesOf(() => parseZoning(text('invalid-unknown-code.csv'), 'z.csv', { source: 's' }));
    expect(codes.map((i) => [i.line, i.field])).toEqual([[3, 'code_insee']]);
    expect(codes[0]!.message).toMatch(/unknown INSEE code 85999/);
  });

  it('rejects two zones for one current commune (a former code and the current one)', () => {
    expect(issuesOf(() => parseZoning(text('invalid-conflicting-zones.csv'), 'z.csv', { source: 's' }))).toEqual([
      { file: 'z.csv', line: 3, field: 'zone', message: 'commune 85194 is zoned ZAC here but ZIP on line 2' },
    ]);
  });

  it('names the missing column and the columns found; rejects a bad date option', () => {
    const issues = issuesOf(() => parseZoning(text('invalid-missing-column.csv'), 'z.csv', { date: '2023-13-01' }));
    expect(issues.map((i) => i.message)).toEqual([
      'missing column for the zone: expected one of "zone", "zonage_mg", "zonage"; columns found: "code_insee", "classement"',
      expect.stringMatching(/^no source/),
      'option date: "2023-13-01" is not a date (YYYY-MM-DD or dd/mm/yyyy)',
    ]);
  });
});
