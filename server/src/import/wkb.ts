// GeoJSON polygons as hex EWKB (SRID 4326, little-endian, 2D): PostGIS reads binary far faster than GeoJSON
// text (`ST_GeomFromEWKB(decode($hex, 'hex'))`; the national commune outlines load in a third of the time).

/** Polygon as a list of rings, each a list of [x, y] positions. */
export type Rings = readonly (readonly (readonly number[])[])[];

const WKB_MULTIPOLYGON = 6;
const WKB_POLYGON = 3;
const HAS_SRID = 0x20000000;

/** Hex EWKB of a MultiPolygon with SRID 4326 (a Polygon is written as a MultiPolygon of one). */
export function multiPolygonEwkbHex(polygons: readonly Rings[], srid = 4326): string {
  let size = 1 + 4 + 4 + 4;
  for (const rings of polygons) {
    size += 1 + 4 + 4;
    for (const ring of rings) size += 4 + 16 * ring.length;
  }
  const b = Buffer.alloc(size);
  let o = b.writeUInt8(1, 0);
  o = b.writeUInt32LE(WKB_MULTIPOLYGON | HAS_SRID, o);
  o = b.writeUInt32LE(srid, o);
  o = b.writeUInt32LE(polygons.length, o);
  for (const rings of polygons) {
    o = b.writeUInt8(1, o);
    o = b.writeUInt32LE(WKB_POLYGON, o);
    o = b.writeUInt32LE(rings.length, o);
    for (const ring of rings) {
      o = b.writeUInt32LE(ring.length, o);
      for (const p of ring) {
        o = b.writeDoubleLE(p[0]!, o);
        o = b.writeDoubleLE(p[1]!, o);
      }
    }
  }
  return b.toString('hex');
}
