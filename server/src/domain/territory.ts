// Pure helpers shared by the territory answers (CPTS sheets, white zones, perimeter checks):
// statistical secrecy of small counts, GP supply figures, French labels of stored codes.

/** Counts below this are not published (statistical secrecy convention): they are shown as "< 6". */
export const SECRET_MIN = 6;
export const SECRET_LABEL = '< 6' as const;
export type MaskedCount = number | typeof SECRET_LABEL;

export function maskCount(n: number | null | undefined): MaskedCount | null {
  if (n === null || n === undefined) return null;
  return n < SECRET_MIN ? SECRET_LABEL : n;
}

export interface GpSupplyInput {
  /** Sum of nb_generalistes over the communes that have a row; null when no GP data was imported at all. */
  nb: number | null;
  population: number;
  /** Communes of the area without a row in offre_mg (counted 0, the sources list only communes with practices). */
  communesSansDonnee: number;
  estProxy: boolean | null;
  sources: readonly string[];
  annees: readonly number[];
}

export interface GpSupply {
  /** Number of GPs (or practices, when `estProxy`), "< 6" under the secrecy threshold, null when unknown. */
  nbGeneralistes: MaskedCount | null;
  /** GPs per 10,000 inhabitants, 2 decimals; null when the count is secret or unknown, or the population is 0. */
  densitePour10000: number | null;
  estProxy: boolean | null;
  sources: string[];
  annees: number[];
  notes: string[];
}

export const round = (x: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

export function gpSupply(i: GpSupplyInput): GpSupply {
  const notes: string[] = [];
  if (i.nb === null) {
    notes.push('Aucune donnée d’offre de médecine générale importée.');
    return { nbGeneralistes: null, densitePour10000: null, estProxy: null, sources: [], annees: [], notes };
  }
  const shown = maskCount(i.nb);
  let densite: number | null = null;
  if (shown === SECRET_LABEL) {
    notes.push(`Effectif inférieur à ${SECRET_MIN} : non publié (secret statistique), densité non calculée.`);
  } else if (i.population > 0) {
    densite = round((i.nb / i.population) * 10_000, 2);
  } else {
    notes.push('Population inconnue ou nulle : densité non calculée.');
  }
  if (i.estProxy) {
    notes.push('Indicateur approché (proxy) : il compte des cabinets (établissements), pas des médecins ni des équivalents temps plein.');
  }
  if (i.communesSansDonnee > 0) {
    notes.push(
      `${i.communesSansDonnee} commune(s) absente(s) de la source, comptée(s) 0 (la source ne liste que les communes où l’offre existe).`,
    );
  }
  return {
    nbGeneralistes: shown,
    densitePour10000: densite,
    estProxy: i.estProxy,
    sources: [...i.sources].sort(),
    annees: [...i.annees].sort((a, b) => a - b),
    notes,
  };
}

export const STATUT_LIBELLES: Record<string, string> = {
  'pre-projet': 'Pré-projet',
  projet: 'Projet',
  'en-fonctionnement': 'En fonctionnement',
  'aci-signe': 'Contrat ACI signé',
  'non-renseigne': 'Statut non renseigné par la source',
};

export const PERIMETRE_LIBELLES: Record<string, string> = {
  officiel: 'Périmètre officiel',
  approximatif: 'Périmètre approximatif (reconstitué, non officiel)',
  illustratif: 'Périmètre illustratif (proposition, non officiel)',
};

export const ZONE_LIBELLES: Record<string, string> = {
  ZIP: 'Zone d’intervention prioritaire (ZIP)',
  ZAC: 'Zone d’action complémentaire (ZAC)',
  ZV: 'Zone de vigilance',
  HZ: 'Hors zonage',
};

/** The note a UI shows next to a perimeter that is not official. */
export function perimetreNote(perimetre: string): string | null {
  if (perimetre === 'approximatif') return 'Périmètre approximatif : reconstitué (par exemple à partir de l’EPCI du siège), ce n’est pas le périmètre officiel de l’ARS.';
  if (perimetre === 'illustratif') return 'Périmètre illustratif : une proposition, pas un périmètre existant.';
  return null;
}

/**
 * A commune claimed whole by several CPTS while it has no arrondissement split (Nice, Toulon in the ARS PACA listing):
 * a real overlap the membership model cannot resolve below the commune. Marseille, split by arrondissement, is not one.
 */
export const COMMUNE_PARTAGEE_SANS_DECOUPAGE = 'commune partagée sans découpage infra-communal';
