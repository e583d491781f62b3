-- INSEE supra-communal zonings per commune: bassins de vie (the INSEE unit closest to how CPTS are drawn) and
-- zones d'emploi. No foreign key to commune (like zonage and offre_mg): either may be imported first.
-- Source and attribution (ODbL) on every row.
CREATE TABLE bassin_vie (
  code       text PRIMARY KEY,          -- INSEE code of the bassin de vie (that of its main commune)
  nom        text NOT NULL,
  millesime  integer NOT NULL,          -- e.g. 2022 for BV2022
  source     text NOT NULL,
  import_id  integer REFERENCES import_log (id)
);
CREATE TABLE zone_emploi (
  code       text PRIMARY KEY,
  nom        text NOT NULL,
  millesime  integer NOT NULL,          -- e.g. 2020 for ZE2020
  source     text NOT NULL,
  import_id  integer REFERENCES import_log (id)
);
-- One row per territorial unit: communes of the current COG and arrondissements municipaux (their commune's).
CREATE TABLE commune_bassin (
  commune_code  text PRIMARY KEY,
  bassin_vie    text REFERENCES bassin_vie (code),
  zone_emploi   text REFERENCES zone_emploi (code),
  source        text NOT NULL,
  import_id     integer REFERENCES import_log (id)
);
CREATE INDEX commune_bassin_bv_idx ON commune_bassin (bassin_vie);
CREATE INDEX commune_bassin_ze_idx ON commune_bassin (zone_emploi);
