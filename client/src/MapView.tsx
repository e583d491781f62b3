// The map panel: one MapController shared through a context, the layer switcher and the legend.
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import type { TileLayerInfo } from './api.js';
import { MapController, DEFAULT_VIEW, type Pick, type LayerGroup, type Shading } from './map.js';
import { formatMapView, parseMapView, useUrl } from './url.js';
import { Legend } from './Legend.js';

const Ctx = createContext<MapController | null>(null);
const LayersCtx = createContext<TileLayerInfo[]>([]);

/** The tile layers as the server describes them (with their data sources). */
export function useTileLayers(): TileLayerInfo[] {
  return useContext(LayersCtx);
}

/** The map controller, once created (null during the first render). */
export function useMap(): MapController | null {
  return useContext(Ctx);
}

export type ClickHandler = (lngLat: { lng: number; lat: number }, pick: Pick | undefined, all: Pick[]) => void;

// The innermost mounted component that registered a click handler receives map clicks.
const handlers: { current: ClickHandler }[] = [];

export function useMapClick(handler: ClickHandler): void {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    const entry = { current: (...a: Parameters<ClickHandler>) => ref.current(...a) };
    handlers.push(entry);
    return () => {
      const i = handlers.indexOf(entry);
      if (i >= 0) handlers.splice(i, 1);
    };
  }, []);
}

export const ALL_GROUPS: LayerGroup[] = ['communes', 'cpts', 'overlaps', 'whiteZones', 'structures', 'pharmacies'];
/** Shown when the link names no layers; white zones are switched on by the ARS journey's tab or by the user. */
const DEFAULT_ON: LayerGroup[] = ['communes', 'cpts', 'overlaps', 'structures', 'pharmacies'];

/** The visible layer groups and the commune shading live in the URL too (`calques=`, `fond=`). */
export function useLayerState(): { visible: Record<LayerGroup, boolean>; shading: Shading; setVisible: (g: LayerGroup, on: boolean) => void } {
  const [url, setUrl] = useUrl();
  const list = url.get('calques');
  const on = new Set(list === null ? DEFAULT_ON : list.split(',').filter(Boolean));
  const visible = Object.fromEntries(ALL_GROUPS.map((g) => [g, on.has(g)])) as Record<LayerGroup, boolean>;
  const f = url.get('fond');
  const shading: Shading = f === 'population' || f === 'none' ? f : 'density';
  const setVisible = (g: LayerGroup, v: boolean) => {
    const next = ALL_GROUPS.filter((x) => (x === g ? v : on.has(x)));
    const same = next.length === DEFAULT_ON.length && next.every((x) => DEFAULT_ON.includes(x));
    setUrl({ calques: same ? null : next.join(',') || 'aucun' }, true);
  };
  return { visible, shading, setVisible };
}

/** Header on top, the journey panel on the left, the map (with its legend) on the right. */
export function MapLayout({
  basemapStyleUrl,
  tileLayers,
  header,
  children,
}: {
  basemapStyleUrl: string | null;
  tileLayers: TileLayerInfo[];
  header: ReactNode;
  children: ReactNode;
}) {
  const [ctl, setCtl] = useState<MapController | null>(null);
  const container = useRef<HTMLDivElement | null>(null);
  const [url, setUrl] = useUrl();
  const { visible, shading } = useLayerState();

  useEffect(() => {
    const fromUrl = parseMapView(new URLSearchParams(window.location.hash.slice(1)).get('m'));
    const c = new MapController(container.current!, fromUrl ?? DEFAULT_VIEW, basemapStyleUrl, tileLayers);
    // without a view in the link, show the whole data set
    const bounds = tileLayers.find((l) => l.id === 'communes')?.bounds;
    if (!fromUrl && bounds) c.map.fitBounds(bounds, { padding: { top: 30, bottom: 30, left: 30, right: 340 }, duration: 0 });
    c.on({
      onMove: (v) => setUrl({ m: formatMapView(v) }, true),
      onClick: (ll, pick, all) => handlers[handlers.length - 1]?.current(ll, pick, all),
    });
    setCtl(c);
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(container.current!);
    return () => {
      ro.disconnect();
      c.destroy();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [basemapStyleUrl]);

  // back/forward or a pasted link: follow the URL's view when it differs from the map's
  const m = url.get('m');
  useEffect(() => {
    const v = parseMapView(m);
    if (!ctl || !v) return;
    const c = ctl.map.getCenter();
    if (Math.abs(c.lat - v.lat) > 1e-3 || Math.abs(c.lng - v.lon) > 1e-3 || Math.abs(ctl.map.getZoom() - v.zoom) > 0.02) ctl.jumpTo(v);
  }, [ctl, m]);

  useEffect(() => {
    if (!ctl) return;
    for (const g of ALL_GROUPS) ctl.setVisible(g, visible[g]);
    ctl.setShading(shading);
  }, [ctl, shading, ...ALL_GROUPS.map((g) => visible[g])]); // eslint-disable-line react-hooks/exhaustive-deps

  return (
    <Ctx.Provider value={ctl}>
      <LayersCtx.Provider value={tileLayers}>
        {header}
        <main className="layout">
          <section className="panel" aria-label="Panneau">
            {children}
          </section>
          <section className="map-area" aria-label="Carte">
            <div className="map-host" ref={container} data-testid="map" />
            {ctl && <Legend />}
          </section>
        </main>
      </LayersCtx.Provider>
    </Ctx.Provider>
  );
}
