-- Territory database: communes, CPTS and their membership, care structures, pharmacies,
-- GP supply, zoning, import log. Runs unchanged on PostgreSQL + PostGIS and on PGlite + PostGIS.
-- Geometry is stored valid, non-empty, in EPSG:4326; EPSG:3857 copies feed the vector tiles.
-- True areas are computed on the spheroid (geography), exact in metropolitan France and overseas alike
-- (Lambert-93, EPSG:2154, is conformal, not equal-area).

CREATE EXTENSION IF NOT EXISTS postgis;

-- Every import, successful ones only (a failed import rolls back, its log row with it).
CREATE TABLE import_log (
  id          serial PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('communes', 'finess', 'cpts', 'gp', 'zoning', 'memberships')),
  file_name   text NOT NULL,
  rows        integer NOT NULL,
  checksum    text NOT NULL,               -- sha256 of the file as read (compressed bytes if .gz)
  options     jsonb NOT NULL DEFAULT '{}',
  report      jsonb NOT NULL DEFAULT '{}', -- warnings, counts (e.g. communes with no outline)
  imported_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE region (
  code text PRIMARY KEY,
  nom  text NOT NULL
);

CREATE TABLE departement (
  code   text PRIMARY KEY,               -- COG code: '01'…'95', '2A', '2B', '971'…'976'
  nom    text NOT NULL,
  region text NOT NULL REFERENCES region (code)
);

CREATE TABLE commune (
  code              text PRIMARY KEY,    -- INSEE code, current COG
  nom               text NOT NULL,
  departement       text NOT NULL REFERENCES departement (code),
  region            text NOT NULL REFERENCES region (code),
  epci              text,                -- SIREN of the EPCI à fiscalité propre, if any
  population        integer,             -- INSEE population légale (municipale)
  population_annee  integer,
  anciens_codes     text[] NOT NULL DEFAULT '{}', -- codes merged into this commune since
  area_km2          double precision NOT NULL,    -- true area, spheroidal
  geom              geometry(MultiPolygon, 4326) NOT NULL,
  geom_3857         geometry(MultiPolygon, 3857) NOT NULL,
  geom_3857_low     geometry(MultiPolygon, 3857) NOT NULL, -- generalised for low zooms
  source            text NOT NULL,
  import_id         integer REFERENCES import_log (id),
  CONSTRAINT commune_geom_valid CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom))
);
CREATE INDEX commune_geom_gix ON commune USING gist (geom);
CREATE INDEX commune_geom_3857_gix ON commune USING gist (geom_3857);
CREATE INDEX commune_departement_idx ON commune (departement);

CREATE TABLE cpts (
  id              text PRIMARY KEY,      -- the FINESS number when there is one, else the source's id
  nom             text NOT NULL,
  finess          text UNIQUE,
  statut          text NOT NULL CHECK (statut IN ('pre-projet', 'projet', 'en-fonctionnement', 'aci-signe')),
  -- how the perimeter is known: official (ARS), approximate (derived), illustrative (a made-up proposal)
  perimetre       text NOT NULL DEFAULT 'officiel' CHECK (perimetre IN ('officiel', 'approximatif', 'illustratif')),
  siege_commune   text,
  date_ouverture  date,
  date_maj        date,
  source          text NOT NULL,
  -- the union of member communes, or the imported polygon; for display and polygon analyses
  geom            geometry(MultiPolygon, 4326),
  geom_3857       geometry(MultiPolygon, 3857),
  import_id       integer REFERENCES import_log (id),
  CONSTRAINT cpts_geom_valid CHECK (geom IS NULL OR (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)))
);
CREATE INDEX cpts_geom_gix ON cpts USING gist (geom);
CREATE INDEX cpts_geom_3857_gix ON cpts USING gist (geom_3857);

-- Which communes a CPTS covers. Overlaps and coverage are computed here, not on geometry.
CREATE TABLE cpts_commune (
  cpts_id       text NOT NULL REFERENCES cpts (id) ON DELETE CASCADE,
  commune_code  text NOT NULL REFERENCES commune (code),
  part_surface  double precision NOT NULL DEFAULT 1 CHECK (part_surface > 0 AND part_surface <= 1),
  source        text NOT NULL,
  PRIMARY KEY (cpts_id, commune_code)
);
CREATE INDEX cpts_commune_commune_idx ON cpts_commune (commune_code);

