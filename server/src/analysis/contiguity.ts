// Contacts between commune outlines, and the separate parts of a set of communes: the graph whose nodes are the
// communes (one node whatever the number of pieces of its outline) and whose edges join two communes sharing a
// border or overlapping; a corner point alone is no contact.
import type { Queryable } from '../db/port.js';
import { connectedComponents } from './components.js';

/**
 * Contacts between outlines are judged on coordinates snapped to a 1e-7° grid (≈ 1 cm, ST_ReducePrecision:
 * snap-rounding, valid output): floating-point noise between neighbours (47.1 against 47.099999999999994)
 * must not turn a shared border into a gap; a real gap wider than about a centimetre stays a gap.
 */
export const CONTACT_GRID = 1e-7;

/** An outline on the contact grid (SQL). */
export const onContactGrid = (geom: string) => `ST_ReducePrecision(${geom}, ${CONTACT_GRID})`;

/**
 * SQL condition on a DE-9IM matrix (ST_Relate of two outlines on the contact grid): the interiors meet, or the
 * boundaries share a line. Outlines meeting only at points are not in contact.
 */
export const inContact = (matrix: string) => `(substr(${matrix}, 1, 1) = '2' OR substr(${matrix}, 5, 1) = '1')`;

// The member outlines on the grid once (MATERIALIZED), then each pair whose boxes meet related once (OFFSET 0).
const EDGES_SQL = `
  WITH m AS MATERIALIZED (
    SELECT c.code, ${onContactGrid('c.geom')} AS g FROM commune c WHERE c.code = ANY($1::text[]) AND c.geom IS NOT NULL
  )
  SELECT a.code AS a, b.code AS b
    FROM m a JOIN m b ON a.code < b.code AND a.g && b.g
   CROSS JOIN LATERAL (SELECT ST_Relate(a.g, b.g) AS im OFFSET 0) r
   WHERE ${inContact('r.im')}`;

const OUTLINED_SQL = `SELECT c.code FROM commune c WHERE c.code = ANY($1::text[]) AND c.geom IS NOT NULL`;

export interface Parts {
  /** Connected groups of communes, each in the order of the given codes. */
  parts: string[][];
  /** Communes without an outline: their contacts are unknown, so they are in no part. */
  withoutOutline: string[];
}

/** The separate parts of a set of communes (codes of existing communes). */
export async function separateParts(db: Queryable, codes: readonly string[]): Promise<Parts> {
  if (!codes.length) return { parts: [], withoutOutline: [] };
  const outlined = new Set((await db.query<{ code: string }>(OUTLINED_SQL, [codes])).rows.map((r) => r.code));
  const edges = (await db.query<{ a: string; b: string }>(EDGES_SQL, [codes])).rows.map((e): [string, string] => [e.a, e.b]);
  return {
    parts: connectedComponents(codes.filter((c) => outlined.has(c)), edges),
    withoutOutline: codes.filter((c) => !outlined.has(c)),
  };
}
