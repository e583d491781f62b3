-- « As of » a date: THE one way every dated analysis reads CPTS membership and perimeters (migration 060).
-- The version in force on day d is the highest-numbered version effective on or before d; a CPTS with none yet
-- (a day before its first version) is absent. The analyses without a date read cpts_commune, the same answer for today.

CREATE FUNCTION cpts_version_au(d date) RETURNS TABLE (cpts_id text, numero integer, geom geometry, geom_3857 geometry)
LANGUAGE sql STABLE AS $$
  SELECT DISTINCT ON (v.cpts_id) v.cpts_id, v.numero, v.geom, v.geom_3857
    FROM cpts_version v WHERE v.valide_du <= d
   ORDER BY v.cpts_id, v.numero DESC
$$;

CREATE FUNCTION cpts_commune_au(d date) RETURNS TABLE (cpts_id text, commune_code text, part_surface double precision, source text)
LANGUAGE sql STABLE AS $$
  SELECT vc.cpts_id, vc.commune_code, vc.part_surface, vc.source
    FROM cpts_version_au(d) v JOIN cpts_version_commune vc ON vc.cpts_id = v.cpts_id AND vc.numero = v.numero
$$;
