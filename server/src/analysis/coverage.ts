// Coverage of the population and of the communes by CPTS, per département and per région, and the
// white zones (communes in no CPTS) with their nearest CPTS. Computed on cpts_commune over the territorial units
// (isTerritorialUnit), not on geometry: a commune without outline counts, covered or white, like any other.
import { mapBatches } from '../db/cursor.js';
import type { Db, Queryable } from '../db/port.js';
import { CONTACT_GRID, inContact, onContactGrid } from './contiguity.js';
import type { CptsStatut, Perimetre } from '../domain/vocabulary.js';
import { cptsSql, isTerritorialUnit, membershipSql } from '../domain/rules-sql.js';

export interface AreaFilter {
  departement?: string;
  region?: string;
  /** As of this day (AAAA-MM-JJ): the perimeters in force then (migration 061). */
  date?: string | undefined;
}

export interface CoverageRow {
  code: string;
  nom: string;
  nbCommunes: number;
  nbCommunesCouvertes: number;
  /** Communes in two CPTS or more. */
  nbCommunesMultiCpts: number;
  /** Covered communes whose every CPTS has an approximate or illustrative perimeter. */
  nbCommunesCouvertesHorsOfficiel: number;
  nbCommunesSansPopulation: number;
  partCommunesPct: number | null;
  population: number;
  populationCouverte: number;
  populationMultiCpts: number;
  partPopulationPct: number | null;
}

export interface Coverage {
  departements: CoverageRow[];
  regions: CoverageRow[];
  /** The communes the filter selects (a département, a région, or all). */
  total: Omit<CoverageRow, 'code' | 'nom'>;
}

const FIGURES = `
  count(*)::int AS nb_communes,
  count(*) FILTER (WHERE x.nb_cpts > 0)::int AS nb_couvertes,
  count(*) FILTER (WHERE x.nb_cpts > 1)::int AS nb_multi,
  count(*) FILTER (WHERE x.nb_cpts > 0 AND x.nb_officiel = 0)::int AS nb_hors_officiel,
  count(*) FILTER (WHERE x.population IS NULL)::int AS nb_sans_population,
  round(100 * (count(*) FILTER (WHERE x.nb_cpts > 0))::numeric / nullif(count(*), 0), 2) AS part_communes,
  coalesce(sum(x.population), 0)::bigint AS population,
  coalesce(sum(x.population) FILTER (WHERE x.nb_cpts > 0), 0)::bigint AS population_couverte,
  coalesce(sum(x.population) FILTER (WHERE x.nb_cpts > 1), 0)::bigint AS population_multi,
  round(100 * coalesce(sum(x.population) FILTER (WHERE x.nb_cpts > 0), 0)::numeric / nullif(sum(x.population), 0), 2) AS part_population`;

interface FigureRow {
  nb_communes: number;
  nb_couvertes: number;
  nb_multi: number;
  nb_hors_officiel: number;
  nb_sans_population: number;
  part_communes: number | null;
  population: number;
  population_couverte: number;
  population_multi: number;
  part_population: number | null;
}

const figures = (r: FigureRow): Omit<CoverageRow, 'code' | 'nom'> => ({
  nbCommunes: r.nb_communes,
  nbCommunesCouvertes: r.nb_couvertes,
  nbCommunesMultiCpts: r.nb_multi,
  nbCommunesCouvertesHorsOfficiel: r.nb_hors_officiel,
  nbCommunesSansPopulation: r.nb_sans_population,
  partCommunesPct: r.part_communes,
  population: r.population,
  populationCouverte: r.population_couverte,
  populationMultiCpts: r.population_multi,
  partPopulationPct: r.part_population,
});

/**
 * One pass over the communes of the régions concerned (GROUPING SETS: per département, per région, in all).
 * With a département filter, its région is given whole and the total is the département's.
 */
