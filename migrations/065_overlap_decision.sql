-- Decisions on overlapping pairs of CPTS (issue 9, conciliation): one row per decision, never changed afterwards;
-- a pair's current decision is its latest row (no row: « à examiner »). The pair is keyed by its two CPTS ids in
-- byte order (a < b, as the overlap matrix orders them). No foreign key to cpts: the history outlives a CPTS that
-- a later import removes, and the append-only rule below would otherwise make removing a CPTS fail.

CREATE TABLE chevauchement_decision (
  id           bigserial PRIMARY KEY,
  cpts_a       text NOT NULL,
  cpts_b       text NOT NULL,
  decision     text NOT NULL CHECK (decision IN ('a-examiner', 'en-conciliation', 'arbitre', 'chevauchement-accepte')),
  note         text,
  date_decision date NOT NULL,                    -- the day the decision was taken (a committee, a letter)
  enregistre_le timestamptz NOT NULL DEFAULT now(),
  utilisateur  integer,                           -- NULL: the command line
  auteur       text NOT NULL,                     -- the user's login at the time
  -- the communes each side kept, for an arbitration: {"44902": "FIXT-A", …}
  attributions jsonb,
  CONSTRAINT chevauchement_decision_paire CHECK (cpts_a COLLATE "C" < cpts_b COLLATE "C")
);
CREATE INDEX chevauchement_decision_paire_idx ON chevauchement_decision (cpts_a, cpts_b, id);

CREATE FUNCTION chevauchement_decision_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'chevauchement_decision is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER chevauchement_decision_no_update_delete BEFORE UPDATE OR DELETE ON chevauchement_decision
  FOR EACH ROW EXECUTE FUNCTION chevauchement_decision_append_only();
CREATE TRIGGER chevauchement_decision_no_truncate BEFORE TRUNCATE ON chevauchement_decision
  FOR EACH STATEMENT EXECUTE FUNCTION chevauchement_decision_append_only();
