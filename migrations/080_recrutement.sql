-- Pharmacy recruitment by the URPS (issue 9): one append-only row per step recorded for a pharmacy (a call, an
-- answer, a membership, a withdrawal), never updated or deleted; the current state is the latest row (dates never go
-- back: the API refuses a step dated before the current one). States, dates and notes are private to the URPS and
-- ARS users of the pharmacy's région (server/src/domain/roles.ts, readsRecruitmentOf).
-- « adhérente » writes the membership into adhesion_pharmacie in the same transaction; a withdrawal removes it from
-- there (the pharmacy is no longer a member anywhere) and this row keeps what it was and from when.
CREATE TABLE recrutement_officine (
  id                serial PRIMARY KEY,
  pharmacie_finess  text NOT NULL REFERENCES pharmacie (finess),
  etat              text NOT NULL CHECK (etat IN ('a-contacter', 'contactee', 'interessee', 'adherente', 'refus')),
  date_etat         date NOT NULL,
  note              text CHECK (length(note) <= 2000),
  utilisateur       integer REFERENCES utilisateur (id),
  auteur            text NOT NULL,              -- the user's login when recorded (kept if the account goes)
  enregistre_le     timestamptz NOT NULL DEFAULT now(),
  -- the membership recorded with « adhérente »
  adhesion_cible    text CHECK (adhesion_cible IN ('cpts', 'structure')),
  adhesion_id       text,
  adhesion_date     date,
  -- the membership withdrawn by this step, with the date it had begun
  retrait_cible     text CHECK (retrait_cible IN ('cpts', 'structure')),
  retrait_id        text,
  retrait_depuis    date,
  CONSTRAINT recrutement_adhesion CHECK ((etat = 'adherente') = (adhesion_id IS NOT NULL) AND (adhesion_id IS NULL) = (adhesion_cible IS NULL)),
  CONSTRAINT recrutement_retrait CHECK ((retrait_id IS NULL) = (retrait_cible IS NULL))
);
CREATE INDEX recrutement_officine_idx ON recrutement_officine (pharmacie_finess, id DESC);
-- the steps that change memberships: counted by the tiles' data version (server/src/tiles/cache.ts)
CREATE INDEX recrutement_adhesion_idx ON recrutement_officine (id) WHERE adhesion_id IS NOT NULL OR retrait_id IS NOT NULL;

CREATE FUNCTION recrutement_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'recrutement_officine is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER recrutement_no_update_delete BEFORE UPDATE OR DELETE ON recrutement_officine FOR EACH ROW EXECUTE FUNCTION recrutement_append_only();
CREATE TRIGGER recrutement_no_truncate BEFORE TRUNCATE ON recrutement_officine FOR EACH STATEMENT EXECUTE FUNCTION recrutement_append_only();

-- The current step of each pharmacy that has one.
CREATE VIEW recrutement_courant AS
SELECT DISTINCT ON (pharmacie_finess) *
  FROM recrutement_officine
 ORDER BY pharmacie_finess, id DESC;
