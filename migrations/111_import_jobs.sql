-- Web import jobs in the database (issue 9 item 5): the progress of an apply and a lease its process renews with it,
-- so that any server process (WORKERS=n on PostGIS) answers a poll, and an apply whose process is gone (its lease
-- past) is reported « interrompu » — nothing applied, the apply being one transaction — and can be confirmed again.
ALTER TABLE import_web DROP CONSTRAINT import_web_etat_check;
ALTER TABLE import_web ADD CONSTRAINT import_web_etat_check
  CHECK (etat IN ('apercu', 'en-cours', 'applique', 'echec', 'expire', 'interrompu'));
ALTER TABLE import_web
  ADD COLUMN progression  jsonb,        -- {etape, fait, total} of the apply in progress
  ADD COLUMN bail         timestamptz,  -- the apply's lease: renewed with its progress; past it, the apply is interrupted
  ADD COLUMN jeton        text,         -- the claim of the apply in progress: only its holder may finish it
  ADD COLUMN processus    text,         -- the server process applying it (host:pid), for the logs and the message
  ADD COLUMN commence_le  timestamptz;  -- when the (last) apply started
-- the list of imports, newest first, all or one région's
CREATE INDEX import_web_cree_le_idx ON import_web (cree_le DESC, id DESC);
CREATE INDEX import_web_region_idx ON import_web (region, cree_le DESC, id DESC);
