// The map panel: one MapController shared through a context, the layer switcher and the legend.
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { MapController, DEFAULT_VIEW, type Pick, type LayerGroup, type Shading } from './map.js';
import { formatMapView, parseMapView, useUrl } from './url.js';
import { Legend } from './Legend.js';

const Ctx = createContext<MapController | null>(null);

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

export const ALL_GROUPS: LayerGroup[] = ['communes', 'whiteZones', 'cpts', 'overlaps', 'structures', 'pharmacies'];

/** Hidden layer groups and the commune shading live in the URL too (`off=`, `fond=`). */
export function useLayerState(): { visible: Record<LayerGroup, boolean>; shading: Shading } {
  const [url] = useUrl();
  const off = new Set((url.get('off') ?? '').split(',').filter(Boolean));
  const visible = Object.fromEntries(ALL_GROUPS.map((g) => [g, !off.has(g)])) as Record<LayerGroup, boolean>;
  const f = url.get('fond');
  const shading: Shading = f === 'population' || f === 'none' ? f : 'density';
  return { visible, shading };
}

/** Header on top, the journey panel on the left, the map (with its legend) on the right. */
export function MapLayout({ basemapStyleUrl, header, children }: { basemapStyleUrl: string | null; header: ReactNode; children: ReactNode }) {
  const [ctl, setCtl] = useState<MapController | null>(null);
  const container = useRef<HTMLDivElement | null>(null);
  const [url, setUrl] = useUrl();
  const { visible, shading } = useLayerState();

  useEffect(() => {
    const view = parseMapView(new URLSearchParams(window.location.hash.slice(1)).get('m')) ?? DEFAULT_VIEW;
    const c = new MapController(container.current!, view, basemapStyleUrl);
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
    </Ctx.Provider>
  );
}
