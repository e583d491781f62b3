// Which establishments count, as SQL fragments and French labels, so that every analysis, tile and export applies
// the same rules (team decisions on main, issue 7):
// - an establishment closed by a newer FINESS stock (ferme_le set) is kept for history but leaves counts,
//   statuses, tiles, nearby sites and exports unless a caller asks for it;
// - a pharmacy can join an MSP, an ESP or a medical or polyvalent centre de santé; the other centres (nurses',
//   dental, ophthalmology…) are listed apart with their sub-type;
// - ESP are not in FINESS: zero known ESP is « non recensées dans FINESS », not 0.
import { sousTypeLibelles, type SousTypeCentre } from './centres-sante.js';
import type { FinessChangeKind } from './codes.js';

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

/** The same rule in code, for rows already read. */
export function isJoinable(type: string, sousType: string | null): boolean {
  return type === 'msp' || type === 'esp' || (type === 'csp' && sousType === 'medical-polyvalent');
}

/** The French label of a centre's sub-type (« centre de soins infirmiers »…), « centre de santé » when unknown. */
export function centreLabel(sousType: string | null): string {
  const labels = sousTypeLibelles();
  return (sousType && labels[sousType as SousTypeCentre]) || 'centre de santé (sous-type inconnu)';
}

/** What an ESP count of zero means: FINESS lists no ESP, and no structure list named one here. */
export const ESP_NON_RECENSEES = 'non recensées dans FINESS';

/** The note beside ESP figures. */
export const ESP_NOTE =
  'Les équipes de soins primaires (ESP) ne figurent pas dans FINESS : seules celles d’une liste importée (ARS, URPS) sont comptées.';

/** The note beside the other centres listed apart. */
export const OTHER_CENTRES_NOTE =
  'Centres de santé infirmiers, dentaires, ophtalmologiques ou autres : listés à part, ils ne comptent pas parmi les structures qu’une officine peut rejoindre.';

/**
 * The pharmacy `alias` is a member: it has a membership of a CPTS or of a structure still open (memberships of a
 * closed structure are kept and flagged by the view adhesion_pharmacie_etat, but no longer make a member).
 */
export const activeMembershipSql = (alias: string) =>
  `EXISTS (SELECT 1 FROM adhesion_pharmacie_etat a WHERE a.pharmacie_finess = ${alias}.finess AND a.structure_fermee_le IS NULL)`;

/** French labels of the FINESS changes between two stocks. */
export const FINESS_CHANGE_LABELS: Readonly<Record<FinessChangeKind, string>> = {
  ouverture: 'ouverture (nouvel établissement)',
  fermeture: 'fermeture (absent du stock)',
  reouverture: 'réouverture',
  deplacement: 'déplacement de plus de 50 m',
  renommage: 'changement de nom',
  categorie: 'changement de catégorie',
};

/** URPS view: the pharmacies a newer stock brings and the ones it closes. */
export const NOUVELLES_OFFICINES = 'Nouvelles officines';
export const OFFICINES_FERMEES = 'Officines fermées';
