// Where French data can lie and how large its shapes can be: the extents of metropolitan France and of each
// overseas territory (WGS84 longitude/latitude, with a margin of a few kilometres for coastlines and islands),
// and the largest plausible area of each kind of shape. Importers refuse what falls outside.

/** [west, south, east, north] in degrees. */
export type LonLatBox = readonly [number, number, number, number];

export interface Territory {
  /** French name, for messages. */
  nom: string;
  box: LonLatBox;
  /** COG départements (or collectivités) of the territory; the metropole is every other one. */
  departements: readonly string[];
  /** Largest plausible area (km²) of a commune outline, and of a CPTS polygon, in this territory. */
  maxKm2: { commune: number; cpts: number };
}

/**
 * Metropolitan France first (Corsica included). Largest communes: Arles 759 km² in the metropole, Maripasoula
 * 18,360 km² in Guyane, Païta (Nouvelle-Calédonie) 700 km². A CPTS is at most a few cantons: no metropolitan département is above 10,000 km².
 */
export const TERRITORIES: readonly Territory[] = [
  { nom: 'France métropolitaine', box: [-5.8, 41.2, 9.8, 51.2], departements: [], maxKm2: { commune: 1_000, cpts: 12_000 } },
  { nom: 'Guadeloupe', box: [-61.9, 15.75, -60.8, 16.6], departements: ['971'], maxKm2: { commune: 500, cpts: 2_000 } },
  { nom: 'Martinique', box: [-61.3, 14.35, -60.7, 14.95], departements: ['972'], maxKm2: { commune: 500, cpts: 1_200 } },
  { nom: 'Guyane', box: [-54.7, 2.0, -51.5, 6.0], departements: ['973'], maxKm2: { commune: 20_000, cpts: 90_000 } },
  { nom: 'La Réunion', box: [55.15, -21.45, 55.9, -20.8], departements: ['974'], maxKm2: { commune: 500, cpts: 2_700 } },
  { nom: 'Saint-Pierre-et-Miquelon', box: [-56.5, 46.7, -56.1, 47.2], departements: ['975'], maxKm2: { commune: 300, cpts: 300 } },
  { nom: 'Mayotte', box: [44.9, -13.1, 45.35, -12.55], departements: ['976'], maxKm2: { commune: 100, cpts: 450 } },
  { nom: 'Saint-Barthélemy', box: [-62.95, 17.85, -62.75, 17.98], departements: ['977'], maxKm2: { commune: 50, cpts: 50 } },
  { nom: 'Saint-Martin', box: [-63.2, 18.0, -62.95, 18.15], departements: ['978'], maxKm2: { commune: 100, cpts: 100 } },
  { nom: 'Wallis-et-Futuna', box: [-178.3, -14.5, -176.0, -13.1], departements: ['986'], maxKm2: { commune: 200, cpts: 300 } },
  { nom: 'Polynésie française', box: [-155.0, -28.0, -134.0, -7.5], departements: ['987'], maxKm2: { commune: 1_500, cpts: 5_000 } },
  { nom: 'Nouvelle-Calédonie', box: [158.0, -23.0, 169.0, -18.0], departements: ['988'], maxKm2: { commune: 2_500, cpts: 20_000 } },
  { nom: 'Clipperton', box: [-109.3, 10.25, -109.15, 10.35], departements: ['989'], maxKm2: { commune: 10, cpts: 10 } },
];
// The Terres australes et antarctiques françaises (984) have no permanent population, hence no health planning:
// their districts, from the Indian Ocean to Antarctica, are refused as outside France.

export type ShapeKind = keyof Territory['maxKm2'];

/** Names of the kinds in messages. */
export const SHAPE_LABELS: Readonly<Record<ShapeKind, string>> = { commune: 'un contour de commune', cpts: 'un périmètre de CPTS' };

export const METROPOLE = TERRITORIES[0]!;

/** The territory of a COG département or collectivité code ("85", "2A", "971"). */
export function territoryOfDepartement(dep: string): Territory {
  return TERRITORIES.find((t) => t.departements.includes(dep)) ?? METROPOLE;
}

/** The territory whose extent holds the whole box, if any. */
export function territoryHolding(box: LonLatBox): Territory | undefined {
  return TERRITORIES.find((t) => box[0] >= t.box[0] && box[1] >= t.box[1] && box[2] <= t.box[2] && box[3] <= t.box[3]);
}

/**
 * A CPTS covering this share of a région's communes covers the région: a régional perimeter given where a CPTS
 * is expected (only régions of several départements: an overseas CPTS may cover its whole island).
 */
export const WHOLE_REGION_SHARE = 0.9;
