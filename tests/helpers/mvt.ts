// Decodes Mapbox Vector Tiles for the tests with @mapbox/vector-tile, the reference decoder (independent of
// the encoders under test, so a wrong tile fails here), into plain arrays that are easy to assert on.
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';

export type Point = [number, number];

export interface DecodedFeature {
  id?: number;
  type: 1 | 2 | 3;
  properties: Record<string, string | number | boolean>;
  /** Points: one array of points; lines: one per line; polygons: one per ring (closing point repeated). */
  geometry: Point[][];
}

export interface DecodedLayer {
  name: string;
  version: number;
  extent: number;
  features: DecodedFeature[];
}

export function decodeTile(bytes: Uint8Array): DecodedLayer[] {
  const tile = new VectorTile(new PbfReader(bytes));
  return Object.values(tile.layers).map((l) => ({
    name: l.name,
    version: l.version,
    extent: l.extent,
    features: Array.from({ length: l.length }, (_, i) => {
      const f = l.feature(i);
      if (f.type !== 1 && f.type !== 2 && f.type !== 3) throw new Error(`feature type ${f.type}`);
      const lines = f.loadGeometry().map((line) => line.map((p): Point => [p.x, p.y]));
      return {
        ...(f.id !== undefined ? { id: f.id } : {}),
        type: f.type,
        properties: f.properties as DecodedFeature['properties'],
        geometry: f.type === 1 ? [lines.flat()] : lines,
      };
    }),
  }));
}

/** Twice the signed area of a ring in tile units (y down), MVT sense: exterior rings positive. */
export function ringArea2(ring: readonly Point[]): number {
  let s = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) s += ring[j]![0] * ring[i]![1] - ring[i]![0] * ring[j]![1];
  return s;
}

export function bbox(parts: readonly Point[][]): [number, number, number, number] {
  const b: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const part of parts)
    for (const [x, y] of part) {
      b[0] = Math.min(b[0], x);
      b[1] = Math.min(b[1], y);
      b[2] = Math.max(b[2], x);
      b[3] = Math.max(b[3], y);
    }
  return b;
}
