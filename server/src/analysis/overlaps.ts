// Overlaps between CPTS, computed on the membership table (not on geometry): two CPTS overlap when they
// share at least one commune. Touching along a border shares no commune, so it is no overlap.
import { mapBatches } from '../db/cursor.js';
import type { Db, Queryable } from '../db/port.js';
import { cptsSql, membershipSql } from '../domain/rules-sql.js';
import { COMMUNE_PARTAGEE_SANS_DECOUPAGE, type CptsStatut, type Perimetre } from '../domain/vocabulary.js';

export interface OverlapFilter {
  departement?: string;
  region?: string;
  /** Only the pairs this CPTS belongs to (CPTS sheet). */
  cptsId?: string;
  /** Pairs of which a CPTS has a member commune in this bassin de vie (INSEE code). */
  bassinVie?: string;
  /** As of this day (AAAA-MM-JJ): the perimeters and statuses in force then (migration 061). */
  date?: string | undefined;
}

export interface SharedCommune {
  code: string;
  nom: string;
  population: number | null;
  /** Claimed whole by both CPTS, and no arrondissement split below it: the overlap cannot be resolved by membership. */
  partageeSansDecoupage: boolean;
  libelle: string | null;
}

export interface OverlapSide {
  id: string;
  nom: string;
  statut: CptsStatut;
  perimetre: Perimetre;
  /** The perimeter's source, to cite with it (e.g. « ARS PACA, listing des CPTS, janvier 2026 »). */
  attribution: string;
  /** Population of the whole CPTS (sum over its member communes). */
  population: number;
  /** Share of this CPTS's population living in the shared communes, %, 1 decimal (null if population 0). */
  partEnLitigePct: number | null;
}

export interface OverlapPair {
  a: OverlapSide;
  b: OverlapSide;
  nbCommunes: number;
  communes: SharedCommune[];
  /** Shared communes claimed whole by both, with no arrondissement split (Nice, Toulon). */
  nbCommunesPartageesSansDecoupage: number;
  /** Population of the shared communes (whole communes). */
  population: number;
  /** Σ area_km2 × least(part_a, part_b) over the shared communes, 2 decimals. */
  superficieKm2: number;
}

/**
 * `pairs`: every (a, b) with a < b (byte order) sharing a commune, one row per shared commune, from the
 * self-join of cpts_commune on commune_code (index cpts_commune_commune_idx). With a filter, a pair is kept
 * when either CPTS has a member commune in the département / région / bassin de vie asked for (`touched`); its shared
 * communes are then among the member communes of the CPTS touched, which the join starts from. The statement holds
 * only the filters given, and passes sets as arrays (`= ANY (ARRAY(…))`): the planner then reads a few hundred rows by
 * their index; with every filter written in and `$1 IS NULL OR …`, or with `IN (SELECT …)` whose size it guessed at a
 * quarter of a table, it hash-joined whole scans of the membership table (38,291 rows, three times per request:
 * 5,600 buffers and ~60 ms of CPU for one département on national data, ~1,000 buffers now). Communes are read by their
 * key, one at a time (`OFFSET 0` keeps the planner from turning the lookups into a hash join over the whole commune
 * heap, outlines included: 95 MB on national data), and so is the population of each CPTS involved.
 */
function pairsCte(f: OverlapFilter): { cte: string; params: unknown[] } {
  const params: unknown[] = [];
  const p = (v: unknown) => `$${params.push(v)}::text`;
  const m = membershipSql(f.date);
  const area = [
    f.departement ? `c.departement = ${p(f.departement)}` : null,
    f.region ? `c.region = ${p(f.region)}` : null,
    f.bassinVie ? `EXISTS (SELECT 1 FROM commune_bassin cb WHERE cb.commune_code = c.code AND cb.bassin_vie = ${p(f.bassinVie)})` : null,
  ].filter((x) => x !== null);
  const conds: string[] = [];
  let touched = '';
  if (area.length) {
    touched = `touched AS (
    SELECT ARRAY(SELECT DISTINCT m.cpts_id FROM ${m} m
                  WHERE m.commune_code = ANY (ARRAY(SELECT c.code FROM commune c WHERE ${area.join(' AND ')}))) AS ids
  ),`;
    const ids = '(SELECT ids FROM touched)::text[]';
    conds.push(`a.commune_code = ANY (ARRAY(SELECT t.commune_code FROM ${m} t WHERE t.cpts_id = ANY (${ids})))
            AND (a.cpts_id = ANY (${ids}) OR b.cpts_id = ANY (${ids}))`);
  }
  if (f.cptsId) {
    const id = p(f.cptsId);
    conds.push(`a.commune_code = ANY (ARRAY(SELECT t.commune_code FROM ${m} t WHERE t.cpts_id = ${id})) AND (a.cpts_id = ${id} OR b.cpts_id = ${id})`);
  }
  const cte = `${touched}
  pairs AS (
    SELECT a.cpts_id AS a_id, b.cpts_id AS b_id, a.commune_code AS code, least(a.part_surface, b.part_surface) AS part
      FROM ${m} a
      JOIN ${m} b ON b.commune_code = a.commune_code AND a.cpts_id COLLATE "C" < b.cpts_id COLLATE "C"
     ${conds.length ? `WHERE ${conds.join('\n       AND ')}` : ''}
  ),
  involved AS (SELECT a_id AS id FROM pairs UNION SELECT b_id FROM pairs),
  pop AS (
    SELECT i.id AS cpts_id,
           (SELECT coalesce(sum(c.population), 0)::bigint
              FROM ${m} m JOIN commune c ON c.code = m.commune_code WHERE m.cpts_id = i.id) AS population
      FROM involved i
  )`;
  return { cte, params };
}

