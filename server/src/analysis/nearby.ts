// "What is around me?" for a pharmacist: the commune of a pharmacy, a point or a commune, the CPTS covering
// it, the nearest MSP / CSP / ESP with geodesic distances, the pharmacy's memberships and the zoning.
//
// The nearest sites of each type come from the exact-nearest primitive (nearest.ts).
import { prepared, type Queryable } from '../db/port.js';
import type { CoveringCpts } from '../domain/contacts.js';
import { NotFoundError } from '../domain/errors.js';
import { joinableSql, otherCentreSql, pharmacyStatusSql } from '../domain/rules-sql.js';
import {
  centreLabel,
  PERIMETRE_LIBELLES,
  SITE_TYPES,
  zoneLibelle,
  type PharmacyStatus,
  type SiteType,
  type Zone,
} from '../domain/vocabulary.js';
import { currentCommune } from './communes.js';
import { exactNearestSql } from './nearest.js';
import type { Adhesion, CptsRef } from './pharmacies.js';

export type NearbyQuery = { finess: string } | { lon: number; lat: number } | { commune: string };

export interface NearSite {
  finess: string;
  nom: string;
  adresse: string | null;
  commune: { code: string | null; nom: string | null };
  position: { lon: number; lat: number };
  distanceM: number;
}

export interface NearbyResult {
  origine: {
    type: 'officine' | 'point' | 'commune';
    /** Where distances are measured from. */
    position: { lon: number; lat: number } | null;
    /** French explanation of that point. */
    explication: string;
  };
  commune: {
    code: string;
    nom: string;
    population: number | null;
    departement: { code: string; nom: string };
    region: { code: string; nom: string };
  };
  cpts: (CptsRef & { perimetreLibelle: string; attribution: string })[];
  zonage: { zone: Zone | null; libelle: string; source: string; date: string | null } | null;
  zoningImported: boolean;
  /** The covering CPTS with their seat as FINESS gives it, for the contacts (not part of the answer as such). */
  cptsContacts: CoveringCpts[];
  /** The nearest open structures a pharmacy can join, per type (csp: medical or polyvalent centres only). */
  plusProches: Record<SiteType, NearSite[]>;
  /** The nearest other open centres de santé (nurses', dental, ophthalmology…), listed apart with their sub-type. */
  autresCentres: (NearSite & { sousType: string | null; sousTypeLibelle: string })[];
  pharmacie: {
    finess: string;
    nom: string;
    adresse: string | null;
    codePostal: string | null;
    statut: PharmacyStatus;
    adhesions: Adhesion[];
  } | null;
}

interface Origin {
  type: 'officine' | 'point' | 'commune';
  communeCode: string | null;
  lon: number | null;
  lat: number | null;
  explication: string;
  pharmacie?: { finess: string; nom: string; adresse: string | null; code_postal: string | null; statut: PharmacyStatus };
}

/**
 * The membership row `m` places its CPTS on the commune `code`, or on one of its units (a split commune's
 * arrondissements). One array of codes, not `= x OR IN (…)`: the OR form scans the whole membership table.
 */
const coversCommuneSql = (m: string, code: string) =>
  `${m}.commune_code = ANY (ARRAY(SELECT ${code}::text UNION ALL SELECT a.code FROM commune a WHERE a.parent = ${code}))`;

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
const fmt = (x: number) => x.toFixed(6).replace(/\.?0+$/, '');

/** Where a point or a commune asked for lies (a FINESS is resolved inside the answer's statement). */
async function resolvePlace(db: Queryable, q: Exclude<NearbyQuery, { finess: string }>): Promise<Origin> {
  if ('commune' in q) {
    const explication = 'Distances mesurées depuis un point intérieur de la commune.';
    const current = await currentCommune(db, q.commune);
    if (current && current !== q.commune) {
      // a former code (merged commune, arrondissement): answer for the current commune and say so
      return { type: 'commune', communeCode: current, lon: null, lat: null, explication: `Le code ${q.commune} correspond aujourd’hui à la commune ${current}. ${explication}` };
    }
    return { type: 'commune', communeCode: q.commune, lon: null, lat: null, explication };
  }
  const code = await communeAt(db, q.lon, q.lat);
  if (!code) {
    throw new NotFoundError(`Le point (longitude ${fmt(q.lon)}, latitude ${fmt(q.lat)}) n’est situé dans aucune commune connue de la base.`);
  }
  return { type: 'point', communeCode: code, lon: q.lon, lat: q.lat, explication: 'Distances mesurées depuis le point donné.' };
}

