// The closed lists of codes the database, the analyses, the tiles, the public contract and the map client share,
// each with its French label: one home, so that no answer words a status, a perimeter or a zone its own way.
// Pure and free of Node modules: the map client bundles it.

const keys = <K extends string>(labels: Record<K, string>) => Object.keys(labels) as [K, ...K[]];

/** The status of a CPTS project (cpts.statut). */
export const CPTS_STATUT_LIBELLES = {
  'pre-projet': 'Pré-projet',
  projet: 'Projet',
  'en-fonctionnement': 'En fonctionnement',
  'aci-signe': 'Contrat ACI signé',
  'non-renseigne': 'Statut non renseigné par la source',
} as const satisfies Record<string, string>;
export type CptsStatut = keyof typeof CPTS_STATUT_LIBELLES;
export const CPTS_STATUTS = keys<CptsStatut>(CPTS_STATUT_LIBELLES);

/** The dated steps of a CPTS's life (cpts_etape.etape, migration 060). */
export const CPTS_ETAPE_LIBELLES = {
  'pre-projet': 'Pré-projet',
  'lettre-intention': 'Lettre d’intention',
  'projet-sante-valide': 'Projet de santé validé',
  'aci-signe': 'Contrat ACI signé',
  avenant: 'Avenant au contrat ACI',
} as const satisfies Record<string, string>;
export type CptsEtape = keyof typeof CPTS_ETAPE_LIBELLES;
export const CPTS_ETAPES = keys<CptsEtape>(CPTS_ETAPE_LIBELLES);

/**
 * The status of the maps and the legend (cpts.statut) a step puts a CPTS in: a lettre d'intention opens the project,
 * a validated projet de santé makes the CPTS operate, an avenant keeps its signed contract.
 */
export const ETAPE_STATUT: Readonly<Record<CptsEtape, CptsStatut>> = {
  'pre-projet': 'pre-projet',
  'lettre-intention': 'projet',
  'projet-sante-valide': 'en-fonctionnement',
  'aci-signe': 'aci-signe',
  avenant: 'aci-signe',
};

/** How a perimeter version was written (cpts_version.origine). */
export const VERSION_ORIGINE_LIBELLES = {
  migration: 'Périmètre existant avant l’historique des versions',
  import: 'Import d’un fichier de CPTS',
  edition: 'Modification du périmètre',
  retour: 'Retour à une version antérieure',
} as const satisfies Record<string, string>;
export type VersionOrigine = keyof typeof VERSION_ORIGINE_LIBELLES;
export const VERSION_ORIGINES = keys<VersionOrigine>(VERSION_ORIGINE_LIBELLES);

/** How a CPTS perimeter is known (cpts.perimetre). */
export const PERIMETRE_LIBELLES = {
  officiel: 'Périmètre officiel (ARS)',
  approximatif: 'Périmètre approximatif (reconstitué, non officiel)',
  illustratif: 'Périmètre illustratif (proposition, non officiel)',
} as const satisfies Record<string, string>;
export type Perimetre = keyof typeof PERIMETRE_LIBELLES;
export const PERIMETRES = keys<Perimetre>(PERIMETRE_LIBELLES);

/** The note a UI shows next to a perimeter that is not official. */
export const PERIMETRE_NOTES: Readonly<Record<Perimetre, string | null>> = {
  officiel: null,
  approximatif: 'Périmètre approximatif : reconstitué (par exemple à partir de l’EPCI du siège), ce n’est pas le périmètre officiel de l’ARS.',
  illustratif: 'Périmètre illustratif : une proposition, pas un périmètre existant.',
};

