// CPTS perimeters as GeoJSON polygons: one Feature per CPTS; its member communes are computed at import from the
// share of each commune's area the polygon covers.
import { FINESS_ET, normalizeLabel, parseDate, sourceLabel } from './csv.js';
import { checkOptions, CPTS_PERIMETRES, resolveStatut, type CptsEntity, type CptsParseOptions, type CptsPerimetre, type CptsStatut } from './cpts-common.js';
import { ImportError, IssueList } from './errors.js';

export interface CptsFeature extends CptsEntity {
  /** Position in the FeatureCollection (0-based), for messages. */
  index: number;
  /** The feature's geometry as GeoJSON text, for ST_GeomFromGeoJSON. */
  geometry: string;
}

export interface ParsedCptsGeojson {
  cpts: CptsFeature[];
  warnings: string[];
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
const isObject = (x: unknown): x is Record<string, Json> => typeof x === 'object' && x !== null && !Array.isArray(x);

function propText(props: Record<string, Json>, names: readonly string[]): string | undefined {
  for (const n of names) {
    const v = props[n];
    if (typeof v === 'string' && v.trim() !== '') return v.trim();
    if (typeof v === 'number') return String(v);
  }
  return undefined;
}

/** Checks a Polygon / MultiPolygon coordinate array; returns the first problem found. */
function checkPolygonCoords(type: string, coords: unknown): string | undefined {
  const polygons = type === 'Polygon' ? [coords] : Array.isArray(coords) ? coords : null;
  if (!polygons) return 'coordinates are not an array';
  if (polygons.length === 0) return 'the MultiPolygon has no polygon';
  for (const rings of polygons) {
    if (!Array.isArray(rings) || rings.length === 0) return 'a polygon has no ring';
    for (const ring of rings) {
      if (!Array.isArray(ring) || ring.length < 4) return 'a ring has fewer than 4 positions';
      for (const p of ring) {
        if (!Array.isArray(p) || p.length < 2 || !p.every((x) => typeof x === 'number' && Number.isFinite(x))) {
          return 'a position is not a pair of numbers';
        }
        const [lon, lat] = p as number[];
        if (Math.abs(lon!) > 180 || Math.abs(lat!) > 90) {
          return `position [${lon}, ${lat}] is not longitude/latitude in degrees (GeoJSON must be WGS84, EPSG:4326)`;
        }
      }
      const a = ring[0] as number[];
      const b = ring[ring.length - 1] as number[];
      if (a[0] !== b[0] || a[1] !== b[1]) return 'a ring is not closed (its last position differs from its first)';
    }
  }
  return undefined;
}

/**
 * Parses a GeoJSON FeatureCollection of CPTS polygons (one Feature per CPTS; properties id, nom, statut,
 * optional finess, perimetre, date_ouverture). Pure: geometry validity is checked and repaired by importCpts in PostGIS.
 */
export function parseCptsGeojson(text: string, file: string, opts: CptsParseOptions = {}): ParsedCptsGeojson {
  const issues = new IssueList(file);
  checkOptions(opts, issues);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ImportError([{ file, message: `not valid JSON: ${(e as Error).message}` }]);
  }
  if (!isObject(doc) || (doc.type !== 'FeatureCollection' && doc.type !== 'Feature')) {
    throw new ImportError([{ file, message: 'expected a GeoJSON FeatureCollection (or a single Feature)' }]);
  }
  const crs = isObject(doc.crs) && isObject(doc.crs.properties) ? doc.crs.properties.name : undefined;
  if (typeof crs === 'string' && !/(CRS84|EPSG:?:?4326)$/i.test(crs)) {
    issues.add(`the file declares the CRS ${crs}; GeoJSON CPTS polygons must be in WGS84 (EPSG:4326)`, undefined, 'crs');
  }
  const features: unknown[] = doc.type === 'Feature' ? [doc] : Array.isArray(doc.features) ? doc.features : [];
  if (features.length === 0) issues.add('the FeatureCollection has no features');
  const base = opts.source ?? sourceLabel(file);
  const out: CptsFeature[] = [];
  const seen = new Map<string, number>();
  const seenFiness = new Map<string, string>();
  features.forEach((f, index) => {
    const where = `features[${index}]`;
    if (!isObject(f) || f.type !== 'Feature') {
      issues.add(`${where} is not a GeoJSON Feature`, undefined, where);
      return;
    }
    const props = isObject(f.properties) ? f.properties : {};
    const id = propText(props, ['id', 'cpts_id', 'cpts_finess']) ?? (typeof f.id === 'string' || typeof f.id === 'number' ? String(f.id) : undefined);
    const label = `feature ${index}${id ? ` (CPTS ${id})` : ''}`;
    const add = (msg: string, field: string) => issues.add(`${label}: ${msg}`, undefined, `${where}.${field}`);
    const nom = propText(props, ['nom', 'cpts_nom']);
    if (!id) add('no id property', 'properties.id');
    if (!nom) add('no nom property', 'properties.nom');

    const g = f.geometry;
    let geometry: string | undefined;
    if (!isObject(g) || (g.type !== 'Polygon' && g.type !== 'MultiPolygon')) {
      add(`geometry must be a Polygon or MultiPolygon, found ${isObject(g) ? String(g.type) : String(g)}`, 'geometry');
    } else {
      const problem = checkPolygonCoords(g.type as string, g.coordinates);
      if (problem) add(problem, 'geometry');
      else geometry = JSON.stringify({ type: g.type, coordinates: g.coordinates });
    }

    const rawStatut = propText(props, ['statut']);
    let statut: CptsStatut | undefined;
    let note: string | undefined;
    if (id) {
      const r = resolveStatut(rawStatut, id, opts, (m, fld) => add(m, `properties.${fld ?? 'statut'}`), 'statut');
      statut = r?.statut;
      note = r?.note;
    }
    const rawPerimetre = propText(props, ['perimetre']);
    let perimetre: CptsPerimetre = opts.perimetre ?? 'officiel';
    if (rawPerimetre) {
      const p = normalizeLabel(rawPerimetre) as CptsPerimetre;
      if (CPTS_PERIMETRES.includes(p)) perimetre = p;
      else add(`perimetre "${rawPerimetre}" is not one of ${CPTS_PERIMETRES.join(', ')}`, 'properties.perimetre');
    }
    let finess: string | null = id && FINESS_ET.test(id) ? id : null;
    const rawFiness = propText(props, ['finess']);
    if (rawFiness) {
      if (!FINESS_ET.test(rawFiness)) add(`"${rawFiness}" is not a FINESS ET number`, 'properties.finess');
      else if (finess && finess !== rawFiness) add(`the id is a FINESS number different from the finess property (${rawFiness})`, 'properties.finess');
      else finess = rawFiness;
    }
    let dateOuverture: string | null = null;
    const rawDate = propText(props, ['date_ouverture']);
    if (rawDate) {
      dateOuverture = parseDate(rawDate) ?? null;
      if (!dateOuverture) add(`"${rawDate}" is not a date (YYYY-MM-DD or dd/mm/yyyy)`, 'properties.date_ouverture');
    }
    if (id) {
      const first = seen.get(id);
      if (first !== undefined) add(`CPTS ${id} already has a feature (features[${first}]); give one Feature per CPTS (a MultiPolygon for several parts)`, 'properties.id');
      else seen.set(id, index);
    }
    if (finess && id) {
      const other = seenFiness.get(finess);
      if (other && other !== id) add(`CPTS ${other} has the same FINESS number ${finess}`, 'properties.finess');
      else seenFiness.set(finess, id);
    }
    if (id && nom && statut && geometry) {
      const source = note ? `${base} — ${note}` : base;
      out.push({ id, nom, finess, statut, perimetre, dateOuverture, source, index, geometry });
    }
  });
  issues.throwIfAny();
  return { cpts: out, warnings: [] };
}

