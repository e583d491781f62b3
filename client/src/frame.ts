// Framing an answer on the map: what the panel talks about (a CPTS's communes, the structures it lists, the
// point asked about) all in view at once.
import { getCptsCommunes, search } from './api.js';
import { bboxOf } from './geometry.js';
import type { MapController } from './map.js';

type Lonlat = { lon: number; lat: number };

/**
 * The member communes of each CPTS, with their outlines (the tiles may not hold them: they can be out of view). A
 * CPTS whose communes have no outline (Marseille's arrondissements) is placed by the extent the search gives it.
 */
export async function cptsCommuneOutlines(cpts: readonly { id: string; nom: string }[], signal?: AbortSignal): Promise<GeoJSON.Feature[][]> {
  return Promise.all(
    cpts.map(async ({ id, nom }): Promise<GeoJSON.Feature[]> => {
      const fc = await getCptsCommunes(id, signal);
      const outlined = fc.features.filter((f) => f.geometry);
      if (outlined.length) return outlined;
      const hit = (await search(nom, signal)).find((h) => h.type === 'cpts' && h.id === id)?.emprise;
      return hit ? [{ type: 'Feature', properties: {}, geometry: { type: 'MultiPoint', coordinates: [[hit[0], hit[1]], [hit[2], hit[3]]] } }] : [];
    }),
  );
}

/** The outlines of the member communes of CPTS, all together. */
export async function cptsOutlines(cpts: readonly { id: string; nom: string }[], signal?: AbortSignal): Promise<GeoJSON.Geometry[]> {
  return (await cptsCommuneOutlines(cpts, signal)).flat().map((f) => f.geometry);
}

/** Fits the map to geometries and points, unless the request behind them was abandoned. */
export function frame(ctl: MapController, geoms: readonly GeoJSON.Geometry[], points: readonly (Lonlat | null | undefined)[], signal?: AbortSignal): void {
  if (signal?.aborted) return;
  const pts = points.filter((p): p is Lonlat => !!p).map((p) => [p.lon, p.lat]);
  const b = bboxOf([...geoms, { type: 'MultiPoint', coordinates: pts }]);
  // a lone point gets some surroundings (about 2 km around it)
  if (b) ctl.fitBounds([b[0] - 0.02, b[1] - 0.015, b[2] + 0.02, b[3] + 0.015], 12);
}
