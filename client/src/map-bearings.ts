// Bearings on the map: département and région outlines and the names of régions, départements, CPTS and communes,
// from the app's own tiles (layers `limites` and `etiquettes`, server/src/tiles/layers.ts) with the glyphs it serves
// (assets/glyphs); and MapLibre's controls in French.
import type { ExpressionSpecification, LayerSpecification } from 'maplibre-gl';

/** Fonts the server has (assets/glyphs): every text layer uses one of these. */
export const FONT_REGULAR = ['Noto Sans Regular'];
export const FONT_MEDIUM = ['Noto Sans Medium'];
export const glyphsUrl = (origin: string) => `${origin}/glyphs/{fontstack}/{range}.pbf`;

/**
 * Asks for the glyphs of Latin names (U+0000–U+00FF) of both fonts as the map is created, into the HTTP cache:
 * MapLibre asks for them only once the tile worker has read the first names, which then wait for them.
 */
export function prefetchGlyphs(origin: string): void {
  for (const font of [FONT_REGULAR, FONT_MEDIUM]) {
    const url = glyphsUrl(origin).replace('{fontstack}', encodeURIComponent(font.join(','))).replace('{range}', '0-255');
    fetch(url).catch(() => undefined);
  }
}

const isLevel = (niveau: string): ExpressionSpecification => ['==', ['get', 'niveau'], niveau];
const isNature = (nature: string): ExpressionSpecification => ['==', ['get', 'nature'], nature];

/** Outlines, drawn over the shading and under the highlights: départements thin, régions thicker. */
export const OUTLINE_LAYERS: LayerSpecification[] = [
  {
    id: 'limites-departements',
    type: 'line',
    source: 'limites',
    'source-layer': 'limites',
    filter: isLevel('departement'),
    layout: { 'line-join': 'round' },
    paint: { 'line-color': '#4d4d4d', 'line-width': ['interpolate', ['linear'], ['zoom'], 5, 0.6, 10, 1.6], 'line-dasharray': [3, 1.5] },
  },
  {
    id: 'limites-regions',
    type: 'line',
    source: 'limites',
    'source-layer': 'limites',
    filter: isLevel('region'),
    layout: { 'line-join': 'round' },
    paint: { 'line-color': '#2b2b2b', 'line-width': ['interpolate', ['linear'], ['zoom'], 5, 1.2, 10, 2.6] },
  },
];

const HALO = { 'text-halo-color': 'rgba(255,255,255,0.9)', 'text-halo-width': 1.4 };

/**
 * Names, on top of everything; placed from the top of this list down, so a région or a département name wins over a
 * CPTS name, which wins over communes; among communes the most populated first. The server decides which names a
 * zoom holds (server/src/domain/labels.ts).
 */
export const LABEL_LAYERS: LayerSpecification[] = [
  {
    id: 'etiquettes-communes',
    type: 'symbol',
    source: 'etiquettes',
    'source-layer': 'etiquettes',
    filter: isNature('commune'),
    layout: {
      'text-field': ['get', 'nom'],
      'text-font': FONT_REGULAR,
      'text-size': ['interpolate', ['linear'], ['coalesce', ['get', 'population'], 0], 0, 11, 20000, 12.5, 200000, 15],
      'symbol-sort-key': ['-', 0, ['coalesce', ['get', 'population'], 0]],
      'text-max-width': 8,
      'text-padding': 3,
    },
    paint: { 'text-color': '#1f1f1f', ...HALO },
  },
  {
    id: 'etiquettes-cpts',
    type: 'symbol',
    source: 'etiquettes',
    'source-layer': 'etiquettes',
    filter: isNature('cpts'),
    layout: { 'text-field': ['get', 'nom'], 'text-font': FONT_MEDIUM, 'text-size': 12, 'text-max-width': 9, 'text-padding': 6 },
    paint: { 'text-color': '#3f1d5c', ...HALO },
  },
  {
    id: 'etiquettes-departements',
    type: 'symbol',
    source: 'etiquettes',
    'source-layer': 'etiquettes',
    filter: isNature('departement'),
    layout: { 'text-field': ['get', 'nom'], 'text-font': FONT_MEDIUM, 'text-size': 13, 'text-max-width': 8, 'text-letter-spacing': 0.05 },
    paint: { 'text-color': '#3a3a3a', ...HALO, 'text-halo-width': 2 },
  },
  {
    id: 'etiquettes-regions',
    type: 'symbol',
    source: 'etiquettes',
    'source-layer': 'etiquettes',
    filter: isNature('region'),
    layout: {
      'text-field': ['get', 'nom'],
      'text-font': FONT_MEDIUM,
      'text-size': 15,
      'text-transform': 'uppercase',
      'text-letter-spacing': 0.12,
      'text-max-width': 10,
    },
    paint: { 'text-color': '#262626', ...HALO, 'text-halo-width': 2 },
  },
];

/** The first label layer: an online or offline basemap's own names go under it. */
export const FIRST_LABEL_LAYER = LABEL_LAYERS[0]!.id;

/** MapLibre's user-interface strings in French (controls, popup, gestures). */
export const FRENCH_LOCALE: Record<string, string> = {
  'AttributionControl.ToggleAttribution': 'Afficher ou masquer les sources',
  'AttributionControl.MapFeedback': 'Signaler un problème sur la carte',
  'FullscreenControl.Enter': 'Plein écran',
  'FullscreenControl.Exit': 'Quitter le plein écran',
  'GeolocateControl.FindMyLocation': 'Me localiser',
  'GeolocateControl.LocationNotAvailable': 'Position indisponible',
  'LogoControl.Title': 'Logo MapLibre',
  'Map.Title': 'Carte',
  'Marker.Title': 'Repère sur la carte',
  'NavigationControl.ResetBearing': 'Remettre le nord en haut',
  'NavigationControl.ZoomIn': 'Zoomer',
  'NavigationControl.ZoomOut': 'Dézoomer',
  'Popup.Close': 'Fermer la fenêtre',
  'ScaleControl.Feet': 'pi',
  'ScaleControl.Meters': 'm',
  'ScaleControl.Kilometers': 'km',
  'ScaleControl.Miles': 'mi',
  'ScaleControl.NauticalMiles': 'M',
  'GlobeControl.Enable': 'Afficher en globe',
  'GlobeControl.Disable': 'Afficher à plat',
  'TerrainControl.Enable': 'Afficher le relief',
  'TerrainControl.Disable': 'Masquer le relief',
  'CooperativeGesturesHandler.WindowsHelpText': 'Ctrl + molette pour zoomer sur la carte',
  'CooperativeGesturesHandler.MacHelpText': '⌘ + molette pour zoomer sur la carte',
  'CooperativeGesturesHandler.MobileHelpText': 'Deux doigts pour déplacer la carte',
};
