import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCount, parseGp } from '../../server/src/import/gp.js';
import { readSource } from '../../server/src/import/source.js';
import { fixturePath, fixtureText, issuesOf } from '../helpers/input.js';
import { needsShared, sharedSource } from '../helpers/shared.js';

const fixture = (name: string) => fixturePath('gp', name);
const text = (name: string) => fixtureText('gp', name);
const SHARED_GP = sharedSource('gp/PS_communes_sirene_2019-03_national.csv');
const shared = needsShared(SHARED_GP);
const CUSTOM = { codeColumn: 'code_insee', countColumn: 'nb_medecins_generalistes' };

const asMap = (r: ReturnType<typeof parseGp>) => Object.fromEntries(r.communes.map((c) => [c.code, c.count]));

describe('parseCount', () => {
  it('accepts whole numbers written as 3, 3.0 or 3,0; rejects the rest', () => {
    expect(parseCount('3')).toBe(3);
    expect(parseCount('3.0')).toBe(3);
    expect(parseCount('3,0')).toBe(3);
    expect(parseCount('0.0')).toBe(0);
    for (const bad of ['', '-2', '2.5', 'trois', '1e3', ' ']) expect(parseCount(bad)).toBeUndefined();
  });
});

describe('parseGp', () => {
  it('sums the counts of former codes into their current commune (SIRENE excerpt, COG 2019 → current)', () => {
    const r = parseGp(text('sirene-excerpt-sables-montaigu.csv'), 'x.csv');
    expect(r.rows).toBe(12);
    // Les Sables-d'Olonne 85194 = 42 + Château-d'Olonne 85060 (26) + Olonne-sur-Mer 85166 (13);
    // Montaigu-Vendée 85146 = 16 + 85027 (1) + 85107 (3) + 85217 (4) + 85224 (3).
    expect(asMap(r)).toEqual({ '85112': 2, '85146': 27, '85194': 81, '85214': 0, '85250': 1, '85298': 1 });
    expect(r.counts).toEqual({ renamedCodes: 6, mergedRows: 6, mergedCommunes: 2, unknownCodes: 0 });
    expect(r.communes.find((c) => c.code === '85194')!.lines).toEqual([3, 7, 8]);
    expect(r.warnings).toEqual([]);
  });

  it('reads the comma variant and the gzip copy alike', async () => {
    expect(asMap(parseGp(text('sirene-excerpt-comma.csv'), 'x.csv'))).toEqual({ '85194': 81, '85250': 1 });
    const gz = await readSource(fixture('sirene-excerpt-sables-montaigu.csv.gz'));
    expect(parseGp(gz.text, 'x.csv')).toEqual(parseGp(text('sirene-excerpt-sables-montaigu.csv'), 'x.csv'));
  });

  it('skips codes that match no current commune with a warning naming the line', () => {
    const r = parseGp(text('unknown-code-skipped.csv'), 'x.csv');
    expect(asMap(r)).toEqual({ '85194': 42, '85250': 1 });
    expect(r.counts.unknownCodes).toBe(1);
    expect(r.warnings).toEqual([
      'line 4: unknown INSEE code 85999: not a commune of the COG 2026 nor a former code of one; its 2.0 GP(s) are not imported',
    ]);
  });

  it('takes column names as options', () => {
    expect(asMap(parseGp(text('custom-columns.csv'), 'x.csv', CUSTOM))).toEqual({ '85194': 57, '85112': 3, '85250': 1 });
  });

  it('rejects non-numeric, negative, fractional and empty counts, each with its line', () => {
    const issues = issuesOf(() => parseGp(text('invalid-bad-counts.csv'), 'bad.csv', CUSTOM));
    expect(issues.map((i) => [i.line, i.field])).toEqual([
      [3, 'nb_medecins_generalistes'],
      [4, 'nb_medecins_generalistes'],
      [5, 'nb_medecins_generalistes'],
      [6, 'nb_medecins_generalistes'],
    ]);
    expect(issues[0]!.message).toBe('"trois" is not a count of GPs (a whole number ≥ 0, e.g. 3 or 3.0)');
  });

  it('rejects a code given twice', () => {
    const issues = issuesOf(() => parseGp(text('invalid-duplicate-codes.csv'), 'dup.csv', CUSTOM));
    expect(issues).toEqual([{ file: 'dup.csv', line: 4, field: 'code_insee', message: 'INSEE code 85194 appears twice (first on line 2)' }]);
  });

  it('names the missing count column and the columns found', () => {
    const issues = issuesOf(() => parseGp(text('invalid-missing-column.csv'), 'm.csv'));
    expect(issues).toEqual([
      {
        file: 'm.csv',
        line: 1,
        field: 'generaliste',
        message: 'missing column for the GP count: expected "generaliste"; columns found: "codecommuneetablissement", "ambulance", "dentiste"',
      },
    ]);
  });

  it.skipIf(shared.skip)(shared.title('reads the national SIRENE proxy file: every establishment kept, merged codes summed'), () => {
    const raw = readFileSync(SHARED_GP, 'utf8');
    const r = parseGp(raw, 'PS_communes_sirene_2019-03_national.csv');
    const total = raw
      .trim()
      .split('\n')
      .slice(1)
      .reduce((s, l) => s + Number(l.split(';')[7]), 0);
    expect(r.rows).toBe(20478);
    expect(r.communes.reduce((s, c) => s + c.count, 0) + 0).toBe(total); // no code is gone in COG 2026
    expect(r.counts.unknownCodes).toBe(0);
    expect(r.counts.renamedCodes).toBeGreaterThan(50);
    expect(r.counts.mergedRows).toBe(r.rows - r.communes.length);
    // Paris, Lyon and Marseille stay by arrondissement municipal: the territorial units CPTS are made of.
    expect(r.communes.filter((c) => /^(751\d\d|6938\d|132\d\d)$/.test(c.code))).toHaveLength(45);
    expect(r.communes.find((c) => c.code === '75056')).toBeUndefined();
  });
});
