// Plausibility of imported shapes and texts: one table of checkers per concern, each feeding the importer's one
// issue list. Geometry: the shape must lie in France (metropole or one overseas territory, the one of its
// département when known) and have an area its kind can have. Text: no NUL byte, no UTF-16, bounded JSON nesting.
import { SHAPE_LABELS, territoryHolding, type LonLatBox, type ShapeKind, type Territory } from '../domain/extents.js';

/** Polygons of [longitude, latitude] rings (outer ring first), as GeoJSON writes a MultiPolygon. */
export type Polygons = readonly (readonly (readonly number[])[])[][];

export interface ShapeContext {
  kind: ShapeKind;
  polygons: Polygons;
  /** The territory the shape belongs to (its département's), when known. */
  expected?: Territory;
}

/** A problem of plausibility; `forceable` when an import option (`--force`) may accept the shape all the same. */
export interface ShapeProblem {
  message: string;
  forceable: boolean;
}

type Checker = (s: ShapeContext & { box: LonLatBox; holder: Territory | undefined }) => ShapeProblem | undefined;

const refuse = (message: string): ShapeProblem => ({ message, forceable: false });

const fmt = (n: number) => n.toLocaleString('fr-FR', { maximumFractionDigits: n < 10 ? 2 : 0 });
const boxText = (b: LonLatBox) => `longitudes ${fmt(b[0])} à ${fmt(b[2])}, latitudes ${fmt(b[1])} à ${fmt(b[3])}`;

/** The geometry checkers, in order; each says what is wrong, or nothing. */
const SHAPE_CHECKERS: readonly Checker[] = [
  ({ box, holder }) =>
    holder
      ? undefined
      : refuse(`la géométrie s'étend hors de France (${boxText(box)}) : elle doit tenir dans la métropole ou dans un seul territoire d'outre-mer`),
  ({ holder, expected }) =>
    holder && expected && holder !== expected
      ? refuse(`la géométrie est en ${holder.nom}, alors que son département est en ${expected.nom}`)
      : undefined,
  ({ kind, polygons, holder }) => {
    if (!holder) return undefined;
    const km2 = areaKm2(polygons);
    const max = holder.maxKm2[kind];
    return km2 > max
      ? { message: `surface de ${fmt(km2)} km², invraisemblable pour ${SHAPE_LABELS[kind]} (au plus ${fmt(max)} km² en ${holder.nom})`, forceable: true }
      : undefined;
  },
];

/** Every problem of plausibility of one shape (empty when plausible). */
export function checkShape(s: ShapeContext): ShapeProblem[] {
  const box = boundingBox(s.polygons);
  const ctx = { ...s, box, holder: territoryHolding(box) };
  return SHAPE_CHECKERS.map((check) => check(ctx)).filter((m): m is ShapeProblem => m !== undefined);
}

function boundingBox(polygons: Polygons): LonLatBox {
  let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const rings of polygons) {
    for (const p of rings[0] ?? []) {
      w = Math.min(w, p[0]!);
      e = Math.max(e, p[0]!);
      s = Math.min(s, p[1]!);
      n = Math.max(n, p[1]!);
    }
  }
  return [w, s, e, n];
}

const EARTH_RADIUS_KM = 6371.0088;
const rad = (d: number) => (d * Math.PI) / 180;

/** Area on the sphere (km²) of a ring, whatever its winding (the method of Chamberlain and Duquette, 2007). */
function ringKm2(ring: readonly (readonly number[])[]): number {
  let sum = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    const [a, b] = [ring[i]!, ring[i + 1]!];
    sum += rad(b[0]! - a[0]!) * (2 + Math.sin(rad(a[1]!)) + Math.sin(rad(b[1]!)));
  }
  return Math.abs((sum * EARTH_RADIUS_KM * EARTH_RADIUS_KM) / 2);
}

/** Area (km²) of polygons: outer rings less their holes. Plausibility only: self-intersections are not resolved. */
export function areaKm2(polygons: Polygons): number {
  let total = 0;
  for (const [outer, ...holes] of polygons) {
    if (!outer) continue;
    total += ringKm2(outer) - holes.reduce((s, h) => s + ringKm2(h), 0);
  }
  return Math.max(total, 0);
}

// ---------------------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------------------

/** Line (1-based) and column of a character offset. */
export function lineAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

export interface TextIssue {
  line?: number;
  message: string;
}

/** Raw-byte checkers: UTF-16 and UTF-32 files are named as such rather than misread as latin-1. */
const BYTE_CHECKERS: readonly ((b: Buffer) => TextIssue | undefined)[] = [
  (b) =>
    (b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff)
      ? { line: 1, message: `le fichier est encodé en UTF-16 (marque d'ordre des octets ${b[0] === 0xff ? 'FF FE' : 'FE FF'}) : enregistrez-le en UTF-8` }
      : undefined,
  (b) => {
    // UTF-16 without a byte order mark: every other byte of ASCII text is NUL.
    const head = b.subarray(0, 64);
    let zeros = 0;
    for (let i = 0; i < head.length; i++) if (head[i] === 0) zeros++;
    return head.length >= 8 && zeros >= head.length / 3
      ? { line: 1, message: "le fichier semble encodé en UTF-16 ou UTF-32 (un octet nul sur deux) : enregistrez-le en UTF-8" }
      : undefined;
  },
];

/** Decoded-text checkers. */
const TEXT_CHECKERS: readonly ((t: string) => TextIssue | undefined)[] = [
  (t) => {
    const at = t.indexOf('\0');
    if (at < 0) return undefined;
    const { line, column } = lineAt(t, at);
    return { line, message: `octet nul (NUL) en colonne ${column} : un fichier texte n'en contient pas (fichier binaire ou corrompu ?)` };
  },
];

/** The first problem of the file's bytes, then of its text (one is enough to refuse it). */
export function checkBytes(bytes: Buffer): TextIssue | undefined {
  for (const c of BYTE_CHECKERS) {
    const issue = c(bytes);
    if (issue) return issue;
  }
  return undefined;
}

export function checkText(text: string): TextIssue | undefined {
  for (const c of TEXT_CHECKERS) {
    const issue = c(text);
    if (issue) return issue;
  }
  return undefined;
}

/**
 * Deepest nesting GeoJSON needs is 8 (collection, features, feature, geometry, coordinates, polygon, ring,
 * position); properties may nest a little. Deeper is not GeoJSON, and would exhaust the parser's stack.
 */
export const MAX_JSON_DEPTH = 32;

/** Where the JSON text first nests deeper than MAX_JSON_DEPTH, if it does (strings skipped). */
export function excessiveNesting(text: string): TextIssue | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) {
        const { line, column } = lineAt(text, i);
        return { line, message: `imbrication de plus de ${MAX_JSON_DEPTH} niveaux (colonne ${column}) : ce n'est pas du GeoJSON` };
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return undefined;
}

/** JSON.parse with the line of a syntax error and a bound on nesting, both as a French message. */
export function parseJsonText(text: string): { value: unknown } | TextIssue {
  const deep = excessiveNesting(text);
  if (deep) return deep;
  try {
    return { value: JSON.parse(text) };
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    // "Unexpected end of JSON input" has no position: the text stops at its last line.
    const line = lineAt(text, pos ? Number(pos[1]) : text.length).line;
    return { line, message: `JSON invalide (${msg}) ; un FeatureCollection GeoJSON est attendu` };
  }
}
