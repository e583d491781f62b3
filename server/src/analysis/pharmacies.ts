// Pharmacies by coordinated-care status, for the URPS pharmaciens: member of a structure or CPTS, covered by
// a CPTS without membership, or in a white zone; with the nearest MSP/CSP (a possible membership, never
// stated as a fact), the commune's ARS zoning and GP supply.
// The nearest MSP/CSP of each pharmacy comes from the exact-nearest primitive (nearest.ts).
import { prepared, type Db, type Queryable } from '../db/port.js';
import { mapBatches } from '../db/cursor.js';
import { InvalidInputError, NotFoundError } from '../domain/errors.js';
import { assertBassinVie } from './communes.js';
import { exactNearestSql } from './nearest.js';
import { gpDensity, isProbableMembership, maskCount, PROBABLE_MEMBERSHIP_RADIUS_M, type MaskedCount } from '../domain/rules.js';
import { activeMembershipSql, joinableSql, openSql, pharmacyStatusSql, recruitmentStateSql } from '../domain/rules-sql.js';
import {
  fullAddress,
  PHARMACY_STATUS_LIBELLES,
  PHARMACY_STATUSES,
  type CptsStatut,
  type Perimetre,
  type PharmacySort,
  type PharmacyStatus,
  type RecrutementEtat,
  type Zone,
  type ZoningFilter,
} from '../domain/vocabulary.js';

export interface PharmacyFilters {
  departement?: string;
  region?: string;
  cpts?: string;
  /** Any of these statuses (all when absent or empty). */
  statuses?: readonly PharmacyStatus[];
  zoning?: ZoningFilter;
  /** Part of the pharmacy's name, compared accent- and case-insensitively. */
  q?: string;
  /** INSEE code of the pharmacy's commune. */
  commune?: string;
  /** SIREN of the EPCI of the pharmacy's commune. */
  epci?: string;
  /** INSEE code of the bassin de vie of the pharmacy's commune. */
  bassinVie?: string;
  /** Only « adhésion probable » (true) or only the others (false), at the radius given to the query. */
  probable?: boolean;
  /** Closed pharmacies too (left out by default). */
  inclureFermes?: boolean;
  /**
   * Pharmacies whose current recruitment state is one of `etats` (private: only within the région a signed-in URPS
   * or ARS user reads, `region` null for an admin: everywhere).
   */
  recrutement?: { etats: readonly RecrutementEtat[]; region: string | null };
}

export type NearestType = 'msp' | 'csp' | 'esp';

export interface Adhesion {
  cible: 'structure' | 'cpts';
  id: string;
  nom: string | null;
  type: string;
  dateAdhesion: string | null;
  /** The structure has closed since (a newer FINESS stock): the membership is kept, flagged, and makes no member. */
  fermee: boolean;
}

export interface CptsRef {
  id: string;
  nom: string;
  statut: CptsStatut;
  perimetre: Perimetre;
}

export interface GpFigures {
  /** Number of GPs (or GP practices for a proxy source), masked under the secrecy threshold; null when unknown. */
  nombre: MaskedCount | null;
  /** GPs per 10,000 inhabitants (gpDensity); null when the count is secret or unknown, or no population. */
  densitePour10000: number | null;
  /** Whether the figure is a proxy (e.g. SIRENE establishments rather than doctors). */
  proxy: boolean | null;
}

export interface PharmacyRow {
  finess: string;
  nom: string;
  adresse: string | null;
  codePostal: string | null;
  commune: { code: string; nom: string | null; departement: string | null; region: string | null };
  position: { lon: number; lat: number } | null;
  statut: PharmacyStatus;
  cpts: CptsRef[];
  adhesions: Adhesion[];
  telephone: string | null;
  /** Closing date (a newer FINESS stock no longer lists it); null while open. Closed ones are listed on request only. */
  fermeLe: string | null;
  /** The nearest open structure it can join (MSP, ESP, medical or polyvalent centre de santé). */
  mspCspLaPlusProche: { finess: string; nom: string; type: NearestType; distanceM: number } | null;
  /** A non-member pharmacy within `near` metres of a structure it can join: a possible membership, not a fact. */
  adhesionProbable: boolean;
  zonage: Zone | null;
  enZipZac: boolean | null;
  generalistes: GpFigures;
}

/** GP figures under the secrecy rule (small counts masked, their density hidden). Pure. */
export function gpFigures(nb: number | null, population: number | null, proxy: boolean | null): GpFigures {
  if (nb === null) return { nombre: null, densitePour10000: null, proxy: null };
  return { nombre: maskCount(nb), densitePour10000: gpDensity(nb, population), proxy };
}

/**
 * The WHERE clause and parameters of every filter but the status. `near`: the « adhésion probable » radius (metres),
 * read only by the `probable` filter. Pure.
 */
