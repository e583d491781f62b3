-- Vector tiles (server/src/tiles/): a generalised CPTS outline for low zooms (z < 9), like commune.geom_3857_low.
-- A generated column, so every writer of cpts.geom_3857 (importers, edits) keeps it in step without knowing it.
-- 250 m is under one tile unit up to z5 and about six units at z8 (4096 units per tile).
ALTER TABLE cpts ADD COLUMN geom_3857_low geometry(MultiPolygon, 3857)
  GENERATED ALWAYS AS (ST_Multi(ST_SimplifyPreserveTopology(geom_3857, 250))) STORED;