export async function coverage(db: Queryable, f: AreaFilter = {}): Promise<Coverage> {
  const r = await db.query<FigureRow & { niveau: 'departement' | 'region' | 'total'; code: string | null; nom: string | null }>(
    `WITH x AS (
       SELECT c.code, c.departement, c.region, c.population,
              count(m.cpts_id)::int AS nb_cpts,
              count(m.cpts_id) FILTER (WHERE k.perimetre = 'officiel')::int AS nb_officiel
         FROM commune c
         LEFT JOIN ${membershipSql(f.date)} m ON m.commune_code = c.code
         LEFT JOIN ${cptsSql(f.date)} k ON k.id = m.cpts_id
        WHERE ${isTerritorialUnit('c')}
          AND ($2::text IS NULL OR c.region = $2)
          AND ($1::text IS NULL OR c.region IN (SELECT d.region FROM departement d WHERE d.code = $1))
        GROUP BY c.code, c.departement, c.region, c.population
     ), g AS (
       SELECT CASE WHEN GROUPING(x.departement) = 0 THEN 'departement' WHEN GROUPING(x.region) = 0 THEN 'region' ELSE 'total' END AS niveau,
              x.departement, x.region, ${FIGURES}
         FROM x
        GROUP BY GROUPING SETS ((x.departement), (x.region), ())
     )
     SELECT g.*, coalesce(d.code, rg.code) AS code, coalesce(d.nom, rg.nom) AS nom
       FROM g
       LEFT JOIN departement d ON g.niveau = 'departement' AND d.code = g.departement
       LEFT JOIN region rg ON g.niveau = 'region' AND rg.code = g.region
      ORDER BY g.niveau, coalesce(g.departement, g.region) COLLATE "C"`,
    [f.departement ?? null, f.region ?? null],
  );
  const row = (x: (typeof r.rows)[number]): CoverageRow => ({ code: x.code ?? '', nom: x.nom ?? '', ...figures(x) });
  const departements = r.rows.filter((x) => x.niveau === 'departement' && (!f.departement || x.code === f.departement)).map(row);
  const regions = r.rows.filter((x) => x.niveau === 'region').map(row);
  const all = r.rows.find((x) => x.niveau === 'total');
  const empty: FigureRow = {
    nb_communes: 0,
    nb_couvertes: 0,
    nb_multi: 0,
    nb_hors_officiel: 0,
    nb_sans_population: 0,
    part_communes: null,
    population: 0,
    population_couverte: 0,
    population_multi: 0,
    part_population: null,
  };
  const { code: _c, nom: _n, ...deptTotal } = departements[0] ?? { code: '', nom: '', ...figures(empty) };
  return { departements, regions, total: f.departement ? deptTotal : figures(all ?? empty) };
}

// ---------------------------------------------------------------------------------------------
// White zones

export interface WhiteZoneFilter extends AreaFilter {
  /** Communes of this bassin de vie (INSEE code) only. */
  bassinVie?: string;
  limit?: number;
  offset?: number;
}

export interface WhiteZoneRow {
  code: string;
  nom: string;
  departement: string;
  region: string;
  population: number | null;
  /** Null when no GP data was imported; 0 when the commune is absent from the imported source. */
  nbGeneralistes: number | null;
  estProxy: boolean | null;
  gpSource: string | null;
  gpAnnee: number | null;
  zone: string | null;
  zoneDate: string | null;
  zoneSource: string | null;
  /** The nearest CPTS: geodesic distance from the commune's point on surface (ST_PointOnSurface) to the CPTS perimeter. */
  cptsProche: { id: string; nom: string; statut: CptsStatut; perimetre: Perimetre; distanceKm: number } | null;
  /**
   * CPTS sharing a border of positive length with the commune (DE-9IM boundary ∩ boundary of dimension 1)
   * or overlapping it (interiors meet, for imported polygons); a contact at a single point does not count.
   */
  cptsLimitrophes: string[];
}

export interface WhiteZonePage<R = WhiteZoneRow, Rows = R[]> {
  total: number;
  populationTotale: number;
  rows: Rows;
}

export interface WhiteZoneFeature extends WhiteZoneRow {
  geometry: string;
}

