-- The communes' outline for the lowest zooms of the tiles (below LOWEST_ZOOM_BELOW, i.e. z5: server/src/tiles/layers.ts):
-- Douglas-Peucker at 600 m on the full outline. A z5 tile is drawn from map zoom 5 to 6, where a screen pixel is
-- 2.4 to 1.2 km: 600 m is half a pixel at most. With the 250 m outline (geom_3857_low), the largest z5 tile
-- (23,553 communes) held 475,000 points, and its geometry was most of its SQL time and 650 of its 1,159 KiB gzip;
-- this outline has half the points (416 KiB). Small communes are kept (preserveCollapsed) and the few outlines
-- Douglas-Peucker makes invalid are repaired, as for geom_3857_low.
-- Generated: whatever writes geom_3857 (the commune importer, in the same statement) keeps it in step.
ALTER TABLE commune ADD COLUMN geom_3857_lowest geometry(MultiPolygon, 3857)
  GENERATED ALWAYS AS (ST_Multi(safe_make_valid(ST_Simplify(geom_3857, 600, true)))) STORED;