/** GP zoning of a commune by its ARS (zonage.zone); a zoning row without zone is « non disponible ». */
export const ZONE_LIBELLES = {
  ZIP: 'Zone d’intervention prioritaire (ZIP)',
  ZAC: 'Zone d’action complémentaire (ZAC)',
  ZAR: 'Zone d’accompagnement régional (ZAR)',
  ZV: 'Zone de vigilance (ZV)',
  HZ: 'Hors zonage',
} as const satisfies Record<string, string>;
export type Zone = keyof typeof ZONE_LIBELLES;
export const ZONES = keys<Zone>(ZONE_LIBELLES);
/** The label of a zoning row whose source gives no result for the commune (zonage.zone NULL). */
export const ZONE_NON_DISPONIBLE = 'Zonage non disponible';

/** The label of a zone, « non disponible » for a row without zone. */
export const zoneLibelle = (zone: string | null): string => (zone === null ? ZONE_NON_DISPONIBLE : (ZONE_LIBELLES[zone as Zone] ?? zone));

/** The pharmacy list's zoning filter: one zone, either of ZIP and ZAC, or neither (or no zoning known). */
export const ZONING_FILTER_LIBELLES = {
  ZIP_ZAC: 'ZIP ou ZAC',
  ZIP: 'ZIP',
  ZAC: 'ZAC',
  'hors-zip-zac': 'ni ZIP ni ZAC',
} as const satisfies Record<string, string>;
export type ZoningFilter = keyof typeof ZONING_FILTER_LIBELLES;
export const ZONING_FILTERS = keys<ZoningFilter>(ZONING_FILTER_LIBELLES);

/** Coordinated-care structures (structure.type). */
export const STRUCTURE_TYPE_LIBELLES = {
  msp: 'Maison de santé (MSP)',
  csp: 'Centre de santé',
  esp: 'Équipe de soins primaires (ESP)',
  siege_cpts: 'Siège de CPTS',
  autre: 'Autre structure',
} as const satisfies Record<string, string>;
export type StructureType = keyof typeof STRUCTURE_TYPE_LIBELLES;
export const STRUCTURE_TYPES = keys<StructureType>(STRUCTURE_TYPE_LIBELLES);

/** The coordinated-care sites whose nearest ones are listed around a place. */
export const SITE_TYPES = ['msp', 'csp', 'esp'] as const satisfies readonly StructureType[];
export type SiteType = (typeof SITE_TYPES)[number];

/** Sub-types of the centres de santé (structure.sous_type); the rules that decide them are in centres-sante.json. */
export const SOUS_TYPE_CENTRE_LIBELLES = {
  'medical-polyvalent': 'centre de santé médical ou polyvalent',
  infirmier: 'centre de soins infirmiers',
  dentaire: 'centre de santé dentaire',
  ophtalmologique: 'centre de santé ophtalmologique',
  autre: 'autre centre de santé',
} as const satisfies Record<string, string>;
export type SousTypeCentre = keyof typeof SOUS_TYPE_CENTRE_LIBELLES;
export const SOUS_TYPES_CENTRE = keys<SousTypeCentre>(SOUS_TYPE_CENTRE_LIBELLES);

/** « 12 rue X, 44000 Nantes »: a FINESS address as the lists, sheets and CSV write it. Pure. */
export function fullAddress(adresse: string | null, codePostal: string | null, commune: string | null): string {
  const town = [codePostal, commune].filter(Boolean).join(' ');
  return [adresse, town].filter(Boolean).join(', ');
}

/** A pharmacy's coordinated-care status (rule: PHARMACY_STATUS_SQL in rules-sql.ts), short label. */
export const PHARMACY_STATUS_LIBELLES = {
  membre: 'membre',
  'couverte-sans-adhesion': 'couverte sans adhésion',
  'zone-blanche': 'zone blanche',
  'commune-inconnue': 'commune inconnue',
} as const satisfies Record<string, string>;
export type PharmacyStatus = keyof typeof PHARMACY_STATUS_LIBELLES;
export const PHARMACY_STATUSES = keys<PharmacyStatus>(PHARMACY_STATUS_LIBELLES);

