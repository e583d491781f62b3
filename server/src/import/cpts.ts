// CPTS perimeters: a CSV of CPTS × commune rows, or GeoJSON polygons whose member communes are
// computed from the share of each commune's area they cover. Communes must be imported first.
import { basename } from 'node:path';
import type { Db, Queryable } from '../db/port.js';
import { insertJson } from './bulk.js';
import { FINESS_ET, findColumn, normalizeLabel, parseDate, readCsv, requireColumn, sourceLabel, toCurrentCommune } from './csv.js';
import { ImportError, IssueList } from './errors.js';
import { logImport } from './log.js';
import { readSource } from './source.js';
import type { CommonImportOptions, ImportReport } from './types.js';

export type CptsStatut = 'pre-projet' | 'projet' | 'en-fonctionnement' | 'aci-signe';
export type CptsPerimetre = 'officiel' | 'approximatif' | 'illustratif';

export const CPTS_PERIMETRES: readonly CptsPerimetre[] = ['officiel', 'approximatif', 'illustratif'];

const STATUT_LABELS: Record<string, CptsStatut> = {
  'pre projet': 'pre-projet',
  preprojet: 'pre-projet',
  projet: 'projet',
  'en projet': 'projet',
  'en fonctionnement': 'en-fonctionnement',
  'contrat aci signe': 'aci-signe',
  'aci signe': 'aci-signe',
};

/** Accepts the French labels (pré-projet, projet, en fonctionnement, contrat ACI signé) and the stored codes, case- and accent-insensitively. */
export function parseStatut(s: string): CptsStatut | undefined {
  return STATUT_LABELS[normalizeLabel(s)];
}

const STATUT_EXPECTED = 'pré-projet, projet, en fonctionnement or contrat ACI signé';

/** The status assumed for a CPTS registered in FINESS when the file gives none. */
export const FINESS_DEFAULT_STATUT: CptsStatut = 'en-fonctionnement';
const FINESS_DEFAULT_NOTE = 'statut « en fonctionnement » supposé (CPTS enregistrée au FINESS, statut absent du fichier)';

export interface CptsParseOptions {
  /** Default status when the file has no status column / property (or an empty value). */
  status?: string;
  /** How the perimeters are known; by default 'approximatif' for rows whose methode starts with `approx:`, else 'officiel'. */
  perimetre?: CptsPerimetre;
  /** Source label stored with the rows; defaults to the file name. */
  source?: string;
}

export interface CptsCsvOptions extends CptsParseOptions {
  idColumn?: string;
  nameColumn?: string;
  statusColumn?: string;
  codeColumn?: string;
  methodColumn?: string;
  finessColumn?: string;
  dateColumn?: string;
}

export interface CptsEntity {
  id: string;
  nom: string;
  finess: string | null;
  statut: CptsStatut;
  perimetre: CptsPerimetre;
  dateOuverture: string | null;
  source: string;
}

export interface CptsMember {
  cptsId: string;
  /** Current INSEE code. */
  code: string;
  /** The code as written, when it was a former code mapped to the current commune. */
  inputCode?: string;
  line: number;
}

export interface ParsedCptsCsv {
  cpts: CptsEntity[];
  members: CptsMember[];
  rows: number;
  warnings: string[];
  counts: { renamedCodes: number; duplicates: number };
}

const DEFAULT_COLUMNS = {
  id: ['cpts_id', 'cpts_finess', 'id'],
  name: ['cpts_nom', 'nom'],
  status: ['statut'],
  code: ['code_insee'],
  method: ['methode'],
  finess: ['finess'],
  date: ['date_ouverture'],
};

function resolveStatut(
  raw: string | undefined,
  id: string,
  opts: CptsParseOptions,
  add: (msg: string, field?: string) => void,
  statusField: string,
): { statut: CptsStatut; note?: string } | undefined {
  if (raw !== undefined && raw !== '') {
    const s = parseStatut(raw);
    if (!s) add(`unknown status "${raw}": expected ${STATUT_EXPECTED}`, statusField);
    return s ? { statut: s } : undefined;
  }
  if (opts.status !== undefined) {
    const s = parseStatut(opts.status);
    return s ? { statut: s } : undefined; // a bad option is reported once by checkOptions
  }
  if (FINESS_ET.test(id)) return { statut: FINESS_DEFAULT_STATUT, note: FINESS_DEFAULT_NOTE };
  add(`no status for CPTS ${id}: the file has none and ${id} is not a FINESS number; give a status column or the status option`, statusField);
  return undefined;
}

