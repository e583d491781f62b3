// The geometry helpers of migration 010 (safe_union, safe_make_valid, safe_intersection, valid_multipolygon):
// same answers on both backends, an empty result only where the input has no area.
import { expect, it } from 'vitest';
import { describeEachBackend, freshDatabase } from '../helpers/db.js';

const square = (x: number, y: number, s = 1) => `ST_MakeEnvelope(${x}, ${y}, ${x + s}, ${y + s}, 4326)`;
const BOW_TIE = `ST_GeomFromText('POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))', 4326)`;
const DEGENERATE = `ST_GeomFromText('POLYGON((0 0, 1 0, 2 0, 1 0, 0 0))', 4326)`;

describeEachBackend('safe geometry helpers', (backend) => {
  const db = freshDatabase(backend);
  const one = async (sql: string) => (await db().query<Record<string, unknown>>(`SELECT ${sql}`)).rows[0]!;

  it('safe_union dissolves into a MultiPolygon; NULL for no geometry; empty for no area', async () => {
    const expected = `ST_GeomFromText('MULTIPOLYGON(((0 0,0 1,2 1,2 0,0 0)),((5 5,5 6,6 6,6 5,5 5)))', 4326)`;
    expect(await one(`ST_GeometryType(u) AS t, ST_Equals(u, ${expected}) AS same FROM (SELECT safe_union(ARRAY[${square(0, 0)}, ${square(1, 0)}, ${square(5, 5)}]) AS u) x`)).toEqual({
      t: 'ST_MultiPolygon',
      same: true,
    });
    expect(await one(`ST_SRID(safe_union(ARRAY[${square(0, 0)}])) AS srid, ST_Area(safe_union(ARRAY[${square(0, 0)}, ${square(0.5, 0)}])) AS a`)).toEqual({ srid: 4326, a: 1.5 });
    expect(await one(`safe_union(ARRAY[]::geometry[]) IS NULL AS none, safe_union(ARRAY[NULL::geometry]) IS NULL AS nulls`)).toEqual({ none: true, nulls: true });
    expect(await one(`ST_AsText(safe_union(ARRAY[ST_GeomFromText('POLYGON EMPTY', 4326)])) AS u`)).toEqual({ u: 'MULTIPOLYGON EMPTY' });
  });

  it('safe_union as an aggregate over rows (array_agg), as the tiles and the importers call it', async () => {
    const r = await db().query<{ n: number; a: number }>(
      `SELECT ST_NumGeometries(u) AS n, ST_Area(u) AS a FROM (SELECT safe_union(array_agg(g)) AS u FROM (VALUES (${square(0, 0)}), (${square(1, 0)}), (${square(0, 1)})) v(g)) x`,
    );
    expect(r.rows).toEqual([{ n: 1, a: 3 }]);
  });

  it('safe_make_valid keeps the polygonal part; a valid polygon unchanged, a bow tie repaired, a zero-area ring empty', async () => {
    expect(await one(`ST_Equals(safe_make_valid(${square(0, 0)}), ${square(0, 0)}) AS same`)).toEqual({ same: true });
    expect(await one(`ST_GeometryType(safe_make_valid(${BOW_TIE})) AS t, ST_Area(safe_make_valid(${BOW_TIE})) AS a`)).toEqual({ t: 'ST_MultiPolygon', a: 0.5 });
    expect(await one(`ST_IsEmpty(safe_make_valid(${DEGENERATE})) AS e, safe_make_valid(NULL) IS NULL AS n`)).toEqual({ e: true, n: true });
  });

  it('safe_intersection: the overlap of two squares; empty where they only touch or are apart', async () => {
    expect(await one(`ST_Area(safe_intersection(${square(0, 0)}, ${square(0.5, 0.5)})) AS a`)).toEqual({ a: 0.25 });
    expect(await one(`ST_Area(safe_intersection(${square(0, 0)}, ${square(1, 0)})) AS a, ST_IsEmpty(safe_intersection(${square(0, 0)}, ${square(3, 3)})) AS e`)).toEqual({ a: 0, e: true });
  });

  it('valid_multipolygon: 2D, repaired, overlapping pieces dissolved', async () => {
    const pieces = `ST_GeomFromText('MULTIPOLYGON Z (((0 0 1, 2 0 1, 2 2 1, 0 2 1, 0 0 1)), ((1 1 1, 3 1 1, 3 3 1, 1 3 1, 1 1 1)))', 4326)`;
    expect(await one(`ST_NDims(valid_multipolygon(${pieces})) AS d, ST_NumGeometries(valid_multipolygon(${pieces})) AS n, ST_Area(valid_multipolygon(${pieces})) AS a, ST_IsValid(valid_multipolygon(${pieces})) AS v`)).toEqual({ d: 2, n: 1, a: 7, v: true });
    expect(await one(`ST_AsText(valid_multipolygon(ST_GeomFromText('POLYGON EMPTY', 4326))) AS e, ST_IsEmpty(valid_multipolygon(${DEGENERATE})) AS d`)).toEqual({ e: 'MULTIPOLYGON EMPTY', d: true });
  });
});
