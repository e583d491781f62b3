// The map: an offline MapLibre style built here from the API's vector tiles (no remote tiles, fonts or glyphs,
// hence no text layers: names are shown in panels), plus imperative helpers the journeys call (highlight, fit, fly).
import {
  Map as MlMap,
  NavigationControl,
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
} from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import type { TileLayerInfo } from './api.js';
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
export const DENSITY_SECRET = { color: '#d8d2c4', label: 'non publiée (moins de 6 médecins)' };
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
const STATUS_STROKES: Record<CptsStatut, { dash: number[]; width: number }> = {
  'aci-signe': { dash: [1, 0], width: 2.5 },
  'en-fonctionnement': { dash: [1, 0], width: 1.5 },
  projet: { dash: [4, 2], width: 1.5 },
  'pre-projet': { dash: [1, 2], width: 1.5 },
  'non-renseigne': { dash: [2, 2], width: 1 },
};
export const STATUSES = CPTS_STATUTS.map((id) => ({ id, label: CPTS_STATUT_LIBELLES[id], ...STATUS_STROKES[id] }));

const STRUCTURE_COLORS: Record<StructureType, string> = { msp: '#1b9e77', csp: '#d95f02', esp: '#7570b3', siege_cpts: '#e7298a', autre: '#666666' };
export const STRUCTURE_TYPES = STRUCTURE_TYPES_CODES.map((id) => ({ id, color: STRUCTURE_COLORS[id], label: STRUCTURE_TYPE_LIBELLES[id] }));

/** The pharmacy status computed by the server (tiles and pharmacies API): label, what it means, colour. */
const PHARMACY_COLORS: Record<PharmacyStatus, string> = {
  membre: '#1a9850',
  'couverte-sans-adhesion': '#f4a11d',
  'zone-blanche': '#b2182b',
  'commune-inconnue': '#8c8c8c',
};
export const PHARMACY_STATUSES = PHARMACY_STATUS_CODES.map((id) => ({
  id,
  color: PHARMACY_COLORS[id],
  label: PHARMACY_STATUS_DEFINITIONS[id],
  short: PHARMACY_STATUS_LIBELLES[id],
}));

const OVERLAP_COLOR = '#d7191c';
/**
 * Separate parts of a checked perimeter: the first part blue, the others in contrasting colours; orange comes late,
 * as the hatching of communes outside any CPTS (often switched on, and most of the map) is orange.
 */
export const PART_COLORS = ['#2b83ba', '#5e3c99', '#1a9641', '#d01c8b', '#e66101', '#a6611a'];
const HILITE = '#ffd84d';

// ---------------------------------------------------------------------------------------------------------------
// Tile property names (server/src/api/tiles.ts)

export const P = {
  communeCode: 'code',
  communeName: 'nom',
  population: 'population',
  gp: 'gp',
  density: 'gp_density',
  densitySecret: 'gp_secret',
  white: 'white',
  zone: 'zone',
  cptsId: 'id',
  cptsBand: 'band',
  cptsStatus: 'statut',
  cptsPerimeter: 'perimetre',
  cptsInOverlap: 'in_overlap',
  structureId: 'finess',
  structureType: 'type',
  pharmacyId: 'finess',
  pharmacyStatus: 'status',
} as const;

const TILE_LAYERS = ['communes', 'cpts', 'overlaps', 'structures', 'pharmacies'] as const;
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

const pharmacyColor = [
  'match',
  ['get', P.pharmacyStatus],
  ...PHARMACY_STATUSES.flatMap((s) => [s.id, s.color]),
  '#999999',
] as unknown as ExpressionSpecification;

const NONE: FilterSpecification = ['==', ['literal', 1], 0];
const byIds = (prop: string, ids: readonly string[]): FilterSpecification =>
  ids.length ? ['in', ['to-string', ['get', prop]], ['literal', [...ids]]] : NONE;

/**
 * The style: one vector source per tile layer, as /tiles/layers.json describes it (versioned URLs, zooms, bounds);
 * tile URLs are made absolute (the workers fetch them).
 */