export function filterSql(f: PharmacyFilters, params: unknown[] = [], near: number = PROBABLE_MEMBERSHIP_RADIUS_M): { where: string; params: unknown[] } {
  const conds: string[] = f.inclureFermes ? [] : [openSql('p')];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (f.departement) conds.push(`c.departement = ${p(f.departement)}`);
  if (f.region) conds.push(`c.region = ${p(f.region)}`);
  if (f.commune) conds.push(`c.code = ${p(f.commune)}`);
  if (f.epci) conds.push(`c.epci = ${p(f.epci)}`);
  if (f.bassinVie) conds.push(`EXISTS (SELECT 1 FROM commune_bassin cb WHERE cb.commune_code = c.code AND cb.bassin_vie = ${p(f.bassinVie)})`);
  if (f.cpts) {
    const id = p(f.cpts);
    conds.push(
      `(EXISTS (SELECT 1 FROM cpts_commune m WHERE m.cpts_id = ${id} AND m.commune_code = c.code)
        OR EXISTS (SELECT 1 FROM adhesion_pharmacie a WHERE a.cpts_id = ${id} AND a.pharmacie_finess = p.finess))`,
    );
  }
  if (f.zoning === 'ZIP' || f.zoning === 'ZAC') conds.push(`z.zone = ${p(f.zoning)}`);
  else if (f.zoning === 'ZIP_ZAC') conds.push(`z.zone IN ('ZIP', 'ZAC')`);
  else if (f.zoning === 'hors-zip-zac') conds.push(`(z.zone IS NULL OR z.zone NOT IN ('ZIP', 'ZAC'))`);
  if (f.q) conds.push(`p.nom_norm LIKE '%' || norm_text(${p(f.q)}) || '%'`);
  if (f.recrutement) {
    if (f.recrutement.region !== null) conds.push(`c.region = ${p(f.recrutement.region)}`);
    conds.push(`${recruitmentStateSql('p')} = ANY(${p([...f.recrutement.etats])}::text[])`);
  }
  if (f.probable !== undefined) {
    // a non-member with a joinable open structure within `near` metres: the same test as isProbableMembership
    const probable = `(NOT ${activeMembershipSql('p')} AND EXISTS (SELECT 1 FROM structure s
                WHERE ${joinableSql('s')} AND ${openSql('s')} AND s.geom IS NOT NULL
                  AND ST_DWithin(s.geom::geography, p.geom::geography, ${p(near)}::float8)))`;
    conds.push(f.probable ? probable : `NOT ${probable}`);
  }
  return { where: conds.length ? `WHERE ${conds.join('\n    AND ')}` : '', params };
}

/** The status condition on the rows of baseSql, or '' for every status. */
function statusSql(f: PharmacyFilters, params: unknown[]): string {
  if (!f.statuses?.length) return '';
  params.push([...f.statuses]);
  return `WHERE statut = ANY($${params.length}::text[])`;
}

/** Every pharmacy matching the filters but the status, with its status. */
function baseSql(where: string): string {
  return `SELECT p.finess, p.nom, p.adresse, p.code_postal, p.commune_code, p.telephone, p.ferme_le, p.geom,
         p.nom_norm AS nom_tri, c.nom_norm AS commune_tri, c.code AS commune_connue, c.nom AS commune_nom, c.departement, c.region, c.population, z.zone,
         ${pharmacyStatusSql('p')} AS statut
    FROM pharmacie p
    LEFT JOIN commune c ON c.code = p.commune_code
    LEFT JOIN zonage z ON z.commune_code = c.code
    ${where}`;
}

/** Checks the filters that name things (404 for an unknown CPTS) and that the name filter has letters or digits. */
export async function checkFilters(db: Queryable, f: PharmacyFilters): Promise<void> {
  if (f.cpts) {
    const r = await db.query('SELECT 1 FROM cpts WHERE id = $1', [f.cpts]);
    if (r.rows.length === 0) throw new NotFoundError(`CPTS « ${f.cpts} » introuvable`);
  }
  if (f.commune) {
    const r = await db.query('SELECT 1 FROM commune WHERE code = $1', [f.commune]);
    if (r.rows.length === 0) throw new NotFoundError(`Commune « ${f.commune} » introuvable`);
  }
  if (f.epci) {
    const r = await db.query('SELECT 1 FROM commune WHERE epci = $1 LIMIT 1', [f.epci]);
    if (r.rows.length === 0) throw new NotFoundError(`Aucune commune de la base dans l’EPCI « ${f.epci} »`);
  }
  await assertBassinVie(db, f.bassinVie);
  if (f.q) {
    const r = await db.query<{ n: string }>('SELECT norm_text($1) AS n', [f.q]);
    if (!r.rows[0]!.n) throw new InvalidInputError('Paramètre invalide : q doit contenir au moins une lettre ou un chiffre');
  }
}

