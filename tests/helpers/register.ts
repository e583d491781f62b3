// A territory in two régions for the register's tests (issue 9, CPTS perimeter versions): the fixture territory
// (région 52, CPTS FIXT-A, FIXT-B, FIXT-C) and two communes of région 93 with CPTS FIXT-P on one of them.
import type { Queryable } from '../../server/src/db/port.js';
import { loadFixtureTerritory } from './fixture-territory.js';

export const OTHER_REGION = {
  communes: [
    { code: '13901', nom: 'Commune provençale Un', population: 21000, lon: 5.0 },
    { code: '13902', nom: 'Commune provençale Deux', population: 22000, lon: 5.05 },
  ],
  cpts: { id: 'FIXT-P', nom: 'CPTS Fixture P' },
} as const;

export async function loadRegisterFixture(db: Queryable): Promise<void> {
  await loadFixtureTerritory(db);
  await db.query(`INSERT INTO region (code, nom) VALUES ('93', 'Provence-Alpes-Côte d’Azur') ON CONFLICT DO NOTHING`);
  await db.query(`INSERT INTO departement (code, nom, region) VALUES ('13', 'Bouches-du-Rhône', '93') ON CONFLICT DO NOTHING`);
  for (const c of OTHER_REGION.communes) {
    const wkt = `MULTIPOLYGON(((${c.lon} 43.5,${c.lon + 0.05} 43.5,${c.lon + 0.05} 43.55,${c.lon} 43.55,${c.lon} 43.5)))`;
    await db.query(
      `INSERT INTO commune (code, nom, departement, region, population, population_annee, area_km2, geom, geom_3857, geom_3857_low, source)
       SELECT $1, $2, '13', '93', $3, 2023, ST_Area(g::geography) / 1e6, g, ST_Transform(g, 3857), ST_Transform(g, 3857), 'fixture'
         FROM (SELECT ST_GeomFromText($4, 4326) AS g) s`,
      [c.code, c.nom, c.population, wkt],
    );
  }
  const { id, nom } = OTHER_REGION.cpts;
  await db.query(`INSERT INTO cpts (id, nom, statut, perimetre, source) VALUES ($1, $2, 'projet', 'officiel', 'fixture')`, [id, nom]);
  await db.query(`INSERT INTO cpts_commune (cpts_id, commune_code, source) VALUES ($1, '13901', 'fixture')`, [id]);
}

/** The number of the newest version of a CPTS (0 when it has none yet). */
export async function headNumber(db: Queryable, id: string): Promise<number> {
  await db.query('SELECT cpts_version_initiale($1)', [id]);
  const r = await db.query<{ n: number }>('SELECT coalesce(max(numero), 0)::int AS n FROM cpts_version WHERE cpts_id = $1', [id]);
  return r.rows[0]!.n;
}
