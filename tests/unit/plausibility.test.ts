// France's extents and the plausibility checks of imported shapes and texts.
import { describe, expect, it } from 'vitest';
import { METROPOLE, TERRITORIES, territoryOfDepartement } from '../../server/src/domain/extents.js';
import { cog } from '../../server/src/import/cog.js';
import { wholeRegions } from '../../server/src/import/cpts.js';
import { ImportError } from '../../server/src/import/errors.js';
import { areaKm2, checkShape, excessiveNesting, MAX_JSON_DEPTH } from '../../server/src/import/plausibility.js';
import { decodeSource } from '../../server/src/import/source.js';

const square = (lon: number, lat: number, size: number) => [[[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]];
const centre = (b: readonly number[]) => [(b[0]! + b[2]!) / 2, (b[1]! + b[3]!) / 2] as const;

describe('extents', () => {
  it('a small square at the centre of each territory is plausible there, for a commune and for a CPTS', () => {
    for (const t of TERRITORIES) {
      const [lon, lat] = centre(t.box);
      for (const kind of ['commune', 'cpts'] as const) {
        expect(checkShape({ kind, polygons: [square(lon, lat, 0.01)], expected: t }), `${t.nom} ${kind}`).toEqual([]);
      }
    }
  });

  it('every COG département is in one territory, its overseas ones in theirs', () => {
    expect(territoryOfDepartement('85')).toBe(METROPOLE);
    expect(territoryOfDepartement('2A')).toBe(METROPOLE);
    expect(territoryOfDepartement('974').nom).toBe('La Réunion');
    for (const d of cog().departements.keys()) expect(territoryOfDepartement(d)).toBeDefined();
  });

  it('areas: a 0.1° square at 46° N is about 85 km², holes are subtracted, the winding does not matter', () => {
    const s = square(-1.8, 46.4, 0.1);
    expect(areaKm2([s])).toBeCloseTo(85.2, 0);
    expect(areaKm2([[s[0]!.slice().reverse()]])).toBeCloseTo(85.2, 0);
    expect(areaKm2([[s[0]!, square(-1.78, 46.42, 0.05)[0]!]])).toBeCloseTo(85.2 - 21.3, 0);
  });

  it('Maripasoula-sized communes are plausible in Guyane only; the forceable problem is the area', () => {
    const guyane = TERRITORIES.find((t) => t.nom === 'Guyane')!;
    expect(checkShape({ kind: 'commune', polygons: [square(-54, 2.5, 1.2)], expected: guyane })).toEqual([]);
    expect(checkShape({ kind: 'commune', polygons: [square(2, 46, 1.2)] })).toEqual([
      { message: expect.stringMatching(/^surface de .* km², invraisemblable pour un contour de commune \(au plus 1.000 km² en France métropolitaine\)$/), forceable: true },
    ]);
    expect(checkShape({ kind: 'cpts', polygons: [square(2, 46, 0.01), square(55.4, -21.1, 0.01)] })).toEqual([
      { message: expect.stringMatching(/^la géométrie s'étend hors de France/), forceable: false },
    ]);
  });
});

describe('whole régions', () => {
  it('a CPTS of all the communes of Corse covers the région; one of a single département region (Réunion) or of a few communes does not', () => {
    const communes = [...cog().communes.values()];
    const of = (region: string) => communes.filter((c) => c.region === region).map((c) => c.code);
    expect(wholeRegions(of('94'))).toEqual([{ nom: 'Corse', covered: of('94').length, communes: of('94').length }]);
    expect(wholeRegions(of('04'))).toEqual([]);
    expect(wholeRegions(of('52').slice(0, 20))).toEqual([]);
  });
});

describe('texts', () => {
  const refusal = (bytes: Buffer) => {
    try {
      decodeSource(bytes, 'f.csv');
    } catch (e) {
      expect(e).toBeInstanceOf(ImportError);
      return (e as ImportError).issues[0];
    }
    throw new Error('not refused');
  };

  it('a NUL byte is refused with its line and column; UTF-16 with or without its byte order mark', () => {
    expect(refusal(Buffer.from('a;b\n1;2\n3;\0\n'))).toMatchObject({ file: 'f.csv', line: 3, message: expect.stringMatching(/^octet nul \(NUL\) en colonne 3/) });
    expect(refusal(Buffer.from([0xff, 0xfe, 0x61, 0, 0x3b, 0]))).toMatchObject({ line: 1, message: expect.stringMatching(/UTF-16 .*FF FE/) });
    expect(refusal(Buffer.from('code;nb\n85194;3\n', 'utf16le'))).toMatchObject({ line: 1, message: expect.stringMatching(/UTF-16 ou UTF-32/) });
    expect(decodeSource(Buffer.from('\ufeffcode;nb\n'), 'f.csv').text).toBe('code;nb\n');
  });

  it('JSON nesting is bounded, strings and escapes aside', () => {
    expect(excessiveNesting('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH))).toBeUndefined();
    expect(excessiveNesting(`{"a": "${'['.repeat(100)}\\"["}`)).toBeUndefined();
    expect(excessiveNesting(`{\n"a":\n${'['.repeat(MAX_JSON_DEPTH)}`)).toMatchObject({ line: 3, message: expect.stringMatching(/^imbrication de plus de 32 niveaux \(colonne 32\)/) });
  });
});
