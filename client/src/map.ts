// The map: an offline MapLibre style built here from the API's vector tiles, with names and outlines drawn from the
// app's own tiles and glyphs (map-bearings.ts), plus imperative helpers the journeys call (highlight, fit, fly).
import {
  Map as MlMap,
  NavigationControl,
  prewarm,
  ScaleControl,
  setWorkerUrl,
  type ExpressionSpecification,
  type GeoJSONSource,
  type PointLike,
  type FilterSpecification,
  type LayerSpecification,
  type LngLatBoundsLike,
  type MapGeoJSONFeature,
  type StyleSpecification,
  type VectorTileSource,
} from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import type { TileLayerInfo } from './api.js';
import { FIRST_LABEL_LAYER, FONT_MEDIUM, FONT_REGULAR, FRENCH_LOCALE, LABEL_LAYERS, OUTLINE_LAYERS, glyphsUrl, prefetchGlyphs } from './map-bearings.js';
import type { MapViewState } from './url.js';
import {
  CPTS_STATUT_LIBELLES,
  CPTS_STATUTS,
  PHARMACY_STATUS_DEFINITIONS,
  PHARMACY_STATUS_LIBELLES,
  PHARMACY_STATUSES as PHARMACY_STATUS_CODES,
  STRUCTURE_TYPE_LIBELLES,
  STRUCTURE_TYPES as STRUCTURE_TYPES_CODES,
  type CptsStatut,
  type PharmacyStatus,
  type StructureType,
} from '../../server/src/domain/vocabulary.js';

setWorkerUrl(workerUrl);
// the tile worker starts loading now, while the app asks for its configuration and the tile layers, instead of
// once the map is created: tiles are requested by the worker, so its start is on the way to the first drawing
prewarm();

// ---------------------------------------------------------------------------------------------------------------
// Palette and classes (shared with the legend)

export type Shading = 'density' | 'population' | 'none';
export type LayerGroup = 'communes' | 'whiteZones' | 'cpts' | 'overlaps' | 'structures' | 'pharmacies';

export const LAYER_GROUPS: { id: LayerGroup; label: string }[] = [
  { id: 'communes', label: 'Communes' },
  { id: 'cpts', label: 'CPTS' },
  { id: 'overlaps', label: 'Chevauchements de CPTS' },
  { id: 'whiteZones', label: 'Communes hors CPTS (zones blanches)' },
  { id: 'structures', label: 'Structures d’exercice coordonné' },
  { id: 'pharmacies', label: 'Officines' },
];

/** GP density per 10,000 inhabitants (the API's GP figure may be a proxy; the legend says so). */
export const DENSITY_CLASSES: { min: number; color: string; label: string }[] = [
  { min: -1, color: '#d6604d', label: 'moins de 5' },
  { min: 5, color: '#f4a582', label: '5 à 8' },
  { min: 8, color: '#d1e5f0', label: '8 à 11' },
  { min: 11, color: '#92c5de', label: '11 à 15' },
  { min: 15, color: '#4393c3', label: '15 et plus' },
];
export const DENSITY_SECRET = { color: '#d8d2c4', label: 'non publiée (< 6 médecins)' };
export const NO_DATA = { color: '#e4e4e4', label: 'aucune donnée' };

export const POPULATION_CLASSES: { min: number; color: string; label: string }[] = [
  { min: -1, color: '#f7f7f7', label: 'moins de 500' },
  { min: 500, color: '#d9d9d9', label: '500 à 2 000' },
  { min: 2000, color: '#bdbdbd', label: '2 000 à 10 000' },
  { min: 10000, color: '#969696', label: '10 000 à 50 000' },
  { min: 50000, color: '#636363', label: '50 000 et plus' },
];

/** ACI size bands of a CPTS, by population. */
export const BANDS: { id: string; color: string; label: string }[] = [
  { id: 'T1', color: '#a6dba0', label: 'T1 < 40 000 hab.' },
  { id: 'T2', color: '#5aae61', label: 'T2 40–80 000' },
  { id: 'T3', color: '#9970ab', label: 'T3 80–175 000' },
  { id: 'T4', color: '#762a83', label: 'T4 > 175 000' },
];

// Codes and labels come from the server's vocabulary (server/src/domain/vocabulary.ts); only the drawing is here.
/**
 * CPTS statuses by line pattern (MapLibre dash lengths are in line widths): told apart without colour, and with
 * more than a pixel between them.
 */
const STATUS_STROKES: Record<CptsStatut, { dash: number[]; width: number; pattern: string }> = {
  'aci-signe': { dash: [1, 0], width: 3.5, pattern: 'trait plein épais' },
  'en-fonctionnement': { dash: [4, 1.5], width: 2.5, pattern: 'tirets longs' },
  projet: { dash: [1.5, 1.5], width: 2, pattern: 'tirets courts' },
  'pre-projet': { dash: [0.4, 1.6], width: 2, pattern: 'pointillés' },
  'non-renseigne': { dash: [3, 1, 0.4, 1], width: 1.5, pattern: 'tirets et points' },
};
export const STATUSES = CPTS_STATUTS.map((id) => ({ id, label: CPTS_STATUT_LIBELLES[id], ...STATUS_STROKES[id] }));

const STRUCTURE_COLORS: Record<StructureType, string> = { msp: '#1b9e77', csp: '#d95f02', esp: '#7570b3', siege_cpts: '#e7298a', autre: '#666666' };
export const STRUCTURE_TYPES = STRUCTURE_TYPES_CODES.map((id) => ({ id, color: STRUCTURE_COLORS[id], label: STRUCTURE_TYPE_LIBELLES[id] }));

/**
 * The pharmacy status computed by the server (tiles and pharmacies API), by colour and by mark: a solid dot, a
 * hollow ring, a dot in a heavy black ring. Hues kept away from the structures' (teal, orange, purple, pink).
 */