/** The commune containing a point (the smallest code when it lies on a border between two). */
const communeAtSql = (lon: string, lat: string) =>
  `SELECT code FROM commune WHERE ST_Intersects(geom, ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326)) ORDER BY code LIMIT 1`;

async function communeAt(db: Queryable, lon: number, lat: number): Promise<string | null> {
  const r = await db.query<{ code: string }>(communeAtSql('$1', '$2'), [lon, lat]);
  return r.rows[0]?.code ?? null;
}

/** The open sites of one type a pharmacy can join (csp: medical or polyvalent centres), as a condition on `s`. */
const siteSql = (type: SiteType) => `s.type = '${type}' AND ${joinableSql('s')}`;

/**
 * The k nearest open sites matching `where` (on alias s) of the point pt.g (nearest.ts); `tag` names the branch.
 * Literal conditions, so each KNN scan uses the matching partial index (migrations 003, 070).
 */
const nearestBranch = (tag: string, where: string) => `(
     SELECT '${tag}'::text AS type, s.finess, s.nom, s.adresse, s.commune_code, cm.nom AS commune_nom, s.sous_type,
            round(ST_X(s.geom)::numeric, 6) AS lon, round(ST_Y(s.geom)::numeric, 6) AS lat, round(n.d::numeric, 1) AS distance_m
       FROM pt CROSS JOIN LATERAL (${exactNearestSql({ point: 'pt.g', where, k: '$5::int', candidates: '$5::int + 2' })}) n
       JOIN structure s ON s.finess = n.finess
       LEFT JOIN commune cm ON cm.code = s.commune_code)`;

/** The branches of the k nearest open sites of each type a pharmacy can join (csp: medical or polyvalent centres). */
const siteBranches = () => SITE_TYPES.map((type) => nearestBranch(type, siteSql(type))).join(' UNION ALL ');

/** A JSON array of the rows of `from`, in `order` (an empty array for none). */
const jsonRows = (from: string, order: string) => `(SELECT coalesce(json_agg(x ORDER BY ${order}), '[]') FROM ${from} x)`;

/**
 * The whole answer in one statement (one planning, one round trip; 6 statements before, on as many connections).
 * $1 a pharmacy's FINESS, or $2 a commune code and $3, $4 a point (lon, lat) already resolved; $5 k.
 * A pharmacy is placed in the commune FINESS records, else (a code the database does not hold) in the commune containing
 * its position; distances are measured from the pharmacy or the point, else from an interior point of the commune.
 */
