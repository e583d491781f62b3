import { describe, expect, it } from 'vitest';
import { parseMemberships } from '../../server/src/import/memberships.js';
import { fixtureText, issuesOf } from '../helpers/input.js';

const text = (name: string) => fixtureText('memberships', name);

describe('parseMemberships', () => {
  it('reads structure and CPTS memberships with optional dates and sources', () => {
    const r = parseMemberships(text('adhesions.csv'), 'adhesions.csv', { source: 'Enquête URPS (illustratif)' });
    expect(r.memberships).toEqual([
      {
        pharmacie: '850014838',
        structure: '850026436',
        cpts: null,
        date: '2021-03-01',
        source: 'URPS Pharmaciens Pays de la Loire (illustratif)',
        line: 2,
      },
      { pharmacie: '850023730', structure: null, cpts: '850028614', date: null, source: 'Enquête URPS (illustratif)', line: 3 },
      { pharmacie: '850015801', structure: null, cpts: '850028614', date: '2022-06-15', source: 'Enquête URPS (illustratif)', line: 4 },
    ]);
  });

  it('reads a comma file with only a structure column; repeated rows counted once with a warning; source defaults to the file name', () => {
    const r = parseMemberships(text('adhesions-comma-structure-only.csv'), 'a.csv');
    expect(r.memberships).toEqual([
      { pharmacie: '850015801', structure: '850026436', cpts: null, date: '2022-01-10', source: 'a.csv', line: 2 },
    ]);
    expect(r.warnings).toEqual(['line 3: same membership as line 2; counted once']);
  });

  it('rejects both targets, no target, a malformed FINESS number and an impossible date, each with its line', () => {
    const issues = issuesOf(() => parseMemberships(text('invalid-targets.csv'), 't.csv'));
    expect(issues.map((i) => [i.line, i.field, i.message])).toEqual([
      [2, 'structure_finess', 'give a structure_finess OR a cpts_id, not both (850026436, 850028614)'],
      [3, 'structure_finess', 'no target: give a structure_finess or a cpts_id'],
      [4, 'pharmacie_finess', '"85001483" is not a FINESS ET number (9 characters, e.g. 440012345)'],
      [4, 'date_adhesion', '"2021-02-30" is not a date (YYYY-MM-DD or dd/mm/yyyy)'],
    ]);
  });

  it('names the missing target columns and the columns found', () => {
    expect(issuesOf(() => parseMemberships(text('invalid-missing-column.csv'), 'm.csv'))).toEqual([
      {
        file: 'm.csv',
        line: 1,
        field: 'structure_finess',
        message:
          'missing column for the membership target (structure or CPTS): expected one of "structure_finess", "cpts_id"; columns found: "pharmacie_finess", "msp_finess"',
      },
    ]);
  });
});