export type PharmacyMark = 'dot' | 'ring' | 'bullseye';
const PHARMACY_DRAWING: Record<PharmacyStatus, { color: string; mark: PharmacyMark }> = {
  membre: { color: '#08519c', mark: 'dot' },
  'couverte-sans-adhesion': { color: '#8c6d1f', mark: 'ring' },
  'zone-blanche': { color: '#b2182b', mark: 'bullseye' },
  'commune-inconnue': { color: '#8c8c8c', mark: 'dot' },
};
export const PHARMACY_STATUSES = PHARMACY_STATUS_CODES.map((id) => ({
  id,
  ...PHARMACY_DRAWING[id],
  label: PHARMACY_STATUS_DEFINITIONS[id],
  short: PHARMACY_STATUS_LIBELLES[id],
}));

const OVERLAP_COLOR = '#d7191c';
/**
 * The perimeter being checked: a petrol blue that no other layer, class or point uses (tests/unit/map-palette.test.ts
 * checks it), over a dimmed shading; its separate parts are numbered on the map.
 */
export const PERIMETER_COLOR = '#00838f';
const PERIMETER_EDGE = '#00363b';
const HILITE = '#ffd84d';

/**
 * The fills that fade while a perimeter is checked, so that the proposal stands out: their opacity as drawn, and
 * while checking (the shading's own opacity is lower over a basemap: MapController.shadingOpacity).
 */
const FADES_WHILE_CHECKING = {
  'communes-fill': { drawn: 0.85, checking: 0.3 },
  'white-zones': { drawn: 1, checking: 0.25 },
  'cpts-fill': { drawn: 0.35, checking: 0.1 },
} as const;

/**
 * A change of perimeter (two versions, or an edit against the saved version): communes added in solid green marked
 * « + », communes removed hatched in magenta with a dashed edge marked « – »; told apart without colour too. The en
 * dash, not the minus sign: the map's glyphs (assets/glyphs) hold U+2000–U+20FF, not the mathematical operators.
 */
export const DIFF_STYLE = {
  added: { color: '#1a7f37', sign: '+', name: 'vert plein, nom précédé de « + »' },
  removed: { color: '#c51b7d', sign: '–', name: 'hachures magenta, bord en tirets, nom précédé de « – »' },
} as const;

/**
 * A query of the drawn features. While a source's tiles are being replaced (new tile URLs: a date, a write),
 * MapLibre's index of a tile still being parsed may throw « Out of bounds. Index requested… »: that tile has no
 * feature to give yet, and the next query (next move or data event) sees it; any other error is a real one.
 */
export function whileTilesSettle<T>(query: () => T[]): T[] {
  try {
    return query();
  } catch (e) {
    if (e instanceof Error && e.message.startsWith('Out of bounds. Index requested')) return [];
    throw e;
  }
}

/** The tile layers that answer « as of » a day (`?date=`, server/src/api/contract/tiles.ts). */
const DATED_SOURCES = ['communes', 'cpts', 'overlaps'] as const;

/** The two CPTS of a selected overlap pair: outlines told apart by colour and by pattern, named in the table. */
export const PAIR_STYLE = {
  a: { color: '#111111', dash: [1, 0], name: 'trait noir' },
  b: { color: '#0057e7', dash: [2, 1], name: 'tirets bleus' },
} as const;

// ---------------------------------------------------------------------------------------------------------------
// Tile property names (server/src/api/tiles.ts)

export const P = {
  communeCode: 'code',
  communeName: 'nom',
  population: 'population',
  gp: 'gp',
  density: 'densiteGeneralistes',
  densitySecret: 'secretStatistique',
  white: 'zoneBlanche',
  zone: 'zone',
  cptsId: 'id',
  cptsBand: 'tranche',
  cptsStatus: 'statut',
  cptsPerimeter: 'perimetre',
  cptsInOverlap: 'enChevauchement',
  structureId: 'finess',
  structureType: 'type',
  pharmacyId: 'finess',
  pharmacyStatus: 'statut',
} as const;

const TILE_LAYERS = ['communes', 'cpts', 'overlaps', 'structures', 'pharmacies', 'limites', 'etiquettes'] as const;
export type TileLayer = (typeof TILE_LAYERS)[number];

function step(prop: string, classes: { min: number; color: string }[], fallback: string): ExpressionSpecification {
  const [first, ...rest] = classes;
  return [
    'case',
    ['==', ['typeof', ['get', prop]], 'number'],
    ['step', ['get', prop], first!.color, ...rest.flatMap((c) => [c.min, c.color])],
    fallback,
  ] as unknown as ExpressionSpecification;
}

export function communeFill(shading: Shading): ExpressionSpecification | string {
  if (shading === 'density') {
    return ['case', ['==', ['get', P.densitySecret], true], DENSITY_SECRET.color, step(P.density, DENSITY_CLASSES, NO_DATA.color)] as ExpressionSpecification;
  }
  if (shading === 'population') return step(P.population, POPULATION_CLASSES, NO_DATA.color);
  return '#f4f2ec';
}

/** A paint value per pharmacy mark (dot, ring, bullseye), from the status. */
const byMark = (v: Record<PharmacyMark, unknown>, fallback: unknown): ExpressionSpecification =>
  ['match', ['get', P.pharmacyStatus], ...PHARMACY_STATUSES.flatMap((s) => [s.id, v[s.mark]]), fallback] as unknown as ExpressionSpecification;

const pharmacyColor = [
  'match',
  ['get', P.pharmacyStatus],
  ...PHARMACY_STATUSES.flatMap((s) => [s.id, s.mark === 'ring' ? '#ffffff' : s.color]),
  '#999999',
] as unknown as ExpressionSpecification;
const pharmacyStroke = [
  'match',
  ['get', P.pharmacyStatus],
  ...PHARMACY_STATUSES.flatMap((s) => [s.id, s.mark === 'ring' ? s.color : s.mark === 'bullseye' ? '#111111' : '#ffffff']),
  '#333333',
] as unknown as ExpressionSpecification;

const NONE: FilterSpecification = ['==', ['literal', 1], 0];
const byIds = (prop: string, ids: readonly string[]): FilterSpecification =>
  ids.length ? ['in', ['to-string', ['get', prop]], ['literal', [...ids]]] : NONE;

/**
 * The style: one vector source per tile layer, as /tiles/layers.json describes it (versioned URLs, zooms, bounds);
 * tile URLs are made absolute (the workers fetch them).
 */
