// The SQL forms of the domain rules, generated from the constants of rules.ts and vocabulary.ts, so that the
// analyses, the tiles and the API compute a status, a density or a coverage the same way.
import { DENSITY_DECIMALS, DENSITY_PER, PROBABLE_MEMBERSHIP_RADIUS_M, SECRET_MIN } from './rules.js';
import { DECISION_PAR_DEFAUT, ETAPE_STATUT, RECRUTEMENT_ETAT_INITIAL, type PharmacyStatus } from './vocabulary.js';

const literal = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** A CASE turning a code column into its French label (labels from the vocabulary). */
export function labelSql(column: string, labels: Readonly<Record<string, string>>, otherwise = column): string {
  const whens = Object.entries(labels).map(([code, label]) => `WHEN ${literal(code)} THEN ${literal(label)}`);
  return `(CASE ${column} ${whens.join(' ')} ELSE ${otherwise} END)`;
}

/**
 * A territorial unit: a commune row that is no row's parent (Paris, Lyon and Marseille count through their
 * arrondissements, never twice). Coverage, white zones and their counts are over these units, whatever their geometry.
 */
export const isTerritorialUnit = (c: string) => `NOT EXISTS (SELECT 1 FROM commune u_ WHERE u_.parent = ${c}.code)`;

/** A commune code covered by a CPTS: a member unit itself, or a commune one of whose units (arrondissements) is a member. */
export const isCoveredCode = (code: string, day?: string | null) =>
  `(EXISTS (SELECT 1 FROM ${membershipSql(day)} m_ WHERE m_.commune_code = ${code})
    OR EXISTS (SELECT 1 FROM commune a_ JOIN ${membershipSql(day)} m_ ON m_.commune_code = a_.code WHERE a_.parent = ${code}))`;

// Which establishments count (issue 7): an establishment closed by a newer FINESS stock (ferme_le set) is kept for
// history but leaves counts, statuses, tiles, nearby sites and exports unless a caller asks for it; a pharmacy can
// join an MSP, an ESP or a medical or polyvalent centre de santé, the other centres are listed apart.

/** `alias.ferme_le IS NULL`: the establishment is open (pharmacie or structure). */
export const openSql = (alias: string) => `${alias}.ferme_le IS NULL`;

/** The establishment is open, or any when closed ones are asked for (`inclureFermes=true`). */
export const openUnlessSql = (alias: string, inclureFermes: boolean | undefined) => (inclureFermes ? 'true' : openSql(alias));

/**
 * A structure a pharmacy can join: an MSP, an ESP, or a medical or polyvalent centre de santé. Written exactly as
 * the partial index of migration 070 so that the planner uses it.
 */
export const joinableSql = (alias: string) =>
  `(${alias}.type IN ('msp', 'esp') OR (${alias}.type = 'csp' AND ${alias}.sous_type = 'medical-polyvalent'))`;

/** A centre de santé a pharmacy cannot join (nurses', dental, ophthalmology, other): listed apart. */
export const otherCentreSql = (alias: string) => `(${alias}.type = 'csp' AND ${alias}.sous_type IS DISTINCT FROM 'medical-polyvalent')`;

/**
 * The pharmacy `alias` is a member: it has a membership of a CPTS or of a structure still open (memberships of a
 * closed structure are kept and flagged by the view adhesion_pharmacie_etat, but no longer make a member).
 */
export const activeMembershipSql = (alias: string) =>
  `EXISTS (SELECT 1 FROM adhesion_pharmacie_etat ae_ WHERE ae_.pharmacie_finess = ${alias}.finess AND ae_.structure_fermee_le IS NULL)`;

const status = (s: PharmacyStatus) => literal(s);

/**
 * The status of the pharmacy row `p`: a member of a CPTS or of an open structure (activeMembershipSql); else its commune
 * unknown to the database; else covered or not by a CPTS (isCoveredCode). The pharmacy list, the tiles and nearby use it.
 */
export const pharmacyStatusSql = (p: string) => `
  (CASE WHEN ${activeMembershipSql(p)} THEN ${status('membre')}
        WHEN NOT EXISTS (SELECT 1 FROM commune c_ WHERE c_.code = ${p}.commune_code) THEN ${status('commune-inconnue')}
        WHEN ${isCoveredCode(`${p}.commune_code`)} THEN ${status('couverte-sans-adhesion')}
        ELSE ${status('zone-blanche')} END)`;

/** GP density per 10,000 inhabitants (float8), NULL when the count is secret or unknown or the population 0: gpDensity. */
export const gpDensitySql = (nb: string, population: string) =>
  `(CASE WHEN ${nb} >= ${SECRET_MIN} AND ${population} > 0
         THEN round(${nb} * ${DENSITY_PER}.0 / ${population}, ${DENSITY_DECIMALS})::float8 END)`;

/** True when the GP count is under the secrecy threshold (its density withheld), NULL otherwise. */
export const gpSecretSql = (nb: string) => `(CASE WHEN ${nb} < ${SECRET_MIN} THEN true END)`;

/** Within the probable-membership radius, on the spheroid (geography) distance. */
export const withinProbableRadiusSql = (a: string, b: string) =>
  `ST_DWithin(${a}::geography, ${b}::geography, ${PROBABLE_MEMBERSHIP_RADIUS_M})`;

