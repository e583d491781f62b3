// Where the map places a mark inside communes (client/src/geometry.ts): inside their union, whatever its shape.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bboxOf, pointInside } from '../../client/src/geometry.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/geometry/${name}`, import.meta.url), 'utf8')) as GeoJSON.FeatureCollection<GeoJSON.Polygon>;

/** Whether a point lies inside a ring (even-odd rule). */
const inRing = (ring: GeoJSON.Position[], x: number, y: number) =>
  ring.reduce((inside, p, i) => {
    const q = ring[(i + 1) % ring.length]!;
    return p[1]! > y !== q[1]! > y && x < p[0]! + ((y - p[1]!) / (q[1]! - p[1]!)) * (q[0]! - p[0]!) ? !inside : inside;
  }, false);

/** A point, to 1e-9 degree. */
const near = (p: { lng: number; lat: number } | undefined, lng: number, lat: number) => {
  expect(p?.lng).toBeCloseTo(lng, 9);
  expect(p?.lat).toBeCloseTo(lat, 9);
};

describe('pointInside', () => {
  it('numbers a C-shaped part inside it, where the middle of its extent is not', () => {
    const part = fixture('synthetic-c-shaped-part.geojson').features;
    const inPart = (p: { lng: number; lat: number }) => part.some((f) => inRing(f.geometry.coordinates[0]!, p.lng, p.lat));
    const [w, s, e, n] = bboxOf(part.map((f) => f.geometry))!;
    expect(inPart({ lng: (w + e) / 2, lat: (s + n) / 2 }), 'the middle of the extent, in the notch').toBe(false);
    const at = pointInside(part)!;
    expect(inPart(at)).toBe(true);
    near(at, -1.585, 46.65);
  });

  it('leaves out the communes asked, unless that leaves none', () => {
    const part = fixture('synthetic-c-shaped-part.geojson').features;
    near(pointInside(part, new Set(['85901'])), -1.49, 46.615);
    near(pointInside(part, new Set(['85901', '85902'])), -1.585, 46.65);
  });
});
