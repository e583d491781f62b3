// Pharmacies by coordinated-care status, for the URPS pharmaciens: member of a structure or CPTS, covered by
// a CPTS without membership, or in a white zone; with the nearest MSP/CSP (a possible membership, never
// stated as a fact), the commune's ARS zoning and GP supply.
// The nearest MSP/CSP of each pharmacy comes from the exact-nearest primitive (nearest.ts).
import type { Db, Queryable } from '../db/port.js';
import { InvalidInputError, NotFoundError } from '../domain/errors.js';
import { exactNearestSql } from './nearest.js';
import { gpDensity, isProbableMembership, maskCount, PROBABLE_MEMBERSHIP_RADIUS_M, type MaskedCount } from '../domain/rules.js';
import { pharmacyStatusSql } from '../domain/rules-sql.js';
import { PHARMACY_STATUS_LIBELLES, PHARMACY_STATUSES, type CptsStatut, type Perimetre, type PharmacyStatus, type Zone, type ZoningFilter } from '../domain/vocabulary.js';

export interface PharmacyFilters {
  departement?: string;
  region?: string;
  cpts?: string;
  status?: PharmacyStatus;
  zoning?: ZoningFilter;
  /** Part of the pharmacy's name, compared accent- and case-insensitively. */
  q?: string;
}

export interface Adhesion {
  cible: 'structure' | 'cpts';
  id: string;
  nom: string | null;
  type: string;
  dateAdhesion: string | null;
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
  mspCspLaPlusProche: { finess: string; nom: string; type: 'msp' | 'csp'; distanceM: number } | null;
  /** A non-member pharmacy within `near` metres of an MSP or CSP: a possible membership, not a fact. */
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

/** The WHERE clause and parameters of every filter but the status. Pure. */
export function filterSql(f: PharmacyFilters, params: unknown[] = []): { where: string; params: unknown[] } {
  const conds: string[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (f.departement) conds.push(`c.departement = ${p(f.departement)}`);
  if (f.region) conds.push(`c.region = ${p(f.region)}`);
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
  return { where: conds.length ? `WHERE ${conds.join('\n    AND ')}` : '', params };
}

/** Every pharmacy matching the filters but the status, with its status. */
function baseSql(where: string): string {
  return `SELECT p.finess, p.nom, p.adresse, p.code_postal, p.commune_code, p.geom,
         c.code AS commune_connue, c.nom AS commune_nom, c.departement, c.region, c.population, z.zone,
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
  if (f.q) {
    const r = await db.query<{ n: string }>('SELECT norm_text($1) AS n', [f.q]);
    if (!r.rows[0]!.n) throw new InvalidInputError('Paramètre invalide : q doit contenir au moins une lettre ou un chiffre');
  }
}

/** Number of pharmacies per status, for every filter but the status (every status is present, 0 included). */
export async function countByStatus(db: Queryable, f: PharmacyFilters): Promise<Record<PharmacyStatus, number>> {
  const { where, params } = filterSql({ ...f, status: undefined });
  const r = await db.query<{ statut: PharmacyStatus; n: number }>(
    `SELECT statut, count(*)::int AS n FROM (${baseSql(where)}) b GROUP BY statut`,
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
  proche_type: 'msp' | 'csp' | null;
  distance_m: number | null;
  cpts: CptsRef[] | null;
  adhesions: Adhesion[] | null;
  nb_generalistes: number | null;
  est_proxy: boolean | null;
}

const order = (t: string) => `${t}.commune_code COLLATE "C" NULLS LAST, ${t}.nom COLLATE "C", ${t}.finess COLLATE "C"`;

/**
 * The pharmacies matching the filters (status included), ordered by commune code, name and FINESS;
 * a page when `limit` is given, else all of them.
 */
export async function listPharmacies(
  db: Queryable,
  f: PharmacyFilters,
  opts: { near?: number; limit?: number; offset?: number } = {},
): Promise<PharmacyRow[]> {
  const near = opts.near ?? PROBABLE_MEMBERSHIP_RADIUS_M;
  const { where, params } = filterSql({ ...f, status: undefined });
  const statusCond = f.status ? `WHERE statut = $${params.push(f.status)}` : '';
  const limit = `$${params.push(opts.limit ?? null)}`;
  const offset = `$${params.push(opts.offset ?? 0)}`;
  const r = await db.query<RawRow>(
    `WITH page AS (
       SELECT * FROM (${baseSql(where)}) b ${statusCond}
        ORDER BY ${order('b')} LIMIT ${limit}::int OFFSET ${offset}::int
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
                'dateAdhesion', a.date_adhesion)
                ORDER BY coalesce(a.structure_finess, a.cpts_id) COLLATE "C") AS adhesions
         FROM adhesion_pharmacie a
         LEFT JOIN structure s ON s.finess = a.structure_finess
         LEFT JOIN cpts ck ON ck.id = a.cpts_id
        WHERE a.pharmacie_finess IN (SELECT finess FROM page)
        GROUP BY a.pharmacie_finess
     )
     SELECT page.finess, page.nom, page.adresse, page.code_postal, page.commune_code, page.commune_connue, page.commune_nom,
            page.departement, page.region, page.population, page.zone, page.statut,
            round(ST_X(page.geom)::numeric, 6) AS lon, round(ST_Y(page.geom)::numeric, 6) AS lat,
            n.finess AS proche_finess, n.nom AS proche_nom, n.type AS proche_type,
            round(near.d::numeric, 1) AS distance_m,
            k.cpts, a.adhesions, o.nb_generalistes, o.est_proxy
       FROM page
       LEFT JOIN LATERAL (${exactNearestSql({ point: 'page.geom', where: "s.type IN ('msp', 'csp')", k: '1', candidates: '3' })}
       ) near ON page.geom IS NOT NULL
       LEFT JOIN structure n ON n.finess = near.finess
       LEFT JOIN cpts_of k ON k.commune_code = page.commune_connue
       LEFT JOIN adhesions_of a ON a.pharmacie_finess = page.finess
       LEFT JOIN offre_mg o ON o.commune_code = page.commune_connue
      ORDER BY ${order('page')}`,
    params,
  );
  return r.rows.map((x) => ({
    finess: x.finess,
    nom: x.nom,
    adresse: x.adresse,
    codePostal: x.code_postal,
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
  }));
}

/**
 * Runs a bulk analysis with PostgreSQL's JIT compiler off: the planner's cost for the national list
 * triggers JIT, whose compilation took ~2.5 s of CPU for a query that needs ~1.7 s without it (PostgreSQL 15,
 * synthetic national load). PGlite has no JIT; the setting is accepted and ignored. SET LOCAL ends with the
 * transaction.
 */
export async function withoutJit<T>(db: Db, fn: (q: Queryable) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.query('SET LOCAL jit = off');
    return fn(tx);
  });
}

export const CSV_HEADER = [
  'FINESS',
  'nom',
  'adresse',
  'code postal',
  'code commune',
  'commune',
  'département',
  'CPTS',
  'statut',
  'adhésion probable',
  'MSP/CSP la plus proche',
  'type (MSP/CSP)',
  'FINESS MSP/CSP',
  'distance MSP/CSP (m)',
  'zonage',
  'médecins généralistes (commune)',
  'densité MG pour 10 000 hab.',
  'MG : indicateur approché',
] as const;

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
  ];
}