export function buildStyle(
  origin: string,
  shading: Shading,
  tileLayers: TileLayerInfo[],
  visible: Partial<Record<LayerGroup, boolean>> = {},
): StyleSpecification {
  const sources: StyleSpecification['sources'] = {};
  for (const l of TILE_LAYERS) {
    const info = tileLayers.find((t) => t.id === l);
    sources[l] = {
      type: 'vector',
      tiles: (info?.tiles ?? [`/tiles/${l}/{z}/{x}/{y}.mvt`]).map((u) => (u.startsWith('/') ? origin + u : u)),
      minzoom: info?.minzoom ?? 0,
      maxzoom: Math.min(info?.maxzoom ?? 14, 14),
      ...(info?.bounds ? { bounds: info.bounds } : {}),
      ...(info?.promoteId ? { promoteId: info.promoteId } : {}),
    };
  }

  const layers: LayerSpecification[] = [
    { id: 'background', type: 'background', paint: { 'background-color': '#e8eef1' } },
    {
      id: 'communes-fill',
      type: 'fill',
      source: 'communes',
      'source-layer': 'communes',
      paint: { 'fill-color': communeFill(shading), 'fill-opacity': FADES_WHILE_CHECKING['communes-fill'].drawn },
    },
    {
      id: 'white-zones',
      type: 'fill',
      source: 'communes',
      'source-layer': 'communes',
      filter: ['==', ['get', P.white], true],
      paint: { 'fill-pattern': 'hatch-white', 'fill-opacity': FADES_WHILE_CHECKING['white-zones'].drawn },
    },
    {
      // from zoom 6: below, a tenth of a pixel wide, the outlines cannot be seen, yet they cost a line per commune
      // to lay out and every frame to draw
      id: 'communes-line',
      type: 'line',
      source: 'communes',
      'source-layer': 'communes',
      minzoom: 6,
      paint: { 'line-color': '#8a8a8a', 'line-width': ['interpolate', ['linear'], ['zoom'], 6, 0.1, 10, 0.6, 13, 1] },
    },
    {
      id: 'cpts-fill',
      type: 'fill',
      source: 'cpts',
      'source-layer': 'cpts',
      paint: {
        'fill-color': ['match', ['get', P.cptsBand], ...BANDS.flatMap((b) => [b.id, b.color]), '#cccccc'] as unknown as ExpressionSpecification,
        'fill-opacity': FADES_WHILE_CHECKING['cpts-fill'].drawn,
      },
    },
    {
      id: 'cpts-line',
      type: 'line',
      source: 'cpts',
      'source-layer': 'cpts',
      layout: { 'line-join': 'round' },
      paint: {
        'line-color': ['match', ['get', P.cptsBand], ...BANDS.flatMap((b) => [b.id, b.color]), '#777777'] as unknown as ExpressionSpecification,
        'line-width': ['match', ['get', P.cptsStatus], ...STATUSES.flatMap((x) => [x.id, x.width]), 2] as unknown as ExpressionSpecification,
        'line-dasharray': [
          'match',
          ['get', P.cptsStatus],
          ...STATUSES.flatMap((s) => [s.id, ['literal', s.dash]]),
          ['literal', [1, 0]],
        ] as unknown as ExpressionSpecification,
      },
    },
    { id: 'overlaps-fill', type: 'fill', source: 'overlaps', 'source-layer': 'overlaps', paint: { 'fill-pattern': 'hatch-red' } },
    {
      id: 'overlaps-line',
      type: 'line',
      source: 'overlaps',
      'source-layer': 'overlaps',
      paint: { 'line-color': OVERLAP_COLOR, 'line-width': 1.5 },
    },
    ...OUTLINE_LAYERS,
    // highlights driven by the journeys
    {
      id: 'communes-hl',
      type: 'fill',
      source: 'communes',
      'source-layer': 'communes',
      filter: NONE,
      paint: { 'fill-color': HILITE, 'fill-opacity': 0.8 },
    },
    {
      id: 'communes-hl-line',
      type: 'line',
      source: 'communes',
      'source-layer': 'communes',
      filter: NONE,
      paint: { 'line-color': '#8a6d00', 'line-width': 2 },
    },
    {
      id: 'cpts-hl',
      type: 'line',
      source: 'cpts',
      'source-layer': 'cpts',
      filter: NONE,
      paint: { 'line-color': '#111111', 'line-width': 4 },
    },
    {
      id: 'cpts-hl-b',
      type: 'line',
      source: 'cpts',
      'source-layer': 'cpts',
      filter: NONE,
      paint: { 'line-color': PAIR_STYLE.b.color, 'line-width': 4, 'line-dasharray': [...PAIR_STYLE.b.dash] },
    },
    // the perimeter being checked: member communes in one colour, overlaps outlined in red, drawn polygon dashed
    {
      id: 'perim-fill',
      type: 'fill',
      source: 'communes',
      'source-layer': 'communes',
      filter: NONE,
      paint: { 'fill-color': PERIMETER_COLOR, 'fill-opacity': 0.7 },
    },
    {
      id: 'perim-line',
      type: 'line',
      source: 'communes',
      'source-layer': 'communes',
      filter: NONE,
      paint: { 'line-color': PERIMETER_EDGE, 'line-width': 1.5 },
    },
    {
      id: 'perim-overlap',
      type: 'line',
      source: 'communes',
      'source-layer': 'communes',
      filter: NONE,
      paint: { 'line-color': OVERLAP_COLOR, 'line-width': 3.5 },
    },
    {
      id: 'structures',
      type: 'circle',
      source: 'structures',
      'source-layer': 'structures',
      paint: {
        'circle-color': ['match', ['get', P.structureType], ...STRUCTURE_TYPES.flatMap((t) => [t.id, t.color]), '#666666'] as unknown as ExpressionSpecification,
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 6, 3, 12, 7],
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 1.5,
      },
    },
    {
      id: 'pharmacies',
      type: 'circle',
      source: 'pharmacies',
      'source-layer': 'pharmacies',
      paint: {
        'circle-color': pharmacyColor,
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 6, 2, 10, 3.8, 14, 6.5],
        'circle-stroke-color': pharmacyStroke,
        'circle-stroke-width': [
          'interpolate',
          ['linear'],
          ['zoom'],
          6,
          byMark({ dot: 0.3, ring: 1, bullseye: 1 }, 0.3),
          10,
          byMark({ dot: 0.8, ring: 2, bullseye: 1.8 }, 0.8),
          14,
          byMark({ dot: 1, ring: 2.8, bullseye: 2.5 }, 1),
        ] as unknown as ExpressionSpecification,
      },
    },
    // a change of perimeter (CPTS sheet diff, edit against the saved version): over the perimeter being checked, and
    // over the structures and pharmacies, whose dots at région zoom would bury it
    {
      id: 'diff-added',
      type: 'fill',
      source: 'communes',
      'source-layer': 'communes',
      filter: NONE,
      paint: { 'fill-color': DIFF_STYLE.added.color, 'fill-opacity': 0.6 },
    },
    {
      id: 'diff-added-line',
      type: 'line',
      source: 'communes',
      'source-layer': 'communes',
      filter: NONE,
      paint: { 'line-color': DIFF_STYLE.added.color, 'line-width': 3 },
    },
    { id: 'diff-removed', type: 'fill', source: 'communes', 'source-layer': 'communes', filter: NONE, paint: { 'fill-pattern': 'hatch-removed' } },
    {
      id: 'diff-removed-line',
      type: 'line',
      source: 'communes',
      'source-layer': 'communes',
      filter: NONE,
      paint: { 'line-color': DIFF_STYLE.removed.color, 'line-width': 3, 'line-dasharray': [2, 1] },
    },
    {
      id: 'points-hl',
      type: 'circle',
      source: 'pharmacies',
      'source-layer': 'pharmacies',
      filter: NONE,
      paint: { 'circle-color': 'rgba(0,0,0,0)', 'circle-radius': 11, 'circle-stroke-color': '#111111', 'circle-stroke-width': 3 },
    },
    {
      id: 'structures-hl',
      type: 'circle',
      source: 'structures',
      'source-layer': 'structures',
      filter: NONE,
      paint: { 'circle-color': 'rgba(0,0,0,0)', 'circle-radius': 12, 'circle-stroke-color': '#111111', 'circle-stroke-width': 3 },
    },
    ...LABEL_LAYERS,
    // after the map's names: a changed commune is always named, with its sign
    diffLabel('added'),
    diffLabel('removed'),
  ];
  // the layer groups as the link (or the defaults) asks, from the start: a visibility set after the load would
  // make MapLibre parse every tile of the source again
  for (const l of layers) {
    const group = groupOf(l.id);
    if (group) l.layout = { ...l.layout, visibility: visible[group] === false ? 'none' : 'visible' };
  }
  return { version: 8, name: 'cpts-territoires', glyphs: glyphsUrl(origin), sources, layers };
}

