import { describe, expect, it } from 'vitest';
import { PerimeterBody, polygonCoordinatesProblem, polygonLimitProblem } from '../../server/src/api/contract/perimeter.js';
import { gpSupply, maskCount } from '../../server/src/domain/rules.js';
import { HttpError } from '../../server/src/http/errors.js';
import { parse } from '../../server/src/http/validate.js';

describe('statistical secrecy of small counts', () => {
  it.each([
    [null, null],
    [0, '< 6'],
    [5, '< 6'],
    [6, 6],
    [120, 120],
  ])('%s → %s', (n, shown) => {
    expect(maskCount(n)).toBe(shown);
  });

  it('GP supply: density per 10,000 inhabitants, none under the secrecy threshold, proxy and missing communes said', () => {
    const ok = gpSupply({ nb: 12, population: 14_000, communesSansDonnee: 2, estProxy: true, sources: ['b', 'a'], annees: [2019] });
    expect(ok).toMatchObject({ nbGeneralistes: 12, densitePour10000: 8.6, estProxy: true, sources: ['a', 'b'], annees: [2019] });
    expect(ok.notes.join(' ')).toMatch(/proxy/);
    expect(ok.notes.join(' ')).toMatch(/2 commune\(s\) absente\(s\) de la source, comptée\(s\) 0/);
    const secret = gpSupply({ nb: 5, population: 14_000, communesSansDonnee: 0, estProxy: false, sources: [], annees: [] });
    expect(secret).toMatchObject({ nbGeneralistes: '< 6', densitePour10000: null });
    expect(secret.notes[0]).toMatch(/secret statistique/);
    const none = gpSupply({ nb: null, population: 14_000, communesSansDonnee: 4, estProxy: null, sources: [], annees: [] });
    expect(none).toMatchObject({ nbGeneralistes: null, densitePour10000: null });
    expect(none.notes).toEqual(['Aucune donnée d’offre de médecine générale importée.']);
    expect(gpSupply({ nb: 8, population: 0, communesSansDonnee: 0, estProxy: false, sources: [], annees: [] }).densitePour10000).toBeNull();
  });
});