/** What each pharmacy status means, for a legend or a documentation. */
export const PHARMACY_STATUS_DEFINITIONS: Readonly<Record<PharmacyStatus, string>> = {
  membre: 'adhère à une MSP, un centre de santé, une ESP ou une CPTS',
  'couverte-sans-adhesion': 'sa commune est dans une CPTS, sans adhésion connue',
  'zone-blanche': 'sa commune n’est dans aucune CPTS',
  'commune-inconnue': 'son code commune ne correspond à aucune commune de la base',
};

/** What the search box finds. */
export const HIT_TYPES = ['commune', 'cpts', 'structure', 'pharmacie'] as const;
export type HitType = (typeof HIT_TYPES)[number];

/** The orders of the pharmacy list: by commune name then pharmacy name, or by pharmacy name. */
export const PHARMACY_SORTS = ['commune', 'nom'] as const;
export type PharmacySort = (typeof PHARMACY_SORTS)[number];

/** What a newer FINESS stock can change for an establishment (finess_changement.changement), with its label. */
export const FINESS_CHANGE_LABELS = {
  ouverture: 'ouverture (nouvel établissement)',
  fermeture: 'fermeture (absent du stock)',
  reouverture: 'réouverture',
  deplacement: 'déplacement de plus de 50 m',
  renommage: 'changement de nom',
  categorie: 'changement de catégorie',
} as const satisfies Record<string, string>;
export type FinessChangeKind = keyof typeof FINESS_CHANGE_LABELS;
export const FINESS_CHANGE_KINDS = keys<FinessChangeKind>(FINESS_CHANGE_LABELS);

/** Which establishments a list of FINESS changes covers. */
export const FINESS_CHANGE_SCOPES = ['officines', 'structures', 'tous'] as const;
export type FinessChangeScope = (typeof FINESS_CHANGE_SCOPES)[number];

/** URPS view: the pharmacies a newer stock brings and the ones it closes. */
export const NOUVELLES_OFFICINES = 'Nouvelles officines';
export const OFFICINES_FERMEES = 'Officines fermées';

