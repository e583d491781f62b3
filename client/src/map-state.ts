// The map's shared state: the controller and the tile layers (provided by MapLayout in MapView.tsx), and the
// visible layer groups and shading, which live in the URL. Apart from MapView.tsx so that the legend, which
// MapView renders, reads them without importing MapView back.
import { createContext, useContext } from 'react';
import type { TileLayerInfo } from './api.js';
import type { LayerGroup, MapController, Shading } from './map.js';
import { useUrl } from './url.js';

export const MapCtx = createContext<MapController | null>(null);
export const LayersCtx = createContext<TileLayerInfo[]>([]);

/** The tile layers as the server describes them (with their data sources). */
export function useTileLayers(): TileLayerInfo[] {
  return useContext(LayersCtx);
}

/** The map controller, once created (null during the first render). */
export function useMap(): MapController | null {
  return useContext(MapCtx);
}

export const ALL_GROUPS: LayerGroup[] = ['communes', 'cpts', 'overlaps', 'whiteZones', 'structures', 'pharmacies'];
/** Shown when the link names no layers; white zones are switched on by the ARS journey's tab or by the user. */
const DEFAULT_ON: LayerGroup[] = ['communes', 'cpts', 'overlaps', 'structures', 'pharmacies'];

/**
 * The commune shading by default: none in the ARS planner, whose CPTS size bands must stay readable (the user may
 * switch the density on), the GP density elsewhere.
 */
const defaultShading = (journey: string | null): Shading => (journey === 'ars' ? 'none' : 'density');

/** The visible layer groups and the commune shading live in the URL too (`calques=`, `fond=`). */
export function useLayerState(): {
  visible: Record<LayerGroup, boolean>;
  shading: Shading;
  setVisible: (g: LayerGroup, on: boolean) => void;
  setShading: (s: Shading) => void;
} {
  const [url, setUrl] = useUrl();
  const list = url.get('calques');
  const on = new Set(list === null ? DEFAULT_ON : list.split(',').filter(Boolean));
  const visible = Object.fromEntries(ALL_GROUPS.map((g) => [g, on.has(g)])) as Record<LayerGroup, boolean>;
  const f = url.get('fond');
  const byDefault = defaultShading(url.get('j'));
  const shading: Shading = f === 'population' || f === 'none' || f === 'density' ? f : byDefault;
  const setVisible = (g: LayerGroup, v: boolean) => {
    const next = ALL_GROUPS.filter((x) => (x === g ? v : on.has(x)));
    const same = next.length === DEFAULT_ON.length && next.every((x) => DEFAULT_ON.includes(x));
    setUrl({ calques: same ? null : next.join(',') || 'aucun' }, true);
  };
  const setShading = (s: Shading) => setUrl({ fond: s === byDefault ? null : s }, true);
  return { visible, shading, setVisible, setShading };
}