describe('perimeter check body', () => {
  const parsePerimeterBody = (body: unknown) => parse(PerimeterBody, body, 'Corps de requête');
  const square = [
    [
      [0, 0],
      [1, 0],
      [1, 1],
      [0, 1],
      [0, 0],
    ],
  ];
  const refuse = (body: unknown, re: RegExp) => {
    try {
      parsePerimeterBody(body);
    } catch (e) {
      expect(e).toBeInstanceOf(HttpError);
      expect((e as HttpError).status).toBe(400);
      expect((e as HttpError).message).toMatch(re);
      return;
    }
    throw new Error(`accepted: ${JSON.stringify(body)}`);
  };

  it('accepts codes (trimmed, upper-cased) and polygons with or without a threshold', () => {
    expect(parsePerimeterBody({ communes: [' 44109', '2a004'] })).toEqual({ communes: ['44109', '2A004'] });
    expect(parsePerimeterBody({ geometrie: { type: 'Polygon', coordinates: square } })).toEqual({ geometrie: { type: 'Polygon', coordinates: square } });
    expect(parsePerimeterBody({ geometrie: { type: 'MultiPolygon', coordinates: [square] }, seuil: 1 })).toMatchObject({ seuil: 1 });
  });

  it('refuses every malformed body with a French message', () => {
    refuse(null, /Corps de requête invalide/);
    refuse([], /Corps de requête invalide/);
    refuse({}, /Corps de requête invalide/);
    refuse({ communes: [] }, /vide/);
    refuse({ communes: 'abc' }, /liste de codes INSEE attendue/);
    refuse({ communes: [44109] }, /chaîne/);
    refuse({ communes: ['4410', 'abcde'] }, /Code\(s\) INSEE invalide\(s\) : « 4410 », « ABCDE ».*zéro initial/);
    refuse({ communes: Array.from({ length: 2001 }, () => '44109') }, /2 000 communes au plus/);
    refuse({ communes: ['44109'], extra: 1 }, /champ\(s\) inconnu\(s\) : extra/);
    refuse({ communes: ['44109'], geometrie: {} }, /pas les deux/);
    refuse({ geometrie: { type: 'Point', coordinates: [0, 0] } }, /Polygon ou MultiPolygon/);
    refuse({ geometrie: 'POLYGON((0 0,1 0,1 1,0 0))' }, /géométrie GeoJSON attendue/);
    refuse({ geometrie: { type: 'Polygon', coordinates: square }, seuil: 0 }, /strictement positif/);
    refuse({ geometrie: { type: 'Polygon', coordinates: square }, seuil: 1.5 }, /ne peut dépasser 1/);
    refuse({ geometrie: { type: 'Polygon', coordinates: square }, seuil: '0.5' }, /seuil attendu/);
  });

  it('checks polygon coordinates before PostGIS sees them', () => {
    expect(polygonCoordinatesProblem('Polygon', square)).toBeUndefined();
    expect(polygonCoordinatesProblem('Polygon', 'x')).toMatch(/tableau/);
    expect(polygonCoordinatesProblem('MultiPolygon', [])).toMatch(/aucun polygone/);
    expect(polygonCoordinatesProblem('Polygon', [])).toMatch(/aucun anneau/);
    expect(polygonCoordinatesProblem('Polygon', [[[0, 0], [1, 0], [0, 0]]])).toMatch(/moins de 4 positions/);
    expect(polygonCoordinatesProblem('Polygon', [[[0, 0], [1, 0], [1, 1], [0, 1]]])).toMatch(/pas fermé/);
    expect(polygonCoordinatesProblem('Polygon', [[[0, 0], [1, 'a'], [1, 1], [0, 0]]])).toMatch(/couple de nombres/);
    expect(polygonCoordinatesProblem('Polygon', [[[0, 0], [200, 0], [1, 1], [0, 0]]])).toMatch(/WGS84/);
    expect(polygonCoordinatesProblem('Polygon', [[[0, 0], [600000, 0], [1, 6700000], [0, 0]]])).toMatch(/\[600000, 0\]/);
  });

  it('bounds a polygon by parts, vertices and area before PostGIS sees it', () => {
    const box = (w: number, s: number, e: number, n: number) => [[[w, s], [e, s], [e, n], [w, n], [w, s]]];
    // 1° × 1° at 47° N: 75.9 km × 110.6 km ≈ 8,400 km², within a CPTS's bound
    expect(polygonLimitProblem('Polygon', box(-2, 47, -1, 48))).toBeUndefined();
    expect(polygonLimitProblem('Polygon', box(-5, 42, 8, 51))).toMatch(/superficie d’environ 1[\s\u202f]?0\d\d[\s\u202f]?\d{3} km²/);
    expect(polygonLimitProblem('Polygon', box(-180, -85, 180, 85))).toMatch(/superficie/);
    // a hole is subtracted: a 2° ring around a 1.9° hole is a thin band
    expect(polygonLimitProblem('Polygon', [box(-3, 46, 1, 50)[0]!, box(-2.95, 46.05, 0.95, 49.95)[0]!.reverse()])).toBeUndefined();
    const parts = Array.from({ length: 201 }, (_, i) => box(i * 0.001, 47, i * 0.001 + 0.0005, 47.0005));
    expect(polygonLimitProblem('MultiPolygon', parts)).toMatch(/201 parties : 200 au plus/);
    const ring = Array.from({ length: 100_001 }, (_, i) => [Math.cos(i) * 0.01, 47 + Math.sin(i) * 0.01]);
    expect(polygonLimitProblem('Polygon', [[...ring, ring[0]!]])).toMatch(/sommets : 100[\s\u202f]000 au plus/);
    refuse({ geometrie: { type: 'Polygon', coordinates: box(-5, 42, 8, 51) } }, /Géométrie invalide : superficie/);
  });
});
