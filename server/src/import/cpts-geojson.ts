// CPTS perimeters as GeoJSON polygons: one Feature per CPTS; its member communes are computed at import from the
// share of each commune's area the polygon covers.
import { FINESS_ET, normalizeLabel, parseDate, sourceLabel } from './csv.js';
import { checkOptions, CPTS_PERIMETRES, resolveStatut, type CptsEntity, type CptsParseOptions, type CptsPerimetre } from './cpts-common.js';
import { ImportError, IssueList } from './errors.js';
import { checkShape, parseJsonText, type Polygons } from './plausibility.js';

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

/** The document's features; a document that is not GeoJSON refuses the file at once. */
function readFeatures(text: string, file: string, issues: IssueList): unknown[] {
  const json = parseJsonText(text);
  if (!('value' in json)) throw new ImportError([{ file, line: json.line, message: json.message }]);
  const doc = json.value;
  if (!isObject(doc) || (doc.type !== 'FeatureCollection' && doc.type !== 'Feature')) {
    throw new ImportError([{ file, message: 'expected a GeoJSON FeatureCollection (or a single Feature)' }]);
  }
  const crs = isObject(doc.crs) && isObject(doc.crs.properties) ? doc.crs.properties.name : undefined;
  if (typeof crs === 'string' && !/(CRS84|EPSG:?:?4326)$/i.test(crs)) {
    issues.add(`the file declares the CRS ${crs}; GeoJSON CPTS polygons must be in WGS84 (EPSG:4326)`, undefined, 'crs');
  }
  const features: unknown[] = doc.type === 'Feature' ? [doc] : Array.isArray(doc.features) ? doc.features : [];
  if (features.length === 0) issues.add('the FeatureCollection has no features');
  return features;
}

type Add = (msg: string, field: string) => void;

function readGeometry(g: Json | undefined, add: Add, forced?: (msg: string) => void): string | undefined {
  if (!isObject(g) || (g.type !== 'Polygon' && g.type !== 'MultiPolygon')) {
    add(`geometry must be a Polygon or MultiPolygon, found ${isObject(g) ? String(g.type) : String(g)}`, 'geometry');
    return undefined;
  }
  const problem = checkPolygonCoords(g.type as string, g.coordinates);
  if (problem) {
    add(problem, 'geometry');
    return undefined;
  }
  const polygons = (g.type === 'Polygon' ? [g.coordinates] : g.coordinates) as unknown as Polygons;
  let refused = false;
  for (const p of checkShape({ kind: 'cpts', polygons })) {
    if (p.forceable && forced) forced(p.message);
    else {
      refused = true;
      add(p.forceable ? `${p.message} (--force pour l'importer quand même)` : p.message, 'geometry');
    }
  }
  return refused ? undefined : JSON.stringify({ type: g.type, coordinates: g.coordinates });
}

function readPerimetre(props: Record<string, Json>, opts: CptsParseOptions, add: Add): CptsPerimetre {
  const raw = propText(props, ['perimetre']);
  if (!raw) return opts.perimetre ?? 'officiel';
  const p = normalizeLabel(raw) as CptsPerimetre;
  if (CPTS_PERIMETRES.includes(p)) return p;
  add(`perimetre "${raw}" is not one of ${CPTS_PERIMETRES.join(', ')}`, 'properties.perimetre');
  return opts.perimetre ?? 'officiel';
}

function readFiness(props: Record<string, Json>, id: string | undefined, add: Add): string | null {
  const fromId = id && FINESS_ET.test(id) ? id : null;
  const raw = propText(props, ['finess']);
  if (!raw) return fromId;
  if (!FINESS_ET.test(raw)) add(`"${raw}" is not a FINESS ET number`, 'properties.finess');
  else if (fromId && fromId !== raw) add(`the id is a FINESS number different from the finess property (${raw})`, 'properties.finess');
  else return raw;
  return fromId;
}

