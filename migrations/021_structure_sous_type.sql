-- Centres de santé (FINESS 124) by sub-type: only medical or polyvalent centres take GPs. Rules and their reasons
-- are data (server/src/domain/centres-sante.json); an imported correction file prevails and survives new stocks.
ALTER TABLE structure ADD COLUMN sous_type text
  CHECK (sous_type IN ('medical-polyvalent', 'infirmier', 'dentaire', 'ophtalmologique', 'autre'));
ALTER TABLE structure ADD CONSTRAINT structure_sous_type_csp CHECK (sous_type IS NULL OR type = 'csp');
-- Why: the id of the rule that decided (centres-sante.json), or 'correction' (see structure_sous_type_correction).
ALTER TABLE structure ADD COLUMN sous_type_regle text;

CREATE TABLE structure_sous_type_correction (
  finess      text PRIMARY KEY,       -- no foreign key: a correction may precede the stock that lists the centre
  sous_type   text NOT NULL CHECK (sous_type IN ('medical-polyvalent', 'infirmier', 'dentaire', 'ophtalmologique', 'autre')),
  source      text NOT NULL,
  import_id   integer REFERENCES import_log (id)
);