export function buildStyle(origin: string, shading: Shading, tileLayers: TileLayerInfo[]): StyleSpecification {
  const sources: StyleSpecification['sources'] = {};
  for (const l of TILE_LAYERS) {
    const info = tileLayers.find((t) => t.id === l);
    sources[l] = {
      type: 'vector',
      tiles: (info?.tiles ?? [`/tiles/${l}/{z}/{x}/{y}.mvt`]).map((u) => (u.startsWith('/') ? origin + u : u)),
      // pharmacies from zoom 6 (the server suggests 7): a département or a region then shows them
      minzoom: l === 'pharmacies' ? Math.min(info?.minzoom ?? 6, 6) : (info?.minzoom ?? 0),
      maxzoom: Math.min(info?.maxzoom ?? 14, 14),
      ...(info?.bounds ? { bounds: info.bounds } : {}),
      ...(info?.promoteId ? { promoteId: info.promoteId } : {}),
    };
  }
  const empty = { type: 'geojson' as const, data: { type: 'FeatureCollection' as const, features: [] } };
  sources.perimeter = empty;
  sources.point = empty;

  const layers: LayerSpecification[] = [
    { id: 'background', type: 'background', paint: { 'background-color': '#e8eef1' } },
    {
      id: 'communes-fill',
      type: 'fill',
      source: 'communes',
      'source-layer': 'communes',
      paint: { 'fill-color': communeFill(shading), 'fill-opacity': 0.85 },
    },
    {
      id: 'white-zones',
      type: 'fill',
      source: 'communes',
      'source-layer': 'communes',
      filter: ['==', ['get', P.white], true],
      paint: { 'fill-pattern': 'hatch-white' },
    },
    {
      id: 'communes-line',
      type: 'line',
      source: 'communes',
      'source-layer': 'communes',
      paint: { 'line-color': '#8a8a8a', 'line-width': ['interpolate', ['linear'], ['zoom'], 6, 0.1, 10, 0.6, 13, 1] },
    },
    {
      id: 'cpts-fill',
      type: 'fill',
      source: 'cpts',
      'source-layer': 'cpts',
      paint: {
        'fill-color': ['match', ['get', P.cptsBand], ...BANDS.flatMap((b) => [b.id, b.color]), '#cccccc'] as unknown as ExpressionSpecification,
        'fill-opacity': 0.35,
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
        'line-width': ['match', ['get', P.cptsStatus], 'aci-signe', 3, 2] as unknown as ExpressionSpecification,
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
    // the perimeter being checked: member communes coloured by separate part, overlaps hatched, drawn polygon dashed
    {
      id: 'perim-fill',
      type: 'fill',
      source: 'communes',
      'source-layer': 'communes',
      filter: NONE,
      paint: { 'fill-color': PART_COLORS[0]!, 'fill-opacity': 0.6 },
    },
    {
      id: 'perim-line',
      type: 'line',
      source: 'communes',
      'source-layer': 'communes',
      filter: NONE,
      paint: { 'line-color': '#0b3c68', 'line-width': 1.5 },
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
      id: 'perimeter-drawn',
      type: 'line',
      source: 'perimeter',
      paint: { 'line-color': '#111111', 'line-width': 2.5, 'line-dasharray': [2, 1] },
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
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 6, 1.6, 10, 3.5, 14, 6],
        'circle-stroke-color': '#333333',
        'circle-stroke-width': ['interpolate', ['linear'], ['zoom'], 6, 0, 10, 0.6],
      },
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
    {
      id: 'point',
      type: 'circle',
      source: 'point',
      paint: { 'circle-color': '#111111', 'circle-radius': 6, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 3 },
    },
  ];
  return { version: 8, name: 'cpts-territoires', sources, layers };
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

/** A diagonal hatch drawn on a canvas (no image download): for overlaps and communes outside any CPTS. */
function hatch(color: string, bg: string, size = 8, width = 2): { width: number; height: number; data: Uint8Array } {
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
export class MapController {
  readonly map: MlMap;
  private ready: Promise<void>;
  /** The style has loaded once (tiles may still be loading: queries then see what is drawn so far). */
  private styleReady = false;
  private events: MapEvents = {};
  private shading: Shading = 'density';

  constructor(container: HTMLElement, view: MapViewState, basemapStyleUrl: string | null, tileLayers: TileLayerInfo[]) {
    this.map = new MlMap({
      container,
      style: buildStyle(window.location.origin, this.shading, tileLayers),
      center: [view.lon, view.lat],
      zoom: view.zoom,
      attributionControl: { compact: true, customAttribution: 'Données : INSEE, IGN, DREES (FINESS), ARS — voir les sources dans les panneaux' },
      maplibreLogo: false,
      dragRotate: false,
      pitchWithRotate: false,
      touchPitch: false,
      canvasContextAttributes: { preserveDrawingBuffer: true },
    });
    this.map.touchZoomRotate.disableRotation();
    this.map.keyboard.enable();
    this.map.addControl(new NavigationControl({ showCompass: false }), 'top-right');
    this.map.addControl(new ScaleControl({ unit: 'metric' }), 'bottom-left');
    this.map.getCanvas().setAttribute('aria-label', 'Carte interactive : cliquez sur un élément pour le détailler');
    // patterns drawn here, on demand: the style has no sprite
    this.map.setMissingStyleImageResolver((id) => {
      if (this.map.hasImage(id)) return;
      if (id === 'hatch-red') this.map.addImage(id, hatch(OVERLAP_COLOR, 'rgba(215,25,28,0.12)'));
      if (id === 'hatch-white') this.map.addImage(id, hatch('rgba(230,110,0,0.95)', 'rgba(255,255,255,0.25)', 7, 1.2));
    });
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
    const feats = this.map.queryRenderedFeatures(bbox, { layers: [...layers] });
    const picks = feats.map((f) => ({ layer: f.source as Pick['layer'], properties: f.properties ?? {}, feature: f }));
    return picks.sort((a, b) => PICK_ORDER.indexOf(layerOf(a)) - PICK_ORDER.indexOf(layerOf(b)));
  }

  /** An online basemap (optional, configured on the server) goes under everything. */
  private async addBasemap(url: string): Promise<void> {
    try {
      const res = await fetch(url);
      const base = (await res.json()) as StyleSpecification;
      await this.ready;
      for (const [id, src] of Object.entries(base.sources)) if (!this.map.getSource(`base-${id}`)) this.map.addSource(`base-${id}`, src);
      if (base.glyphs) this.map.setGlyphs(base.glyphs);
      if (base.sprite && typeof base.sprite === 'string') this.map.setSprite(base.sprite);
      for (const l of base.layers) {
        const layer = { ...l, id: `base-${l.id}` } as LayerSpecification & { source?: string };
        if ('source' in l && typeof l.source === 'string') layer.source = `base-${l.source}`;
        if (l.type === 'background') continue;
        this.map.addLayer(layer as LayerSpecification, 'communes-fill');
      }
      this.map.setPaintProperty('communes-fill', 'fill-opacity', 0.55);
    } catch {
      // the offline map stays usable; the legend does not mention a basemap that failed
    }
  }

  async whenReady(): Promise<void> {
    await this.ready;
  }

  setVisible(group: LayerGroup, visible: boolean): void {
    void this.ready.then(() => {
      for (const id of GROUP_LAYERS[group]) this.map.setLayoutProperty(id, 'visibility', visible ? 'visible' : 'none');
    });
  }

  setShading(s: Shading): void {
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

  highlightPharmacies(ids: readonly string[]): void {
    void this.ready.then(() => this.map.setFilter('points-hl', byIds(P.pharmacyId, ids)));
  }

  highlightStructures(ids: readonly string[]): void {
    void this.ready.then(() => this.map.setFilter('structures-hl', byIds(P.structureId, ids)));
  }

  /**
   * The perimeter being checked, drawn from the commune tiles: `parts` gives each member commune its part number
   * (1, 2, …), `overlaps` the members already in another CPTS; `drawn` an uploaded polygon.
   */
  setPerimeter(p: { parts: Map<string, number>; overlaps: readonly string[]; drawn?: GeoJSON.Geometry | null } | null): void {
    void this.ready.then(() => {
      const codes = p ? [...p.parts.keys()] : [];
      this.map.setFilter('perim-fill', byIds(P.communeCode, codes));
      this.map.setFilter('perim-line', byIds(P.communeCode, codes));
      this.map.setFilter('perim-overlap', byIds(P.communeCode, p?.overlaps ?? []));
      const byPart = new Map<number, string[]>();
      for (const [code, part] of p?.parts ?? []) byPart.set(part, [...(byPart.get(part) ?? []), code]);
      const color =
        byPart.size > 1
          ? ([
              'match',
              ['to-string', ['get', P.communeCode]],
              ...[...byPart].flatMap(([part, cs]) => [cs, PART_COLORS[(part - 1) % PART_COLORS.length]!]),
              PART_COLORS[0]!,
            ] as unknown as ExpressionSpecification)
          : PART_COLORS[0]!;
      this.map.setPaintProperty('perim-fill', 'fill-color', color);
      (this.map.getSource('perimeter') as GeoJSONSource).setData({
        type: 'FeatureCollection',
        features: p?.drawn ? [{ type: 'Feature', properties: {}, geometry: p.drawn }] : [],
      });
    });
  }

  /** The extent of the communes among `codes` found in the loaded tiles (undefined if none is loaded). */
  loadedExtent(codes: readonly string[]): [number, number, number, number] | undefined {
    if (!codes.length || !this.map.getSource('communes')) return undefined;
    const feats = this.map.querySourceFeatures('communes', { sourceLayer: 'communes', filter: byIds(P.communeCode, codes) });
    return bboxOf(feats.map((f) => f.geometry));
  }

  setPoint(p: { lng: number; lat: number } | null): void {
    void this.ready.then(() => {
      (this.map.getSource('point') as GeoJSONSource).setData({
        type: 'FeatureCollection',
        features: p ? [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [p.lng, p.lat] } }] : [],
      });
    });
  }

  fitBounds(b: LngLatBoundsLike, maxZoom = 12): void {
    this.map.fitBounds(b, { padding: { top: 48, bottom: 48, left: 48, right: this.legendWidth() + 60 }, maxZoom, duration: 600 });
  }

  /** The legend floats over the right of the map: fits keep what they frame clear of it. */
  private legendWidth(): number {
    const el = this.map.getContainer().parentElement?.querySelector('.legend-body');
    return el ? (el as HTMLElement).offsetWidth : 0;
  }

  /** Flies to a point, zooming in to `zoom` at least (never out). */
  flyTo(lng: number, lat: number, zoom?: number): void {
    this.map.flyTo({ center: [lng, lat], zoom: Math.max(zoom ?? this.map.getZoom(), this.map.getZoom()), duration: 700 });
  }

  jumpTo(v: MapViewState): void {
    this.map.jumpTo({ center: [v.lon, v.lat], zoom: v.zoom });
  }

  /** Properties of the features of a tile layer drawn in the current view (for the legend's notes). */
  renderedProperties(layer: 'cpts-fill' | 'overlaps-fill' | 'white-zones' | 'pharmacies' | 'structures'): Record<string, unknown>[] {
    if (!this.styleReady || !this.map.getLayer(layer)) return [];
    return this.map.queryRenderedFeatures({ layers: [layer] }).map((f) => f.properties ?? {});
  }

  /** A PNG of the current view, for the printable sheet. */
  snapshot(): string {
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

/** [west, south, east, north] of GeoJSON geometries; undefined when there is no coordinate. */
export function bboxOf(geoms: readonly (GeoJSON.Geometry | null | undefined)[]): [number, number, number, number] | undefined {
  let w = Infinity;
  let so = Infinity;
  let e = -Infinity;
  let n = -Infinity;
  const walk = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') {
      const [x, y] = c as number[];
      if (x! < w) w = x!;
      if (x! > e) e = x!;
      if (y! < so) so = y!;
      if (y! > n) n = y!;
    } else if (Array.isArray(c)) for (const x of c) walk(x);
  };
  for (const g of geoms) {
    if (!g) continue;
    if (g.type === 'GeometryCollection') g.geometries.forEach((x) => walk('coordinates' in x ? x.coordinates : []));
    else walk(g.coordinates);
  }
  return Number.isFinite(w) ? [w, so, e, n] : undefined;
}
