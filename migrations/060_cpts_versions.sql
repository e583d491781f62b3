-- Versions of CPTS perimeters (issue 9, item 2). A perimeter is never overwritten: each save (API, import, revert)
-- appends a numbered version with its effective date (valide_du), author and comment, and its member units
-- (communes and arrondissements municipaux, as cpts_commune holds them). Effective dates never go back along the
-- numbers and never lie in the future (server/src/domain/versions.ts), so the version in force on a day is the
-- highest number whose valide_du is on or before it, and the newest version is the one in force today:
-- cpts_commune (the analyses' input, kept for speed) holds exactly its units, and cpts.geom its outline.
-- The dated life of a CPTS (pré-projet … avenant) is in cpts_etape; cpts.statut keeps its mapped status.

CREATE TABLE cpts_version (
  cpts_id      text NOT NULL REFERENCES cpts (id) ON DELETE CASCADE,
  numero       integer NOT NULL CHECK (numero >= 1),
  valide_du    date NOT NULL,
  commentaire  text,
  auteur       text NOT NULL,                       -- the user's login, 'cli', or 'migration'
  utilisateur  integer REFERENCES utilisateur (id),
  origine      text NOT NULL CHECK (origine IN ('migration', 'import', 'edition', 'retour')),
  retour_a     integer,                             -- a revert: the number of the version it copies
  import_id    integer REFERENCES import_log (id),
  cree_le      timestamptz NOT NULL DEFAULT now(),
  geom         geometry(MultiPolygon, 4326),        -- the perimeter as drawn while this version was in force
  geom_3857    geometry(MultiPolygon, 3857),
  PRIMARY KEY (cpts_id, numero)
);
CREATE INDEX cpts_version_valide_idx ON cpts_version (valide_du);

CREATE TABLE cpts_version_commune (
  cpts_id       text NOT NULL,
  numero        integer NOT NULL,
  commune_code  text NOT NULL REFERENCES commune (code),
  part_surface  double precision NOT NULL DEFAULT 1 CHECK (part_surface > 0 AND part_surface <= 1),
  source        text NOT NULL,
  PRIMARY KEY (cpts_id, numero, commune_code),
  FOREIGN KEY (cpts_id, numero) REFERENCES cpts_version (cpts_id, numero) ON DELETE CASCADE
);
CREATE INDEX cpts_version_commune_commune_idx ON cpts_version_commune (commune_code);

-- Dated steps of a CPTS's life; the status of the maps (cpts.statut) is the mapped status of the latest step.
CREATE TABLE cpts_etape (
  id           serial PRIMARY KEY,
  cpts_id      text NOT NULL REFERENCES cpts (id) ON DELETE CASCADE,
  etape        text NOT NULL CHECK (etape IN ('pre-projet', 'lettre-intention', 'projet-sante-valide', 'aci-signe', 'avenant')),
  le           date NOT NULL,
  commentaire  text,
  auteur       text NOT NULL,
  utilisateur  integer REFERENCES utilisateur (id),
  cree_le      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cpts_etape_cpts_idx ON cpts_etape (cpts_id, le);

-- Versions and steps are history: an UPDATE is refused, and so is a DELETE unless it cascades from its CPTS.
CREATE FUNCTION cpts_history_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND pg_trigger_depth() > 1 THEN RETURN OLD; END IF;
  RAISE EXCEPTION '% is history: % refused (write a new version instead)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER cpts_version_immutable BEFORE UPDATE OR DELETE ON cpts_version FOR EACH ROW EXECUTE FUNCTION cpts_history_immutable();
CREATE TRIGGER cpts_version_commune_immutable BEFORE UPDATE OR DELETE ON cpts_version_commune FOR EACH ROW EXECUTE FUNCTION cpts_history_immutable();
CREATE TRIGGER cpts_etape_immutable BEFORE UPDATE OR DELETE ON cpts_etape FOR EACH ROW EXECUTE FUNCTION cpts_history_immutable();

-- A CPTS whose perimeter predates its history (today's at this migration, or one written by a tool that bypasses
-- versions) gets it as version 1, effective from the day of the import that brought it (import_log), else from its
-- last update (date_maj), else from the day it is recorded. Returns whether a version was written.
CREATE FUNCTION cpts_version_initiale(id text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM cpts_version v WHERE v.cpts_id = id) OR NOT EXISTS (SELECT 1 FROM cpts_commune m WHERE m.cpts_id = id) THEN
    RETURN false;
  END IF;
  INSERT INTO cpts_version (cpts_id, numero, valide_du, commentaire, auteur, origine, import_id, geom, geom_3857)
  SELECT k.id, 1, coalesce(l.imported_at::date, k.date_maj, current_date),
         'Périmètre existant avant l’historique des versions', 'migration', 'migration', k.import_id, k.geom, k.geom_3857
    FROM cpts k LEFT JOIN import_log l ON l.id = k.import_id WHERE k.id = cpts_version_initiale.id;
  INSERT INTO cpts_version_commune (cpts_id, numero, commune_code, part_surface, source)
  SELECT m.cpts_id, 1, m.commune_code, m.part_surface, m.source FROM cpts_commune m WHERE m.cpts_id = cpts_version_initiale.id;
  RETURN true;
END
$$;

SELECT count(*) FILTER (WHERE cpts_version_initiale(id)) FROM cpts;