/**
 * The nearest CPTS to `pt`, by geodesic distance (ST_Distance on geography, WGS84 spheroid), index-assisted:
 * 1. dmin = the smallest planar distance in degrees, by KNN on the GiST index (`<->`, one row). Degrees are
 *    not distances (a degree of longitude is cos φ of a degree of latitude), so the nearest by `<->` is not
 *    always the nearest on the ground;
 * 2. every CPTS within dmin / cos φ (+1 %) degrees (ST_DWithin, index): none farther can be nearer, since the
 *    true distance D of a CPTS at d degrees satisfies ≈ R·cos φ·d ≤ D ≤ R·d. A range, not a LIMIT: CPTS
 *    with identical perimeters (common with approximate ones) cannot crowd the true nearest out;
 * 3. among them, the planar distance with longitudes scaled by cos φ (a local equirectangular metric, cheap)
 *    keeps those within 2 % of the best; identical scaled distances (identical perimeters) are measured once,
 *    on the smallest id;
 * 4. the geodesic distance of those few (usually one) decides; ties to the metre go to the smallest id.
 */
const NEAREST = (pt: string, day: string | undefined) => `
  LEFT JOIN LATERAL (
    SELECT k.id, k.nom, k.statut, k.perimetre, round((h.d / 1000)::numeric, 2) AS distance_km
      FROM (
        SELECT g.id, ST_Distance(g.geom::geography, ${pt}::geography) AS d
          FROM (
            SELECT DISTINCT ON (c.ds) c.id, c.geom, c.ds
              FROM (
                SELECT c.*, min(c.ds) OVER () AS dsmin
                  FROM (
                    SELECT k.id, k.geom, ST_Distance(ST_Scale(k.geom, f.f, 1), ST_Scale(${pt}, f.f, 1)) AS ds
                      FROM (SELECT k.geom <-> ${pt} AS dmin, cos(radians(ST_Y(${pt}))) AS f
                              FROM ${cptsSql(day)} k WHERE k.geom IS NOT NULL
                             ORDER BY k.geom <-> ${pt} LIMIT 1) f
                      JOIN ${cptsSql(day)} k ON ST_DWithin(k.geom, ${pt}, f.dmin * 1.01 / cos(radians(least(89.0, abs(ST_Y(${pt})) + f.dmin))) + 1e-9)
                  ) c
              ) c
             WHERE c.ds <= c.dsmin * 1.02 + 1e-12
             ORDER BY c.ds, c.id COLLATE "C"
          ) g
        OFFSET 0 -- keeps the geodesic distance computed once per candidate
      ) h
      JOIN ${cptsSql(day)} k ON k.id = h.id
     ORDER BY round(h.d::numeric), h.id COLLATE "C"
     LIMIT 1
  ) near ON true`;


/** White zones (territorial units) of the area; `bv`: the parameter holding the bassin de vie filter. */
const wzWhere = (bv: string, day: string | undefined) => `
  NOT EXISTS (SELECT 1 FROM ${membershipSql(day)} m WHERE m.commune_code = c.code) AND ${isTerritorialUnit('c')}
  AND ($1::text IS NULL OR c.departement = $1) AND ($2::text IS NULL OR c.region = $2)
  AND (${bv}::text IS NULL OR EXISTS (SELECT 1 FROM commune_bassin cb WHERE cb.commune_code = c.code AND cb.bassin_vie = ${bv}))`;

const WZ_ORDER = `c.population DESC NULLS LAST, c.code COLLATE "C"`;

function wzSql(withGeometry: boolean, day: string | undefined): string {
  return `
    WITH page AS MATERIALIZED ( -- materialised: the point on surface is computed once per commune
      SELECT c.code, c.nom, c.departement, c.region, c.population, c.geom, ST_PointOnSurface(c.geom) AS pt
        FROM commune c
       WHERE ${wzWhere('$5', day)}
       ORDER BY ${WZ_ORDER}
       LIMIT $3 OFFSET $4
    )
    SELECT p.code, p.nom, p.departement, p.region, p.population,
           CASE WHEN (SELECT EXISTS (SELECT 1 FROM offre_mg)) THEN coalesce(o.nb_generalistes, 0) END AS nb_generalistes,
           o.est_proxy, o.source AS gp_source, o.annee AS gp_annee,
           z.zone, z.date_zonage AS zone_date, z.source AS zone_source,
           near.id AS near_id, near.nom AS near_nom, near.statut AS near_statut, near.perimetre AS near_perimetre,
           near.distance_km AS near_distance_km,
           coalesce((SELECT array_agg(x.id ORDER BY x.id COLLATE "C")
                       FROM (SELECT k.id, ST_Relate(${onContactGrid('k.geom')}, ${onContactGrid('p.geom')}) AS im
                               FROM ${cptsSql(day)} k WHERE k.geom && ST_Expand(p.geom, ${CONTACT_GRID})
                             OFFSET 0) x -- OFFSET 0: the relation is computed once, not once per test below
                      WHERE ${inContact('x.im')}), '{}') AS limitrophes
           ${withGeometry ? ', ST_AsGeoJSON(p.geom, 6) AS geometry' : ''}
      FROM page p
      LEFT JOIN offre_mg o ON o.commune_code = p.code
      LEFT JOIN zonage z ON z.commune_code = p.code
      ${NEAREST('p.pt', day)}
     ORDER BY p.population DESC NULLS LAST, p.code COLLATE "C"`;
}

