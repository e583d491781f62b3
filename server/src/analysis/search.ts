// One search box over communes (name, INSEE code, postal code), CPTS (name, id), coordinated-care
// structures and pharmacies (name, FINESS). Accent- and case-insensitive through the stored `nom_norm`
// columns (norm_text, migration 004; trigram indexes, migration 100, so that each condition of a WHERE is indexed), ranked:
//   0 exact code (INSEE, postal code, CPTS id, FINESS) · 1 exact name · 2 prefix (name or code)
//   3 a word of the name starts with the query · 4 the name contains it;
// then shorter labels first, larger population first (communes), label and id for a stable order.
// Geometry (point, bbox for the map) is computed only for the hits returned.
import type { Queryable } from '../db/port.js';
import { labelSql } from '../domain/rules-sql.js';
import { CPTS_STATUT_LIBELLES, PERIMETRE_LIBELLES, STRUCTURE_TYPE_LIBELLES, type HitType } from '../domain/vocabulary.js';
import { InvalidInputError } from '../domain/errors.js';

export interface SearchHit {
  type: HitType;
  id: string;
  libelle: string;
  sousLibelle: string;
  /** 0 exact code, 1 exact name, 2 prefix, 3 word prefix, 4 contains. */
  rang: number;
  /** A point to centre the map on (inside the commune / CPTS, or the site itself). */
  point: { lon: number; lat: number } | null;
  /** [west, south, east, north] for areas (communes, CPTS); null for sites. */
  emprise: [number, number, number, number] | null;
}

/** What the query is, as a code: upper case without spaces (INSEE and FINESS codes hold 2A/2B). Pure. */
export function codeForm(q: string): string {
  return q.replace(/\s+/g, '').toUpperCase();
}

/**
 * The rank of a name match: 0 the exact code (`codeMatch`), 1 the exact name, 2 a prefix, 3 a word prefix,
 * 4 anywhere in the name ($1 is the normalised query).
 */
const rank = (alias: string, codeMatch: string) => `CASE WHEN ${codeMatch} THEN 0
                   WHEN ${alias}.nom_norm = $1 THEN 1
                   WHEN ${alias}.nom_norm LIKE $1 || '%' THEN 2
                   WHEN ${alias}.nom_norm LIKE '% ' || $1 || '%' THEN 3
                   ELSE 4 END`;

