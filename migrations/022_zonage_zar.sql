-- GP zoning: ZAR (zone d'accompagnement régional, used by some régions beside ZIP and ZAC), and « non disponible »
-- (the source says it has no result for the commune: zone NULL, the row kept so that this is known). The value
-- as written in the source, whether the source is an official publication, and its vintage when no date is known.
ALTER TABLE zonage DROP CONSTRAINT zonage_zone_check;
ALTER TABLE zonage ALTER COLUMN zone DROP NOT NULL;
ALTER TABLE zonage ADD CONSTRAINT zonage_zone_check CHECK (zone IN ('ZIP', 'ZAC', 'ZV', 'HZ', 'ZAR'));
ALTER TABLE zonage ADD COLUMN valeur_source text;
ALTER TABLE zonage ADD COLUMN officiel boolean NOT NULL DEFAULT true;
ALTER TABLE zonage ADD COLUMN millesime text;
