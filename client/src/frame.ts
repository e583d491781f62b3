// Framing an answer on the map: what the panel talks about (a CPTS's communes, the structures it lists, the
// point asked about) all in view at once, and where to name what is framed.
import { getCptsCommunes, search } from './api.js';
import { bboxOf, type MapController } from './map.js';

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

type Ring = GeoJSON.Position[];

/** The polygons of a geometry, as lists of rings. */
const polygonsOf = (g: GeoJSON.Geometry): Ring[][] => (g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : []);

/** Planar area of a ring (degrees², enough to compare communes with each other). */
const ringArea = (r: Ring) => Math.abs(r.reduce((s, p, i) => s + p[0]! * r[(i + 1) % r.length]![1]! - r[(i + 1) % r.length]![0]! * p[1]!, 0)) / 2;

/**
 * A point inside a polygon, away from its edges on its middle latitude: the middle of the widest stretch of that
 * line inside it (its holes left out), as PostGIS's ST_PointOnSurface does.
 */
export function interiorPoint(rings: Ring[]): { lng: number; lat: number } | undefined {
  const b = bboxOf([{ type: 'Polygon', coordinates: rings }]);
  if (!b) return undefined;
  const y = (b[1] + b[3]) / 2;
  const xs: number[] = [];
  for (const r of rings) {
    r.forEach((p, i) => {
      const q = r[(i + 1) % r.length]!;
      if (p[1]! > y !== q[1]! > y) xs.push(p[0]! + ((y - p[1]!) / (q[1]! - p[1]!)) * (q[0]! - p[0]!));
    });
  }
  xs.sort((m, n) => m - n);
  let best: [number, number] | undefined;
  for (let i = 0; i + 1 < xs.length; i += 2) if (!best || xs[i + 1]! - xs[i]! > best[1] - best[0]) best = [xs[i]!, xs[i + 1]!];
  return best ? { lng: (best[0] + best[1]) / 2, lat: y } : { lng: (b[0] + b[2]) / 2, lat: y };
}

/**
 * Where to name a CPTS beside another: inside the largest of its communes the other does not share (of all of
 * them if it shares every one), or the middle of its extent when it has no outline.
 */
export function ownPoint(communes: readonly GeoJSON.Feature[], shared: ReadonlySet<string>): { lng: number; lat: number } | undefined {
  const own = communes.filter((f) => !shared.has(String(f.properties?.code)));
  const polygons = (own.length ? own : communes).flatMap((f) => polygonsOf(f.geometry));
  const largest = polygons.reduce<Ring[] | undefined>((m, p) => (!m || ringArea(p[0]!) > ringArea(m[0]!) ? p : m), undefined);
  if (largest) return interiorPoint(largest);
  const b = bboxOf(communes.map((f) => f.geometry));
  return b && { lng: (b[0] + b[2]) / 2, lat: (b[1] + b[3]) / 2 };
}