function checkOptions(opts: CptsParseOptions & { threshold?: number }, issues: IssueList): void {
  if (opts.status !== undefined && !parseStatut(opts.status)) {
    issues.add(`option status: unknown status "${opts.status}": expected ${STATUT_EXPECTED}`, undefined, 'status');
  }
  if (opts.perimetre !== undefined && !CPTS_PERIMETRES.includes(opts.perimetre)) {
    issues.add(`option perimetre: "${opts.perimetre}" is not one of ${CPTS_PERIMETRES.join(', ')}`, undefined, 'perimetre');
  }
  if (opts.threshold !== undefined && !(opts.threshold > 0 && opts.threshold <= 1)) {
    issues.add(`option threshold: ${opts.threshold} is not a share in ]0, 1]`, undefined, 'threshold');
  }
}

const sameText = (a: string, b: string) => a.replace(/\s+/g, ' ') === b.replace(/\s+/g, ' ');

/**
 * Parses a CPTS × commune CSV (`;` or `,`). Pure: maps INSEE codes to current communes through the COG;
 * whether the communes are in the database is checked by importCpts.
 */
export function parseCptsCsv(text: string, file: string, opts: CptsCsvOptions = {}): ParsedCptsCsv {
  const table = readCsv(text, file);
  const issues = new IssueList(file);
  checkOptions(opts, issues);
  const col = {
    id: requireColumn(table, issues, opts.idColumn ?? DEFAULT_COLUMNS.id, 'CPTS id'),
    name: requireColumn(table, issues, opts.nameColumn ?? DEFAULT_COLUMNS.name, 'CPTS name'),
    code: requireColumn(table, issues, opts.codeColumn ?? DEFAULT_COLUMNS.code, 'INSEE code'),
    status: opts.statusColumn ? requireColumn(table, issues, opts.statusColumn, 'status') : findColumn(table, DEFAULT_COLUMNS.status),
    method: opts.methodColumn ? requireColumn(table, issues, opts.methodColumn, 'method') : findColumn(table, DEFAULT_COLUMNS.method),
    finess: opts.finessColumn ? requireColumn(table, issues, opts.finessColumn, 'FINESS number') : findColumn(table, DEFAULT_COLUMNS.finess),
    date: opts.dateColumn ? requireColumn(table, issues, opts.dateColumn, 'opening date') : findColumn(table, DEFAULT_COLUMNS.date),
  };
  issues.throwIfAny();
  const base = opts.source ?? sourceLabel(file);

  interface Acc {
    entity: CptsEntity;
    line: number;
    /** Line of the status read, undefined while the status is a default. */
    statutLine?: number;
    approx?: string;
    notes: Set<string>;
  }
  const byId = new Map<string, Acc>();
  const members: CptsMember[] = [];
  const seenMember = new Map<string, number>();
  const noStatus = new Set<string>();
  let approxConflict = false;
  const warnings: string[] = [];
  let renamedCodes = 0;
  let duplicates = 0;

  for (const row of table.rows) {
    const v = (c: string | undefined) => (c ? (row.values[c] ?? '') : undefined);
    const add = (msg: string, field?: string) => issues.add(msg, row.line, field);
    const id = v(col.id)!;
    const nom = v(col.name)!;
    if (!id) add('empty CPTS id', col.id);
    if (!nom) add('empty CPTS name', col.name);
    const commune = toCurrentCommune(v(col.code)!);
    if ('error' in commune) add(commune.error, col.code);
    if (!id || !nom) continue;

    const prev = byId.get(id);
    // A CPTS's status is read from its first row that has one; without any, the default applies
    // (reported once per CPTS when there is none).
    const statusCell = v(col.status) ?? '';
    const statut =
      statusCell || (!prev && !noStatus.has(id)) ? resolveStatut(statusCell, id, opts, add, col.status ?? 'statut') : undefined;
    if (!statut && !statusCell) noStatus.add(id);
    const method = v(col.method) ?? '';
    const approx = method.toLowerCase().startsWith('approx:') ? method : undefined;
    let perimetre: CptsPerimetre = approx ? 'approximatif' : 'officiel';
    if (opts.perimetre) {
      if (approx && opts.perimetre === 'officiel' && !approxConflict) {
        approxConflict = true;
        add(`methode "${method}" marks an approximate perimeter: the file cannot be imported with perimetre officiel`, col.method);
      }
      perimetre = opts.perimetre;
    }
    let finess: string | null = FINESS_ET.test(id) ? id : null;
    const finessCell = v(col.finess);
    if (finessCell) {
      if (!FINESS_ET.test(finessCell)) add(`"${finessCell}" is not a FINESS ET number (9 characters, e.g. 850028614)`, col.finess);
      else if (finess && finess !== finessCell) add(`the id ${id} is a FINESS number different from the finess column (${finessCell})`, col.finess);
      else finess = finessCell;
    }
    let dateOuverture: string | null = null;
    const dateCell = v(col.date);
    if (dateCell) {
      dateOuverture = parseDate(dateCell) ?? null;
      if (!dateOuverture) add(`"${dateCell}" is not a date (YYYY-MM-DD or dd/mm/yyyy)`, col.date);
    }

    if (!prev) {
      if (statut) {
        const acc: Acc = {
          entity: { id, nom, finess, statut: statut.statut, perimetre, dateOuverture, source: base },
          line: row.line,
          statutLine: statusCell ? row.line : undefined,
          approx,
          notes: new Set(statut.note ? [statut.note] : []),
        };
        byId.set(id, acc);
      }
    } else {
      const e = prev.entity;
      if (!sameText(e.nom, nom)) add(`CPTS ${id} is named "${nom}" here but "${e.nom}" on line ${prev.line}`, col.name);
      if (statut && statusCell) {
        if (prev.statutLine === undefined) {
          // The first rows had no status: this row's replaces the default.
          e.statut = statut.statut;
          prev.statutLine = row.line;
          prev.notes.clear();
        } else if (statut.statut !== e.statut) {
          add(`CPTS ${id} has status ${statut.statut} here but ${e.statut} on line ${prev.statutLine}`, col.status);
        }
      }
      if (finess !== e.finess) add(`CPTS ${id} has FINESS ${finess ?? '(none)'} here but ${e.finess ?? '(none)'} on line ${prev.line}`, col.finess);
      if (dateOuverture && e.dateOuverture && dateOuverture !== e.dateOuverture) {
        add(`CPTS ${id} opened on ${dateOuverture} here but ${e.dateOuverture} on line ${prev.line}`, col.date);
      }
      e.dateOuverture ??= dateOuverture;
      if (approx && !prev.approx) prev.approx = approx;
      if (perimetre === 'approximatif') e.perimetre = 'approximatif';
    }

    if ('code' in commune) {
      const key = `${id}\u0000${commune.code}`;
      const first = seenMember.get(key);
      const written = v(col.code)!;
      if (first !== undefined) {
        duplicates++;
        warnings.push(
          `line ${row.line}: CPTS ${id} lists commune ${commune.code}${commune.renamed ? ` (as ${written})` : ''} again (first on line ${first}); counted once`,
        );
      } else {
        seenMember.set(key, row.line);
        if (commune.renamed) renamedCodes++;
        members.push({ cptsId: id, code: commune.code, line: row.line, ...(commune.renamed ? { inputCode: written } : {}) });
      }
    }
  }

  // Two CPTS ids with the same FINESS number would violate cpts.finess UNIQUE.
  const byFiness = new Map<string, Acc>();
  for (const acc of byId.values()) {
    const f = acc.entity.finess;
    if (!f) continue;
    const other = byFiness.get(f);
    if (other) issues.add(`CPTS ${acc.entity.id} and ${other.entity.id} (line ${other.line}) have the same FINESS number ${f}`, acc.line, col.finess ?? col.id);
    else byFiness.set(f, acc);
  }
  issues.throwIfAny();

  const cpts = [...byId.values()].map((acc) => {
    const notes = [...(acc.approx ? [`périmètre approximatif (${acc.approx})`] : []), ...acc.notes];
    return { ...acc.entity, source: notes.length ? `${base} — ${notes.join(' ; ')}` : base };
  });
  return { cpts, members, rows: table.rows.length, warnings, counts: { renamedCodes, duplicates } };
}

