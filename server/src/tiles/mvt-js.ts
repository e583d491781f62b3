// Tiles encoded in the process, for databases without ST_AsMVT (PGlite's PostGIS has no protobuf-c, so neither
// ST_AsMVT nor ST_AsMVTGeom). The layer SQL is the same as on PostGIS (layers.ts); only its geometry column
// differs: the steps of ST_AsMVTGeom written with plain PostGIS functions — drop polygons under half a unit,
// clip to the buffered tile, affine transform to tile units (y down), snap to the integer grid, drop points on
// straight lines, make valid — returned as GeoJSON in tile units. This module then orients the rings as the MVT
// spec asks and writes the protobuf with @maplibre/vt-pbf (geojson-vt is not needed: the geometry arrives
// already clipped and in tile units). The encoding part (`encodeLayer`) is pure and tested directly.
// Against ST_AsMVT on national data: the same features and attributes; outlines within a unit or two, except
// about one outline in a thousand at z6–z8 where wagyu's snap rounding removes a thin spike that ST_Simplify
// keeps (up to 8–11 units, one screen pixel), and single-unit slivers at the buffer's edge.
import { fromGeojsonVt } from '@maplibre/vt-pbf';
import { SilentFailureError, type Queryable } from '../db/port.js';
import { EXTENT, TILE_ENVELOPE, TILE_FILTER_ENVELOPE, sqlOnce, tileParams, type TileGeom, type TileLayer } from './layers.js';

// ---------------------------------------------------------------------------------------------------------------
// SQL: the geometry in tile units, as GeoJSON

const E = TILE_ENVELOPE;
const FX = `(${EXTENT} / (ST_XMax(${E}) - ST_XMin(${E})))`;
const FY = `(-${EXTENT} / (ST_YMax(${E}) - ST_YMin(${E})))`;
const TO_TILE_UNITS = (g: string) =>
  `ST_Affine(${g}, ${FX}, 0, 0, ${FY}, -ST_XMin(${E}) * ${FX}, -ST_YMax(${E}) * ${FY})`;
/** Half a tile unit in metres: ST_AsMVTGeom drops polygons smaller than this both ways. */
const HALF_UNIT = `((ST_XMax(${E}) - ST_XMin(${E})) / ${2 * EXTENT})`;

/**
 * Polygons are clipped to the buffered tile once, in EPSG:3857, on the valid stored outline, before the grid snap
 * (GEOS's rectangle clipping wants valid input: clipping snapped outlines turned some outlines crossing the tile
 * edge into the whole tile minus the outline, see the Châteaufort test).
 */
export function jsTileGeom(kind: TileLayer['geometry']): TileGeom {
  if (kind === 'point') return (g) => `ST_AsGeoJSON(ST_SnapToGrid(${TO_TILE_UNITS(g)}, 1), 0)`;
  return (g) =>
    `CASE WHEN ST_XMax(${g}) - ST_XMin(${g}) < ${HALF_UNIT} AND ST_YMax(${g}) - ST_YMin(${g}) < ${HALF_UNIT} THEN NULL ELSE ` +
    `ST_AsGeoJSON(safe_make_valid(ST_Simplify(ST_SnapToGrid(` +
    `${TO_TILE_UNITS(`ST_ClipByBox2D(${g}, ${TILE_FILTER_ENVELOPE})`)}, 1), 0)), 0) END`;
}

/**
 * The layer's rows behind one row that is always there (all NULL when the layer has none), so that a statement
 * the embedded database aborts without an error (it then returns no row at all) is told from an empty tile.
 */
export const jsTileSql = sqlOnce(
  (layer, z, day) => `SELECT t.* FROM (SELECT) always LEFT JOIN LATERAL (${layer.sql(z, jsTileGeom(layer.geometry), day)}) t ON true`,
);

// ---------------------------------------------------------------------------------------------------------------
// Pure encoding

export type Position = [number, number];
/** A GeoJSON geometry whose coordinates are tile units (0…extent, y down). */
export type TileGeometry =
  | { type: 'Point'; coordinates: Position }
  | { type: 'MultiPoint'; coordinates: Position[] }
  | { type: 'LineString'; coordinates: Position[] }
  | { type: 'MultiLineString'; coordinates: Position[][] }
  | { type: 'Polygon'; coordinates: Position[][] }
  | { type: 'MultiPolygon'; coordinates: Position[][][] }
  | { type: 'GeometryCollection'; geometries: TileGeometry[] };

export type TileProperties = Record<string, string | number | boolean | null | undefined>;

export interface TileFeature {
  geometry: TileGeometry;
  properties: TileProperties;
}

/** The feature shape @maplibre/vt-pbf reads (geojson-vt's): 1 point, 2 line, 3 polygon; integer coordinates. */
interface VtFeature {
  type: 1 | 2 | 3;
  geometry: Position[] | Position[][];
  tags: Record<string, string | number | boolean>;
}

/** Twice the signed area of a ring in tile units (y down): positive for an MVT exterior ring (clockwise on screen). */
export function ringArea2(ring: readonly Position[]): number {
  let s = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) s += ring[j]![0] * ring[i]![1] - ring[i]![0] * ring[j]![1];
  return s;
}

