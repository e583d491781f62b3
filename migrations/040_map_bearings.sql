-- Map bearings (server/src/tiles/layers.ts, layers `limites` and `etiquettes`): outlines of départements and
-- régions dissolved from the communes, and label points of communes, CPTS, départements and régions.
-- contour_admin and commune_etiquette derive from the commune table only: refresh_contours_admin() rebuilds them
-- after every communes import (server/src/import/communes.ts), in the import's transaction. CPTS label points
-- follow their outline through a generated column, like cpts.geom_3857_low (migration 002).

CREATE TABLE contour_admin (
  niveau          text NOT NULL CHECK (niveau IN ('region', 'departement')),
  code            text NOT NULL,
  nom             text NOT NULL,
  population      bigint NOT NULL,       -- of its territorial units (communes that are no row's parent)
  geom_3857       geometry(MultiPolygon, 3857) NOT NULL,
  geom_3857_low   geometry(MultiPolygon, 3857) NOT NULL, -- generalised for low zooms
  etiquette_3857  geometry(Point, 3857) NOT NULL,         -- where its name is drawn
  PRIMARY KEY (niveau, code),
  CONSTRAINT contour_admin_not_empty CHECK (NOT ST_IsEmpty(geom_3857) AND NOT ST_IsEmpty(geom_3857_low))
);
CREATE INDEX contour_admin_geom_3857_gix ON contour_admin USING gist (geom_3857);
CREATE INDEX contour_admin_etiquette_3857_gix ON contour_admin USING gist (etiquette_3857);

-- One label point per commune with an outline, and its population rank in its département (1 = most populated).
CREATE TABLE commune_etiquette (
  code              text PRIMARY KEY REFERENCES commune (code) ON DELETE CASCADE,
  rang_departement  integer NOT NULL,
  geom_3857         geometry(Point, 3857) NOT NULL
);
CREATE INDEX commune_etiquette_geom_3857_gix ON commune_etiquette USING gist (geom_3857);

ALTER TABLE cpts ADD COLUMN etiquette_3857 geometry(Point, 3857) GENERATED ALWAYS AS (ST_PointOnSurface(geom_3857)) STORED;
CREATE INDEX cpts_etiquette_3857_gix ON cpts USING gist (etiquette_3857);

-- The union of polygons forming a coverage (communes of a département, départements of a région), without the
-- slivers left between neighbours whose outlines do not quite meet (interior rings under 1 ha, in EPSG:3857 m²).
-- ST_CoverageUnion (PostGIS 3.4+) is fast but trusts its input; when it is missing or its result is not valid or its area is not the sum of the
-- parts (the parts overlap), ST_Union with a 1 m grid is used instead. An empty or missing result raises: PGlite's
-- GEOS may return an empty geometry instead of failing.
CREATE FUNCTION union_contour(parts geometry[], label text) RETURNS geometry
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  g geometry;
  expected double precision;
BEGIN
  SELECT sum(ST_Area(p)) INTO expected FROM unnest(parts) p;
  BEGIN
    SELECT ST_CoverageUnion(p) INTO g FROM unnest(parts) p;
  EXCEPTION WHEN undefined_function THEN
    g := NULL; -- PostGIS before 3.4
  END;
  IF g IS NULL OR ST_IsEmpty(g) OR NOT ST_IsValid(g) OR abs(ST_Area(g) - expected) > 1e-6 * expected THEN
    SELECT ST_Union(p, 1) INTO g FROM unnest(parts) p;
  END IF;
  g := safe_make_valid(g);
  IF g IS NULL OR ST_IsEmpty(g) THEN
    RAISE EXCEPTION 'outline of % (% parts): the union is empty', label, cardinality(parts);
  END IF;
  SELECT ST_Multi(ST_Collect(ST_MakePolygon(ST_ExteriorRing(d.geom),
           ARRAY(SELECT ST_ExteriorRing(r.geom) FROM ST_DumpRings(d.geom) r WHERE r.path[1] > 0 AND ST_Area(r.geom) >= 10000))))
    INTO g FROM ST_Dump(g) d;
  IF g IS NULL OR ST_IsEmpty(g) THEN
    RAISE EXCEPTION 'outline of %: empty once its slivers are removed', label;
  END IF;
  RETURN g;
END $$;

-- Rebuilds contour_admin and commune_etiquette from the communes; returns the rows written. Raises when a
-- département with communes gets no outline.
CREATE FUNCTION refresh_contours_admin() RETURNS TABLE (departements integer, regions integer, communes integer)
LANGUAGE plpgsql AS $$
DECLARE
  expected integer;
BEGIN
  DELETE FROM contour_admin;
  DELETE FROM commune_etiquette;
  INSERT INTO commune_etiquette (code, rang_departement, geom_3857)
  SELECT c.code, row_number() OVER (PARTITION BY c.departement ORDER BY c.population DESC NULLS LAST, c.code COLLATE "C"),
         ST_PointOnSurface(c.geom_3857)
    FROM commune c WHERE c.geom_3857 IS NOT NULL;

  INSERT INTO contour_admin (niveau, code, nom, population, geom_3857, geom_3857_low, etiquette_3857)
  SELECT 'departement', d.code, d.nom, u.population, u.g, u.g, ST_PointOnSurface(u.g)
    FROM departement d
    JOIN (SELECT c.departement AS code,
                 union_contour(array_agg(c.geom_3857) FILTER (WHERE c.geom_3857 IS NOT NULL), 'département ' || c.departement) AS g,
                 coalesce(sum(c.population) FILTER (WHERE NOT c.is_parent), 0) AS population
            FROM (SELECT c.*, EXISTS (SELECT 1 FROM commune k WHERE k.parent = c.code) AS is_parent FROM commune c) c
           GROUP BY c.departement
          HAVING count(c.geom_3857) > 0) u USING (code);

  INSERT INTO contour_admin (niveau, code, nom, population, geom_3857, geom_3857_low, etiquette_3857)
  SELECT 'region', r.code, r.nom, u.population, u.g, u.g, ST_PointOnSurface(u.g)
    FROM region r
    JOIN (SELECT d.region AS code, union_contour(array_agg(a.geom_3857), 'région ' || d.region) AS g, sum(a.population) AS population
            FROM contour_admin a JOIN departement d ON d.code = a.code
           WHERE a.niveau = 'departement' GROUP BY d.region) u USING (code);

  -- generalised outline (as for communes, 250 m) and the label at the centre of the largest inscribed circle
  UPDATE contour_admin a
     SET geom_3857_low = s.low, etiquette_3857 = (ST_MaximumInscribedCircle(s.low)).center
    FROM (SELECT niveau, code, ST_Multi(safe_make_valid(ST_SimplifyPreserveTopology(geom_3857, 250))) AS low
            FROM contour_admin) s
   WHERE s.niveau = a.niveau AND s.code = a.code AND NOT ST_IsEmpty(s.low);

  SELECT count(DISTINCT c.departement) INTO expected FROM commune c WHERE c.geom_3857 IS NOT NULL;
  SELECT count(*) FILTER (WHERE a.niveau = 'departement'), count(*) FILTER (WHERE a.niveau = 'region')
    INTO departements, regions FROM contour_admin a;
  IF departements <> expected THEN
    RAISE EXCEPTION 'outlines: % départements written for % with communes', departements, expected;
  END IF;
  SELECT count(*) INTO communes FROM commune_etiquette;
  RETURN NEXT;
END $$;

SELECT * FROM refresh_contours_admin();