// ---------------------------------------------------------------------------------------------
// GeoJSON

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

// ---------------------------------------------------------------------------------------------
// Import

export interface CptsImportOptions extends CommonImportOptions, CptsCsvOptions {
  /** GeoJSON only: a commune is a member when the polygon covers at least this share of its area (default 0.5). */
  threshold?: number;
  /** Overrides the format chosen from the file extension (.csv / .geojson / .json, optionally .gz). */
  format?: 'csv' | 'geojson';
}

export const DEFAULT_THRESHOLD = 0.5;

export function cptsFormatOf(path: string): 'csv' | 'geojson' | undefined {
  const name = basename(path).toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.csv')) return 'csv';
  if (name.endsWith('.geojson') || name.endsWith('.json')) return 'geojson';
  return undefined;
}

/** Valid, non-empty-or-empty MultiPolygon in EPSG:4326 from a GeoJSON geometry text (`$n`). */
const VALID_MULTIPOLYGON = (g: string) =>
  `ST_Multi(ST_UnaryUnion(ST_CollectionExtract(ST_MakeValid(ST_Force2D(ST_SetSRID(ST_GeomFromGeoJSON(${g}), 4326))), 3)))`;

const CPTS_UPSERT = (withGeom: boolean) => `
  INSERT INTO cpts (id, nom, finess, statut, perimetre, siege_commune, date_ouverture, date_maj, source, geom, geom_3857)
  SELECT r.id, r.nom, r.finess, r.statut, r.perimetre,
         (SELECT s.commune_code FROM structure s WHERE s.type = 'siege_cpts' AND s.finess = r.finess),
         r.date_ouverture, current_date, r.source,
         ${withGeom ? `g.geom, ST_Transform(g.geom, 3857)` : 'NULL, NULL'}
  FROM jsonb_to_recordset($1::jsonb) AS r(id text, nom text, finess text, statut text, perimetre text,
                                          date_ouverture date, source text, geometry text)
  ${withGeom ? `CROSS JOIN LATERAL (SELECT ${VALID_MULTIPOLYGON('r.geometry')} AS geom OFFSET 0) g` : ''}
  ON CONFLICT (id) DO UPDATE SET
    nom = EXCLUDED.nom, finess = EXCLUDED.finess, statut = EXCLUDED.statut, perimetre = EXCLUDED.perimetre,
    siege_commune = EXCLUDED.siege_commune, date_ouverture = COALESCE(EXCLUDED.date_ouverture, cpts.date_ouverture),
    date_maj = EXCLUDED.date_maj, source = EXCLUDED.source, geom = EXCLUDED.geom, geom_3857 = EXCLUDED.geom_3857`;

