// A pharmacy in a given région, for the recruitment tests: a small square commune of its own (département 44 for
// région 52, 13 for 93) and one pharmacy in it. Idempotent: the same région gives the same pharmacy.
import type { Queryable } from '../../server/src/db/port.js';

const PLACES: Record<string, { departement: string; regionNom: string; depNom: string; lon: number; lat: number }> = {
  '52': { departement: '44', regionNom: 'Pays de la Loire', depNom: 'Loire-Atlantique', lon: -1.0, lat: 47.3 },
  '93': { departement: '13', regionNom: 'Provence-Alpes-Côte d’Azur', depNom: 'Bouches-du-Rhône', lon: 5.4, lat: 43.3 },
};

/** The FINESS number of the pharmacy made in `region` (52 or 93). */
export async function pharmacyIn(db: Queryable, region: string): Promise<string> {
  const at = PLACES[region];
  if (!at) throw new Error(`no test place for région ${region}`);
  const commune = `${at.departement}998`;
  const finess = `${at.departement}9998${region}0`;
  const d = 0.01;
  const square = `MULTIPOLYGON(((${at.lon} ${at.lat},${at.lon + d} ${at.lat},${at.lon + d} ${at.lat + d},${at.lon} ${at.lat + d},${at.lon} ${at.lat})))`;
  await db.query(`INSERT INTO region (code, nom) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [region, at.regionNom]);
  await db.query(`INSERT INTO departement (code, nom, region) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [at.departement, at.depNom, region]);
  await db.query(
    `INSERT INTO commune (code, nom, departement, region, population, area_km2, geom, geom_3857, geom_3857_low, source)
     SELECT $1, 'Commune de recrutement', $2, $3, 1000, ST_Area(g::geography) / 1e6, g, ST_Transform(g, 3857), ST_Transform(g, 3857), 'test'
       FROM (SELECT ST_GeomFromText($4, 4326) AS g) s
     ON CONFLICT DO NOTHING`,
    [commune, at.departement, region, square],
  );
  await db.query(
    `INSERT INTO pharmacie (finess, nom, commune_code, geom, geom_3857, source)
     SELECT $1, $2, $3, g, ST_Transform(g, 3857), 'test' FROM (SELECT ST_SetSRID(ST_MakePoint($4, $5), 4326) AS g) s
     ON CONFLICT DO NOTHING`,
    [finess, `Pharmacie de la région ${region}`, commune, at.lon + d / 2, at.lat + d / 2],
  );
  return finess;
}