/**
 * A mark on the map: a disc with a short text (a part's number, an overlap pair's letter) and, below it, a name;
 * drawn over everything, and placed before the map's names, which keep clear of it.
 */
export interface MapMark {
  texte: string;
  nom?: string;
  couleur: string;
  lng: number;
  lat: number;
}

/** The radius of a mark's disc (px). */
const MARK_RADIUS = 12;

/**
 * Drawings of the app's own (an uploaded contour, a searched point, marks), added to the map when first drawn: in the
 * first style, each would be an empty GeoJSON source loaded by the tile worker, and a frame drawn, on the way to the
 * map's tiles. Each goes under `before` (the layers above it are in the style from the start), or on top.
 */
const OVERLAYS: Record<'perimeter' | 'point' | 'marks', { layers: LayerSpecification[]; before?: string }> = {
  // over the perimeter being checked, under the structures, the pharmacies and a change of perimeter
  perimeter: {
    layers: [{ id: 'perimeter-drawn', type: 'line', source: 'perimeter', paint: { 'line-color': '#111111', 'line-width': 2.5, 'line-dasharray': [2, 1] } }],
    before: 'structures',
  },
  point: {
    layers: [
      {
        id: 'point',
        type: 'circle',
        source: 'point',
        paint: { 'circle-color': '#111111', 'circle-radius': 6, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 3 },
      },
    ],
    before: FIRST_LABEL_LAYER,
  },
  // on top: symbols are placed from the top layer down, so the names under a mark give way to it
  marks: {
    layers: [
      {
        id: 'marks',
        type: 'symbol',
        source: 'marks',
        layout: {
          'icon-image': 'mark-disc',
          'icon-allow-overlap': true,
          'text-field': ['get', 'texte'],
          'text-font': FONT_MEDIUM,
          'text-size': 14,
          'text-allow-overlap': true,
        },
        paint: { 'icon-color': ['get', 'couleur'], 'icon-halo-color': '#ffffff', 'icon-halo-width': 2, 'text-color': '#ffffff' },
      },
      {
        id: 'marks-name',
        type: 'symbol',
        source: 'marks',
        filter: ['has', 'nom'],
        layout: {
          'text-field': ['get', 'nom'],
          'text-font': FONT_MEDIUM,
          'text-size': 13,
          'text-anchor': 'top',
          'text-offset': [0, 1.1],
          'text-max-width': 12,
          'text-allow-overlap': true,
        },
        paint: { 'text-color': ['get', 'couleur'], 'text-halo-color': '#ffffff', 'text-halo-width': 2 },
      },
    ],
  },
};

const groupOf = (layerId: string): LayerGroup | undefined =>
  (Object.keys(GROUP_LAYERS) as LayerGroup[]).find((g) => GROUP_LAYERS[g].includes(layerId));

function diffLabel(kind: keyof typeof DIFF_STYLE): LayerSpecification {
  return {
    id: `diff-${kind}-label`,
    type: 'symbol',
    source: 'communes',
    'source-layer': 'communes',
    filter: NONE,
    layout: {
      'text-field': ['concat', `${DIFF_STYLE[kind].sign} `, ['get', P.communeName]],
      'text-font': FONT_REGULAR,
      'text-size': 13,
      'text-max-width': 9,
      // beside a part's number drawn on the same commune, rather than hidden under it (in ems: past the disc's box)
      'text-variable-anchor': ['center', 'top', 'bottom', 'left', 'right'],
      'text-radial-offset': 1.8,
    },
    paint: { 'text-color': '#111111', 'text-halo-color': '#ffffff', 'text-halo-width': 2 },
  };
}