const entityJson = (c: CptsEntity & { geometry?: string }) => ({
  id: c.id,
  nom: c.nom,
  finess: c.finess,
  statut: c.statut,
  perimetre: c.perimetre,
  date_ouverture: c.dateOuverture,
  source: c.source,
  geometry: c.geometry ?? null,
});

async function assertCommunesLoaded(tx: Queryable, file: string): Promise<void> {
  const r = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM (SELECT 1 FROM commune LIMIT 1) x');
  if (r.rows[0]!.n === 0) {
    throw new ImportError([
      { file, message: 'the commune table is empty: import the communes first (npm run import -- communes <files>), then the CPTS' },
    ]);
  }
}

/** A CPTS whose FINESS number already belongs to another CPTS id in the database. */
async function checkFinessConflicts(tx: Queryable, issues: IssueList, cpts: CptsEntity[]): Promise<void> {
  const withFiness = cpts.filter((c) => c.finess).map((c) => ({ id: c.id, finess: c.finess }));
  if (!withFiness.length) return;
  const r = await tx.query<{ id: string; finess: string; other: string }>(
    `SELECT r.id, r.finess, c.id AS other FROM jsonb_to_recordset($1::jsonb) AS r(id text, finess text)
     JOIN cpts c ON c.finess = r.finess AND c.id <> r.id`,
    [JSON.stringify(withFiness)],
  );
  for (const x of r.rows) issues.add(`CPTS ${x.id}: FINESS number ${x.finess} already belongs to CPTS ${x.other} in the database`);
}

async function existingIds(tx: Queryable, ids: string[]): Promise<Set<string>> {
  const r = await tx.query<{ id: string }>('SELECT id FROM cpts WHERE id = ANY($1::text[])', [ids]);
  return new Set(r.rows.map((x) => x.id));
}

