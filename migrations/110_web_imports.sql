-- Web imports (issue 9 item 5): a file uploaded in the browser or over the API is kept, by its sha256, until it is
-- applied or expires, with the preview (dry run) it gave. Confirming applies it only if the same import still makes
-- exactly that change (`empreinte`, a hash of the previewed change); state lives here, so any server process of a
-- PostGIS deployment can answer its status.
CREATE TABLE import_web (
  id           bigserial PRIMARY KEY,
  nature       text NOT NULL,
  fichier      text NOT NULL,                        -- the file name as uploaded (its extension picks the format)
  sha256       text NOT NULL,
  taille       integer NOT NULL,
  contenu      bytea,                                -- emptied once applied, failed or expired
  options      jsonb NOT NULL DEFAULT '{}',
  utilisateur  integer REFERENCES utilisateur (id),
  auteur       text NOT NULL,
  region       text,                                 -- the uploader's région (ARS), NULL for an admin
  cree_le      timestamptz NOT NULL DEFAULT now(),
  expire_le    timestamptz NOT NULL,
  etat         text NOT NULL CHECK (etat IN ('apercu', 'en-cours', 'applique', 'echec', 'expire')),
  apercu       jsonb NOT NULL,                       -- the dry run: changes per table, problems, warnings
  empreinte    text,                                 -- hash of the previewed change; NULL when the file has problems
  resultat     jsonb,                                -- once applied (report) or failed (message)
  termine_le   timestamptz
);
CREATE INDEX import_web_sha256_idx ON import_web (sha256);