const NEARBY_SQL = prepared(`WITH ph AS (
    SELECT p.finess, p.nom, p.adresse, p.code_postal, p.commune_code, ${pharmacyStatusSql('p')} AS statut,
           round(ST_X(p.geom)::numeric, 6) AS lon, round(ST_Y(p.geom)::numeric, 6) AS lat,
           EXISTS (SELECT 1 FROM commune c WHERE c.code = p.commune_code) AS commune_connue
      FROM pharmacie p WHERE p.finess = $1::text
  ), o AS (
    SELECT CASE WHEN $1::text IS NULL THEN $2::text
                WHEN ph.lon IS NOT NULL AND NOT ph.commune_connue THEN (${communeAtSql('ph.lon::float8', 'ph.lat::float8')})
                ELSE ph.commune_code END AS code,
           coalesce($3::float8, ph.lon::float8) AS lon, coalesce($4::float8, ph.lat::float8) AS lat
      FROM (SELECT 1) one LEFT JOIN ph ON true
  ), c AS (
    SELECT c.code, c.nom, c.population, c.departement, d.nom AS departement_nom, c.region, r.nom AS region_nom,
           round(ST_X(s.pt)::numeric, 6) AS lon, round(ST_Y(s.pt)::numeric, 6) AS lat
      FROM o JOIN commune c ON c.code = o.code JOIN departement d ON d.code = c.departement JOIN region r ON r.code = c.region,
           LATERAL (SELECT ST_PointOnSurface(c.geom) AS pt) s
  ), pt AS (
    SELECT ST_SetSRID(ST_MakePoint(coalesce(o.lon, c.lon::float8), coalesce(o.lat, c.lat::float8)), 4326) AS g
      FROM o, c WHERE coalesce(o.lon, c.lon::float8) IS NOT NULL AND coalesce(o.lat, c.lat::float8) IS NOT NULL
  ), covering AS (
    SELECT k.id, k.nom, k.statut, k.perimetre, k.source, to_char(ik.imported_at, 'YYYY-MM-DD') AS cpts_date, s.adresse, s.code_postal, sc.nom AS commune_nom, s.telephone, s.finess,
           il.file_name AS fichier, to_char(il.imported_at, 'YYYY-MM-DD') AS date
      FROM cpts k
      LEFT JOIN structure s ON s.finess = k.finess
      LEFT JOIN commune sc ON sc.code = s.commune_code
      LEFT JOIN import_log il ON il.id = s.import_id
      LEFT JOIN import_log ik ON ik.id = k.import_id
     WHERE EXISTS (SELECT 1 FROM cpts_commune m WHERE m.cpts_id = k.id AND ${coversCommuneSql('m', '(SELECT code FROM c)')})
  ), zoning AS (
    SELECT z.commune_code IS NOT NULL AS found, z.zone, z.source, z.date_zonage AS date, EXISTS (SELECT 1 FROM import_log WHERE kind = 'zoning') AS log
      FROM c LEFT JOIN zonage z ON z.commune_code = c.code
  ), near AS (
    ${siteBranches()} UNION ALL ${nearestBranch('autre', otherCentreSql('s'))}
  ), adhesions AS (
    SELECT CASE WHEN a.cpts_id IS NULL THEN 'structure' ELSE 'cpts' END AS cible,
           coalesce(a.structure_finess, a.cpts_id) AS id, coalesce(s.nom, k.nom) AS nom,
           coalesce(s.type, 'cpts') AS type, a.date_adhesion AS "dateAdhesion", s.ferme_le IS NOT NULL AS fermee
      FROM adhesion_pharmacie a
      LEFT JOIN structure s ON s.finess = a.structure_finess
      LEFT JOIN cpts k ON k.id = a.cpts_id
     WHERE a.pharmacie_finess = $1::text
  )
  SELECT to_json(ph) AS pharmacie, o.code AS commune_code, to_json(c) AS commune, (SELECT to_json(z) FROM zoning z) AS zoning,
         ${jsonRows('covering', 'x.nom COLLATE "C", x.id COLLATE "C"')} AS covering,
         ${jsonRows('near', 'x.type, x.distance_m, x.finess COLLATE "C"')} AS near,
         ${jsonRows('adhesions', 'x.id COLLATE "C"')} AS adhesions
    FROM o LEFT JOIN ph ON true LEFT JOIN c ON true`);

interface AnswerRow {
  pharmacie: NonNullable<Origin['pharmacie']> & { lon: number | null; lat: number | null } | null;
  commune_code: string | null;
  commune: {
    code: string; nom: string; population: number | null; departement: string; departement_nom: string; region: string; region_nom: string;
    lon: number | null; lat: number | null;
  } | null;
  zoning: { found: boolean; zone: Zone | null; source: string; date: string | null; log: boolean } | null;
  covering: CoveringRow[];
  near: NearRow[];
  adhesions: Adhesion[];
}

/** A pharmacy's origin, from its row of the answer. */
function pharmacyOrigin(p: NonNullable<AnswerRow['pharmacie']>, communeCode: string | null): Origin {
  const { lon, lat, ...pharmacie } = p;
  const explication = lon !== null && lat !== null
    ? 'Distances mesurées depuis la position de l’officine (FINESS).'
    : 'Officine sans position connue : distances mesurées depuis un point intérieur de sa commune.';
  return { type: 'officine', communeCode, lon, lat, explication, pharmacie };
}

