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

/** The fixture's centres de santé are medical or polyvalent (joinable), as FINESS's classification would say. */
const CSP_SOUS_TYPE = `CASE WHEN $2 = 'csp' THEN 'medical-polyvalent' END`;

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

// ── Coordinated-care sites and pharmacies (pharmacy helper) ─────────────────────────────────────────────
//   P1  449000001  centre of commune 1 (FIXT-A), not a member. MSP_N100 0.0009° and MSP_N1000 0.009° due north
//                  on the same meridian (≈100 m and ≈1,000 m: expected values from the meridian arc, see the test).
//   P2  449000002  commune 2 (FIXT-A ∩ FIXT-B), member of MSP_2 (0.003° east of it).
//   P3  449000003  commune 3 (FIXT-B), not a member; a CPTS seat ('siege_cpts') 0.0001° north must never count as MSP/CSP.
//   P6  449000006  commune 6 (FIXT-A ∩ FIXT-B), member of CPTS FIXT-B. CSP_E is 0.0125° east (≈949 m geodesic),
//                  MSP_B6, MSP_B6B, MSP_B6C 0.0100°, 0.0101°, 0.0102° north (≥ 1,112 m): in planar degrees the
//                  three MSP are the three nearest sites, on the ellipsoid CSP_E is nearer than all of them.
//   P9  449000009  commune 9 (white zone, ZIP), postal code 44990; ESP_9 0.005° north.
//   P11 449000011  "Grande Pharmacie d'Évron", commune 11 (white zone, ZAC).
//   P12 449000012  commune 12 (white zone, HZ), member of CPTS FIXT-C although outside its communes.
//   P99 449000099  no commune, no position: status "commune-inconnue".
//   Commune 13 "Évron" (44913, 8,000 inhabitants), east of commune 12, in no CPTS, no pharmacy.
//   Zoning: 9 ZIP, 10 ZV, 11 ZAC, 12 HZ; communes 1–8 and 13 have no zoning row.
//   GP supply (offre_mg): commune 1 → 5 (under the secrecy threshold), commune 9 → 12 (13.3 per 10,000 inhabitants).
//   Statuses: membre {P2, P6, P12}, couverte-sans-adhesion {P1, P3}, zone-blanche {P9, P11}, commune-inconnue {P99}.
export const CARE = {
  P1: '449000001',
  P2: '449000002',
  P3: '449000003',
  P6: '449000006',
  P9: '449000009',
  P11: '449000011',
  P12: '449000012',
  P99: '449000099',
  MSP_N100: '449100001',
  MSP_N1000: '449100002',
  MSP_2: '449100003',
  CSP_E: '449100006',
  MSP_B6: '449100007',
  MSP_B6B: '449100010',
  MSP_B6C: '449100011',
  SIEGE_3: '449100008',
  ESP_9: '449100009',
} as const;

export const EVRON = { code: '44913', nom: 'Évron', population: 8000 };

/** Latitude offsets of the two MSP north of P1, in degrees. */
export const MERIDIAN_OFFSETS = { MSP_N100: 0.0009, MSP_N1000: 0.009 } as const;