-- MSP, centres de santé, ESP, CPTS seats and other coordinated-care sites.
CREATE TABLE structure (
  finess             text PRIMARY KEY,   -- FINESS ET number, or a source id for structures not in FINESS (ESP)
  type               text NOT NULL CHECK (type IN ('msp', 'csp', 'esp', 'siege_cpts', 'autre')),
  categorie_code     text,
  categorie_libelle  text,
  nom                text NOT NULL,
  adresse            text,
  code_postal        text,
  commune_code       text,               -- INSEE code (current COG); not a foreign key: FINESS may be loaded first
  telephone          text,
  date_ouverture     date,
  date_maj           date,
  geom               geometry(Point, 4326),
  geom_3857          geometry(Point, 3857),
  coord_source       text,
  source             text NOT NULL,
  import_id          integer REFERENCES import_log (id)
);
CREATE INDEX structure_geom_gix ON structure USING gist (geom);
CREATE INDEX structure_geog_gix ON structure USING gist ((geom::geography));
CREATE INDEX structure_geom_3857_gix ON structure USING gist (geom_3857);
CREATE INDEX structure_commune_idx ON structure (commune_code);

CREATE TABLE pharmacie (
  finess             text PRIMARY KEY,
  nom                text NOT NULL,
  adresse            text,
  code_postal        text,
  commune_code       text,
  telephone          text,
  date_ouverture     date,
  date_maj           date,
  geom               geometry(Point, 4326),
  geom_3857          geometry(Point, 3857),
  coord_source       text,
  source             text NOT NULL,
  import_id          integer REFERENCES import_log (id)
);
CREATE INDEX pharmacie_geom_gix ON pharmacie USING gist (geom);
CREATE INDEX pharmacie_geom_3857_gix ON pharmacie USING gist (geom_3857);
CREATE INDEX pharmacie_commune_idx ON pharmacie (commune_code);

-- A pharmacy's membership of a structure (MSP, CSP, ESP) or of a CPTS: exactly one of the two.
CREATE TABLE adhesion_pharmacie (
  id                serial PRIMARY KEY,
  pharmacie_finess  text NOT NULL REFERENCES pharmacie (finess) ON DELETE CASCADE,
  structure_finess  text REFERENCES structure (finess) ON DELETE CASCADE,
  cpts_id           text REFERENCES cpts (id) ON DELETE CASCADE,
  date_adhesion     date,
  source            text NOT NULL,
  import_id         integer REFERENCES import_log (id),
  CONSTRAINT adhesion_one_target CHECK ((structure_finess IS NULL) <> (cpts_id IS NULL))
);
CREATE UNIQUE INDEX adhesion_structure_uq ON adhesion_pharmacie (pharmacie_finess, structure_finess) WHERE structure_finess IS NOT NULL;
CREATE UNIQUE INDEX adhesion_cpts_uq ON adhesion_pharmacie (pharmacie_finess, cpts_id) WHERE cpts_id IS NOT NULL;

-- GP supply per commune. The shared national source is a SIRENE proxy (practices, not doctors).
CREATE TABLE offre_mg (
  commune_code     text PRIMARY KEY,
  nb_generalistes  integer NOT NULL CHECK (nb_generalistes >= 0),
  est_proxy        boolean NOT NULL,     -- true when the figure is a proxy (e.g. SIRENE establishments)
  source           text NOT NULL,
  annee            integer,
  import_id        integer REFERENCES import_log (id)
);

-- ARS zoning of GP shortage per commune.
CREATE TABLE zonage (
  commune_code  text PRIMARY KEY,
  zone          text NOT NULL CHECK (zone IN ('ZIP', 'ZAC', 'ZV', 'HZ')), -- HZ: hors zonage
  source        text NOT NULL,
  date_zonage   date,
  import_id     integer REFERENCES import_log (id)
);
