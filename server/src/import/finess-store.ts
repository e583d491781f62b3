// Loading a parsed FINESS stock, inside the import's transaction: establishments staged with their position,
// communes found by position where the file's code fails, the changes against the state before, then the
// upserts and the closing of what the stock no longer lists (within the parts of the country it covers).
import type { Queryable } from '../db/port.js';
import { classifyCentre } from '../domain/centres-sante.js';
import { FINESS_CHANGE_KINDS as CHANGE_KINDS, type FinessChangeKind as ChangeKind } from '../domain/vocabulary.js';
import { insertJson } from './bulk.js';
import { formatIssue, ImportError } from './errors.js';
import type { FinessEstablishment, FinessParseResult } from './finess-parse.js';
import { WarningGroup } from './finess-parse.js';
import type { Progress } from './types.js';

/** Moves of a position beyond this many metres are recorded as changes. */
export const MOVE_THRESHOLD_M = 50;

// The kinds of change are domain vocabulary (server/src/domain/vocabulary.ts), read by the changes API too.
export { CHANGE_KINDS, type ChangeKind };

/** The date of the newest stock loaded, or null. */
export async function lastStockDate(tx: Queryable): Promise<string | null> {
  const r = await tx.query<{ d: string | null }>('SELECT max(date_stock)::text AS d FROM finess_stock');
  return r.rows[0]!.d;
}

/** Refuses a stock older than the newest one loaded, unless forced. */
export function checkStockDate(file: string, date: string, last: string | null, force: boolean): void {
  if (last && date < last && !force) {
    throw new ImportError([
      {
        file,
        line: 1,
        field: 'header date',
        message: `this stock (${date}) is older than the one loaded (${last}): importing it would reopen closed establishments and close new ones; use the force option to import it anyway`,
      },
    ]);
  }
}

const STAGE_TABLES = `
CREATE TEMP TABLE finess_stage (
  finess text PRIMARY KEY, tbl text NOT NULL, type text, categorie_code text, categorie_libelle text, sous_type text,
  sous_type_regle text, nom text NOT NULL, adresse text, code_postal text, commune_code text, commune_statut text NOT NULL,
  telephone text, date_ouverture date, date_maj date, geom geometry(Point, 4326), coord_source text, line integer
) ON COMMIT DROP;
CREATE TEMP TABLE finess_seen (finess text PRIMARY KEY, categorie_code text NOT NULL) ON COMMIT DROP`;

const STAGE_SQL = `INSERT INTO finess_stage
SELECT r.finess, r.tbl, r.type, r.categorie_code, r.categorie_libelle, r.sous_type, r.sous_type_regle, r.nom, r.adresse,
       r.code_postal, r.commune_code, r.commune_statut, r.telephone, r.date_ouverture, r.date_maj,
       CASE WHEN r.x IS NULL THEN NULL ELSE ST_Transform(ST_SetSRID(ST_MakePoint(r.x, r.y), r.srid), 4326) END,
       r.coord_source, r.line
  FROM jsonb_to_recordset($1::jsonb) AS r(finess text, tbl text, type text, categorie_code text, categorie_libelle text,
       sous_type text, sous_type_regle text, nom text, adresse text, code_postal text, commune_code text, commune_statut text,
       telephone text, date_ouverture date, date_maj date, x float8, y float8, srid int, coord_source text, line int)`;

function stageRow(e: FinessEstablishment) {
  const centre = e.kind === 'csp' ? classifyCentre(e.nom, e.codeApe) : undefined;
  return {
    finess: e.finess,
    tbl: e.kind === 'pharmacie' ? 'pharmacie' : 'structure',
    type: e.kind === 'pharmacie' ? null : e.kind,
    categorie_code: e.categorieCode,
    categorie_libelle: e.categorieLibelle,
    sous_type: centre?.sousType ?? null,
    sous_type_regle: centre?.regle ?? null,
    nom: e.nom,
    adresse: e.adresse,
    code_postal: e.codePostal,
    commune_code: e.communeCode,
    commune_statut: e.communeStatut,
    telephone: e.telephone,
    date_ouverture: e.dateOuverture,
    date_maj: e.dateMaj,
    x: e.x,
    y: e.y,
    srid: e.srid,
    coord_source: e.coordSource,
    line: e.line,
  };
}