/** Adds commune 13 (Évron), MSP/CSP/ESP sites, pharmacies, memberships, zoning and GP supply (see above). */
export async function loadFixtureCare(db: Queryable): Promise<void> {
  const [c1x, c1y] = centre(1);
  const [c2x, c2y] = centre(2);
  const [c3x, c3y] = centre(3);
  const [c6x, c6y] = centre(6);
  const [c9x, c9y] = centre(9);
  const [c11x, c11y] = centre(11);
  const [c12x, c12y] = centre(12);

  const ex = LON0 + SIZE * 4;
  const ey = LAT0 + SIZE * 2;
  const evron = `MULTIPOLYGON(((${ex} ${ey},${ex + SIZE} ${ey},${ex + SIZE} ${ey + SIZE},${ex} ${ey + SIZE},${ex} ${ey})))`;
  await db.query(
    `INSERT INTO commune (code, nom, departement, region, population, population_annee, area_km2, geom, geom_3857, geom_3857_low, source)
     SELECT $1, $2, '44', '52', $3, 2023, ST_Area(g::geography) / 1e6, g, ST_Transform(g, 3857), ST_Transform(g, 3857), 'fixture'
       FROM (SELECT ST_GeomFromText($4, 4326) AS g) s`,
    [EVRON.code, EVRON.nom, EVRON.population, evron],
  );

  const logId = async (kind: string, file: string, rows: number) =>
    (await db.query<{ id: number }>(`INSERT INTO import_log (kind, file_name, rows, checksum) VALUES ($1, $2, $3, 'fixture') RETURNING id`, [kind, file, rows]))
      .rows[0]!.id;
  const finessLog = await logId('finess', 'fixture-finess-été.csv', 17);

  const structures: [string, string, string, number, number, number][] = [
    [CARE.MSP_N100, 'msp', 'MSP du Méridien', c1x, c1y + MERIDIAN_OFFSETS.MSP_N100, 1],
    [CARE.MSP_N1000, 'msp', 'MSP du Nord', c1x, c1y + MERIDIAN_OFFSETS.MSP_N1000, 1],
    [CARE.MSP_2, 'msp', 'MSP des Deux Rives', c2x + 0.003, c2y, 2],
    [CARE.CSP_E, 'csp', 'Centre de santé de l’Est', c6x + 0.0125, c6y, 6],
    [CARE.MSP_B6, 'msp', 'MSP Nord Six', c6x, c6y + 0.01, 6],
    [CARE.MSP_B6B, 'msp', 'MSP Nord Six bis', c6x, c6y + 0.0101, 6],
    [CARE.MSP_B6C, 'msp', 'MSP Nord Six ter', c6x, c6y + 0.0102, 6],
    [CARE.SIEGE_3, 'siege_cpts', 'Siège CPTS Fixture B', c3x, c3y + 0.0001, 3],
    [CARE.ESP_9, 'esp', 'ESP des Landes', c9x, c9y + 0.005, 9],
  ];
  for (const [finess, type, nom, x, y, n] of structures) {
    await db.query(
      `INSERT INTO structure (finess, type, sous_type, nom, commune_code, geom, geom_3857, source, import_id)
       SELECT $1, $2, ${CSP_SOUS_TYPE}, $3, $4, g, ST_Transform(g, 3857), 'fixture', $7 FROM (SELECT ST_SetSRID(ST_MakePoint($5, $6), 4326) AS g) s`,
      [finess, type, nom, communeCode(n), x, y, finessLog],
    );
  }

  const pharmacies: [string, string, number | null, number | null, number | null, string | null][] = [
    [CARE.P1, 'Pharmacie du Méridien', c1x, c1y, 1, '44901'],
    [CARE.P2, 'Pharmacie Centrale', c2x, c2y, 2, '44902'],
    [CARE.P3, 'Pharmacie du Siège', c3x, c3y, 3, '44903'],
    [CARE.P6, 'Pharmacie de l’Est', c6x, c6y, 6, '44906'],
    [CARE.P9, 'Pharmacie des Landes', c9x, c9y, 9, '44990'],
    [CARE.P11, 'Grande Pharmacie d’Évron', c11x, c11y, 11, '44911'],
    [CARE.P12, 'Pharmacie du Bout du Monde', c12x, c12y, 12, '44912'],
    [CARE.P99, 'Pharmacie sans Commune', null, null, null, null],
  ];
  for (const [finess, nom, x, y, n, cp] of pharmacies) {
    await db.query(
      `INSERT INTO pharmacie (finess, nom, adresse, code_postal, commune_code, geom, geom_3857, source, import_id)
       SELECT $1, $2, $3, $4, $5, g, ST_Transform(g, 3857), 'fixture', $8
         FROM (SELECT CASE WHEN $6::float8 IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint($6::float8, $7::float8), 4326) END AS g) s`,
      [finess, nom, `1 place de la Mairie; ${nom}`, cp, n === null ? null : communeCode(n), x, y, finessLog],
    );
  }

  const memberLog = await logId('memberships', 'fixture-adhesions', 3);
  await db.query(
    `INSERT INTO adhesion_pharmacie (pharmacie_finess, structure_finess, cpts_id, date_adhesion, source, import_id) VALUES
       ($1, $2, NULL, '2022-03-01', 'fixture', $5), ($3, NULL, 'FIXT-B', '2023-01-15', 'fixture', $5), ($4, NULL, 'FIXT-C', NULL, 'fixture', $5)`,
    [CARE.P2, CARE.MSP_2, CARE.P6, CARE.P12, memberLog],
  );

  const zoningLog = await logId('zoning', 'fixture-zonage', 4);
  await db.query(
    `INSERT INTO zonage (commune_code, zone, source, date_zonage, import_id)
     SELECT code, zone, 'ARS fixture', '2023-03-31', $2 FROM unnest($1::text[], ARRAY['ZIP', 'ZV', 'ZAC', 'HZ']) AS z(code, zone)`,
    [[9, 10, 11, 12].map(communeCode), zoningLog],
  );

  const gpLog = await logId('gp', 'fixture-gp', 2);
  await db.query(
    `INSERT INTO offre_mg (commune_code, nb_generalistes, est_proxy, source, annee, import_id)
     VALUES ($1, 5, true, 'fixture', 2019, $3), ($2, 12, true, 'fixture', 2019, $3)`,
    [communeCode(1), communeCode(9), gpLog],
  );
}