const GROUP_LAYERS: Record<LayerGroup, string[]> = {
  communes: ['communes-fill'],
  whiteZones: ['white-zones'],
  cpts: ['cpts-fill', 'cpts-line'],
  overlaps: ['overlaps-fill', 'overlaps-line'],
  structures: ['structures'],
  pharmacies: ['pharmacies'],
};

/** Interactive layers, most specific first: a click picks the first feature found in this order. */
const PICK_ORDER = ['pharmacies', 'structures', 'overlaps-fill', 'cpts-fill', 'communes-fill'] as const;

type StyleImage = { width: number; height: number; data: Uint8Array };

/** The images of the style, by name: fill patterns, and a mark's disc (a distance field: coloured by its layer). */
const IMAGES: Record<string, () => { image: StyleImage; sdf?: boolean }> = {
  'hatch-red': () => ({ image: hatch(OVERLAP_COLOR, 'rgba(215,25,28,0.12)') }),
  'hatch-white': () => ({ image: hatch('rgba(230,110,0,0.95)', 'rgba(255,255,255,0.25)', 7, 1.2) }),
  'hatch-removed': () => ({ image: hatch(DIFF_STYLE.removed.color, 'rgba(255,255,255,0.55)', 9, 2.5) }),
  'mark-disc': () => ({ image: disc(MARK_RADIUS), sdf: true }),
};

/**
 * A disc as a signed distance field, encoded as MapLibre's glyphs are (alpha 191 on the edge, 8 px of distance
 * each side): its icon halo then draws the white ring around it.
 */
function disc(r: number): StyleImage {
  const size = 2 * (r + 8);
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const d = Math.hypot(x + 0.5 - size / 2, y + 0.5 - size / 2) - r;
      data[(y * size + x) * 4 + 3] = Math.max(0, Math.min(255, Math.round(255 - 255 * (d / 8 + 0.25))));
    }
  }
  return { width: size, height: size, data };
}

/** A diagonal hatch drawn on a canvas (no image download): for overlaps and communes outside any CPTS. */
function hatch(color: string, bg: string, size = 8, width = 2): StyleImage {
  const c = document.createElement('canvas');
  c.width = c.height = size;
  const g = c.getContext('2d')!;
  g.fillStyle = bg;
  g.fillRect(0, 0, size, size);
  g.strokeStyle = color;
  g.lineWidth = width;
  g.beginPath();
  g.moveTo(-1, size + 1);
  g.lineTo(size + 1, -1);
  g.moveTo(-1, 1);
  g.lineTo(1, -1);
  g.moveTo(size - 1, size + 1);
  g.lineTo(size + 1, size - 1);
  g.stroke();
  return { width: size, height: size, data: new Uint8Array(g.getImageData(0, 0, size, size).data.buffer) };
}

/** Where the number of a separate part of a checked perimeter is drawn. */
export interface PartAnchor {
  numero: number;
  lng: number;
  lat: number;
}

export interface Pick {
  layer: TileLayer;
  properties: Record<string, unknown>;
  feature: MapGeoJSONFeature;
}

export interface MapEvents {
  onClick?: (lngLat: { lng: number; lat: number }, pick: Pick | undefined, all: Pick[]) => void;
  onMove?: (v: MapViewState) => void;
  onRendered?: () => void;
}

export const DEFAULT_VIEW: MapViewState = { zoom: 5, lat: 46.6, lon: 2.4 };

/** Owns one maplibre Map; every method is safe to call before the style has loaded. */
/** The window width above which the legend opens unfolded. */
export const LEGEND_OPEN_MIN_WIDTH = 1100;
/** The open legend's reach from the map's right edge: its width and its offset beside the zoom buttons (styles.css). */
const LEGEND_COVER = 310 + 50;
/** The margin a fit keeps around what it frames (px). */
const FIT_MARGIN = 48;
/** MapLibre's own width under which a map gets the compact attribution (px). */
const SMALL_MAP_WIDTH = 640;

/** While the first view loads, how long a tile that came in waits at most to be drawn (ms). */
const FIRST_VIEW_HOLD = 2000;

/**
 * A map that draws its first view once, when all its tiles are in: each tile that arrives would otherwise draw a
 * frame of the whole map (0.3 to 1 s of CPU at 1440×900 in software WebGL, where the frames of a first view cost
 * more than its tiles), and a main thread busy drawing answers the tile worker's glyph requests late. The first
 * frame is drawn (it asks for the tiles); then, until the tiles are all in, the view changes (new tiles to ask
 * for) or the style does, a frame waits for the others at most FIRST_VIEW_HOLD, so that a slow tile does not hide
 * those in.
 */
class FirstViewMap extends MlMap {
  private hold: 'before-first-frame' | 'holding' | 'off' = 'before-first-frame';
  private partialFrame: ReturnType<typeof setTimeout> | undefined;

  constructor(options: ConstructorParameters<typeof MlMap>[0] & { style: StyleSpecification }) {
    super(options);
    // the first frame once every source knows its tiles: that frame asks for them all
    const sources = Object.keys(options.style.sources);
    const start = () => {
      if (!sources.every((id) => this.getSource(id)?.loaded())) return;
      this.off('render', start);
      this.hold = 'holding';
      // a frame asked for during the first one would draw the same, tiles not in yet: MapLibre's own request, the
      // only way to call it off
      this._frameRequest?.abort();
      (this as { _frameRequest: AbortController | null })._frameRequest = null;
      // a move elsewhere (not a resize to the same size, as a ResizeObserver's first call makes) needs its tiles
      const view = this.viewKey();
      const moved = () => {
        if (this.hold === 'holding' && this.viewKey() === view) return;
        this.off('move', moved);
        this.release();
      };
      this.on('move', moved);
    };
    this.on('render', start);
  }

  private viewKey(): string {
    const c = this.getCenter();
    const canvas = this.getCanvas();
    return [c.lng, c.lat, this.getZoom(), canvas.width, canvas.height].join();
  }

