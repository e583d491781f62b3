-- Union, repair and intersection of outlines that never come back silently empty: the one home of these
-- operations for the analyses, the tiles and the importers.
--
-- Why: PGlite's PostGIS is WebAssembly, where the C++ exceptions GEOS throws inside its overlay cannot be caught.
-- A floating-precision union that GEOS would redo with snapping (what PostGIS servers do silently) aborts the whole
-- statement instead, which then returns no row and no error: on the low-zoom outlines of some sets of communes of
-- Nord, ST_Union gave nothing and whole overlap tiles came out empty. An overlay on a precision grid (OverlayNG
-- with a fixed precision model: snap-rounding) never takes that path. So every overlay here runs on a grid fine
-- enough to change no figure (1e-7° ≈ 1 cm in WGS84, 1 cm in metric systems, 1/100 unit in tile units), and a
-- result that is empty where the input had an area is retried on a coarser grid (× 1000), then refused with an error.
-- Statements aborted by the runtime itself cannot be caught in SQL: callers treat an unexpected absence of rows
-- as an error (tiles/mvt-js.ts).

-- The precision grid of a geometry's coordinate system.
CREATE FUNCTION geometry_grid(g geometry) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CASE WHEN ST_SRID(g) = 4326 THEN 1e-7 ELSE 1e-2 END $$;

-- The polygonal part of a geometry made valid (unchanged when valid); an empty result where the input had an
-- area is retried on the grid, then refused.
CREATE FUNCTION safe_make_valid(g geometry) RETURNS geometry
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
  v geometry;
BEGIN
  IF g IS NULL OR ST_IsEmpty(g) THEN
    RETURN g;
  END IF;
  IF ST_IsValid(g) THEN
    v := ST_CollectionExtract(g, 3);
  ELSE
    v := ST_CollectionExtract(ST_MakeValid(g), 3);
  END IF;
  IF (v IS NULL OR ST_IsEmpty(v)) AND ST_Area(g) > 0 THEN
    v := ST_CollectionExtract(ST_MakeValid(ST_SnapToGrid(g, geometry_grid(g) * 1000)), 3);
    IF v IS NULL OR ST_IsEmpty(v) THEN
      RAISE EXCEPTION 'safe_make_valid: a polygon of area % came out empty once made valid', ST_Area(g)
        USING ERRCODE = 'data_exception';
    END IF;
  END IF;
  RETURN v;
END $$;

-- The union of valid polygons, dissolved, as a MultiPolygon on the grid. NULL for no geometry; an empty MultiPolygon when
-- the inputs have no area; an empty or NULL union of inputs with an area is retried on a coarser grid, then refused.
CREATE FUNCTION safe_union(geoms geometry[]) RETURNS geometry
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
  c geometry := ST_Collect(geoms);
  u geometry;
  grid float8;
BEGIN
  IF c IS NULL THEN
    RETURN NULL;
  END IF;
  grid := geometry_grid(c);
  u := ST_CollectionExtract(ST_UnaryUnion(c, grid), 3);
  IF (u IS NULL OR ST_IsEmpty(u)) AND ST_Area(c) > 0 THEN
    u := ST_CollectionExtract(ST_UnaryUnion(ST_MakeValid(ST_SnapToGrid(c, grid * 1000)), grid * 1000), 3);
    IF u IS NULL OR ST_IsEmpty(u) THEN
      RAISE EXCEPTION 'safe_union: the union of % geometries of total area % came out empty', cardinality(geoms), ST_Area(c)
        USING ERRCODE = 'data_exception';
    END IF;
  END IF;
  RETURN ST_Multi(coalesce(u, ST_SetSRID('MULTIPOLYGON EMPTY'::geometry, ST_SRID(c))));
END $$;

-- The intersection of two geometries on the grid; an empty result where their interiors meet is retried on a
-- coarser grid, then refused.
CREATE FUNCTION safe_intersection(a geometry, b geometry) RETURNS geometry
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
  r geometry;
  grid float8;
BEGIN
  IF a IS NULL OR b IS NULL THEN
    RETURN NULL;
  END IF;
  grid := geometry_grid(a);
  r := ST_Intersection(a, b, grid);
  IF (r IS NULL OR ST_IsEmpty(r)) AND ST_Relate(a, b, 'T********') THEN
    r := ST_Intersection(ST_MakeValid(ST_SnapToGrid(a, grid * 1000)), ST_MakeValid(ST_SnapToGrid(b, grid * 1000)), grid * 1000);
    IF r IS NULL OR ST_IsEmpty(r) THEN
      RAISE EXCEPTION 'safe_intersection: two geometries whose interiors meet have an empty intersection'
        USING ERRCODE = 'data_exception';
    END IF;
  END IF;
  RETURN r;
END $$;

-- The repair of a polygon read from a file or a request: 2D, each piece made valid, the pieces dissolved (pieces
-- that overlap cover their union; made valid together, their overlap would become a hole), a MultiPolygon.
CREATE FUNCTION valid_multipolygon(g geometry) RETURNS geometry
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT coalesce(safe_union(ARRAY(SELECT safe_make_valid(d.geom) FROM ST_Dump(ST_Force2D(g)) d)),
                       ST_SetSRID('MULTIPOLYGON EMPTY'::geometry, ST_SRID(g))) $$;
