// Which names the map shows at which zoom (tile layer `etiquettes`, server/src/tiles/layers.ts): régions when the
// whole country is in view, départements at a regional view, CPTS at a départemental one, and communes by
// population, more as one zooms in. A commune is named from the first zoom where it is populated enough, or among
// the most populated of its département (so that rural départements are not left blank).

export interface CommuneLabelStep {
  zoom: number;
  /** Communes with at least this population are named from this zoom on… */
  populationMin: number;
  /** …and so are the first `rankMax` communes of each département by population. */
  rankMax: number;
}

export const COMMUNE_LABEL_STEPS: readonly CommuneLabelStep[] = [
  { zoom: 6, populationMin: 150_000, rankMax: 1 },
  { zoom: 7, populationMin: 50_000, rankMax: 2 },
  { zoom: 8, populationMin: 15_000, rankMax: 6 },
  { zoom: 9, populationMin: 5_000, rankMax: 20 },
  { zoom: 10, populationMin: 1_500, rankMax: 60 },
];
/** From this zoom on, every commune is named. */
export const ALL_COMMUNES_FROM_ZOOM = 11;

/** Zoom ranges (inclusive) of the other names. */
export const LABEL_ZOOMS = {
  region: { min: 0, max: 7 },
  departement: { min: 7, max: 10 },
  cpts: { min: 9, max: 22 },
} as const;

/** The step that applies at zoom z (undefined below the first: no commune is named). */
export function communeLabelStep(z: number): CommuneLabelStep | 'all' | undefined {
  if (z >= ALL_COMMUNES_FROM_ZOOM) return 'all';
  return [...COMMUNE_LABEL_STEPS].reverse().find((s) => s.zoom <= z);
}
