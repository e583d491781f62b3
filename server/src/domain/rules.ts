// The rules every answer applies the same way: statistical secrecy of small counts, GP density and its rounding,
// the radius of a probable membership. Pure; their SQL forms are generated from these constants in rules-sql.ts.

/** Counts below this are not published (statistical secrecy convention): they are shown as "< 6". */
export const SECRET_MIN = 6;
export const SECRET_LABEL = '< 6' as const;
export type MaskedCount = number | typeof SECRET_LABEL;

export function maskCount(n: number | null | undefined): MaskedCount | null {
  if (n === null || n === undefined) return null;
  return n < SECRET_MIN ? SECRET_LABEL : n;
}

/** GP density is given per 10,000 inhabitants with this many decimals, in every answer and tile. */
export const DENSITY_PER = 10_000;
export const DENSITY_DECIMALS = 1;

export const round = (x: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/** GPs per 10,000 inhabitants; null when the count is unknown or secret, or the population unknown or 0. */
export function gpDensity(nb: number | null, population: number | null): number | null {
  if (nb === null || nb < SECRET_MIN || !population || population <= 0) return null;
  return round((nb / population) * DENSITY_PER, DENSITY_DECIMALS);
}

/** « Adhésion probable »: a pharmacy not yet a member within this many metres of an MSP or a centre de santé. */
export const PROBABLE_MEMBERSHIP_RADIUS_M = 150;

/** A possible membership: not a member, and an MSP/CSP within `near` metres. */
export function isProbableMembership(statut: string, distanceM: number | null, near: number = PROBABLE_MEMBERSHIP_RADIUS_M): boolean {
  return statut !== 'membre' && distanceM !== null && distanceM <= near;
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
  /** GPs per 10,000 inhabitants (gpDensity); null when the count is secret or unknown, or the population is 0. */
  densitePour10000: number | null;
  estProxy: boolean | null;
  sources: string[];
  annees: number[];
  notes: string[];
}

export function gpSupply(i: GpSupplyInput): GpSupply {
  const notes: string[] = [];
  if (i.nb === null) {
    notes.push('Aucune donnée d’offre de médecine générale importée.');
    return { nbGeneralistes: null, densitePour10000: null, estProxy: null, sources: [], annees: [], notes };
  }
  const shown = maskCount(i.nb);
  if (shown === SECRET_LABEL) {
    notes.push(`Effectif inférieur à ${SECRET_MIN} : non publié (secret statistique), densité non calculée.`);
  } else if (!(i.population > 0)) {
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
    densitePour10000: gpDensity(i.nb, i.population),
    estProxy: i.estProxy,
    sources: [...i.sources].sort(),
    annees: [...i.annees].sort((a, b) => a - b),
    notes,
  };
}