interface WzRow {
  code: string;
  nom: string;
  departement: string;
  region: string;
  population: number | null;
  nb_generalistes: number | null;
  est_proxy: boolean | null;
  gp_source: string | null;
  gp_annee: number | null;
  zone: string | null;
  zone_date: string | null;
  zone_source: string | null;
  near_id: string | null;
  near_nom: string | null;
  near_statut: CptsStatut | null;
  near_perimetre: Perimetre | null;
  near_distance_km: number | null;
  limitrophes: string[];
  geometry?: string;
}

const toWz = (r: WzRow): WhiteZoneRow => ({
  code: r.code,
  nom: r.nom,
  departement: r.departement,
  region: r.region,
  population: r.population,
  nbGeneralistes: r.nb_generalistes,
  estProxy: r.est_proxy,
  gpSource: r.gp_source,
  gpAnnee: r.gp_annee,
  zone: r.zone,
  zoneDate: r.zone_date,
  zoneSource: r.zone_source,
  cptsProche:
    r.near_id === null
      ? null
      : { id: r.near_id, nom: r.near_nom!, statut: r.near_statut!, perimetre: r.near_perimetre!, distanceKm: r.near_distance_km! },
  cptsLimitrophes: r.limitrophes,
});

async function wzTotals(db: Queryable, f: WhiteZoneFilter): Promise<{ total: number; populationTotale: number }> {
  const r = await db.query<{ total: number; population: number }>(
    `SELECT count(*)::int AS total, coalesce(sum(c.population), 0)::bigint AS population FROM commune c WHERE ${wzWhere('$3', f.date)}`,
    [f.departement ?? null, f.region ?? null, f.bassinVie ?? null],
  );
  return { total: r.rows[0]!.total, populationTotale: r.rows[0]!.population };
}

/** Communes in no CPTS, largest population first, one page; `limit` undefined = all. */
export async function whiteZones(db: Queryable, f: WhiteZoneFilter = {}): Promise<WhiteZonePage> {
  const totals = await wzTotals(db, f);
  const r = await db.query<WzRow>(wzSql(false, f.date), wzParams(f));
  return { ...totals, rows: r.rows.map(toWz) };
}

/** All the white zones of the area, as whiteZones, a batch at a time from a cursor (exports). */
export function whiteZoneBatches(db: Db, f: Omit<WhiteZoneFilter, 'limit' | 'offset'> = {}): AsyncIterable<WhiteZoneRow[]> {
  return mapBatches(db.cursor<WzRow>(wzSql(false, f.date), wzParams(f)), toWz);
}

const wzParams = (f: WhiteZoneFilter) => [f.departement ?? null, f.region ?? null, f.limit ?? null, f.offset ?? 0, f.bassinVie ?? null];

/**
 * The white zones of the area with their outline (GeoJSON export): the totals at once, the rows of the page asked for
 * (all without a limit) a batch at a time from a cursor.
 */
export async function whiteZoneFeatures(db: Db, f: WhiteZoneFilter = {}): Promise<WhiteZonePage<WhiteZoneFeature, AsyncIterable<WhiteZoneFeature[]>>> {
  const totals = await wzTotals(db, f);
  return { ...totals, rows: mapBatches(db.cursor<WzRow>(wzSql(true, f.date), wzParams(f)), (x) => ({ ...toWz(x), geometry: x.geometry! })) };
}