/**
 * Imports CPTS perimeters (CSV or GeoJSON, chosen by extension) in one transaction: upserts the CPTS,
 * replaces the member communes of every CPTS in the file, stores the perimeter geometry.
 */
export async function importCpts(db: Db, path: string, opts: CptsImportOptions = {}): Promise<ImportReport> {
  const src = await readSource(path, opts.encoding);
  const format = opts.format ?? cptsFormatOf(path);
  if (!format) {
    throw new ImportError([{ file: src.fileName, message: 'unknown CPTS file type: expected .csv or .geojson (optionally .gz)' }]);
  }
  const { onProgress, encoding: _enc, ...loggedOptions } = opts;
  const progress = (stage: string, done = 1, total = 1) => onProgress?.(stage, done, total);
  progress('parse', 0);

  if (format === 'csv') {
    const parsed = parseCptsCsv(src.text, src.fileName, opts);
    progress('parse');
    return db.transaction(async (tx) => {
      const issues = new IssueList(src.fileName);
      await assertCommunesLoaded(tx, src.fileName);
      const codes = [...new Set(parsed.members.map((m) => m.code))];
      const present = await tx.query<{ code: string }>('SELECT code FROM commune WHERE code = ANY($1::text[])', [codes]);
      const known = new Set(present.rows.map((r) => r.code));
      const missing = new Map<string, CptsMember[]>();
      for (const m of parsed.members) if (!known.has(m.code)) missing.set(m.code, [...(missing.get(m.code) ?? []), m]);
      for (const [code, ms] of missing) {
        const more = ms.length > 1 ? ` (and ${ms.length - 1} more row(s): lines ${ms.slice(1, 6).map((m) => m.line).join(', ')}${ms.length > 6 ? ', …' : ''})` : '';
        issues.add(
          `commune ${code}${ms[0]!.inputCode ? ` (written ${ms[0]!.inputCode})` : ''} is not in the commune table: import the communes of its département first${more}`,
          ms[0]!.line,
          opts.codeColumn ?? 'code_insee',
        );
      }
      await checkFinessConflicts(tx, issues, parsed.cpts);
      issues.throwIfAny();

      const ids = parsed.cpts.map((c) => c.id);
      const before = await existingIds(tx, ids);
      progress('write', 0, 3);
      await insertJson(tx, CPTS_UPSERT(false), parsed.cpts.map(entityJson));
      const removed = await tx.query('DELETE FROM cpts_commune WHERE cpts_id = ANY($1::text[])', [ids]);
      const sourceOf = new Map(parsed.cpts.map((c) => [c.id, c.source]));
      await insertJson(
        tx,
        `INSERT INTO cpts_commune (cpts_id, commune_code, part_surface, source)
         SELECT r.cpts_id, r.code, 1, r.source FROM jsonb_to_recordset($1::jsonb) AS r(cpts_id text, code text, source text)`,
        parsed.members.map((m) => ({ cpts_id: m.cptsId, code: m.code, source: sourceOf.get(m.cptsId) })),
      );
      progress('write', 1, 3);
      await tx.query(
        `UPDATE cpts SET geom = u.geom, geom_3857 = ST_Transform(u.geom, 3857)
         FROM (SELECT cc.cpts_id, ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Union(c.geom)), 3)) AS geom
               FROM cpts_commune cc JOIN commune c ON c.code = cc.commune_code
               WHERE cc.cpts_id = ANY($1::text[]) GROUP BY cc.cpts_id) u
         WHERE cpts.id = u.cpts_id`,
        [ids],
      );
      progress('write', 2, 3);
      const counts = {
        cpts: parsed.cpts.length,
        created: ids.filter((id) => !before.has(id)).length,
        updated: before.size,
        memberships: parsed.members.length,
        membershipsReplaced: removed.rowCount,
        communes: codes.length,
        approximatif: parsed.cpts.filter((c) => c.perimetre === 'approximatif').length,
        renamedCodes: parsed.counts.renamedCodes,
        duplicateRows: parsed.counts.duplicates,
      };
      const report = { counts, warnings: parsed.warnings };
      const importId = await logImport(tx, 'cpts', src, parsed.rows, { ...loggedOptions, format }, report);
      await tx.query('UPDATE cpts SET import_id = $1 WHERE id = ANY($2::text[])', [importId, ids]);
      progress('write', 3, 3);
      return { kind: 'cpts', file: src.fileName, importId, rows: parsed.rows, ...report };
    });
  }

  const parsed = parseCptsGeojson(src.text, src.fileName, opts);
  const threshold = opts.threshold ?? DEFAULT_THRESHOLD;
  progress('parse');
  return db.transaction(async (tx) => {
    const issues = new IssueList(src.fileName);
    const warnings = [...parsed.warnings];
    await assertCommunesLoaded(tx, src.fileName);
    const check = await tx.query<{ id: string; valid: boolean; reason: string; empty: boolean }>(
      `SELECT r.id, ST_IsValid(x.g) AS valid, ST_IsValidReason(x.g) AS reason,
              ST_IsEmpty(${VALID_MULTIPOLYGON('r.geometry')}) AS empty
       FROM jsonb_to_recordset($1::jsonb) AS r(id text, geometry text)
       CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_GeomFromGeoJSON(r.geometry), 4326) AS g OFFSET 0) x`,
      [JSON.stringify(parsed.cpts.map((c) => ({ id: c.id, geometry: c.geometry })))],
    );
    const byId = new Map(parsed.cpts.map((c) => [c.id, c]));
    let repaired = 0;
    for (const r of check.rows) {
      const f = byId.get(r.id)!;
      if (r.empty) {
        issues.add(
          `feature ${f.index} (CPTS ${f.id} ${f.nom}): the polygon has no area once made valid (${r.reason}); nothing to import`,
          undefined,
          `features[${f.index}].geometry`,
        );
      } else if (!r.valid) {
        repaired++;
        warnings.push(`feature ${f.index} (CPTS ${f.id} ${f.nom}): invalid polygon (${r.reason}) repaired with ST_MakeValid`);
      }
    }
    await checkFinessConflicts(tx, issues, parsed.cpts);
    issues.throwIfAny();

    const ids = parsed.cpts.map((c) => c.id);
    const before = await existingIds(tx, ids);
    progress('write', 0, 3);
    await insertJson(tx, CPTS_UPSERT(true), parsed.cpts.map(entityJson), { chunk: 50 });
    const removed = await tx.query('DELETE FROM cpts_commune WHERE cpts_id = ANY($1::text[])', [ids]);
    progress('write', 1, 3);
    // Share of each intersecting commune's true (spheroidal) area that the polygon covers.
    const shares = await tx.query<{ cpts_id: string; code: string; share: number; member: boolean }>(
      `WITH s AS (
         SELECT k.id AS cpts_id, c.code, k.source,
                ST_Area(ST_Intersection(c.geom, k.geom)::geography) / ST_Area(c.geom::geography) AS share
         FROM cpts k JOIN commune c ON ST_Intersects(c.geom, k.geom)
         WHERE k.id = ANY($1::text[])
       ), ins AS (
         INSERT INTO cpts_commune (cpts_id, commune_code, part_surface, source)
         SELECT cpts_id, code, LEAST(share, 1), source FROM s WHERE share >= $2
         RETURNING cpts_id
       )
       SELECT cpts_id, code, share, share >= $2 AS member FROM s`,
      [ids, threshold],
    );
    progress('write', 2, 3);
    const members = shares.rows.filter((r) => r.member);
    const below = shares.rows.filter((r) => !r.member && r.share >= 0.01);
    const withMembers = new Set(members.map((m) => m.cpts_id));
    for (const c of parsed.cpts) {
      if (!withMembers.has(c.id)) {
        warnings.push(`CPTS ${c.id} ${c.nom}: no commune of the commune table has ${Math.round(threshold * 100)} % of its area in the polygon; it has no member commune`);
      }
    }
    const counts = {
      cpts: parsed.cpts.length,
      created: ids.filter((id) => !before.has(id)).length,
      updated: before.size,
      memberships: members.length,
      membershipsReplaced: removed.rowCount,
      communesBelowThreshold: below.length,
      repairedPolygons: repaired,
    };
    const report = { counts, warnings };
    const importId = await logImport(tx, 'cpts', src, parsed.cpts.length, { ...loggedOptions, format, threshold }, report);
    await tx.query('UPDATE cpts SET import_id = $1 WHERE id = ANY($2::text[])', [importId, ids]);
    progress('write', 3, 3);
    return { kind: 'cpts', file: src.fileName, importId, rows: parsed.cpts.length, ...report };
  });
}
