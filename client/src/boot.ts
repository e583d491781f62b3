// What the map needs to be created: the configuration (basemap) and the tile layers' description. The page the
// server sends carries both (server/src/api/page.ts), read here without a round trip; otherwise (the vite dev
// server, /index.html) they are asked for as any client would.
import type { BOOT_ELEMENT_ID as SERVER_BOOT_ELEMENT_ID } from '../../server/src/api/contract/system.js';
import { ApiError, getConfig, getTileLayers, type AppConfig, type TileLayerInfo, type TileLayers } from './api.js';

export interface Boot {
  basemap: string | null;
  layers: TileLayerInfo[];
  error?: string;
}

/** The element server/src/api/page.ts writes: typed by the server's constant (a value import would bundle zod). */
const BOOT_ELEMENT_ID: typeof SERVER_BOOT_ELEMENT_ID = 'boot-data';

/** The page's boot data, if it carries any (read once: the map is created once). */
export function embeddedBoot(): Boot | undefined {
  const el = document.getElementById(BOOT_ELEMENT_ID);
  if (!el?.textContent) return undefined;
  el.remove();
  try {
    const { config, layers } = JSON.parse(el.textContent) as { config: AppConfig; layers: TileLayers };
    return { basemap: config.styleFondDeCarte, layers: layers.couches };
  } catch {
    return undefined;
  }
}

/** The map works without the config (no basemap); without the layer list it falls back to the default tile URLs. */
export async function fetchBoot(): Promise<Boot> {
  const [c, l] = await Promise.allSettled([getConfig(), getTileLayers()]);
  return {
    basemap: c.status === 'fulfilled' ? c.value.styleFondDeCarte : null,
    layers: l.status === 'fulfilled' ? l.value.couches : [],
    error: l.status === 'rejected' ? (l.reason instanceof ApiError ? l.reason.message : 'La description des couches est indisponible.') : undefined,
  };
}