function readDate(props: Record<string, Json>, add: Add): string | null {
  const raw = propText(props, ['date_ouverture']);
  if (!raw) return null;
  const d = parseDate(raw) ?? null;
  if (!d) add(`"${raw}" is not a date (YYYY-MM-DD or dd/mm/yyyy)`, 'properties.date_ouverture');
  return d;
}

/** One Feature as a CPTS, or undefined after reporting what is wrong with it. */
function readFeature(
  f: unknown,
  index: number,
  opts: CptsParseOptions,
  issues: IssueList,
  base: string,
  warnings: string[],
): (CptsFeature & { ok: boolean }) | undefined {
  const where = `features[${index}]`;
  if (!isObject(f) || f.type !== 'Feature') {
    issues.add(`${where} is not a GeoJSON Feature`, undefined, where);
    return undefined;
  }
  const props = isObject(f.properties) ? f.properties : {};
  const id = propText(props, ['id', 'cpts_id', 'cpts_finess']) ?? (typeof f.id === 'string' || typeof f.id === 'number' ? String(f.id) : undefined);
  const label = `feature ${index}${id ? ` (CPTS ${id})` : ''}`;
  const add: Add = (msg, field) => issues.add(`${label}: ${msg}`, undefined, `${where}.${field}`);
  const nom = propText(props, ['nom', 'cpts_nom']);
  if (!id) add('no id property', 'properties.id');
  if (!nom) add('no nom property', 'properties.nom');
  const forced = opts.force ? (msg: string) => warnings.push(`${label}: ${msg} ; importé car --force`) : undefined;
  const geometry = readGeometry(f.geometry, add, forced);
  const statut = id ? resolveStatut(propText(props, ['statut']), id, opts, (m, fld) => add(m, `properties.${fld ?? 'statut'}`), 'statut') : undefined;
  const perimetre = readPerimetre(props, opts, add);
  const finess = readFiness(props, id, add);
  const dateOuverture = readDate(props, add);
  if (!id) return undefined;
  const source = statut?.note ? `${base} — ${statut.note}` : base;
  const cpts = { id, nom: nom ?? '', finess, statut: statut?.statut ?? 'non-renseigne', perimetre, dateOuverture, source, index, geometry: geometry ?? '' };
  return { ...cpts, ok: Boolean(nom && statut && geometry) };
}

/**
 * Parses a GeoJSON FeatureCollection of CPTS polygons (one Feature per CPTS; properties id, nom, statut,
 * optional finess, perimetre, date_ouverture). Pure: geometry validity is checked and repaired by importCpts in PostGIS.
 */
export function parseCptsGeojson(text: string, file: string, opts: CptsParseOptions = {}): ParsedCptsGeojson {
  const issues = new IssueList(file);
  checkOptions(opts, issues);
  const base = opts.source ?? sourceLabel(file);
  const out: CptsFeature[] = [];
  const seen = new Map<string, number>();
  const seenFiness = new Map<string, string>();
  const warnings: string[] = [];
  readFeatures(text, file, issues).forEach((f, index) => {
    const c = readFeature(f, index, opts, issues, base, warnings);
    if (!c) return;
    const add: Add = (msg, field) => issues.add(`feature ${index} (CPTS ${c.id}): ${msg}`, undefined, `features[${index}].${field}`);
    const first = seen.get(c.id);
    if (first !== undefined) add(`CPTS ${c.id} already has a feature (features[${first}]); give one Feature per CPTS (a MultiPolygon for several parts)`, 'properties.id');
    else seen.set(c.id, index);
    const other = c.finess ? seenFiness.get(c.finess) : undefined;
    if (other && other !== c.id) add(`CPTS ${other} has the same FINESS number ${c.finess}`, 'properties.finess');
    else if (c.finess) seenFiness.set(c.finess, c.id);
    const { ok, ...cpts } = c;
    if (ok) out.push(cpts);
  });
  issues.throwIfAny();
  return { cpts: out, warnings };
}
