import { describe, expect, it } from 'vitest';
import { ACI_TABLE, bandInfo, bandOf, parseAciTable, thresholdWarning } from '../../server/src/domain/bands.js';
import rawTable from '../../server/src/domain/aci-bands.json' with { type: 'json' };

describe('bandOf: T1 < 40,000 ≤ T2 < 80,000 ≤ T3 < 175,000 ≤ T4', () => {
  it.each([
    [0, 'T1'],
    [39_999, 'T1'],
    [40_000, 'T2'],
    [79_999, 'T2'],
    [80_000, 'T3'],
    [174_999, 'T3'],
    [175_000, 'T4'],
    [2_200_000, 'T4'],
  ])('population %i → %s', (population, band) => {
    expect(bandOf(population).code).toBe(band);
  });

  it('refuses a negative or non-finite population', () => {
    expect(() => bandOf(-1)).toThrow(RangeError);
    expect(() => bandOf(Number.NaN)).toThrow(RangeError);
  });
});

describe('thresholdWarning: within 5 % of a threshold, bounds included', () => {
  it.each([
    // [population, threshold or null, ecart]
    [37_999, null, 0],
    [38_000, 40_000, -2000],
    [39_999, 40_000, -1],
    [40_000, 40_000, 0],
    [42_000, 40_000, 2000],
    [42_001, null, 0],
    [75_999, null, 0],
    [76_000, 80_000, -4000],
    [84_000, 80_000, 4000],
    [84_001, null, 0],
    [166_249, null, 0],
    [166_250, 175_000, -8750],
    [183_750, 175_000, 8750],
    [183_751, null, 0],
    [14_000, null, 0],
    [0, null, 0],
  ])('population %i → threshold %s', (population, seuil, ecart) => {
    const w = thresholdWarning(population);
    if (seuil === null) {
      expect(w).toBeNull();
      return;
    }
    expect(w).toMatchObject({ seuil, ecart });
  });

  it('says which threshold, on which side and by how much, in French', () => {
    expect(thresholdWarning(38_000)).toEqual({
      seuil: 40_000,
      ecart: -2000,
      ecartPct: 5,
      position: 'sous',
      bandeVoisine: 'T2',
      message:
        'Population à 2 000 habitants (5,0 %) sous le seuil de 40 000 habitants : taille 1 (T1), proche de la taille 2 (T2).',
    });
    expect(thresholdWarning(183_750)!.message).toBe(
      'Population à 8 750 habitants (5,0 %) au-dessus du seuil de 175 000 habitants : taille 4 (T4), proche de la taille 3 (T3).',
    );
    const w = thresholdWarning(78_000)!;
    expect([w.seuil, w.ecart, w.ecartPct, w.position, w.bandeVoisine]).toEqual([80_000, -2000, 2.5, 'sous', 'T3']);
    expect(w.message).toContain('(2,5 %) sous le seuil de 80 000 habitants');
    expect(thresholdWarning(40_000)!.message).toMatch(/^Population exactement au seuil de 40 000 habitants : taille 2 \(T2\)/);
    expect(thresholdWarning(40_000)!.bandeVoisine).toBe('T1');
  });
});

describe('ACI funding table (data file)', () => {
  it('gives only what the source states: sizes 1 and 4, null with a note for 2 and 3', () => {
    expect(ACI_TABLE.bandes.map((b) => [b.code, b.financementTotalEur])).toEqual([
      ['T1', 287_500],
      ['T2', null],
      ['T3', null],
      ['T4', 580_000],
    ]);
    expect(ACI_TABLE.aideFonctionnementAnnuelleEur).toMatchObject({ min: 50_000, max: 90_000 });
    expect(ACI_TABLE.source.titre).toMatch(/exercice coordonné/);
    const t2 = bandInfo(50_000);
    expect(t2.aci.financementTotalEur).toBeNull();
    expect(t2.aci.notes[0]).toMatch(/non indiqué par la source/);
    expect(bandInfo(14_000)).toMatchObject({ bande: 'T1', taille: 1, populationMin: 0, populationMaxExclue: 40_000, avertissementSeuil: null });
    expect(bandInfo(14_000).aci).toMatchObject({ taille: 1, financementTotalEur: 287_500 });
  });

  it('refuses a table with a gap between bands, an unknown amount without a note, or a closed last band', () => {
    const copy = () => JSON.parse(JSON.stringify(rawTable));
    const gap = copy();
    gap.bandes[1].populationMin = 41_000;
    expect(() => parseAciTable(gap)).toThrow(/T1 must end where T2 starts/);
    const silent = copy();
    silent.bandes[2].note = null;
    expect(() => parseAciTable(silent)).toThrow(/needs a note/);
    const closed = copy();
    closed.bandes[3].populationMaxExclue = 1_000_000;
    expect(() => parseAciTable(closed)).toThrow(/open-ended/);
  });

  it('a different table changes the bands without code changes', () => {
    const t = JSON.parse(JSON.stringify(rawTable));
    t.bandes[1].populationMin = 30_000;
    t.bandes[0].populationMaxExclue = 30_000;
    const table = parseAciTable(t);
    expect(bandOf(35_000, table).code).toBe('T2');
    expect(thresholdWarning(29_000, table)).toMatchObject({ seuil: 30_000, ecart: -1000 });
  });
});