/** Stages the kept establishments (positions transformed to WGS84 in PostGIS) and the category of every record. */
export async function stageStock(tx: Queryable, parsed: FinessParseResult, progress?: Progress): Promise<void> {
  await tx.exec(STAGE_TABLES);
  const rows = parsed.establishments.map(stageRow);
  await insertJson(tx, STAGE_SQL, rows, { chunk: 5000, onProgress: (d, t) => progress?.('stage', d, t) });
  const seen = [...parsed.categories].map(([finess, c]) => ({ f: finess, c }));
  await insertJson(tx, 'INSERT INTO finess_seen SELECT r.f, r.c FROM jsonb_to_recordset($1::jsonb) AS r(f text, c text)', seen, { chunk: 20_000 });
}

// The commune (or arrondissement) containing the position, when the file's code names none: an arrondissement
// outline before its commune's. For a commune split into arrondissements, only its arrondissements.
const PLACE_BY_POSITION = `UPDATE finess_stage s
   SET commune_code = CASE WHEN s.commune_statut = 'divisee' THEN coalesce(x.code, s.commune_code) ELSE x.code END
  FROM (SELECT s2.finess, p.code FROM finess_stage s2
          LEFT JOIN LATERAL (
                SELECT c.code FROM commune c
                 WHERE c.geom IS NOT NULL AND ST_Intersects(c.geom, s2.geom)
                   AND (s2.commune_statut = 'inconnue' OR c.parent = s2.commune_code)
                 ORDER BY c.parent IS NULL, c.code LIMIT 1) p ON s2.geom IS NOT NULL
         WHERE s2.commune_statut <> 'ok') x
 WHERE s.finess = x.finess
RETURNING s.finess, s.line, s.nom, s.commune_statut AS statut, s.commune_code AS code, x.code IS NOT NULL AS by_position,
          s.geom IS NOT NULL AS positioned`;

/**
 * Places by position the establishments whose commune the file does not give; returns one warning per
 * establishment (file, line, field commune, what was done) and the counts.
 */
export async function placeByPosition(
  tx: Queryable,
  parsed: FinessParseResult,
  file: string,
): Promise<{ warnings: string[]; counts: { located_by_position: number; commune_unknown: number } }> {
  const r = await tx.query<{ finess: string; line: number; nom: string; statut: string; code: string | null; by_position: boolean; positioned: boolean }>(PLACE_BY_POSITION);
  const notes = new Map(parsed.establishments.map((e) => [e.finess, e.communeNote]));
  const located = new WarningGroup('establishments placed by their position');
  const unknown = new WarningGroup('establishments kept as « commune inconnue »');
  const kept = new WarningGroup('establishments kept in a commune split into arrondissements');
  for (const x of r.rows.sort((a, b) => a.line - b.line)) {
    const why = notes.get(x.finess);
    const where = (m: string) => formatIssue({ file, line: x.line, field: 'commune', message: `FINESS ${x.finess} (${x.nom}): ${why}; ${m}` });
    const noPlace = x.positioned ? 'its position lies in no commune outline loaded' : 'it has no position';
    if (x.by_position) located.add(where(`placed in ${x.code} by its position`));
    else if (x.statut === 'divisee') kept.add(where(`kept in commune ${x.code} (${noPlace.replace('commune', 'arrondissement')})`));
    else unknown.add(where(`kept as « commune inconnue » (${noPlace})`));
  }
  return {
    warnings: [...located.lines(), ...kept.lines(), ...unknown.lines()],
    counts: {
      located_by_position: r.rows.filter((x) => x.by_position).length,
      commune_unknown: r.rows.filter((x) => !x.by_position && x.statut === 'inconnue').length,
    },
  };
}

