-- Search (server/src/analysis/search.ts) finds a name anywhere in it (`nom_norm LIKE '%…%'`): without an index that
-- is a scan of every commune row, geometries included (95 MB of heap on national data, ~100 ms of CPU per search).
-- Trigram indexes (pg_trgm, shipped with PostgreSQL and with PGlite) answer these patterns from three letters on.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX commune_nom_norm_trgm ON commune USING gin (nom_norm gin_trgm_ops);
CREATE INDEX cpts_nom_norm_trgm ON cpts USING gin (nom_norm gin_trgm_ops);
CREATE INDEX structure_nom_norm_trgm ON structure USING gin (nom_norm gin_trgm_ops);
CREATE INDEX pharmacie_nom_norm_trgm ON pharmacie USING gin (nom_norm gin_trgm_ops);
-- The code prefix (`code LIKE '44%'`, whatever the database's collation) and the postal codes of sites.
CREATE INDEX commune_code_pattern_idx ON commune (code text_pattern_ops);
CREATE INDEX pharmacie_code_postal_idx ON pharmacie (code_postal);
CREATE INDEX structure_code_postal_idx ON structure (code_postal);
