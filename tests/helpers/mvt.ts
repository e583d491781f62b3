// A minimal Mapbox Vector Tile 2.1 decoder for the tests, written against the spec with the pbf reader
// (independent of the encoders under test, so a wrong tile fails here).
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

interface RawFeature {
  id?: number;
  type: number;
  tags: number[];
  commands: number[];
}

interface RawLayer {
  name: string;
  version: number;
  extent: number;
  keys: string[];
  values: (string | number | boolean)[];
  features: RawFeature[];
}

function readValue(pbf: PbfReader): string | number | boolean {
  let v: string | number | boolean = '';
  pbf.readMessage((tag, _r, p) => {
    if (tag === 1) v = p.readString();
    else if (tag === 2) v = p.readFloat();
    else if (tag === 3) v = p.readDouble();
    else if (tag === 4) v = p.readVarint(true);
    else if (tag === 5) v = p.readVarint();
    else if (tag === 6) v = p.readSVarint();
    else if (tag === 7) v = p.readBoolean();
  }, {});
  return v;
}

function readFeature(pbf: PbfReader): RawFeature {
  return pbf.readMessage<RawFeature>(
    (tag, f, p) => {
      if (tag === 1) f.id = p.readVarint();
      else if (tag === 2) p.readPackedVarint(f.tags);
      else if (tag === 3) f.type = p.readVarint();
      else if (tag === 4) p.readPackedVarint(f.commands);
    },
    { type: 0, tags: [], commands: [] },
  );
}

function readLayer(pbf: PbfReader): RawLayer {
  return pbf.readMessage<RawLayer>(
    (tag, l, p) => {
      if (tag === 15) l.version = p.readVarint();
      else if (tag === 1) l.name = p.readString();
      else if (tag === 2) l.features.push(readFeature(p));
      else if (tag === 3) l.keys.push(p.readString());
      else if (tag === 4) l.values.push(readValue(p));
      else if (tag === 5) l.extent = p.readVarint();
    },
    { name: '', version: 1, extent: 4096, keys: [], values: [], features: [] },
  );
}

const unzigzag = (n: number) => (n >>> 1) ^ -(n & 1);

function decodeGeometry(type: number, commands: number[]): Point[][] {
  const parts: Point[][] = [];
  let x = 0;
  let y = 0;
  let current: Point[] | undefined;
  let i = 0;
  while (i < commands.length) {
    const c = commands[i++]!;
    const id = c & 7;
    const count = c >> 3;
    if (id === 1 || id === 2) {
      for (let k = 0; k < count; k++) {
        x += unzigzag(commands[i++]!);
        y += unzigzag(commands[i++]!);
        if (id === 1 && type !== 1) {
          current = [];
          parts.push(current);
        } else if (!current) {
          current = [];
          parts.push(current);
        }
        current.push([x, y]);
      }
    } else if (id === 7) {
      if (!current || current.length === 0) throw new Error('ClosePath without a ring');
      current.push([current[0]![0], current[0]![1]]);
    } else {
      throw new Error(`unknown geometry command ${id}`);
    }
  }
  return parts;
}

export function decodeTile(bytes: Uint8Array): DecodedLayer[] {
  const pbf = new PbfReader(bytes);
  const layers = pbf.readFields<RawLayer[]>((tag, ls, p) => {
    if (tag === 3) ls.push(readLayer(p));
  }, []);
  return layers.map((l) => ({
    name: l.name,
    version: l.version,
    extent: l.extent,
    features: l.features.map((f) => {
      const properties: DecodedFeature['properties'] = {};
      for (let k = 0; k < f.tags.length; k += 2) properties[l.keys[f.tags[k]!]!] = l.values[f.tags[k + 1]!]!;
      if (f.type !== 1 && f.type !== 2 && f.type !== 3) throw new Error(`feature type ${f.type}`);
      return { ...(f.id !== undefined ? { id: f.id } : {}), type: f.type, properties, geometry: decodeGeometry(f.type, f.commands) };
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
