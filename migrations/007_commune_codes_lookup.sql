-- Former INSEE codes and postal codes are looked up in the database, not in the COG package held in server memory:
-- a perimeter or a nearby request may name a commune merged since (anciens_codes), the search box a postal code.
-- Both arrays are filled by the communes importer from @etalab/decoupage-administratif; GIN indexes answer
-- `anciens_codes @> ARRAY[$1]` and `codes_postaux @> ARRAY[$1]`. Databases imported before this migration get
-- their postal codes at the next communes import (until then, postal codes are found through the pharmacies and
-- structures that carry them).
ALTER TABLE commune ADD COLUMN codes_postaux text[] NOT NULL DEFAULT '{}';
CREATE INDEX commune_anciens_codes_gin ON commune USING gin (anciens_codes);
CREATE INDEX commune_codes_postaux_gin ON commune USING gin (codes_postaux);
