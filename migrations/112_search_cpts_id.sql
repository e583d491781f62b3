-- Search (server/src/analysis/search.ts) matches a CPTS by its name or by its id written in any case
-- (`upper(k.id) = $2`): without an index on that expression, the OR of the three conditions could not be a bitmap OR of
-- indexes and every search read the whole cpts table, perimeters included (3,200 buffers on national data, the most
-- expensive part of a search).
CREATE INDEX cpts_id_upper_idx ON cpts (upper(id));