function cleanRing(ring: readonly Position[]): Position[] | undefined {
  const out: Position[] = [];
  for (const p of ring) {
    const q: Position = [Math.round(p[0]), Math.round(p[1])];
    const last = out[out.length - 1];
    if (!last || last[0] !== q[0] || last[1] !== q[1]) out.push(q);
  }
  if (out.length > 1 && out[0]![0] === out[out.length - 1]![0] && out[0]![1] === out[out.length - 1]![1]) out.pop();
  // less than one square unit: nothing a renderer can draw (ST_AsMVTGeom drops such slivers too)
  if (out.length < 3 || Math.abs(ringArea2(out)) < 2) return undefined;
  out.push([out[0]![0], out[0]![1]]);
  return out;
}

/** Rings of one polygon, the exterior with a positive area and the holes negative (MVT 2.1, 4.3.4.4). */
function orientPolygon(rings: readonly Position[][]): Position[][] {
  const out: Position[][] = [];
  const outer = rings[0] && cleanRing(rings[0]);
  if (!outer) return out;
  if (ringArea2(outer) < 0) outer.reverse();
  out.push(outer);
  for (const hole of rings.slice(1)) {
    const r = cleanRing(hole);
    if (!r) continue;
    if (ringArea2(r) > 0) r.reverse();
    out.push(r);
  }
  return out;
}

function flatten(g: TileGeometry): TileGeometry[] {
  return g.type === 'GeometryCollection' ? g.geometries.flatMap(flatten) : [g];
}

const round = (p: Position): Position => [Math.round(p[0]), Math.round(p[1])];

/** A GeoJSON geometry in tile units as a vt-pbf feature, or undefined when nothing drawable is left. */
export function toVtFeature(geometry: TileGeometry, properties: TileProperties): VtFeature | undefined {
  const tags: VtFeature['tags'] = {};
  for (const [k, v] of Object.entries(properties)) if (v !== null && v !== undefined) tags[k] = v;
  const parts = flatten(geometry);
  // A mixed collection keeps its highest dimension, as ST_AsMVTGeom does.
  const dim = Math.max(...parts.map((p) => (p.type.endsWith('Polygon') ? 3 : p.type.endsWith('LineString') ? 2 : 1)), 0);
  if (dim === 3) {
    const rings = parts.flatMap((p) =>
      p.type === 'Polygon' ? orientPolygon(p.coordinates) : p.type === 'MultiPolygon' ? p.coordinates.flatMap(orientPolygon) : [],
    );
    return rings.length ? { type: 3, geometry: rings, tags } : undefined;
  }
  if (dim === 2) {
    const lines = parts
      .flatMap((p) => (p.type === 'LineString' ? [p.coordinates] : p.type === 'MultiLineString' ? p.coordinates : []))
      .map((l) => l.map(round))
      .filter((l) => l.length >= 2);
    return lines.length ? { type: 2, geometry: lines, tags } : undefined;
  }
  const points = parts.flatMap((p) => (p.type === 'Point' ? [p.coordinates] : p.type === 'MultiPoint' ? p.coordinates : [])).map(round);
  return points.length ? { type: 1, geometry: points, tags } : undefined;
}

/**
 * One layer of features in tile units as an MVT 2.1 protobuf. No feature ids (keys such as INSEE codes are
 * text; the map client promotes an attribute instead). Null attributes are left out. An empty layer gives empty
 * bytes, like ST_AsMVT.
 */
export function encodeLayer(name: string, features: readonly TileFeature[], extent = EXTENT): Uint8Array {
  const vt = features.map((f) => toVtFeature(f.geometry, f.properties)).filter((f): f is VtFeature => f !== undefined);
  if (vt.length === 0) return new Uint8Array(0);
  return fromGeojsonVt({ [name]: { features: vt } }, { version: 2, extent });
}

/** Rows of the layer SQL (attributes + `geom` as GeoJSON text) as tile features. */
export function rowsToFeatures(rows: readonly Record<string, unknown>[]): TileFeature[] {
  const out: TileFeature[] = [];
  for (const { geom, ...properties } of rows) {
    if (geom === null || geom === undefined) continue; // collapsed below a tile unit
    out.push({ geometry: (typeof geom === 'string' ? JSON.parse(geom) : geom) as TileGeometry, properties: properties as TileProperties });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Tile arithmetic (Web Mercator, XYZ scheme)

/** The tile containing a WGS84 position at zoom z. */
export function tileOf(lon: number, lat: number, z: number): { z: number; x: number; y: number } {
  const n = 2 ** z;
  const [fx, fy] = mercatorUnit(lon, lat);
  return { z, x: Math.min(n - 1, Math.floor(fx * n)), y: Math.min(n - 1, Math.floor(fy * n)) };
}

/** A WGS84 position in the tile units of tile z/x/y (not rounded). */
export function lonLatToTileUnits(lon: number, lat: number, z: number, x: number, y: number, extent = EXTENT): Position {
  const n = 2 ** z;
  const [fx, fy] = mercatorUnit(lon, lat);
  return [(fx * n - x) * extent, (fy * n - y) * extent];
}

function mercatorUnit(lon: number, lat: number): Position {
  const s = Math.sin((lat * Math.PI) / 180);
  return [lon / 360 + 0.5, 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)];
}

// ---------------------------------------------------------------------------------------------------------------

/** The tile's protobuf bytes (as of `day` for a dated layer); empty (length 0) when no feature falls in the tile. */
export async function renderJs(db: Queryable, layer: TileLayer, z: number, x: number, y: number, day?: string): Promise<Uint8Array> {
  const r = await db.query<Record<string, unknown>>(jsTileSql(layer, z, day !== undefined), tileParams(z, x, y, day));
  if (!r.rows.length) throw new SilentFailureError(`tile ${layer.id}/${z}/${x}/${y}`);
  return encodeLayer(layer.id, rowsToFeatures(r.rows));
}
