// The communes' outline for the lowest zooms (migration 113: Douglas-Peucker at 600 m, generated from geom_3857),
// and the zooms and layers that draw it (server/src/tiles/layers.ts), on both backends and both encoders.
import { expect, it } from 'vitest';
import type { Db } from '../../server/src/db/port.js';
import { findLayer } from '../../server/src/tiles/layers.js';
import { renderJs, tileOf } from '../../server/src/tiles/mvt-js.js';
import { renderPostgis, supportsAsMvt } from '../../server/src/tiles/mvt-postgis.js';
import { describeEachBackend, freshDatabase } from '../helpers/db.js';
import { decodeTile } from '../helpers/mvt.js';

// A 20 km square in Loire-Atlantique (EPSG:3857) whose northern edge is a saw of 20 teeth 400 m high: above the
// 250 m of geom_3857_low, under the 600 m of geom_3857_lowest.
const [X0, Y0, SIDE, TEETH, TOOTH_M] = [-180000, 5940000, 20000, 20, 400];
const SAW_WKT = (() => {
  const top: string[] = [];
  for (let i = TEETH; i > 0; i--) {
    const x = X0 + (i * SIDE) / TEETH;
    top.push(`${x} ${Y0 + SIDE}`, `${x - SIDE / TEETH / 2} ${Y0 + SIDE + TOOTH_M}`);
  }
  return `POLYGON((${X0} ${Y0}, ${X0 + SIDE} ${Y0}, ${top.join(', ')}, ${X0} ${Y0 + SIDE}, ${X0} ${Y0}))`;
})();
// Squares 40 km further east, smaller than the tolerance.
const square = (side: number) => {
  const [x, y] = [X0 + 40000, Y0];
  return `POLYGON((${x} ${y}, ${x + side} ${y}, ${x + side} ${y + side}, ${x} ${y + side}, ${x} ${y}))`;
};
const SAW_LONLAT: [number, number] = [-1.527, 47.12]; // inside the saw commune (x −170 km, y 5,950 km)

async function insertCommune(db: Db, code: string, wkt: string): Promise<void> {
  // geom_3857_low as the commune importer computes it (Douglas-Peucker at 250 m keeping small communes)
  await db.query(
    `INSERT INTO commune (code, nom, departement, region, population, area_km2, geom, geom_3857, geom_3857_low, source)
     SELECT $1, 'Commune ' || $1, '44', '52', 1000, ST_Area(ST_Transform(g, 4326)::geography) / 1e6, ST_Transform(g, 4326), g,
            ST_Multi(ST_Simplify(g, 250, true)), 'test'
       FROM (SELECT ST_Multi(ST_GeomFromText($2, 3857)) AS g) s`,
    [code, wkt],
  );
}

/** Vertices of each ring of the feature whose `key` is `id` in tile z of layer, from both encoders where there are two. */
async function tileRings(db: Db, layerId: string, z: number, key: string, id: string): Promise<number[][]> {
  const { x, y } = tileOf(...SAW_LONLAT, z);
  const layer = findLayer(layerId)!;
  const encoded = [await renderJs(db, layer, z, x, y)];
  if (db.backend === 'postgis' && (await supportsAsMvt(db))) encoded.push(await renderPostgis(db, layer, z, x, y));
  return encoded.map((bytes) => decodeTile(bytes)[0]!.features.find((f) => f.properties[key] === id)!.geometry.map((r) => r.length));
}

describeEachBackend('communes: the lowest-zoom outline', (backend) => {
  const db = freshDatabase(backend);

  it('is generated from the outline: Douglas-Peucker at 600 m, valid, within 600 m of it', async () => {
    await db().query(`INSERT INTO region (code, nom) VALUES ('52', 'Pays de la Loire')`);
    await db().query(`INSERT INTO departement (code, nom, region) VALUES ('44', 'Loire-Atlantique', '52')`);
    await insertCommune(db(), '44901', SAW_WKT);
    const r = await db().query<{ low: number; lowest: number; valid: boolean; type: string; off: number }>(
      `SELECT ST_NPoints(geom_3857_low) AS low, ST_NPoints(geom_3857_lowest) AS lowest, ST_IsValid(geom_3857_lowest) AS valid,
              GeometryType(geom_3857_lowest) AS type, ST_HausdorffDistance(geom_3857_lowest, geom_3857) AS off
         FROM commune WHERE code = '44901'`,
    );
    expect(r.rows[0]).toMatchObject({ low: 4 + 2 * TEETH, lowest: 5, valid: true, type: 'MULTIPOLYGON' });
    expect(r.rows[0]!.off).toBeLessThanOrEqual(TOOTH_M);
  });

  it('keeps a commune smaller than the tolerance (preserveCollapsed)', async () => {
    await insertCommune(db(), '44902', square(200));
    const r = await db().query<{ area: number }>(`SELECT ST_Area(geom_3857_lowest) AS area FROM commune WHERE code = '44902'`);
    expect(r.rows[0]!.area).toBeCloseTo((200 * 200) / 2, 0); // the triangle of three of its corners, not nothing
  });

  it('follows a new outline (generated column: every writer of geom_3857 keeps it in step)', async () => {
    await db().query(`UPDATE commune SET geom_3857 = ST_Multi(ST_GeomFromText($1, 3857)) WHERE code = '44902'`, [square(300)]);
    const r = await db().query<{ area: number }>(`SELECT ST_Area(geom_3857_lowest) AS area FROM commune WHERE code = '44902'`);
    expect(r.rows[0]!.area).toBeCloseTo((300 * 300) / 2, 0);
  });

  it('draws z5 communes from it and z6 from the 250 m outline, with both encoders', async () => {
    // z5: the saw is gone (a square: four corners and the closing point); z6: its teeth are drawn
    for (const rings of await tileRings(db(), 'communes', 5, 'code', '44901')) expect(rings).toEqual([5]);
    for (const rings of await tileRings(db(), 'communes', 6, 'code', '44901')) expect(rings[0]).toBeGreaterThan(2 * TEETH);
  });

  it('draws z5 overlaps from it too, so that their hatching covers the communes drawn', async () => {
    await db().query(`INSERT INTO cpts (id, nom, statut, perimetre, source) VALUES ('LOW-A', 'CPTS A', 'projet', 'officiel', 'test'), ('LOW-B', 'CPTS B', 'projet', 'officiel', 'test')`);
    await db().query(`INSERT INTO cpts_commune (cpts_id, commune_code, source) VALUES ('LOW-A', '44901', 'test'), ('LOW-B', '44901', 'test')`);
    for (const rings of await tileRings(db(), 'overlaps', 5, 'id', 'LOW-A|LOW-B')) expect(rings).toEqual([5]);
    for (const rings of await tileRings(db(), 'overlaps', 6, 'id', 'LOW-A|LOW-B')) expect(rings[0]).toBeGreaterThan(2 * TEETH);
  });
});
