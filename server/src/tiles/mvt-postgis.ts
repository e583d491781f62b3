// Tiles encoded by PostGIS itself (ST_AsMVT over ST_AsMVTGeom), as martin does: one query per tile and layer.
// Needs PostGIS built with protobuf-c (PostgreSQL servers; PGlite has no ST_AsMVT: see mvt-js.ts).
import { SilentFailureError, type Queryable } from '../db/port.js';
import { BUFFER, EXTENT, TILE_ENVELOPE, sqlOnce, tileParams, type TileGeom, type TileLayer } from './layers.js';

export const postgisTileGeom: TileGeom = (g) => `ST_AsMVTGeom(${g}, ${TILE_ENVELOPE}, ${EXTENT}, ${BUFFER}, true)`;

// ST_AsMVT skips rows whose geometry is NULL; no WHERE on t.geom, which the planner would push down into the
// layer query, computing ST_AsMVTGeom twice.
export const postgisTileSql = sqlOnce(
  (layer, z, day) => `SELECT ST_AsMVT(t, '${layer.id}', ${EXTENT}, 'geom') AS mvt FROM (${layer.sql(z, postgisTileGeom, day)}) t`,
);

/** The tile's protobuf bytes (as of `day` for a dated layer); empty (length 0) when no feature falls in the tile. */
export async function renderPostgis(db: Queryable, layer: TileLayer, z: number, x: number, y: number, day?: string): Promise<Uint8Array> {
  const r = await db.query<{ mvt: Uint8Array | null }>(postgisTileSql(layer, z, day !== undefined), tileParams(z, x, y, day));
  if (!r.rows.length) throw new SilentFailureError(`tile ${layer.id}/${z}/${x}/${y}`); // ST_AsMVT always gives a row
  return r.rows[0]!.mvt ?? new Uint8Array(0);
}

/** Whether this database can encode tiles (PostGIS compiled with protobuf-c). */
export async function supportsAsMvt(db: Queryable): Promise<boolean> {
  try {
    await db.query(`SELECT ST_AsMVT(t) FROM (SELECT ST_AsMVTGeom(ST_Point(0, 0, 3857), ST_TileEnvelope(0, 0, 0)) AS geom) t`);
    return true;
  } catch {
    return false;
  }
}
