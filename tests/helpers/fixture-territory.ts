// A small synthetic territory whose answers are known by construction, for the analysis tests.
//
// lat 47.15 ┌─────┬─────┬─────┬─────┐      12 square communes of 0.05° × 0.05°, codes 44901…44912
//            │  9  │ 10  │ 11  │ 12  │      (département 44, which has no real 449xx code),
// lat 47.10 ├─────┼─────┼─────┼─────┤      population of commune n = 1000 × n.
//            │  5  │  6  │  7  │  8  │
// lat 47.05 ├─────┼─────┼─────┼─────┤      CPTS FIXT-A = {1, 2, 5, 6}         population 14,000
//            │  1  │  2  │  3  │  4  │      CPTS FIXT-B = {2, 3, 6, 7}         population 18,000
// lat 47.00 └─────┴─────┴─────┴─────┘      CPTS FIXT-C = {4, 8}               population 12,000
//         lon -1.6 (west)        -1.4 (east)   A∩B = {2, 6}: 2 shared communes, 8,000 inhabitants.
//                                              FIXT-C touches B only along a border: no overlap.
//   Commune n (1-based) has column (n-1) % 4 and row floor((n-1)/4); its south-west corner is
//   (LON0 + 0.05·col, LAT0 + 0.05·row).
//   White zones (no CPTS): 9, 10, 11, 12 (population 42,000).
//   A second, separate pair sharing exactly three communes: FIXT-D = {9, 10, 11} and FIXT-E = {9, 10, 11, 12}
//   is NOT inserted by default (see `withThreeSharedCommunes`).
import type { Queryable } from '../../server/src/db/port.js';

export const LON0 = -1.6;
export const LAT0 = 47.0;
export const SIZE = 0.05;

export const communeCode = (n: number) => `449${String(n).padStart(2, '0')}`;
export const population = (n: number) => 1000 * n;

/** South-west corner of commune n. */
export function corner(n: number): [number, number] {
  const col = (n - 1) % 4;
  const row = Math.floor((n - 1) / 4);
  return [LON0 + SIZE * col, LAT0 + SIZE * row];
}

export function centre(n: number): [number, number] {
  const [x, y] = corner(n);
  return [x + SIZE / 2, y + SIZE / 2];
}

export function squareWkt(n: number): string {
  const [x, y] = corner(n);
  const X = x + SIZE;
  const Y = y + SIZE;
  return `MULTIPOLYGON(((${x} ${y},${X} ${y},${X} ${Y},${x} ${Y},${x} ${y})))`;
}

export const CPTS = {
  'FIXT-A': { nom: 'CPTS Fixture A', statut: 'en-fonctionnement', communes: [1, 2, 5, 6] },
  'FIXT-B': { nom: 'CPTS Fixture B', statut: 'aci-signe', communes: [2, 3, 6, 7] },
  'FIXT-C': { nom: 'CPTS Fixture C', statut: 'projet', communes: [4, 8] },
} as const;

export const WHITE_ZONE = [9, 10, 11, 12];

/** Inserts the 12 communes and the three CPTS (membership + union geometry), with an import_log row for each kind. */
export async function loadFixtureTerritory(db: Queryable): Promise<void> {
  await db.query(`INSERT INTO region (code, nom) VALUES ('52', 'Pays de la Loire') ON CONFLICT DO NOTHING`);
  await db.query(`INSERT INTO departement (code, nom, region) VALUES ('44', 'Loire-Atlantique', '52') ON CONFLICT DO NOTHING`);
  const log = await db.query<{ id: number }>(
    `INSERT INTO import_log (kind, file_name, rows, checksum) VALUES ('communes', 'fixture-territory', 12, 'fixture') RETURNING id`,
  );
  for (let n = 1; n <= 12; n++) {
    await db.query(
      `INSERT INTO commune (code, nom, departement, region, population, population_annee, area_km2, geom, geom_3857, geom_3857_low, source, import_id)
       SELECT $1, $2, '44', '52', $3, 2023, ST_Area(g::geography) / 1e6, g, ST_Transform(g, 3857), ST_Transform(g, 3857), 'fixture', $5
         FROM (SELECT ST_GeomFromText($4, 4326) AS g) s`,
      [communeCode(n), `Commune ${n}`, population(n), squareWkt(n), log.rows[0]!.id],
    );
  }
  await db.query(`INSERT INTO import_log (kind, file_name, rows, checksum) VALUES ('cpts', 'fixture-cpts', 10, 'fixture')`);
  for (const [id, c] of Object.entries(CPTS)) await insertCpts(db, id, c.nom, c.statut, [...c.communes]);
}

export async function insertCpts(db: Queryable, id: string, nom: string, statut: string, communes: number[]): Promise<void> {
  await db.query(`INSERT INTO cpts (id, nom, statut, perimetre, source) VALUES ($1, $2, $3, 'officiel', 'fixture')`, [id, nom, statut]);
  await db.query(
    `INSERT INTO cpts_commune (cpts_id, commune_code, source) SELECT $1, unnest($2::text[]), 'fixture'`,
    [id, communes.map(communeCode)],
  );
  await db.query(
    `UPDATE cpts SET geom = u.g, geom_3857 = ST_Transform(u.g, 3857)
       FROM (SELECT ST_Multi(ST_Union(c.geom)) AS g FROM commune c JOIN cpts_commune m ON m.commune_code = c.code WHERE m.cpts_id = $1) u
      WHERE cpts.id = $1`,
    [id],
  );
}

/** Adds FIXT-D = {9, 10, 11} and FIXT-E = {9, 10, 11, 12}: a pair sharing exactly 3 communes (30,000 inhabitants). */
export async function withThreeSharedCommunes(db: Queryable): Promise<void> {
  await insertCpts(db, 'FIXT-D', 'CPTS Fixture D', 'projet', [9, 10, 11]);
  await insertCpts(db, 'FIXT-E', 'CPTS Fixture E', 'pre-projet', [9, 10, 11, 12]);
}
