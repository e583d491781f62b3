// Closed lists of codes shared by the analyses, the tiles and the public contract (API schemas). Moved here from
// the analysis modules so that tiles and the API read them without importing an analysis; their French labels
// and rules belong with the domain vocabulary.

/** A pharmacy's coordinated-care status (server/src/analysis/pharmacies.ts gives the rule). */
export const PHARMACY_STATUSES = ['membre', 'couverte-sans-adhesion', 'zone-blanche', 'commune-inconnue'] as const;
export type PharmacyStatus = (typeof PHARMACY_STATUSES)[number];

/** « Adhésion probable »: a pharmacy not yet a member within this many metres of an MSP or a centre de santé. */
export const PROBABLE_MEMBERSHIP_RADIUS_M = 150;

/** The zoning filter of the pharmacy list: one zone, either of ZIP and ZAC, or neither (or no zoning known). */
export const ZONING_FILTERS = ['ZIP', 'ZAC', 'ZIP_ZAC', 'hors-zip-zac'] as const;
export type ZoningFilter = (typeof ZONING_FILTERS)[number];

/** The coordinated-care sites whose nearest ones are listed around a place. */
export const SITE_TYPES = ['msp', 'csp', 'esp'] as const;
export type SiteType = (typeof SITE_TYPES)[number];

/** What the search box finds. */
export const HIT_TYPES = ['commune', 'cpts', 'structure', 'pharmacie'] as const;
export type HitType = (typeof HIT_TYPES)[number];

/** The orders of the pharmacy list: by commune name then pharmacy name, or by pharmacy name. */
export const PHARMACY_SORTS = ['commune', 'nom'] as const;
export type PharmacySort = (typeof PHARMACY_SORTS)[number];

/** What a newer FINESS stock can change for an establishment (finess_changement.changement). */
export const FINESS_CHANGE_KINDS = ['ouverture', 'fermeture', 'reouverture', 'deplacement', 'renommage', 'categorie'] as const;
export type FinessChangeKind = (typeof FINESS_CHANGE_KINDS)[number];

/** Which establishments a list of FINESS changes covers. */
export const FINESS_CHANGE_SCOPES = ['officines', 'structures', 'tous'] as const;
export type FinessChangeScope = (typeof FINESS_CHANGE_SCOPES)[number];