/**
 * Share of a commune's area inside a polygon, on the sphere (ratio of geography areas): the rule of the CPTS GeoJSON
 * import and of the perimeter check, which keep a commune when the share reaches their threshold.
 */
export const areaShareSql = (commune: string, polygon: string) =>
  `(ST_Area(safe_intersection(${commune}, ${polygon})::geography) / ST_Area(${commune}::geography))`;

// --- « As of » a date (issue 9, migrations 060-061) ----------------------------------------------------------

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const PARAM_RE = /^\$\d{1,2}$/;

/**
 * A day as an SQL date: a literal AAAA-MM-JJ, or a query parameter (`$4`) holding one (the tiles build their SQL
 * once per layer and zoom). Anything else is a bug of the caller (the API validates days first).
 */
export function dayLiteral(day: string): string {
  if (PARAM_RE.test(day)) return `${day}::date`;
  if (!DAY_RE.test(day)) throw new Error(`not a day: ${day}`);
  return `'${day}'::date`;
}

/**
 * The membership the analyses read, as a table expression with the columns of cpts_commune (cpts_id,
 * commune_code, part_surface, source): today's perimeters (the table itself, fast), or those in force on `day`
 * through the one SQL function of migration 061.
 */
export const membershipSql = (day?: string | null): string => (day ? `cpts_commune_au(${dayLiteral(day)})` : 'cpts_commune');

/**
 * The CPTS the analyses read, as a table expression with the columns of cpts they use: today's (the table itself),
 * or those that existed on `day` (a version in force, migration 061) with that version's perimeter and their status
 * of that day. A dated perimeter is drawn unsimplified at every zoom (geom_3857_low = geom_3857).
 */
export function cptsSql(day?: string | null): string {
  if (!day) return 'cpts';
  return `(SELECT k.id, k.nom, k.nom_norm, k.finess, ${statutOnSql('k', day)} AS statut, k.perimetre, k.siege_commune, k.date_ouverture,
                  k.date_maj, k.source, k.import_id, v.geom, v.geom_3857, v.geom_3857 AS geom_3857_low
             FROM cpts k JOIN cpts_version_au(${dayLiteral(day)}) v ON v.cpts_id = k.id)`;
}

/** The status of CPTS `alias` on `day`: the mapped status of its latest step by then (ETAPE_STATUT); without steps, cpts.statut. */
export function statutOnSql(alias: string, day?: string | null): string {
  if (!day) return `${alias}.statut`;
  const whens = Object.entries(ETAPE_STATUT).map(([e, s]) => `WHEN ${literal(e)} THEN ${literal(s)}`);
  return `coalesce((SELECT CASE e_.etape ${whens.join(' ')} END FROM cpts_etape e_
                     WHERE e_.cpts_id = ${alias}.id AND e_.le <= ${dayLiteral(day)} ORDER BY e_.le DESC, e_.id DESC LIMIT 1),
                   CASE WHEN EXISTS (SELECT 1 FROM cpts_etape e_ WHERE e_.cpts_id = ${alias}.id) THEN 'non-renseigne' ELSE ${alias}.statut END)`;
}
/** The current recruitment state of the pharmacy row `p`: its latest step, « à contacter » without any (migration 080). */
export const recruitmentStateSql = (p: string) =>
  `coalesce((SELECT r_.etat FROM recrutement_officine r_ WHERE r_.pharmacie_finess = ${p}.finess ORDER BY r_.id DESC LIMIT 1), ${literal(RECRUTEMENT_ETAT_INITIAL)})`;

// --- The decision of an overlapping pair (issue 9, conciliation, migration 065) ------------------------------------

/**
 * Which decision of a pair comes first: the latest decision day (date_decision), then, the same day, the latest
 * recorded. The day, not the recording time (enregistre_le): « as of » a day asks what had been decided by then, and
 * a decision is often recorded after the committee that took it; a late-recorded older decision never overrides a
 * newer one. Decisions are never dated in the future, so today's decision is the first of all.
 */
export const decisionOrderSql = (alias: string) => `${alias}.date_decision DESC, ${alias}.id DESC`;

/** The decision row `alias` was taken on or before `day` (always true without a day: decisions are never in the future). */
export const decisionTakenBySql = (alias: string, day?: string | null): string => (day ? `${alias}.date_decision <= ${dayLiteral(day)}` : 'true');

/**
 * THE current decision of every pair that has one, as a table expression with the columns of chevauchement_decision
 * (one row per pair): the first in decisionOrderSql among the decisions taken on or before `day` (all of them
 * without a day). A pair without a row is « à examiner » (decisionOfPairSql). A condition on cpts_a and cpts_b
 * outside is pushed into it by the planner (index chevauchement_decision_paire_idx).
 */
export const pairDecisionSql = (day?: string | null): string =>
  `(SELECT DISTINCT ON (d_.cpts_a, d_.cpts_b) d_.* FROM chevauchement_decision d_ WHERE ${decisionTakenBySql('d_', day)}
     ORDER BY d_.cpts_a, d_.cpts_b, ${decisionOrderSql('d_')})`;

/** The decision code of the pair (a, b), ids in byte order, on `day` (today without): « à examiner » without any. */
export const decisionOfPairSql = (a: string, b: string, day?: string | null): string =>
  `coalesce((SELECT pd_.decision FROM ${pairDecisionSql(day)} pd_ WHERE pd_.cpts_a = ${a} AND pd_.cpts_b = ${b}), ${literal(DECISION_PAR_DEFAUT)})`;