// The establishments of the state before the stock: one row per FINESS number (an open row before a closed
// one, when a change of category moved it between tables).
const BEFORE = `SELECT DISTINCT ON (finess) finess, categorie_code, nom, geom, ferme_le FROM (
    SELECT finess, '620' AS categorie_code, nom, geom, ferme_le FROM pharmacie
    UNION ALL SELECT finess, categorie_code, nom, geom, ferme_le FROM structure WHERE origine = 'finess') x
  ORDER BY finess, ferme_le IS NOT NULL`;

const SCOPES = `(SELECT DISTINCT finess_scope(finess) FROM finess_seen)`;

// $1 import id, $2 stock date, $3 move threshold (m).
const RECORD_CHANGES = `INSERT INTO finess_changement (import_id, date_stock, finess, categorie_code, changement, avant, apres, distance_m)
WITH o AS (${BEFORE}), n AS (SELECT * FROM finess_stage)
SELECT $1::integer, $2::date, finess, categorie_code, changement, avant, apres, distance_m FROM (
  SELECT n.finess, n.categorie_code, 'ouverture' AS changement, NULL AS avant, n.nom AS apres, NULL::float8 AS distance_m
    FROM n LEFT JOIN o USING (finess) WHERE o.finess IS NULL
  UNION ALL
  SELECT n.finess, n.categorie_code, 'reouverture', o.ferme_le::text, n.nom, NULL FROM n JOIN o USING (finess) WHERE o.ferme_le IS NOT NULL
  UNION ALL
  SELECT n.finess, n.categorie_code, 'renommage', o.nom, n.nom, NULL FROM n JOIN o USING (finess)
   WHERE regexp_replace(btrim(o.nom), '\\s+', ' ', 'g') <> regexp_replace(btrim(n.nom), '\\s+', ' ', 'g')
  UNION ALL
  SELECT finess, categorie_code, 'deplacement', ST_AsText(og), ST_AsText(ng), d FROM (
    SELECT n.finess, n.categorie_code, o.geom AS og, n.geom AS ng, ST_Distance(o.geom::geography, n.geom::geography) AS d
      FROM n JOIN o USING (finess) WHERE o.geom IS NOT NULL AND n.geom IS NOT NULL) m WHERE d > $3
  UNION ALL
  SELECT coalesce(n.finess, o.finess), coalesce(n.categorie_code, s.categorie_code), 'categorie', o.categorie_code,
         coalesce(n.categorie_code, s.categorie_code), NULL
    FROM o LEFT JOIN n USING (finess) LEFT JOIN finess_seen s ON s.finess = o.finess
   WHERE o.ferme_le IS NULL AND coalesce(n.categorie_code, s.categorie_code) <> o.categorie_code
  UNION ALL
  SELECT o.finess, o.categorie_code, 'fermeture', o.nom, NULL, NULL FROM o LEFT JOIN n USING (finess)
   WHERE n.finess IS NULL AND o.ferme_le IS NULL AND finess_scope(o.finess) IN ${SCOPES}
) c ORDER BY finess, changement`;

/** Records the changes against the state before; returns their number per kind. */
export async function recordChanges(tx: Queryable, importId: number, date: string): Promise<Record<ChangeKind, number>> {
  await tx.query(RECORD_CHANGES, [importId, date, MOVE_THRESHOLD_M]);
  const r = await tx.query<{ changement: ChangeKind; n: number }>(
    'SELECT changement, count(*)::int AS n FROM finess_changement WHERE import_id = $1 GROUP BY changement',
    [importId],
  );
  const counts = Object.fromEntries(CHANGE_KINDS.map((k) => [k, 0])) as Record<ChangeKind, number>;
  for (const x of r.rows) counts[x.changement] = x.n;
  return counts;
}

// A stock without a usable position for an establishment (none given, or one refused as implausible) keeps the
// position known before: an import never erases a known position.
const COMMON_SET = (t: 'pharmacie' | 'structure') => `nom = EXCLUDED.nom, adresse = EXCLUDED.adresse, code_postal = EXCLUDED.code_postal,
  commune_code = EXCLUDED.commune_code, telephone = EXCLUDED.telephone, date_ouverture = EXCLUDED.date_ouverture,
  date_maj = EXCLUDED.date_maj, geom = coalesce(EXCLUDED.geom, ${t}.geom), geom_3857 = coalesce(EXCLUDED.geom_3857, ${t}.geom_3857),
  coord_source = CASE WHEN EXCLUDED.geom IS NULL AND ${t}.geom IS NOT NULL THEN ${t}.coord_source ELSE EXCLUDED.coord_source END,
  source = EXCLUDED.source, import_id = EXCLUDED.import_id, ferme_le = NULL`;