export async function nearby(db: Queryable, q: NearbyQuery, k: number): Promise<NearbyResult> {
  const place = 'finess' in q ? undefined : await resolvePlace(db, q);
  const r = await db.query<AnswerRow>(NEARBY_SQL, [
    'finess' in q ? q.finess : null, place?.communeCode ?? null, place?.lon ?? null, place?.lat ?? null, k,
  ]);
  const row = r.rows[0]!;
  if ('finess' in q && !row.pharmacie) throw new NotFoundError(`Aucune officine n’a le numéro FINESS ${q.finess}`);
  const o = place ?? pharmacyOrigin(row.pharmacie!, row.commune_code);
  if (!o.communeCode) throw new NotFoundError('La commune de cette officine est inconnue de la base : impossible de situer ses alentours.');
  const c = row.commune;
  if (!c) throw new NotFoundError(`Commune ${o.communeCode} introuvable`);
  // A commune without outline (re-created since the outlines' vintage) has no interior point: no distances then.
  const lon = o.lon ?? c.lon;
  const lat = o.lat ?? c.lat;
  const { cpts, cptsContacts } = coveringCpts(row.covering);
  const { sites, autres } = nearestSites(row.near);
  const z = row.zoning!;
  const zonage = z.found ? { zone: z.zone, source: z.source, date: z.date } : null;
  return {
    origine: {
      type: o.type,
      position: lon === null || lat === null ? null : { lon: round6(lon), lat: round6(lat) },
      explication: lon === null || lat === null ? 'Commune sans contour connu : distances non calculées.' : o.explication,
    },
    commune: {
      code: c.code,
      nom: c.nom,
      population: c.population,
      departement: { code: c.departement, nom: c.departement_nom },
      region: { code: c.region, nom: c.region_nom },
    },
    cpts: cpts.map((x) => ({ ...x, perimetreLibelle: PERIMETRE_LIBELLES[x.perimetre] })),
    zonage: zonage ? { ...zonage, libelle: zoneLibelle(zonage.zone) } : null,
    // Zoning rows may also come from a fixture or a seed without a log row: either counts as imported.
    zoningImported: z.log || zonage !== null,
    cptsContacts,
    plusProches: sites,
    autresCentres: autres,
    pharmacie: o.pharmacie
      ? {
          finess: o.pharmacie.finess,
          nom: o.pharmacie.nom,
          adresse: o.pharmacie.adresse,
          codePostal: o.pharmacie.code_postal,
          statut: o.pharmacie.statut,
          adhesions: row.adhesions,
        }
      : null,
  };
}

interface CoveringRow {
  id: string; nom: string; statut: CptsRef['statut']; perimetre: CptsRef['perimetre'];
  source: string; adresse: string | null; code_postal: string | null; commune_nom: string | null;
  telephone: string | null; finess: string | null; fichier: string | null; date: string | null; cpts_date: string | null;
}

/**
 * The CPTS covering a commune (`cpts`), and the same with the seat FINESS lists under the CPTS's FINESS number (open or
 * not: it is a contact), for the contacts.
 */
function coveringCpts(rows: CoveringRow[]): { cpts: (CptsRef & { attribution: string })[]; cptsContacts: CoveringCpts[] } {
  const cpts = rows.map((x) => ({ id: x.id, nom: x.nom, statut: x.statut, perimetre: x.perimetre, attribution: x.source }));
  const cptsContacts = rows.map((x) => ({
    id: x.id,
    nom: x.nom,
    source: x.source,
    importeLe: x.cpts_date,
    siege: x.finess
      ? { adresse: x.adresse, codePostal: x.code_postal, commune: x.commune_nom, telephone: x.telephone, fichier: x.fichier ?? 'FINESS', date: x.date ?? '' }
      : null,
  }));
  return { cpts, cptsContacts };
}

interface NearRow {
  type: string;
  finess: string;
  nom: string;
  adresse: string | null;
  commune_code: string | null;
  commune_nom: string | null;
  sous_type: string | null;
  lon: number;
  lat: number;
  distance_m: number;
}

const nearSite = (x: NearRow): NearSite => ({
  finess: x.finess,
  nom: x.nom,
  adresse: x.adresse,
  commune: { code: x.commune_code, nom: x.commune_nom },
  position: { lon: x.lon, lat: x.lat },
  distanceM: x.distance_m,
});

/** The k nearest open MSP, CSP (medical or polyvalent) and ESP, and apart the other open centres with their sub-type label. */
function nearestSites(rows: NearRow[]): { sites: Record<SiteType, NearSite[]>; autres: NearbyResult['autresCentres'] } {
  const autres = rows.filter((x) => x.type === 'autre').map((x) => ({ ...nearSite(x), sousType: x.sous_type, sousTypeLibelle: centreLabel(x.sous_type) }));
  const sites = Object.fromEntries(SITE_TYPES.map((t) => [t, [] as NearSite[]])) as Record<SiteType, NearSite[]>;
  for (const x of rows) if (x.type !== 'autre') sites[x.type as SiteType].push(nearSite(x));
  return { sites, autres };
}