/** The French label of a centre's sub-type (« centre de soins infirmiers »…), « centre de santé » when unknown. */
export function centreLabel(sousType: string | null): string {
  return (sousType && SOUS_TYPE_CENTRE_LIBELLES[sousType as SousTypeCentre]) || 'centre de santé (sous-type inconnu)';
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
 * A commune claimed whole by several CPTS while it has no arrondissement split (Nice, Toulon in the ARS PACA listing):
 * a real overlap the membership model cannot resolve below the commune. Marseille, split by arrondissement, is not one.
 */
export const COMMUNE_PARTAGEE_SANS_DECOUPAGE = 'commune partagée sans découpage infra-communal';

/**
 * A pharmacy's recruitment state (issue 9, URPS): its history is append-only (recrutement_officine), the current
 * state is the latest row, « à contacter » while none is recorded. Private to the URPS and ARS of the région.
 */
export const RECRUTEMENT_ETAT_LIBELLES = {
  'a-contacter': 'à contacter',
  contactee: 'contactée',
  interessee: 'intéressée',
  adherente: 'adhérente',
  refus: 'refus',
} as const satisfies Record<string, string>;
export type RecrutementEtat = keyof typeof RECRUTEMENT_ETAT_LIBELLES;
export const RECRUTEMENT_ETATS = keys<RecrutementEtat>(RECRUTEMENT_ETAT_LIBELLES);
/** The state of a pharmacy without any recorded step. */
export const RECRUTEMENT_ETAT_INITIAL: RecrutementEtat = 'a-contacter';
/** The state that records a membership (adhesion_pharmacie) with it. */
export const RECRUTEMENT_ETAT_ADHERENTE: RecrutementEtat = 'adherente';

/** What a membership joins: a CPTS or a structure (MSP, centre de santé, ESP). */
export const ADHESION_CIBLE_LIBELLES = { cpts: 'CPTS', structure: 'structure (MSP, centre de santé, ESP)' } as const satisfies Record<string, string>;
export type AdhesionCible = keyof typeof ADHESION_CIBLE_LIBELLES;
export const ADHESION_CIBLES = keys<AdhesionCible>(ADHESION_CIBLE_LIBELLES);
/** adhesion_pharmacie.source of a membership recorded through the URPS recruitment (not an imported file). */
export const ADHESION_SOURCE_RECRUTEMENT = 'recrutement URPS';

/** The import kinds (CLI `npm run import -- <kind>`, web imports), each with its French label. */
export const IMPORT_NATURE_LIBELLES = {
  communes: 'Contours des communes',
  finess: 'Stock FINESS (officines, MSP, centres de santé)',
  cpts: 'Périmètres de CPTS',
  gp: 'Médecins généralistes par commune',
  zoning: 'Zonage médecins',
  memberships: 'Adhésions des officines',
  structures: 'Liste de structures (ESP…)',
  'centre-types': 'Corrections des sous-types de centres de santé',
  bassins: 'Bassins de vie et zones d’emploi',
} as const;
export type ImportNature = keyof typeof IMPORT_NATURE_LIBELLES;
export const IMPORT_NATURES = keys<ImportNature>(IMPORT_NATURE_LIBELLES);
/** The only kind an ARS user may import (perimeters of CPTS of their région); admins import every kind. */
export const ARS_IMPORT_NATURES: readonly ImportNature[] = ['cpts'];

/** The tables an import writes, as the preview of a web import names them. */
export const IMPORT_TABLE_LIBELLES: Readonly<Record<string, string>> = {
  commune: 'Communes',
  pharmacie: 'Officines',
  structure: 'Structures (MSP, centres de santé, ESP…)',
  cpts: 'CPTS',
  cpts_commune: 'Communes des CPTS',
  adhesion_pharmacie: 'Adhésions des officines',
  offre_mg: 'Médecins généralistes',
  zonage: 'Zonage',
  structure_sous_type_correction: 'Corrections de sous-types',
  commune_bassin: 'Bassin de vie des communes',
  bassin_vie: 'Bassins de vie',
  zone_emploi: 'Zones d’emploi',
};

/**
 * The life of a web import: previewed, then applied (or failed, or expired); « interrompu » when the server process
 * applying it stopped (its lease ran out): nothing applied, and it can be confirmed again.
 */
export const IMPORT_ETAT_LIBELLES = {
  apercu: 'Aperçu (rien n’est encore appliqué)',
  'en-cours': 'Application en cours',
  applique: 'Appliqué',
  echec: 'Échec : rien n’a été appliqué',
  expire: 'Expiré : rien n’a été appliqué',
  interrompu: 'Interrompu : rien n’a été appliqué',
} as const;
/** The states from which a web import can be confirmed (again). */
export const IMPORT_ETATS_CONFIRMABLES: readonly ImportEtat[] = ['apercu', 'interrompu'];
export type ImportEtat = keyof typeof IMPORT_ETAT_LIBELLES;
export const IMPORT_ETATS = keys<ImportEtat>(IMPORT_ETAT_LIBELLES);

/**
 * Where the settling of an overlapping pair of CPTS stands (chevauchement_decision.decision). A pair without a
 * decision is « à examiner »; « arbitré » is recorded by an arbitration only, which gives each shared commune to one
 * side (so the pair no longer overlaps).
 */
export const DECISION_LIBELLES = {
  'a-examiner': 'À examiner',
  'en-conciliation': 'En conciliation',
  arbitre: 'Arbitré',
  'chevauchement-accepte': 'Chevauchement accepté',
} as const satisfies Record<string, string>;
export type Decision = keyof typeof DECISION_LIBELLES;
export const DECISIONS = keys<Decision>(DECISION_LIBELLES);
/** The decision of a pair nobody has decided on yet. */
export const DECISION_PAR_DEFAUT: Decision = 'a-examiner';
/** The decisions recorded as such; « arbitré » comes with its arbitration. */
export const DECISIONS_POSEES = ['a-examiner', 'en-conciliation', 'chevauchement-accepte'] as const satisfies readonly Decision[];