// $1 source label, $2 import id.
const UPSERT_PHARMACIES = `INSERT INTO pharmacie (finess, nom, adresse, code_postal, commune_code, telephone, date_ouverture, date_maj,
                       geom, geom_3857, coord_source, source, import_id)
SELECT finess, nom, adresse, code_postal, commune_code, telephone, date_ouverture, date_maj, geom, ST_Transform(geom, 3857),
       coord_source, $1, $2 FROM finess_stage WHERE tbl = 'pharmacie'
ON CONFLICT (finess) DO UPDATE SET ${COMMON_SET('pharmacie')}`;

// A correction file's sub-type prevails over the rules.
const UPSERT_STRUCTURES = `INSERT INTO structure (finess, type, categorie_code, categorie_libelle, sous_type, sous_type_regle, nom, adresse,
                       code_postal, commune_code, telephone, date_ouverture, date_maj, geom, geom_3857, coord_source, source, import_id, origine)
SELECT s.finess, s.type, s.categorie_code, s.categorie_libelle,
       CASE WHEN s.type = 'csp' THEN coalesce(c.sous_type, s.sous_type) END,
       CASE WHEN s.type = 'csp' THEN CASE WHEN c.sous_type IS NULL THEN s.sous_type_regle ELSE 'correction' END END,
       s.nom, s.adresse, s.code_postal, s.commune_code, s.telephone, s.date_ouverture, s.date_maj, s.geom,
       ST_Transform(s.geom, 3857), s.coord_source, $1, $2, 'finess'
  FROM finess_stage s LEFT JOIN structure_sous_type_correction c ON c.finess = s.finess
 WHERE s.tbl = 'structure'
ON CONFLICT (finess) DO UPDATE SET ${COMMON_SET('structure')}, type = EXCLUDED.type, categorie_code = EXCLUDED.categorie_code,
  categorie_libelle = EXCLUDED.categorie_libelle, sous_type = EXCLUDED.sous_type, sous_type_regle = EXCLUDED.sous_type_regle,
  origine = 'finess'`;

// $1 stock date. Only the parts of the country the stock covers; list structures are never closed by FINESS.
const CLOSE = (table: 'pharmacie' | 'structure') => `UPDATE ${table} t SET ferme_le = $1::date
 WHERE t.ferme_le IS NULL ${table === 'structure' ? "AND t.origine = 'finess'" : ''}
   AND finess_scope(t.finess) IN ${SCOPES}
   AND NOT EXISTS (SELECT 1 FROM finess_stage s WHERE s.finess = t.finess AND s.tbl = '${table}')`;

/** Upserts the staged establishments (reopening closed ones) and closes those the stock no longer lists. */
export async function applyStock(tx: Queryable, date: string, label: string, importId: number): Promise<{ written: number; closed: number }> {
  const p = await tx.query(UPSERT_PHARMACIES, [label, importId]);
  const s = await tx.query(UPSERT_STRUCTURES, [label, importId]);
  const cp = await tx.query(CLOSE('pharmacie'), [date]);
  const cs = await tx.query(CLOSE('structure'), [date]);
  return { written: p.rowCount + s.rowCount, closed: cp.rowCount + cs.rowCount };
}

/** Records the stock (its date and the parts of the country it covers). */
export async function recordStock(tx: Queryable, importId: number, date: string, file: string, records: number): Promise<void> {
  await tx.query(
    `INSERT INTO finess_stock (import_id, date_stock, fichier, etablissements, perimetre)
     SELECT $1, $2::date, $3, $4, ARRAY(SELECT DISTINCT finess_scope(finess) FROM finess_seen ORDER BY 1)`,
    [importId, date, file, records],
  );
}
