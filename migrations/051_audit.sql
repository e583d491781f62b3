-- The audit trail: one row per write (who, when, what, before and after, by which session or token), written in the
-- write's own transaction. Append-only, enforced by the database itself: UPDATE, DELETE and TRUNCATE raise, whoever
-- runs them, and the privileges are revoked from PUBLIC.

CREATE TABLE audit (
  id           bigserial PRIMARY KEY,
  le           timestamptz NOT NULL DEFAULT now(),
  utilisateur  integer,                        -- NULL: anonymous (a failed login) or the command line
  auteur       text NOT NULL,                  -- the user's login at the time, or 'cli' / 'anonyme'
  session_id   bigint,
  jeton_id     bigint,
  action       text NOT NULL,                  -- e.g. utilisateur.creation, session.ouverture, jeton.revocation
  cible_type   text NOT NULL,
  cible_id     text,
  region       text,                           -- the région the write concerns, if any (ARS users read theirs)
  avant        jsonb,
  apres        jsonb
);
CREATE INDEX audit_le_idx ON audit (le);
CREATE INDEX audit_region_idx ON audit (region, le);

CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_no_update_delete BEFORE UPDATE OR DELETE ON audit FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
REVOKE UPDATE, DELETE, TRUNCATE ON audit FROM PUBLIC;