  /** A change the app asks for (filter, paint, layer, source) is drawn at once: the hold is for tiles only. */
  override _update(updateStyle?: boolean): this {
    if (updateStyle) this.release();
    return super._update(updateStyle);
  }

  override triggerRepaint(): void {
    if (this.hold !== 'holding') return super.triggerRepaint();
    if (this.areTilesLoaded()) return this.release();
    this.partialFrame ??= setTimeout(() => {
      this.partialFrame = undefined;
      super.triggerRepaint();
    }, FIRST_VIEW_HOLD);
  }

  private release(): void {
    if (this.hold !== 'holding') return;
    this.hold = 'off';
    clearTimeout(this.partialFrame);
    super.triggerRepaint();
  }
}

export class MapController {
  readonly map: MlMap;
  private ready: Promise<void>;
  /** The style has loaded once (tiles may still be loading: queries then see what is drawn so far). */
  private styleReady = false;
  private events: MapEvents = {};
  private shading: Shading = 'density';
  private shadingOpacity: number = FADES_WHILE_CHECKING['communes-fill'].drawn;
  private checking = false;
  /** The marks on the map: the numbers of a checked perimeter's parts, the letters of an overlap pair. */
  private marks: Record<'parts' | 'pair', MapMark[]> = { parts: [], pair: [] };
  private asOf: string | null = null;
  private undatedTiles = new Map<string, string[]>();

  private visible: Partial<Record<LayerGroup, boolean>>;

  /** `layers`: the layer groups shown and the shading at first, so that the style loads as it will be drawn. */
  constructor(
    container: HTMLElement,
    view: MapViewState,
    basemapStyleUrl: string | null,
    tileLayers: TileLayerInfo[],
    layers: { visible?: Partial<Record<LayerGroup, boolean>>; shading?: Shading } = {},
  ) {
    this.shading = layers.shading ?? this.shading;
    this.visible = { ...layers.visible };
    prefetchGlyphs(window.location.origin);
    this.map = new FirstViewMap({
      container,
      style: buildStyle(window.location.origin, this.shading, tileLayers, this.visible),
      center: [view.lon, view.lat],
      zoom: view.zoom,
      attributionControl: { compact: true, customAttribution: 'Données : INSEE, IGN, DREES (FINESS), ARS — voir les sources dans les panneaux' },
      maplibreLogo: false,
      dragRotate: false,
      pitchWithRotate: false,
      touchPitch: false,
      locale: FRENCH_LOCALE,
      // names appear at once rather than fading in: each fade frame redraws the whole map, which costs a quarter
      // of a second of CPU on a machine without a GPU (software WebGL), as in the benchmarks and the tests
      fadeDuration: 0,
    });
    // for the end-to-end tests, which read what is drawn (queryRenderedFeatures)
    (container as HTMLElement & { maplibre?: MlMap }).maplibre = this.map;
    // a compact attribution starts unfolded (MapLibre folds it at the first drag): on a small map it would cover
    // part of it, so it starts folded there, its ⓘ button unfolding the credits
    if (container.clientWidth <= SMALL_MAP_WIDTH) container.querySelector('.maplibregl-ctrl-attrib')?.classList.remove('maplibregl-compact-show');
    this.map.touchZoomRotate.disableRotation();
    this.map.keyboard.enable();
    this.map.addControl(new NavigationControl({ showCompass: false }), 'top-right');
    this.map.addControl(new ScaleControl({ unit: 'metric' }), 'bottom-left');
    this.map.getCanvas().setAttribute('aria-label', 'Carte interactive : cliquez sur un élément pour le détailler');
    // images drawn here (the style has no sprite), as soon as the style has loaded: asked for by the tile worker
    // while it parses the first tiles, each would cost a round trip and a frame; on demand too, should one be missing
    const addImage = (id: string) => {
      const draw = IMAGES[id];
      if (!draw || this.map.hasImage(id)) return;
      const { image, sdf } = draw();
      this.map.addImage(id, image, { sdf: !!sdf });
    };
    this.map.once('style.load', () => Object.keys(IMAGES).forEach(addImage));
    this.map.setMissingStyleImageResolver(addImage);
    this.ready = new Promise((resolve) =>
      this.map.once('load', () => {
        this.styleReady = true;
        resolve();
      }),
    );
    if (basemapStyleUrl) void this.addBasemap(basemapStyleUrl);

    this.map.on('moveend', () => {
      const c = this.map.getCenter();
      this.events.onMove?.({ zoom: this.map.getZoom(), lat: c.lat, lon: c.lng });
    });
    this.map.on('idle', () => this.events.onRendered?.());
    this.map.on('click', (e) => {
      const all = this.pickAt(e.point);
      this.events.onClick?.(e.lngLat, all[0], all);
    });
    this.map.on('mousemove', (e) => {
      this.map.getCanvas().style.cursor = this.pickAt(e.point).length ? 'pointer' : '';
    });
  }

  on(events: MapEvents): void {
    this.events = events;
  }

  private pickAt(point: PointLike): Pick[] {
    if (!this.styleReady) return [];
    const bbox: [PointLike, PointLike] = [
      [(point as { x: number }).x - 4, (point as { y: number }).y - 4],
      [(point as { x: number }).x + 4, (point as { y: number }).y + 4],
    ];
    const layers = PICK_ORDER.filter((l) => this.map.getLayer(l) && this.map.getLayoutProperty(l, 'visibility') !== 'none');
    const feats = whileTilesSettle(() => this.map.queryRenderedFeatures(bbox, { layers: [...layers] }));
    const picks = feats.map((f) => ({ layer: f.source as Pick['layer'], properties: f.properties ?? {}, feature: f }));
    return picks.sort((a, b) => PICK_ORDER.indexOf(layerOf(a)) - PICK_ORDER.indexOf(layerOf(b)));
  }

