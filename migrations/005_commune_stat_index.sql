-- Analyses join cpts_commune to commune for population, area and names of thousands of communes at once;
-- this covering index lets them read it instead of the commune heap, which is wide (outlines inline).
CREATE INDEX commune_stat_idx ON commune (code) INCLUDE (population, area_km2, departement, region, nom);