/** Number of pharmacies per status, for every filter but the status (every status is present, 0 included). */
export async function countByStatus(db: Queryable, f: PharmacyFilters, near?: number): Promise<Record<PharmacyStatus, number>> {
  const { where, params } = filterSql(f, [], near);
  const r = await db.query<{ statut: PharmacyStatus; n: number }>(
    prepared(`SELECT statut, count(*)::int AS n FROM (${baseSql(where)}) b GROUP BY statut`),
    params,
  );
  const counts = Object.fromEntries(PHARMACY_STATUSES.map((s) => [s, 0])) as Record<PharmacyStatus, number>;
  for (const x of r.rows) counts[x.statut] = x.n;
  return counts;
}

interface RawRow {
  finess: string;
  nom: string;
  adresse: string | null;
  code_postal: string | null;
  telephone: string | null;
  ferme_le: string | null;
  commune_code: string | null;
  commune_connue: string | null;
  commune_nom: string | null;
  departement: string | null;
  region: string | null;
  population: number | null;
  zone: Zone | null;
  statut: PharmacyStatus;
  lon: number | null;
  lat: number | null;
  proche_finess: string | null;
  proche_nom: string | null;
  proche_type: NearestType | null;
  distance_m: number | null;
  cpts: CptsRef[] | null;
  adhesions: Adhesion[] | null;
  nb_generalistes: number | null;
  est_proxy: boolean | null;
}

/** Names compared accent- and case-insensitively (norm_text), then codes: a stable order on every backend. */
const order = (t: string, sort: PharmacySort = 'commune') =>
  sort === 'nom'
    ? `${t}.nom_tri COLLATE "C", ${t}.finess COLLATE "C"`
    : `${t}.commune_tri COLLATE "C" NULLS LAST, ${t}.commune_code COLLATE "C" NULLS LAST, ${t}.nom_tri COLLATE "C", ${t}.finess COLLATE "C"`;

/**
 * The pharmacies matching the filters (status included), ordered by commune name then pharmacy name (or by name);
 * a page when `limit` is given, else all of them.
 */
export async function listPharmacies(db: Queryable, f: PharmacyFilters, opts: ListOptions = {}): Promise<PharmacyRow[]> {
  const { sql, params } = pharmaciesSql(f, opts);
  const r = await db.query<RawRow>(prepared(sql), params);
  return r.rows.map(toPharmacy(opts.near));
}

/** All the pharmacies matching the filters, as listPharmacies, a batch at a time from a cursor (exports). */
export function pharmacyBatches(db: Db, f: PharmacyFilters, opts: Omit<ListOptions, 'limit' | 'offset'> = {}): AsyncIterable<PharmacyRow[]> {
  const { sql, params } = pharmaciesSql(f, opts);
  return mapBatches(db.cursor<RawRow>(sql, params), toPharmacy(opts.near));
}

interface ListOptions {
  near?: number;
  limit?: number;
  offset?: number;
  sort?: PharmacySort;
}

function pharmaciesSql(f: PharmacyFilters, opts: ListOptions): { sql: string; params: unknown[] } {
  const { where, params } = filterSql(f, [], opts.near ?? PROBABLE_MEMBERSHIP_RADIUS_M);
  const statusCond = statusSql(f, params);
  const limit = `$${params.push(opts.limit ?? null)}`;
  const offset = `$${params.push(opts.offset ?? 0)}`;
  const sql = `WITH page AS (
       SELECT * FROM (${baseSql(where)}) b ${statusCond}
        ORDER BY ${order('b', opts.sort)} LIMIT ${limit}::int OFFSET ${offset}::int
     ),
     -- CPTS and memberships aggregated once per commune / pharmacy of the page, then hash-joined
     cpts_of AS (
       SELECT m.commune_code,
              json_agg(json_build_object('id', k.id, 'nom', k.nom, 'statut', k.statut, 'perimetre', k.perimetre)
                       ORDER BY k.nom COLLATE "C", k.id COLLATE "C") AS cpts
         FROM cpts_commune m JOIN cpts k ON k.id = m.cpts_id
        WHERE m.commune_code IN (SELECT commune_connue FROM page)
        GROUP BY m.commune_code
     ),
     adhesions_of AS (
       SELECT a.pharmacie_finess,
              json_agg(json_build_object(
                'cible', CASE WHEN a.cpts_id IS NULL THEN 'structure' ELSE 'cpts' END,
                'id', coalesce(a.structure_finess, a.cpts_id),
                'nom', coalesce(s.nom, ck.nom),
                'type', coalesce(s.type, 'cpts'),
                'dateAdhesion', a.date_adhesion,
                'fermee', s.ferme_le IS NOT NULL)
                ORDER BY coalesce(a.structure_finess, a.cpts_id) COLLATE "C") AS adhesions
         FROM adhesion_pharmacie a
         LEFT JOIN structure s ON s.finess = a.structure_finess
         LEFT JOIN cpts ck ON ck.id = a.cpts_id
        WHERE a.pharmacie_finess IN (SELECT finess FROM page)
        GROUP BY a.pharmacie_finess
     )
     SELECT page.finess, page.nom, page.adresse, page.code_postal, page.telephone, page.ferme_le, page.commune_code, page.commune_connue, page.commune_nom,
            page.departement, page.region, page.population, page.zone, page.statut,
            round(ST_X(page.geom)::numeric, 6) AS lon, round(ST_Y(page.geom)::numeric, 6) AS lat,
            n.finess AS proche_finess, n.nom AS proche_nom, n.type AS proche_type,
            round(near.d::numeric, 1) AS distance_m,
            k.cpts, a.adhesions, o.nb_generalistes, o.est_proxy
       FROM page
       LEFT JOIN LATERAL (${exactNearestSql({ point: 'page.geom', where: joinableSql('s'), k: '1', candidates: '3' })}
       ) near ON page.geom IS NOT NULL
       LEFT JOIN structure n ON n.finess = near.finess
       LEFT JOIN cpts_of k ON k.commune_code = page.commune_connue
       LEFT JOIN adhesions_of a ON a.pharmacie_finess = page.finess
       LEFT JOIN offre_mg o ON o.commune_code = page.commune_connue
      ORDER BY ${order('page', opts.sort)}`;
  return { sql, params };
}

