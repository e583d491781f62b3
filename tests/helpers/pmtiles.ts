// Writes a small PMTiles v3 archive (spec: github.com/protomaps/PMTiles, spec/v3): the tests build their own basemap
// file instead of shipping one. Uncompressed directory and tiles, one root directory, no leaves.
import { writeFile } from 'node:fs/promises';
import { zxyToTileId } from 'pmtiles';

const HEADER_BYTES = 127;

function varints(values: number[]): number[] {
  const out: number[] = [];
  for (let v of values) {
    while (v >= 0x80) {
      out.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    out.push(v);
  }
  return out;
}

/** Tiles keyed `z/x/y`, vector tiles (MVT) as given; bounds [w, s, e, n]. */
export async function writePmtiles(path: string, tiles: Map<string, Uint8Array>, bounds: [number, number, number, number]): Promise<void> {
  const entries = [...tiles].map(([k, data]) => {
    const [z, x, y] = k.split('/').map(Number) as [number, number, number];
    return { z, id: zxyToTileId(z, x, y), data };
  });
  entries.sort((a, b) => a.id - b.id);
  let offset = 0;
  const offsets = entries.map((e) => ((offset += e.data.length), offset - e.data.length));
  const dir = Buffer.from(
    varints([
      entries.length,
      ...entries.map((e, i) => e.id - (i ? entries[i - 1]!.id : 0)),
      ...entries.map(() => 1), // run lengths
      ...entries.map((e) => e.data.length),
      ...offsets.map((o) => o + 1), // offset + 1: explicit (0 would mean "right after the previous tile")
    ]),
  );
  const metadata = Buffer.from(JSON.stringify({ vector_layers: [] }));
  const data = Buffer.concat(entries.map((e) => e.data));
  const h = Buffer.alloc(HEADER_BYTES);
  h.write('PMTiles', 0, 'ascii');
  h.writeUInt8(3, 7);
  const u64 = (v: number, at: number) => h.writeBigUInt64LE(BigInt(v), at);
  u64(HEADER_BYTES, 8);
  u64(dir.length, 16);
  u64(HEADER_BYTES + dir.length, 24);
  u64(metadata.length, 32);
  u64(0, 40);
  u64(0, 48);
  u64(HEADER_BYTES + dir.length + metadata.length, 56);
  u64(data.length, 64);
  u64(entries.length, 72);
  u64(entries.length, 80);
  u64(entries.length, 88);
  h.writeUInt8(1, 96); // clustered
  h.writeUInt8(1, 97); // internal compression: none
  h.writeUInt8(1, 98); // tile compression: none
  h.writeUInt8(1, 99); // tile type: MVT
  h.writeUInt8(Math.min(...entries.map((e) => e.z)), 100);
  h.writeUInt8(Math.max(...entries.map((e) => e.z)), 101);
  const e7 = (v: number) => Math.round(v * 1e7);
  h.writeInt32LE(e7(bounds[0]), 102);
  h.writeInt32LE(e7(bounds[1]), 106);
  h.writeInt32LE(e7(bounds[2]), 110);
  h.writeInt32LE(e7(bounds[3]), 114);
  h.writeUInt8(0, 118);
  h.writeInt32LE(e7((bounds[0] + bounds[2]) / 2), 119);
  h.writeInt32LE(e7((bounds[1] + bounds[3]) / 2), 123);
  await writeFile(path, Buffer.concat([h, dir, metadata, data]));
}