  /**
   * A basemap, online (BASEMAP_STYLE_URL) or served by the app (BASEMAP_PMTILES): its shapes go under everything,
   * its names under the app's names, in the app's font (the style's glyphs stay the app's, which work offline).
   */
  private async addBasemap(url: string): Promise<void> {
    try {
      const absolute = (u: string) => (u.startsWith('/') ? window.location.origin + u : u);
      const res = await fetch(absolute(url));
      const base = (await res.json()) as StyleSpecification;
      await this.ready;
      for (const [id, src] of Object.entries(base.sources)) {
        const tiles = 'tiles' in src && src.tiles ? { tiles: src.tiles.map(absolute) } : {};
        if (!this.map.getSource(`base-${id}`)) this.map.addSource(`base-${id}`, { ...src, ...tiles } as typeof src);
      }
      if (base.sprite && typeof base.sprite === 'string') this.map.setSprite(base.sprite);
      for (const l of base.layers) {
        if (l.type === 'background') continue;
        const layer = { ...l, id: `base-${l.id}` } as LayerSpecification & { source?: string };
        if ('source' in l && typeof l.source === 'string') layer.source = `base-${l.source}`;
        if (layer.type === 'symbol' && layer.layout?.['text-font']) layer.layout = { ...layer.layout, 'text-font': FONT_REGULAR };
        this.map.addLayer(layer as LayerSpecification, l.type === 'symbol' ? FIRST_LABEL_LAYER : 'communes-fill');
      }
      this.shadingOpacity = 0.55;
      if (!this.checking) this.map.setPaintProperty('communes-fill', 'fill-opacity', this.shadingOpacity);
    } catch {
      // the offline map stays usable; the legend does not mention a basemap that failed
    }
  }

  async whenReady(): Promise<void> {
    await this.ready;
  }

  setVisible(group: LayerGroup, visible: boolean): void {
    void this.ready.then(() => {
      // unchanged: nothing to do (a change makes MapLibre parse the source's tiles again)
      for (const id of GROUP_LAYERS[group]) {
        const want = visible ? 'visible' : 'none';
        if ((this.map.getLayoutProperty(id, 'visibility') ?? 'visible') !== want) this.map.setLayoutProperty(id, 'visibility', want);
      }
    });
  }

  setShading(s: Shading): void {
    // the style was built with the first shading: setting it again would redraw the whole map for nothing
    if (s === this.shading) return;
    this.shading = s;
    void this.ready.then(() => {
      this.map.setPaintProperty('communes-fill', 'fill-color', communeFill(s));
    });
  }

  /** Restricts the pharmacy points to a filter (e.g. the URPS filters), or shows all of them. */
  setPharmacyFilter(ids: readonly string[] | null): void {
    void this.ready.then(() => this.map.setFilter('pharmacies', ids ? byIds(P.pharmacyId, ids) : null));
  }

  highlightCommunes(codes: readonly string[]): void {
    void this.ready.then(() => {
      this.map.setFilter('communes-hl', byIds(P.communeCode, codes));
      this.map.setFilter('communes-hl-line', byIds(P.communeCode, codes));
    });
  }

  highlightCpts(ids: readonly string[]): void {
    void this.ready.then(() => this.map.setFilter('cpts-hl', byIds(P.cptsId, ids)));
  }

  /** The two CPTS of an overlap pair, A and B in the styles of PAIR_STYLE (A as a single highlighted CPTS). */
  highlightPair(a: string | null, b: string | null): void {
    this.highlightCpts(a ? [a] : []);
    void this.ready.then(() => this.map.setFilter('cpts-hl-b', byIds(P.cptsId, b ? [b] : [])));
  }

  /** The letters A and B of an overlap pair, each with its CPTS's name, in the colours of PAIR_STYLE (null: none). */
  labelPair(sides: Record<keyof typeof PAIR_STYLE, { nom: string; lng: number; lat: number }> | null): void {
    const marks = sides ? (['a', 'b'] as const).map((k) => ({ ...sides[k], texte: k.toUpperCase(), couleur: PAIR_STYLE[k].color })) : [];
    this.setMarks('pair', marks);
  }

  private setMarks(kind: 'parts' | 'pair', marks: MapMark[]): void {
    this.marks[kind] = marks;
    void this.ready.then(() => {
      const all = [...this.marks.parts, ...this.marks.pair];
      this.setOverlay('marks', all.map(({ lng, lat, ...properties }) => ({ type: 'Feature', properties, geometry: { type: 'Point', coordinates: [lng, lat] } })));
    });
  }

  highlightPharmacies(ids: readonly string[]): void {
    void this.ready.then(() => this.map.setFilter('points-hl', byIds(P.pharmacyId, ids)));
  }

  highlightStructures(ids: readonly string[]): void {
    void this.ready.then(() => this.map.setFilter('structures-hl', byIds(P.structureId, ids)));
  }

  /**
   * The perimeter being checked, drawn from the commune tiles: `codes` its member communes, `overlaps` the members
   * already in another CPTS, `drawn` an uploaded polygon, `parts` where to number its separate parts (none if one).
   */
  setPerimeter(p: { codes: readonly string[]; overlaps: readonly string[]; drawn?: GeoJSON.Geometry | null; parts?: PartAnchor[] } | null): void {
    void this.ready.then(() => {
      this.map.setFilter('perim-fill', byIds(P.communeCode, p?.codes ?? []));
      this.map.setFilter('perim-line', byIds(P.communeCode, p?.codes ?? []));
      this.map.setFilter('perim-overlap', byIds(P.communeCode, p?.overlaps ?? []));
      this.setOverlay('perimeter', p?.drawn ? [{ type: 'Feature', properties: {}, geometry: p.drawn }] : []);
    });
    this.setMarks('parts', (p?.parts ?? []).map((a) => ({ texte: String(a.numero), couleur: PERIMETER_EDGE, lng: a.lng, lat: a.lat })));
  }

  /** Communes added to and removed from a perimeter (DIFF_STYLE); empty lists clear it. */
  setDiff(d: { added: readonly string[]; removed: readonly string[] } | null): void {
    void this.ready.then(() => {
      for (const kind of ['added', 'removed'] as const) {
        const f = byIds(P.communeCode, d?.[kind] ?? []);
        for (const l of ['', '-line', '-label']) this.map.setFilter(`diff-${kind}${l}`, f);
      }
    });
  }

  /** The tiles of the map « as of » a day (null: today); the other layers do not change with the date. */
  setAsOf(date: string | null): void {
    if (date === this.asOf) return;
    this.asOf = date;
    void this.ready.then(() => this.applyTiles(DATED_SOURCES));
  }

