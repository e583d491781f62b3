-- Analyses read open establishments only (ferme_le IS NULL) and, for « nearest structures » and « adhésion probable »,
-- only the structures a pharmacy can join (MSP, ESP, medical or polyvalent centres de santé: server/src/domain/rules-sql.ts).
-- A KNN scan on this partial index never walks past closed sites nor nurses', dental or ophthalmology centres.
-- The predicate is written as joinableSql('structure') / openSql('structure') so that the planner matches it.
CREATE INDEX structure_joinable_open_gix ON structure USING gist (geom)
  WHERE (type IN ('msp', 'esp') OR (type = 'csp' AND sous_type = 'medical-polyvalent')) AND ferme_le IS NULL;
-- The same per type for the nearest sites of each type (nearby): msp and esp keep their partial indexes of 003,
-- which still hold closed sites; these two skip them.
CREATE INDEX structure_msp_open_gix ON structure USING gist (geom) WHERE type = 'msp' AND ferme_le IS NULL;
CREATE INDEX structure_esp_open_gix ON structure USING gist (geom) WHERE type = 'esp' AND ferme_le IS NULL;
CREATE INDEX structure_csp_joinable_open_gix ON structure USING gist (geom)
  WHERE type = 'csp' AND sous_type = 'medical-polyvalent' AND ferme_le IS NULL;
-- « Nouvelles officines » / « officines fermées » since the previous stock: changes of one category at one date.
CREATE INDEX finess_changement_categorie_idx ON finess_changement (categorie_code, date_stock);
