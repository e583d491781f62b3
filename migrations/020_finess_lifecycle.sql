-- A FINESS stock is a snapshot. Importing a newer one closes the establishments it no longer lists (on the
-- stock's date; rows are kept, never deleted), reopens those that come back, and records what changed.
-- Analyses leave closed establishments out with one filter: `ferme_le IS NULL`.

ALTER TABLE import_log DROP CONSTRAINT import_log_kind_check;
ALTER TABLE import_log ADD CONSTRAINT import_log_kind_check
  CHECK (kind IN ('communes', 'finess', 'cpts', 'gp', 'zoning', 'memberships', 'structures', 'centre-types', 'bassins'));

ALTER TABLE pharmacie ADD COLUMN ferme_le date;   -- date of the first stock that no longer lists it; NULL while open
ALTER TABLE structure ADD COLUMN ferme_le date;
-- 'finess': from a FINESS stock (closed by a later stock); 'liste': from a structure list (ESP…), never closed by FINESS.
ALTER TABLE structure ADD COLUMN origine text NOT NULL DEFAULT 'finess' CHECK (origine IN ('finess', 'liste'));

-- The part of the country a FINESS number belongs to: its département (2 characters), or overseas its territory
-- (4 characters: 9701 Guadeloupe, 9702 Martinique…). A stock closes only establishments of the parts it covers,
-- so that a regional extract does not close the rest of France.
CREATE FUNCTION finess_scope(finess text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT CASE WHEN finess LIKE '97%' THEN left(finess, 4) ELSE left(finess, 2) END $$;

-- One row per FINESS stock imported.
CREATE TABLE finess_stock (
  import_id       integer PRIMARY KEY REFERENCES import_log (id),
  date_stock      date NOT NULL,        -- the date of the stock's header line
  fichier         text NOT NULL,
  etablissements  integer NOT NULL,     -- structureet records, all categories
  perimetre       text[] NOT NULL       -- finess_scope() of the establishments it lists
);
CREATE INDEX finess_stock_date_idx ON finess_stock (date_stock);
-- Stocks imported before this migration (their header date is in the import log).
INSERT INTO finess_stock (import_id, date_stock, fichier, etablissements, perimetre)
SELECT id, (options->'header'->>'date')::date, file_name, rows, '{}' FROM import_log
 WHERE kind = 'finess' AND options->'header'->>'date' IS NOT NULL;

-- What each stock changed against the state before it (none for the first stock of a database).
CREATE TABLE finess_changement (
  id              serial PRIMARY KEY,
  import_id       integer NOT NULL REFERENCES import_log (id),
  date_stock      date NOT NULL,
  finess          text NOT NULL,
  categorie_code  text,                 -- the establishment's category (the new one for 'categorie')
  changement      text NOT NULL CHECK (changement IN ('ouverture', 'fermeture', 'reouverture', 'deplacement', 'renommage', 'categorie')),
  avant           text,                 -- name, category code or position (WKT) before; closing date for 'reouverture'
  apres           text,                 -- the same after
  distance_m      double precision      -- 'deplacement': metres between the two positions (more than 50)
);
CREATE INDEX finess_changement_import_idx ON finess_changement (import_id);
CREATE INDEX finess_changement_date_idx ON finess_changement (date_stock, changement);
CREATE INDEX finess_changement_finess_idx ON finess_changement (finess);

-- Memberships are kept when a pharmacy or its structure closes; this view flags them.
CREATE VIEW adhesion_pharmacie_etat AS
SELECT a.*, p.ferme_le AS pharmacie_fermee_le, s.ferme_le AS structure_fermee_le,
       (p.ferme_le IS NOT NULL OR s.ferme_le IS NOT NULL) AS fermee
  FROM adhesion_pharmacie a
  JOIN pharmacie p ON p.finess = a.pharmacie_finess
  LEFT JOIN structure s ON s.finess = a.structure_finess;