export async function search(db: Queryable, q: string, limit: number): Promise<SearchHit[]> {
  const norm = (await db.query<{ n: string }>('SELECT norm_text($1) AS n', [q])).rows[0]!.n;
  if (!norm) throw new InvalidInputError( 'Paramètre invalide : q doit contenir au moins une lettre ou un chiffre');
  const code = codeForm(q);
  const postal = /^\d{5}$/.test(code) ? code : null;
  const codeLike = code.replace(/[\\%_]/g, '\\$&') + '%';
  // $1 normalised text, $2 code form, $3 postal code or null (communes.codes_postaux, and the postal codes of the
  // pharmacies and structures of a commune), $4 limit, $5 the code form as a LIKE prefix pattern (wildcards escaped)
  const r = await db.query<{
    type: HitType; id: string; label: string; sublabel: string; rang: number;
    lon: number | null; lat: number | null; xmin: number | null; ymin: number | null; xmax: number | null; ymax: number | null;
  }>(
    `WITH postal AS (
       -- the communes of the sites with that postal code, as one array: an index condition (= ANY), where an
       -- OR c.code IN (subquery) made the whole WHERE a scan of every commune row
       SELECT ARRAY(SELECT commune_code FROM pharmacie WHERE code_postal = $3 AND commune_code IS NOT NULL
                    UNION SELECT commune_code FROM structure WHERE code_postal = $3 AND commune_code IS NOT NULL) AS codes
     ), hits AS (
       SELECT 'commune' AS type, c.code AS id, c.nom AS label, c.population,
              CASE WHEN c.code = $2 OR c.codes_postaux @> ARRAY[$3::text] OR c.code = ANY ((SELECT codes FROM postal)::text[]) THEN 0
                   WHEN c.nom_norm = $1 THEN 1
                   WHEN c.nom_norm LIKE $1 || '%' OR c.code LIKE $5 THEN 2
                   WHEN c.nom_norm LIKE '% ' || $1 || '%' THEN 3
                   ELSE 4 END AS rang
         FROM commune c
        WHERE c.nom_norm LIKE '%' || $1 || '%' OR c.code LIKE $5 OR ($3::text IS NOT NULL AND c.codes_postaux @> ARRAY[$3::text])
           OR c.code = ANY ((SELECT codes FROM postal)::text[])
       UNION ALL
       SELECT 'cpts', k.id, k.nom, NULL::integer,
              ${rank('k', 'upper(k.id) = $2 OR k.finess = $2')}
         FROM cpts k
        WHERE k.nom_norm LIKE '%' || $1 || '%' OR upper(k.id) = $2 OR k.finess = $2
       UNION ALL
       SELECT 'structure', s.finess, s.nom, NULL::integer,
              ${rank('s', 's.finess = $2')}
         FROM structure s
        WHERE s.nom_norm LIKE '%' || $1 || '%' OR s.finess = $2
       UNION ALL
       SELECT 'pharmacie', p.finess, p.nom, NULL::integer,
              ${rank('p', 'p.finess = $2')}
         FROM pharmacie p
        WHERE p.nom_norm LIKE '%' || $1 || '%' OR p.finess = $2
     ), top AS (
       SELECT * FROM hits
        ORDER BY rang, char_length(label), population DESC NULLS LAST, label COLLATE "C", type COLLATE "C", id COLLATE "C"
        LIMIT $4
     )
     SELECT top.type, top.id, top.label, top.rang, g.sublabel,
            round(ST_X(g.pt)::numeric, 6) AS lon, round(ST_Y(g.pt)::numeric, 6) AS lat,
            round(ST_XMin(g.box)::numeric, 6) AS xmin, round(ST_YMin(g.box)::numeric, 6) AS ymin,
            round(ST_XMax(g.box)::numeric, 6) AS xmax, round(ST_YMax(g.box)::numeric, 6) AS ymax
       FROM top
       CROSS JOIN LATERAL (
         SELECT 'Commune · ' || d.nom || ' (' || c.departement || ')' AS sublabel, ST_PointOnSurface(c.geom) AS pt, c.geom::box2d AS box
           FROM commune c JOIN departement d ON d.code = c.departement
          WHERE top.type = 'commune' AND c.code = top.id
         UNION ALL
         SELECT 'CPTS · ' || ${labelSql('k.statut', CPTS_STATUT_LIBELLES)}
                || ' · ' || (SELECT count(*) FROM cpts_commune m WHERE m.cpts_id = k.id) || ' commune(s)'
                || CASE k.perimetre WHEN 'officiel' THEN '' ELSE ' · ' || ${labelSql('k.perimetre', PERIMETRE_LIBELLES)} END,
                CASE WHEN k.geom IS NULL THEN NULL ELSE ST_PointOnSurface(k.geom) END, k.geom::box2d
           FROM cpts k
          WHERE top.type = 'cpts' AND k.id = top.id
         UNION ALL
         SELECT ${labelSql('s.type', STRUCTURE_TYPE_LIBELLES)}
                || coalesce(' · ' || c.nom || ' (' || c.departement || ')', ''),
                s.geom, NULL::box2d
           FROM structure s LEFT JOIN commune c ON c.code = s.commune_code
          WHERE top.type = 'structure' AND s.finess = top.id
         UNION ALL
         SELECT 'Officine' || coalesce(' · ' || c.nom || ' (' || c.departement || ')', ''), p.geom, NULL::box2d
           FROM pharmacie p LEFT JOIN commune c ON c.code = p.commune_code
          WHERE top.type = 'pharmacie' AND p.finess = top.id
       ) g
      ORDER BY top.rang, char_length(top.label), top.population DESC NULLS LAST, top.label COLLATE "C", top.type COLLATE "C", top.id COLLATE "C"`,
    [norm, code, postal, limit, codeLike],
  );
  return r.rows.map((x) => ({
    type: x.type,
    id: x.id,
    libelle: x.label,
    sousLibelle: x.sublabel,
    rang: x.rang,
    point: x.lon === null || x.lat === null ? null : { lon: x.lon, lat: x.lat },
    emprise: x.xmin === null || x.type === 'structure' || x.type === 'pharmacie' ? null : [x.xmin, x.ymin!, x.xmax!, x.ymax!],
  }));
}