const toPharmacy =
  (near = PROBABLE_MEMBERSHIP_RADIUS_M) =>
  (x: RawRow): PharmacyRow => ({
    finess: x.finess,
    nom: x.nom,
    adresse: x.adresse,
    codePostal: x.code_postal,
    telephone: x.telephone,
    fermeLe: x.ferme_le,
    commune: { code: x.commune_connue ?? x.commune_code ?? '', nom: x.commune_nom, departement: x.departement, region: x.region },
    position: x.lon === null || x.lat === null ? null : { lon: x.lon, lat: x.lat },
    statut: x.statut,
    cpts: x.cpts ?? [],
    adhesions: x.adhesions ?? [],
    mspCspLaPlusProche:
      x.proche_finess && x.proche_type && x.distance_m !== null
        ? { finess: x.proche_finess, nom: x.proche_nom ?? '', type: x.proche_type, distanceM: x.distance_m }
        : null,
    adhesionProbable: isProbableMembership(x.statut, x.distance_m, near),
    zonage: x.zone,
    enZipZac: x.zone === null ? null : x.zone === 'ZIP' || x.zone === 'ZAC',
    generalistes: gpFigures(x.nb_generalistes, x.population, x.est_proxy),
  });

export const CSV_HEADER = [
  'FINESS',
  'nom',
  'adresse',
  'code postal',
  'code commune',
  'commune',
  'adresse complète',
  'téléphone',
  'département',
  'CPTS',
  'statut',
  'adhésion probable',
  'structure la plus proche',
  'type de structure',
  'FINESS structure',
  'distance structure (m)',
  'zonage',
  'médecins généralistes (commune)',
  'densité MG pour 10 000 hab.',
  'MG : indicateur approché',
  'fermée le',
] as const;

/** Columns holding codes (FINESS, postal, INSEE and département codes, phone): written as text so that spreadsheets keep leading zeros. */
export const CSV_CODE_COLUMNS: readonly (typeof CSV_HEADER)[number][] = ['FINESS', 'code postal', 'code commune', 'téléphone', 'département', 'FINESS structure'];

const yesNo = (b: boolean | null) => (b === null ? '' : b ? 'oui' : 'non');

/** One CSV line per pharmacy, in the order of CSV_HEADER. Pure. */
export function csvRow(r: PharmacyRow): unknown[] {
  const n = r.mspCspLaPlusProche;
  return [
    r.finess,
    r.nom,
    r.adresse,
    r.codePostal,
    r.commune.code,
    r.commune.nom,
    fullAddress(r.adresse, r.codePostal, r.commune.nom),
    r.telephone,
    r.commune.departement,
    r.cpts.map((c) => c.nom).join('|'),
    PHARMACY_STATUS_LIBELLES[r.statut],
    yesNo(r.adhesionProbable),
    n?.nom ?? '',
    n ? n.type.toUpperCase() : '',
    n?.finess ?? '',
    n?.distanceM ?? '',
    r.zonage ?? '',
    r.generalistes.nombre ?? '',
    r.generalistes.densitePour10000 ?? '',
    yesNo(r.generalistes.proxy),
    r.fermeLe ?? '',
  ];
}