const PAIR_COLUMNS = `
  p.a_id, ka.nom AS a_nom, ka.statut AS a_statut, ka.perimetre AS a_perimetre, ka.source AS a_source, pa.population AS a_population,
  p.b_id, kb.nom AS b_nom, kb.statut AS b_statut, kb.perimetre AS b_perimetre, kb.source AS b_source, pb.population AS b_population,
  p.nb_communes, p.nb_sans_decoupage, p.population, p.superficie_km2,
  round(100 * p.population::numeric / nullif(pa.population, 0), 1) AS a_part,
  round(100 * p.population::numeric / nullif(pb.population, 0), 1) AS b_part`;

/**
 * Pairs aggregated on their ids alone (a hash aggregate), then joined to names and populations: grouping on
 * the text columns as well would sort thousands of rows on locale-aware keys for nothing.
 */
const PAIR_FROM = (f: OverlapFilter, extra: string) => `
  FROM (SELECT p.a_id, p.b_id, count(*)::int AS nb_communes, count(*) FILTER (WHERE ${SANS_DECOUPAGE})::int AS nb_sans_decoupage,
               coalesce(sum(c.population), 0)::bigint AS population,
               round(sum(c.area_km2 * p.part)::numeric, 2) AS superficie_km2${extra}
          FROM pairs p CROSS JOIN LATERAL (SELECT * FROM commune c WHERE c.code = p.code OFFSET 0) c
         GROUP BY p.a_id, p.b_id) p
  JOIN ${cptsSql(f.date)} ka ON ka.id = p.a_id JOIN ${cptsSql(f.date)} kb ON kb.id = p.b_id
  JOIN pop pa ON pa.cpts_id = p.a_id JOIN pop pb ON pb.cpts_id = p.b_id`;

/** A shared commune claimed whole by both (part 1) that is no arrondissement and has none (no row's parent). */
const SANS_DECOUPAGE = `p.part = 1 AND c.parent IS NULL AND NOT EXISTS (SELECT 1 FROM commune ch WHERE ch.parent = c.code)`;

const COMMUNES_AGG = `,
  json_agg(json_build_object('code', c.code, 'nom', c.nom, 'population', c.population, 'partageeSansDecoupage', ${SANS_DECOUPAGE})
           ORDER BY c.code COLLATE "C") AS communes`;

const ORDER = `ORDER BY population DESC, p.a_id COLLATE "C", p.b_id COLLATE "C"`;

interface PairRow {
  a_id: string;
  a_nom: string;
  a_statut: CptsStatut;
  a_perimetre: Perimetre;
  a_source: string;
  a_population: number;
  a_part: number | null;
  b_id: string;
  b_nom: string;
  b_statut: CptsStatut;
  b_perimetre: Perimetre;
  b_source: string;
  b_population: number;
  b_part: number | null;
  nb_communes: number;
  nb_sans_decoupage: number;
  population: number;
  superficie_km2: number;
  communes: Omit<SharedCommune, 'libelle'>[];
}

function toPair(r: PairRow): OverlapPair {
  return {
    a: { id: r.a_id, nom: r.a_nom, statut: r.a_statut, perimetre: r.a_perimetre, attribution: r.a_source, population: r.a_population, partEnLitigePct: r.a_part },
    b: { id: r.b_id, nom: r.b_nom, statut: r.b_statut, perimetre: r.b_perimetre, attribution: r.b_source, population: r.b_population, partEnLitigePct: r.b_part },
    nbCommunes: r.nb_communes,
    communes: r.communes.map((c) => ({ ...c, libelle: c.partageeSansDecoupage ? COMMUNE_PARTAGEE_SANS_DECOUPAGE : null })),
    nbCommunesPartageesSansDecoupage: r.nb_sans_decoupage,
    population: r.population,
    superficieKm2: r.superficie_km2,
  };
}

/** Every pair of CPTS sharing at least one commune, by shared population (desc) then ids. One query. */
export async function overlapPairs(db: Queryable, f: OverlapFilter = {}): Promise<OverlapPair[]> {
  const { sql, params } = pairsSql(f);
  const r = await db.query<PairRow>(sql, params);
  return r.rows.map(toPair);
}

/** The same pairs, a batch at a time from a cursor (exports). */
export function overlapPairBatches(db: Db, f: OverlapFilter = {}): AsyncIterable<OverlapPair[]> {
  const { sql, params } = pairsSql(f);
  return mapBatches(db.cursor<PairRow>(sql, params), toPair);
}

function pairsSql(f: OverlapFilter): { sql: string; params: unknown[] } {
  const { cte, params } = pairsCte(f);
  return { sql: `WITH ${cte}
     SELECT ${PAIR_COLUMNS}, p.communes
     ${PAIR_FROM(f, COMMUNES_AGG)}
     ${ORDER}`, params };
}

export interface OverlapFeature extends OverlapPair {
  /** GeoJSON text of the union of the shared communes (normalised, 6 decimals). */
  geometry: string;
}

/** The same pairs with the union of their shared communes, for the map, a batch at a time from a cursor (GeoJSON export). */
export function overlapGeometryBatches(db: Db, f: OverlapFilter = {}): AsyncIterable<OverlapFeature[]> {
  const { cte, params } = pairsCte(f);
  const sql = `WITH ${cte}
     SELECT ${PAIR_COLUMNS}, p.communes, p.geometry
     ${PAIR_FROM(f, `${COMMUNES_AGG}, ST_AsGeoJSON(ST_Normalize(safe_union(array_agg(c.geom))), 6) AS geometry`)}
     ${ORDER}`;
  return mapBatches(db.cursor<PairRow & { geometry: string }>(sql, params), (x) => ({ ...toPair(x), geometry: x.geometry }));
}