// ── Planner additions (territory API helper) ───────────────────────────────────────────────────────────
// Self-contained (does not need loadFixtureCare; ids 4498xxxxx do not collide with it).
//   Commune 49901 "Commune lointaine" (département 49, 13,000 inhabitants): a 0.02° square centred at
//   (-1.29, 47.05), in no CPTS, no GP row. Its nearest CPTS is a trap for planar distances: FIXT-N lies
//   0.10° due north (≈ 11.1 km) and FIXT-C 0.11° due west (its east edge at lon -1.4, ≈ 8.36 km), so `<->`
//   in degrees ranks FIXT-N first while the geodesic nearest is FIXT-C.
//   Commune 49902 "Commune du nord" (département 49, 14,000 inhabitants): lon -1.315…-1.265, lat 47.15…47.20,
//   the only member of CPTS FIXT-N ('en-fonctionnement', perimeter 'approximatif').
//   GP supply (offre_mg, proxy, source 'fixture-planner', 2019): commune 1 → 5, 6 → 7, 9 → 12, 10 → 0; others absent.
//     FIXT-A = 5 + 7 = 12 (8.57 per 10,000), FIXT-B = 7 (3.89), FIXT-C = 0 ("< 6").
//   Zoning: 9 ZIP, 10 ZV, 11 ZAC, 12 HZ.
//   Sites (structure.commune_code): MSP in 1 and 2, CSP in 6, ESP in 9, CPTS seat in 3, 'autre' in 5.
//     FIXT-A {1,2,5,6}: msp 2, csp 1, autre 1; FIXT-B {2,3,6,7}: msp 1, csp 1, siege 1; FIXT-C: none.
//   Pharmacies: two in commune 1, one each in 2, 6, 9, 12 → FIXT-A 4, FIXT-B 2, FIXT-C 0.
//   Memberships: pharmacy of 6 → CPTS FIXT-B, pharmacy of 12 → CPTS FIXT-C, pharmacy of 2 → the MSP of 2.
export const DISTANT = {
  white: { code: '49901', nom: 'Commune lointaine', population: 13000, centre: [-1.29, 47.05] as [number, number], half: 0.01 },
  north: { code: '49902', nom: 'Commune du nord', population: 14000, bbox: [-1.315, 47.15, -1.265, 47.2] as [number, number, number, number] },
  cpts: { id: 'FIXT-N', nom: 'CPTS Fixture N', statut: 'en-fonctionnement', perimetre: 'approximatif' },
} as const;

export const PLANNER_GP: Record<number, number> = { 1: 5, 6: 7, 9: 12, 10: 0 };
export const PLANNER_ZONES: Record<number, string> = { 9: 'ZIP', 10: 'ZV', 11: 'ZAC', 12: 'HZ' };
export const PLANNER_SITES = [
  { finess: '449800001', type: 'msp', nom: 'MSP Planificateur Un', commune: 1 },
  { finess: '449800002', type: 'msp', nom: 'MSP Planificateur Deux', commune: 2 },
  { finess: '449800006', type: 'csp', nom: 'Centre de santé Planificateur', commune: 6 },
  { finess: '449800009', type: 'esp', nom: 'ESP Planificateur', commune: 9 },
  { finess: '449800003', type: 'siege_cpts', nom: 'Siège CPTS Planificateur', commune: 3 },
  { finess: '449800005', type: 'autre', nom: 'Autre site Planificateur', commune: 5 },
] as const;
export const PLANNER_PHARMACIES = [
  { finess: '449810011', nom: 'Pharmacie Planificateur 1a', commune: 1 },
  { finess: '449810012', nom: 'Pharmacie Planificateur 1b', commune: 1 },
  { finess: '449810002', nom: 'Pharmacie Planificateur 2', commune: 2 },
  { finess: '449810006', nom: 'Pharmacie Planificateur 6', commune: 6 },
  { finess: '449810009', nom: 'Pharmacie Planificateur 9', commune: 9 },
  { finess: '449810120', nom: 'Pharmacie Planificateur 12', commune: 12 },
] as const;

