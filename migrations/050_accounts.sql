-- Accounts, sessions, personal API tokens and the single sign-on role mapping (issue 9).
-- Public reading needs no account: these tables only gate writes and restricted reads.
-- Secrets are never stored: passwords as argon2id hashes (PHC strings), session cookies and API tokens as sha256.

CREATE TABLE utilisateur (
  id            serial PRIMARY KEY,
  identifiant   text NOT NULL,                 -- login (lower case), or the e-mail of a single sign-on user
  nom           text NOT NULL,                 -- shown in the interface and the audit trail
  role          text NOT NULL CHECK (role IN ('urps', 'ars', 'admin')),
  region        text CHECK (region ~ '^[0-9]{2,3}$'), -- COG région code; ARS and URPS users write only there
  mot_de_passe  text,                          -- argon2id PHC string; NULL: single sign-on only
  oidc_sujet    text UNIQUE,                   -- issuer + ' ' + sub of a single sign-on user
  actif         boolean NOT NULL DEFAULT true,
  cree_le       timestamptz NOT NULL DEFAULT now(),
  modifie_le    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT utilisateur_region_role CHECK ((role = 'admin') = (region IS NULL))
);
CREATE UNIQUE INDEX utilisateur_identifiant_idx ON utilisateur (lower(identifiant));

CREATE TABLE session_utilisateur (
  id            bigserial PRIMARY KEY,         -- named in the audit trail (never the cookie)
  secret_sha256 bytea NOT NULL UNIQUE,         -- sha256 of the cookie value
  utilisateur   integer NOT NULL REFERENCES utilisateur (id),
  jeton_csrf    text NOT NULL,                 -- synchronizer token for cookie-authenticated writes
  methode       text NOT NULL CHECK (methode IN ('mot-de-passe', 'oidc')),
  cree_le       timestamptz NOT NULL DEFAULT now(),
  expire_le     timestamptz NOT NULL,
  fermee_le     timestamptz
);
CREATE INDEX session_utilisateur_utilisateur_idx ON session_utilisateur (utilisateur);

CREATE TABLE jeton_api (
  id            bigserial PRIMARY KEY,
  secret_sha256 bytea NOT NULL UNIQUE,
  prefixe       text NOT NULL,                 -- first characters, to recognise a token in a list
  utilisateur   integer NOT NULL REFERENCES utilisateur (id),
  nom           text NOT NULL,
  cree_le       timestamptz NOT NULL DEFAULT now(),
  expire_le     timestamptz,
  revoque_le    timestamptz
);
CREATE INDEX jeton_api_utilisateur_idx ON jeton_api (utilisateur);

-- Single sign-on: which role (and région) an identity provider's user gets, by exact e-mail, e-mail domain or SIRET
-- of the organisation (ProConnect's claims). The most specific match wins: email, then siret, then domaine.
CREATE TABLE oidc_role (
  critere  text NOT NULL CHECK (critere IN ('email', 'domaine', 'siret')),
  valeur   text NOT NULL,
  role     text NOT NULL CHECK (role IN ('urps', 'ars', 'admin')),
  region   text CHECK (region ~ '^[0-9]{2,3}$'),
  PRIMARY KEY (critere, valeur),
  CONSTRAINT oidc_role_region_role CHECK ((role = 'admin') = (region IS NULL))
);
