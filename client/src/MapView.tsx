// The map panel: one MapController shared through a context, the layer switcher and the legend.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { TileLayerInfo } from './api.js';
import { Legend } from './Legend.js';
import { MapController, DEFAULT_VIEW, type Pick } from './map.js';
import { ALL_GROUPS, LayersCtx, MapCtx, useLayerState } from './map-state.js';
import { currentUrlView, formatMapView, parseMapView, useUrl } from './url.js';

export { ALL_GROUPS, useLayerState, useMap, useTileLayers } from './map-state.js';

export type ClickHandler = (lngLat: { lng: number; lat: number }, pick: Pick | undefined, all: Pick[]) => void;

/**
 * Who receives map clicks: the handler of highest priority (0 the app's popups, 1 a journey panel, 2 a mode such
 * as the perimeter check), the latest registered among equals. Priorities, not mount order: React runs a child's
 * effects before its parent's, so a mode opened from a link would otherwise register before its panel.
 */
export const CLICK_PRIORITY = { popup: 0, journey: 1, mode: 2 } as const;
const handlers: { current: ClickHandler; priority: number }[] = [];

function clickTarget(): { current: ClickHandler } | undefined {
  let best: (typeof handlers)[number] | undefined;
  for (const h of handlers) if (!best || h.priority >= best.priority) best = h;
  return best;
}

export function useMapClick(handler: ClickHandler, priority: number = CLICK_PRIORITY.journey): void {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    const entry = { current: (...a: Parameters<ClickHandler>) => ref.current(...a), priority };
    handlers.push(entry);
    return () => {
      const i = handlers.indexOf(entry);
      if (i >= 0) handlers.splice(i, 1);
    };
  }, [priority]);
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
  // the view the map itself last wrote to the URL: not a navigation to follow
  const written = useRef<string | null>(null);

  useEffect(() => {
    const fromUrl = parseMapView(currentUrlView());
    const c = new MapController(container.current!, fromUrl ?? DEFAULT_VIEW, basemapStyleUrl, tileLayers, { visible, shading });
    // without a view in the link, show the whole data set
    const bounds = tileLayers.find((l) => l.id === 'communes')?.bounds;
    if (!fromUrl && bounds) c.fitBounds(bounds, 22, 0);
    c.on({
      onMove: (v) => {
        written.current = formatMapView(v);
        setUrl({ m: written.current }, true);
      },
      onClick: (ll, pick, all) => clickTarget()?.current(ll, pick, all),
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

  // back/forward or a pasted link: follow the URL's view when it differs from the map's. Not the map's own
  // writes, nor a value the URL no longer holds (a render that came late on a busy page): either, reaching this
  // effect while the map is on its way elsewhere (a framing that started after the write), would jump the map
  // back and cancel that framing.
  const m = url.get('m');
  useEffect(() => {
    const v = parseMapView(m);
    if (!ctl || !v || m === written.current || m !== currentUrlView()) return;
    const c = ctl.map.getCenter();
    if (Math.abs(c.lat - v.lat) > 1e-3 || Math.abs(c.lng - v.lon) > 1e-3 || Math.abs(ctl.map.getZoom() - v.zoom) > 0.02) ctl.jumpTo(v);
  }, [ctl, m]);

  useEffect(() => {
    if (!ctl) return;
    for (const g of ALL_GROUPS) ctl.setVisible(g, visible[g]);
    ctl.setShading(shading);
  }, [ctl, shading, ...ALL_GROUPS.map((g) => visible[g])]); // eslint-disable-line react-hooks/exhaustive-deps

  return (
    <MapCtx.Provider value={ctl}>
      <LayersCtx.Provider value={tileLayers}>
        {header}
        <main className="layout">
          <section className="panel" id="contenu" tabIndex={-1} aria-label="Parcours et résultats">
            {children}
          </section>
          <section className="map-area" aria-label="Carte interactive">
            <div className="map-host" ref={container} data-testid="map" />
            {ctl && <Legend />}
          </section>
        </main>
      </LayersCtx.Provider>
    </MapCtx.Provider>
  );
}
