-- A commune of the current COG may have no outline in the loaded files (re-created since the outlines' vintage,
-- or an overseas collectivity such as Saint-Barthélemy 97701 and Saint-Martin 97801): it is still a commune,
-- with its code, name and population, so memberships, coverage, white zones and establishments can name it.
-- Its geometry and area are then NULL; when present, the outline stays valid and non-empty.
ALTER TABLE commune ALTER COLUMN geom DROP NOT NULL;
ALTER TABLE commune ALTER COLUMN geom_3857 DROP NOT NULL;
ALTER TABLE commune ALTER COLUMN geom_3857_low DROP NOT NULL;
ALTER TABLE commune ALTER COLUMN area_km2 DROP NOT NULL;
ALTER TABLE commune DROP CONSTRAINT commune_geom_valid;
ALTER TABLE commune ADD CONSTRAINT commune_geom_valid CHECK (geom IS NULL OR (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)));
ALTER TABLE commune ADD CONSTRAINT commune_geom_complete
  CHECK ((geom IS NULL) = (geom_3857 IS NULL) AND (geom IS NULL) = (geom_3857_low IS NULL) AND (geom IS NULL) = (area_km2 IS NULL));

-- Arrondissements municipaux (Paris 751xx, Lyon 6938x, Marseille 132xx) are rows of this table too, with their own
-- INSEE code and population, and `parent` = the code of their commune (75056, 69123, 13055); NULL for a commune.
-- CPTS may claim arrondissements: the territorial units of membership, coverage and white zones are the rows
-- that are no row's parent (a commune split into arrondissements counts through them, never twice).
ALTER TABLE commune ADD COLUMN parent text REFERENCES commune (code);
CREATE INDEX commune_parent_idx ON commune (parent) WHERE parent IS NOT NULL;