  /** New tile URLs after a write (the data version in them changed): the map redraws what was written. */
  setTileUrls(layers: TileLayerInfo[]): void {
    const origin = window.location.origin;
    for (const l of layers) {
      if (TILE_LAYERS.includes(l.id as TileLayer)) this.undatedTiles.set(l.id, l.tiles.map((u) => (u.startsWith('/') ? origin + u : u)));
    }
    void this.ready.then(() => this.applyTiles(TILE_LAYERS));
  }

  private applyTiles(ids: readonly string[]): void {
    for (const id of ids) {
      const src = this.map.getSource<VectorTileSource>(id);
      if (!src) continue;
      const base = this.undatedTiles.get(id) ?? src.tiles;
      this.undatedTiles.set(id, base);
      const dated = this.asOf && (DATED_SOURCES as readonly string[]).includes(id);
      const next = base.map((u) => (dated ? `${u}${u.includes('?') ? '&' : '?'}date=${this.asOf}` : u));
      if (next.join() !== src.tiles.join()) src.setTiles(next);
    }
  }

  /** While a perimeter is checked, the fills of FADES_WHILE_CHECKING fade so that the proposal stands out. */
  setChecking(on: boolean): void {
    this.checking = on;
    // what the end-to-end tests (and a stylesheet) can see of the map's state
    this.map.getContainer().toggleAttribute('data-checking', on);
    void this.ready.then(() => {
      for (const [id, o] of Object.entries(FADES_WHILE_CHECKING)) {
        const drawn = id === 'communes-fill' ? this.shadingOpacity : o.drawn;
        this.map.setPaintProperty(id, 'fill-opacity', on ? o.checking : drawn);
      }
    });
  }

  /** The communes among `codes` found in the loaded tiles (a commune over several tiles comes in pieces). */
  loadedCommunes(codes: readonly string[]): GeoJSON.Feature[] {
    if (!codes.length || !this.map.getSource('communes')) return [];
    return whileTilesSettle(() => this.map.querySourceFeatures('communes', { sourceLayer: 'communes', filter: byIds(P.communeCode, codes) }));
  }

  setPoint(p: { lng: number; lat: number } | null): void {
    void this.ready.then(() => {
      this.setOverlay('point', p ? [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [p.lng, p.lat] } }] : []);
    });
  }

  /** An overlay's features, its source and layer added the first time it has some (OVERLAYS). */
  private setOverlay(id: keyof typeof OVERLAYS, features: GeoJSON.Feature[]): void {
    const data: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features };
    const src = this.map.getSource<GeoJSONSource>(id);
    if (src) src.setData(data);
    else if (features.length) {
      this.map.addSource(id, { type: 'geojson', data });
      for (const layer of OVERLAYS[id].layers) this.map.addLayer(layer, OVERLAYS[id].before);
    }
  }

  fitBounds(b: LngLatBoundsLike, maxZoom = 12, duration = 600): void {
    this.map.fitBounds(b, { padding: this.fitPadding(), maxZoom, duration });
  }

  /**
   * Room kept around what a fit frames: a margin, and on the right the map's width the legend and the zoom
   * buttons beside it cover when the legend is open (folded, as on a phone, it hides nothing); a map too small for
   * those margins gets a small even one rather than nothing in view.
   */
  private fitPadding(): { top: number; bottom: number; left: number; right: number } {
    const { clientWidth: w, clientHeight: h } = this.map.getContainer();
    const right = this.legendCover() + FIT_MARGIN;
    if (w - right - FIT_MARGIN >= 200 && h - 2 * FIT_MARGIN >= 150) return { top: FIT_MARGIN, bottom: FIT_MARGIN, left: FIT_MARGIN, right };
    const m = Math.round(Math.min(w, h) * 0.05);
    return { top: m, bottom: m, left: m, right: m };
  }

  /** How far from the map's right edge the open legend reaches (0 when folded). */
  private legendCover(): number {
    const body = this.map.getContainer().parentElement?.querySelector('.legend-body');
    const legend = body?.closest('.legend');
    if (legend) return Math.max(0, this.map.getContainer().getBoundingClientRect().right - legend.getBoundingClientRect().left);
    // the first fit comes before the legend is drawn: it will open on a wide window (Legend's default)
    return window.innerWidth > LEGEND_OPEN_MIN_WIDTH ? LEGEND_COVER : 0;
  }

  /** Flies to a point, zooming in to `zoom` at least (never out). */
  flyTo(lng: number, lat: number, zoom?: number): void {
    this.map.flyTo({ center: [lng, lat], zoom: Math.max(zoom ?? this.map.getZoom(), this.map.getZoom()), duration: 700 });
  }

  /** Centres on a point at zoom 12, in or out: its neighbouring communes and pharmacies in view, not a lone dot. */
  flyAround(lng: number, lat: number): void {
    this.map.flyTo({ center: [lng, lat], zoom: 12, duration: 700 });
  }

  jumpTo(v: MapViewState): void {
    this.map.jumpTo({ center: [v.lon, v.lat], zoom: v.zoom });
  }

  /** Properties of the features of a tile layer drawn in the current view (for the legend's notes). */
  renderedProperties(layer: 'cpts-fill' | 'overlaps-fill' | 'white-zones' | 'pharmacies' | 'structures'): Record<string, unknown>[] {
    if (!this.styleReady || !this.map.getLayer(layer)) return [];
    return whileTilesSettle(() => this.map.queryRenderedFeatures({ layers: [layer] })).map((f) => f.properties ?? {});
  }

  /**
   * A PNG of the current view, for the printable sheet: drawn again and read in the same task, as the drawing
   * buffer is not kept between frames (keeping it costs a copy of the whole canvas at every frame).
   */
  snapshot(): string {
    this.map.redraw();
    return this.map.getCanvas().toDataURL('image/png');
  }

  resize(): void {
    this.map.resize();
  }

  destroy(): void {
    this.map.remove();
  }
}

function layerOf(p: Pick): (typeof PICK_ORDER)[number] {
  const i = PICK_ORDER.findIndex((l) => l.startsWith(p.layer));
  return PICK_ORDER[i < 0 ? PICK_ORDER.length - 1 : i]!;
}