/** Adds département 49 (communes 49901, 49902, CPTS FIXT-N) and GP supply, zoning, sites, pharmacies (see above). */
export async function loadFixturePlanner(db: Queryable): Promise<void> {
  const logId = async (kind: string, file: string, rows: number) =>
    (await db.query<{ id: number }>(`INSERT INTO import_log (kind, file_name, rows, checksum) VALUES ($1, $2, $3, 'fixture') RETURNING id`, [kind, file, rows]))
      .rows[0]!.id;
  await db.query(`INSERT INTO departement (code, nom, region) VALUES ('49', 'Maine-et-Loire', '52') ON CONFLICT DO NOTHING`);
  const [cx, cy] = DISTANT.white.centre;
  const h = DISTANT.white.half;
  const [x0, y0, x1, y1] = DISTANT.north.bbox;
  const square = (a: number, b: number, c: number, d: number) => `MULTIPOLYGON(((${a} ${b},${c} ${b},${c} ${d},${a} ${d},${a} ${b})))`;
  for (const [code, nom, pop, wkt] of [
    [DISTANT.white.code, DISTANT.white.nom, DISTANT.white.population, square(cx - h, cy - h, cx + h, cy + h)],
    [DISTANT.north.code, DISTANT.north.nom, DISTANT.north.population, square(x0, y0, x1, y1)],
  ] as const) {
    await db.query(
      `INSERT INTO commune (code, nom, departement, region, population, population_annee, area_km2, geom, geom_3857, geom_3857_low, source)
       SELECT $1, $2, '49', '52', $3, 2023, ST_Area(g::geography) / 1e6, g, ST_Transform(g, 3857), ST_Transform(g, 3857), 'fixture'
         FROM (SELECT ST_GeomFromText($4, 4326) AS g) s`,
      [code, nom, pop, wkt],
    );
  }
  const c = DISTANT.cpts;
  await db.query(`INSERT INTO cpts (id, nom, statut, perimetre, source) VALUES ($1, $2, $3, $4, 'fixture')`, [c.id, c.nom, c.statut, c.perimetre]);
  await db.query(`INSERT INTO cpts_commune (cpts_id, commune_code, source) VALUES ($1, $2, 'fixture')`, [c.id, DISTANT.north.code]);
  await db.query(
    `UPDATE cpts SET geom = g.geom, geom_3857 = ST_Transform(g.geom, 3857) FROM (SELECT geom FROM commune WHERE code = $2) g WHERE cpts.id = $1`,
    [c.id, DISTANT.north.code],
  );

  const gpLog = await logId('gp', 'fixture-gp-planner', Object.keys(PLANNER_GP).length);
  await db.query(
    `INSERT INTO offre_mg (commune_code, nb_generalistes, est_proxy, source, annee, import_id)
     SELECT code, n, true, 'fixture-planner', 2019, $3 FROM unnest($1::text[], $2::int[]) AS u(code, n)
     ON CONFLICT (commune_code) DO UPDATE SET nb_generalistes = EXCLUDED.nb_generalistes, source = EXCLUDED.source, est_proxy = true`,
    [Object.keys(PLANNER_GP).map((n) => communeCode(Number(n))), Object.values(PLANNER_GP), gpLog],
  );
  const zoningLog = await logId('zoning', 'fixture-zonage-planner', 4);
  await db.query(
    `INSERT INTO zonage (commune_code, zone, source, date_zonage, import_id)
     SELECT code, zone, 'ARS fixture', '2023-03-31', $3 FROM unnest($1::text[], $2::text[]) AS z(code, zone)
     ON CONFLICT (commune_code) DO UPDATE SET zone = EXCLUDED.zone`,
    [Object.keys(PLANNER_ZONES).map((n) => communeCode(Number(n))), Object.values(PLANNER_ZONES), zoningLog],
  );
  const finessLog = await logId('finess', 'fixture-finess-planner.csv', PLANNER_SITES.length + PLANNER_PHARMACIES.length);
  for (const s of PLANNER_SITES) {
    const [x, y] = centre(s.commune);
    await db.query(
      `INSERT INTO structure (finess, type, sous_type, nom, commune_code, geom, geom_3857, source, import_id)
       SELECT $1, $2, ${CSP_SOUS_TYPE}, $3, $4, g, ST_Transform(g, 3857), 'fixture', $7 FROM (SELECT ST_SetSRID(ST_MakePoint($5, $6), 4326) AS g) s`,
      [s.finess, s.type, s.nom, communeCode(s.commune), x + 0.001, y, finessLog],
    );
  }
  for (const p of PLANNER_PHARMACIES) {
    const [x, y] = centre(p.commune);
    await db.query(
      `INSERT INTO pharmacie (finess, nom, commune_code, geom, geom_3857, source, import_id)
       SELECT $1, $2, $3, g, ST_Transform(g, 3857), 'fixture', $6 FROM (SELECT ST_SetSRID(ST_MakePoint($4, $5), 4326) AS g) s`,
      [p.finess, p.nom, communeCode(p.commune), x, y - 0.001, finessLog],
    );
  }
  const memberLog = await logId('memberships', 'fixture-adhesions-planner', 3);
  await db.query(
    `INSERT INTO adhesion_pharmacie (pharmacie_finess, structure_finess, cpts_id, source, import_id) VALUES
       ('449810006', NULL, 'FIXT-B', 'fixture', $1), ('449810120', NULL, 'FIXT-C', 'fixture', $1), ('449810002', '449800002', NULL, 'fixture', $1)`,
    [memberLog],
  );
}
