// Plane geometry of outlines in longitude and latitude, with no map: extents, and where to place a mark inside
// communes (tests/unit/geometry.test.ts runs it without a browser).

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

type Ring = GeoJSON.Position[];

/** The polygons of a geometry, as lists of rings. */
const polygonsOf = (g: GeoJSON.Geometry): Ring[][] => (g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : []);

/** Planar area of a ring (degrees², enough to compare communes with each other). */
const ringArea = (r: Ring) => Math.abs(r.reduce((s, p, i) => s + p[0]! * r[(i + 1) % r.length]![1]! - r[(i + 1) % r.length]![0]! * p[1]!, 0)) / 2;

/**
 * A point inside a polygon, away from its edges on its middle latitude: the middle of the widest stretch of that
 * line inside it (its holes left out), as PostGIS's ST_PointOnSurface does.
 */
function interiorPoint(rings: Ring[]): { lng: number; lat: number } | undefined {
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
 * Where to mark communes (a CPTS beside another, a separate part of a perimeter): inside the largest of them, so
 * inside their union whatever its shape (the middle of their extent can fall in the hollow of a C or an L), of
 * those not in `except` if any is left (a CPTS's own, not those it shares with the other); the middle of their
 * extent when none has an outline.
 */
export function pointInside(communes: readonly GeoJSON.Feature[], except: ReadonlySet<string> = new Set()): { lng: number; lat: number } | undefined {
  const own = communes.filter((f) => !except.has(String(f.properties?.code)));
  const polygons = (own.length ? own : communes).flatMap((f) => polygonsOf(f.geometry));
  const largest = polygons.reduce<Ring[] | undefined>((m, p) => (!m || ringArea(p[0]!) > ringArea(m[0]!) ? p : m), undefined);
  if (largest) return interiorPoint(largest);
  const b = bboxOf(communes.map((f) => f.geometry));
  return b && { lng: (b[0] + b[2]) / 2, lat: (b[1] + b[3]) / 2 };
}
