// The one exact-nearest primitive: the k open coordinated-care sites (structure rows) nearest to a point by geodesic
// (WGS84 spheroid) distance, index-assisted. A closed site (openSql) is never a nearest one. The pharmacy list
// (nearest joinable structure) and nearby (nearest MSP, CSP, ESP a pharmacy can join, other centres apart) use it.
//   1. a KNN scan on the geometry GiST index (`ORDER BY s.geom <-> point LIMIT c`, c ≥ k) gives c candidates,
//      ranked by their geodesic distance; dk is the planar distance (degrees) of the last one, gk the k-th geodesic;
//   2. every other site is at least dk degrees away in the (lon, lat) plane, so the geodesic to it first crosses the
//      disc of radius dk around the point: a stretch of plane length ≥ dk at latitudes ≤ |φ| + dk, on which
//      ds ≥ R_min · cos(|φ| + dk) · |d(lon, lat)| (R_min = a(1 − e²) = 6,335,439 m, the smallest radius of curvature
//      of WGS84). Every other site is then at least LB = R_min · cos(|φ| + dk) · dk (radians) away (0.1 % margin):
//      if gk < LB (or the scan found fewer than c sites, all of them), the candidates' first k are exact;
//   3. otherwise `ST_DWithin(s.geom::geography, point::geography, gk)` on the geography GiST index returns every site
//      within gk, ranked by geodesic distance.
// Planar `<->` in degrees is not geodesic order (a degree of longitude is cos φ times a degree of latitude): re-ranking
// a few planar candidates without steps 2–3 picked the wrong site for 39 of 21,116 pharmacies on a synthetic national
// load. (No French territory in the data straddles the antimeridian, where planar longitude differences would mislead step 2.)

import { openSql } from '../domain/rules-sql.js';

/** a (1 − e²) on WGS84: the meridian radius of curvature at the equator, the smallest radius of curvature. */
const R_MIN_M = 6335439;

export interface NearestQuery {
  /** A point expression (EPSG:4326) of the enclosing query. */
  point: string;
  /**
   * The sites considered among the open ones, on `structure s`: joinableSql('s'), a literal type, otherCentreSql('s')…
   * written as a partial index's predicate (migrations 003, 070) so that the scan uses it.
   */
  where: string;
  /** How many sites (SQL integer expression). */
  k: string;
  /** How many KNN candidates (≥ k): a few more than k make the fallback rare. */
  candidates: string;
}

/** A subquery of the k nearest open sites: columns finess and d (geodesic metres), nearest first, ties by FINESS. */
export function exactNearestSql(q: NearestQuery): string {
  const where = `${q.where} AND ${openSql('s')}`;
  const geodesic = `ST_Distance(s.geom::geography, ${q.point}::geography)`;
  return `
    WITH c AS (
      SELECT x.*, count(*) OVER () AS n, max(x.dp) OVER () AS dk,
             nth_value(x.d, ${q.k}) OVER (ORDER BY x.d ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS gk
        FROM (SELECT s.finess, ${geodesic} AS d, s.geom <-> ${q.point} AS dp
                FROM structure s
               WHERE ${where} AND s.geom IS NOT NULL
               ORDER BY s.geom <-> ${q.point}
               LIMIT ${q.candidates}) x
    ), b AS (
      SELECT c.gk, c.n < ${q.candidates}
                   OR c.gk < 0.999 * ${R_MIN_M} * cos(radians(least(89.9, abs(ST_Y(${q.point})) + c.dk))) * radians(c.dk) AS exact
        FROM c LIMIT 1
    )
    SELECT t.finess, t.d
      FROM (SELECT c.finess, c.d FROM c, b WHERE b.exact
            UNION ALL
            SELECT s.finess, ${geodesic} FROM structure s, b
             WHERE NOT b.exact AND ${where} AND s.geom IS NOT NULL
               AND ST_DWithin(s.geom::geography, ${q.point}::geography, b.gk + 0.01)) t
     ORDER BY t.d, t.finess COLLATE "C"
     LIMIT ${q.k}`;
}
