// Commune outlines: GeoJSON FeatureCollections of any COG vintage, reconciled to the current COG
// (communes merged since are dissolved into their current commune) and stored with INSEE attributes.
import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { Db, Queryable } from '../db/port.js';
import { insertJson } from './bulk.js';
import { COG_SOURCE, DETACHED_COLLECTIVITIES, REFERENCE_SQL, cog } from './cog.js';
import { ImportError, type InputIssue } from './errors.js';
import { logImport } from './log.js';
import { refreshAdminOutlines } from './outlines.js';
import { readSource, type SourceText } from './source.js';
import type { CommonImportOptions, ImportReport, Progress } from './types.js';
import { multiPolygonEwkbHex } from './wkb.js';
import { checkShape, parseJsonText } from './plausibility.js';
import { territoryOfDepartement } from '../domain/extents.js';

// ---------------------------------------------------------------------------------------------
// Parsing and reconciliation (pure)
// ---------------------------------------------------------------------------------------------

export type Position = [number, number];
export interface PolygonGeometry {
  type: 'Polygon';
  coordinates: Position[][];
}
export interface MultiPolygonGeometry {
  type: 'MultiPolygon';
  coordinates: Position[][][];
}
export type OutlineGeometry = PolygonGeometry | MultiPolygonGeometry;

/** One input feature: a commune outline under the code of the vintage it was drawn in. */
export interface OutlinePiece {
  /** The code as read (COG of the source's vintage). */
  sourceCode: string;
  /** The name as read, if any (only used in messages; stored names come from the current COG). */
  sourceName?: string;
  file: string;
  /** Index of the file in the list given to the parser. */
  sourceIndex: number;
  /** 1-based index of the feature in its file's `features`. */
  feature: number;
  /** 2D, structurally checked (closed rings of ≥ 4 numeric positions); not necessarily valid (OGC). */
  geometry: OutlineGeometry;
}

/** A current commune (or arrondissement municipal) and the outlines it is made of (several for a commune nouvelle). */
export interface CurrentCommuneOutline {
  code: string;
  nom: string;
  departement: string;
  /** The commune of an arrondissement municipal, else null. */
  parent: string | null;
  pieces: OutlinePiece[];
  sourceCodes: string[];
}

/** A current unit stored without an outline (its code, name and population are still known). */
export interface OutlineLessUnit {
  code: string;
  nom: string;
  departement: string;
  parent: string | null;
  reason: 'commune' | 'arrondissement' | 'collectivite';
}

export interface ParsedCommuneOutlines {
  /** One entry per current commune or arrondissement with at least one outline, ordered by code. */
  communes: CurrentCommuneOutline[];
  /** Outlines whose code maps to no current commune (not imported). */
  unmatched: OutlinePiece[];
  /** Current communes of the départements present in the input that got no outline. */
  missing: { code: string; nom: string; departement: string }[];
  /** Units stored without an outline (see outlineLessUnits). */
  outlineLess: OutlineLessUnit[];
  /** Départements (current COG) of the communes in the input. */
  departements: string[];
  /** Of those, the départements whose communes the input (nearly) all gives: see COMPLETE_DEPARTEMENT_SHARE. */
  complete: string[];
  /** Features read, all files together. */
  features: number;
  /** Per file, in input order: features read and the property the code was taken from ('' if none). */
  files: { file: string; features: number; codeProperty: string }[];
  /** One line each: unmatched outlines, missing communes, collectivités stored without outline. */
  warnings: string[];
}

/** Property names accepted for the INSEE code, most specific first (matched case-insensitively). */
export const CODE_PROPERTIES = ['insee_com', 'code_insee', 'codgeo', 'insee', 'code'] as const;
const NAME_PROPERTIES = ['nom_com', 'nom', 'libgeo', 'libelle', 'name'];
const INSEE_CODE = /^(?:\d{5}|2[AB]\d{3})$/;

/**
 * Reads commune outlines from GeoJSON FeatureCollections (one or several files, e.g. one per
 * département) and groups them under the current COG commune each belongs to.
 * Throws an ImportError listing every structural problem of every file.
 */
export function parseCommuneOutlines(sources: SourceText[]): ParsedCommuneOutlines {
  const issues: InputIssue[] = [];
  const parsed = collectCommuneOutlines(sources, issues);
  if (issues.length) throw new ImportError(issues);
  return parsed;
}

/** As parseCommuneOutlines, but appends the problems to `issues` instead of throwing. */
function collectCommuneOutlines(sources: SourceText[], issues: InputIssue[]): ParsedCommuneOutlines {
  const pieces: OutlinePiece[] = [];
  const files: ParsedCommuneOutlines['files'] = [];
  const firstSeen = new Map<string, { file: string; feature: number }>();
  let features = 0;

  for (const [sourceIndex, src] of sources.entries()) {
    const add = (message: string, line?: number, field?: string) => issues.push({ file: src.fileName, line, field, message });
    const fc = parseFeatureCollection(src, add);
    if (!fc) {
      files.push({ file: src.fileName, features: 0, codeProperty: '' });
      continue;
    }
    features += fc.length;
    if (fc.length === 0) add("la FeatureCollection n'a aucune feature : aucun contour à importer", undefined, 'features');

    const codeKey = detectProperty(fc, CODE_PROPERTIES);
    const nameKey = detectProperty(fc, NAME_PROPERTIES);
    if (!codeKey) {
      add(
        `no commune code property in any feature: expected one of ${CODE_PROPERTIES.map((k) => `properties.${k}`).join(', ')} (any case)`,
        undefined,
        'properties',
      );
    }
    files.push({ file: src.fileName, features: fc.length, codeProperty: codeKey ?? '' });

    fc.forEach((raw, i) => {
      const n = i + 1;
      if (!isObject(raw) || raw.type !== 'Feature') {
        add(`feature ${n} is not a GeoJSON Feature (type ${describe(isObject(raw) ? raw.type : raw)})`, n, 'type');
        return;
      }
      const props = isObject(raw.properties) ? raw.properties : {};
      const name = nameKey !== undefined && typeof props[nameKey] === 'string' ? (props[nameKey] as string) : undefined;
      const label = `feature ${n}${name ? ` (${name})` : ''}`;

      let code: string | undefined;
      if (codeKey) {
        const value = props[codeKey];
        code = normaliseCode(value);
        if (value === undefined || value === null || value === '') {
          add(`${label} has no commune code`, n, `properties.${codeKey}`);
        } else if (!code) {
          add(`${label}: ${describe(value)} is not an INSEE commune code (5 characters, e.g. 49092 or 2A004)`, n, `properties.${codeKey}`);
        }
      }

      const report = (msg: string, field: string) => add(`${label}${code ? `, code ${code}` : ''}: ${msg}`, n, field);
      const geometry = plausible(readGeometry(raw.geometry, report), code, report);

      if (code) {
        const prior = firstSeen.get(code);
        if (prior) {
          add(`duplicate commune code ${code}: already given by ${prior.file}, feature ${prior.feature}`, n, `properties.${codeKey}`);
          return;
        }
        firstSeen.set(code, { file: src.fileName, feature: n });
      }
      if (code && geometry) pieces.push({ sourceCode: code, sourceName: name, file: src.fileName, sourceIndex, feature: n, geometry });
    });
  }

  return reconcile(pieces, files, features);
}

/**
 * A département counts as complete in the input when it has outlines for at least this share of its current
 * communes: then its communes without an outline (re-created since the outlines' vintage) are stored without one.
 * A file of a few communes of a département creates none (they are only reported).
 */
export const COMPLETE_DEPARTEMENT_SHARE = 0.9;

/** Groups the outlines under the current territorial unit (commune, or arrondissement municipal) each belongs to. */
function reconcile(pieces: OutlinePiece[], files: ParsedCommuneOutlines['files'], features: number): ParsedCommuneOutlines {
  const c = cog();
  const groups = new Map<string, CurrentCommuneOutline>();
  const unmatched: OutlinePiece[] = [];
  for (const p of pieces) {
    const current = c.toCurrent(p.sourceCode);
    const unit = current ? c.unit(current) : undefined;
    if (!unit) {
      unmatched.push(p);
      continue;
    }
    let g = groups.get(unit.code);
    if (!g) {
      g = { code: unit.code, nom: unit.nom, departement: unit.departement, parent: unit.parent, pieces: [], sourceCodes: [] };
      groups.set(unit.code, g);
    }
    g.pieces.push(p);
    g.sourceCodes.push(p.sourceCode);
  }
  const communes = [...groups.values()].sort((a, b) => cmp(a.code, b.code));
  for (const g of communes) g.sourceCodes.sort(cmp);

  // Départements of the communes given (an arrondissement file alone brings no département).
  const perDep = new Map<string, number>();
  for (const g of communes) if (!g.parent) perDep.set(g.departement, (perDep.get(g.departement) ?? 0) + 1);
  const departements = [...perDep.keys()].sort(cmp);
  const all = [...c.communes.values()];
  const inCog = new Map<string, number>();
  for (const x of all) inCog.set(x.departement, (inCog.get(x.departement) ?? 0) + 1);
  const complete = departements.filter((d) => perDep.get(d)! >= COMPLETE_DEPARTEMENT_SHARE * inCog.get(d)!);
  const missing = all
    .filter((x) => perDep.has(x.departement) && !groups.has(x.code))
    .map((x) => ({ code: x.code, nom: x.nom, departement: x.departement }))
    .sort((a, b) => cmp(a.code, b.code));
  const outlineLess = outlineLessUnits(groups, missing, complete);

  const stored = new Set(outlineLess.map((u) => u.code));
  const warnings = [
    ...unmatched.map(
      (p) =>
        `${p.file}, feature ${p.feature}: code ${p.sourceCode}${p.sourceName ? ` (${p.sourceName})` : ''} is no commune of the current COG ${COG_SOURCE.cogYear}; outline not imported`,
    ),
    ...missing.map(
      (m) => `${m.code} ${m.nom}: no outline in the input (département ${m.departement})${stored.has(m.code) ? '; stored without outline' : ''}`,
    ),
    ...outlineLess
      .filter((u) => u.reason === 'collectivite')
      .map((u) => `${u.code} ${u.nom}: no outline in the input; stored without outline (collectivité d’outre-mer, FINESS files it under département ${DETACHED_COLLECTIVITIES[u.code]})`),
  ];
  return { communes, unmatched, missing, outlineLess, departements, complete, features, files, warnings };
}

/**
 * Units stored without an outline: the communes without one in complete départements, the collectivités
 * detached from a complete département, every arrondissement municipal of a commune stored, and the commune
 * of an arrondissement given alone. Ordered by code.
 */
function outlineLessUnits(
  groups: ReadonlyMap<string, CurrentCommuneOutline>,
  missing: ParsedCommuneOutlines['missing'],
  complete: readonly string[],
): OutlineLessUnit[] {
  const c = cog();
  const out = new Map<string, OutlineLessUnit>();
  const add = (code: string, reason: OutlineLessUnit['reason']) => {
    const u = c.unit(code)!;
    if (!groups.has(code) && !out.has(code)) out.set(code, { code, nom: u.nom, departement: u.departement, parent: u.parent, reason });
  };
  const full = new Set(complete);
  for (const m of missing) if (full.has(m.departement)) add(m.code, 'commune');
  for (const [code, dep] of Object.entries(DETACHED_COLLECTIVITIES)) if (full.has(dep)) add(code, 'collectivite');
  for (const g of groups.values()) if (g.parent) add(g.parent, 'commune');
  for (const code of [...groups.keys(), ...out.keys()]) for (const a of c.arrondissementsOf(code)) add(a.code, 'arrondissement');
  return [...out.values()].sort((a, b) => cmp(a.code, b.code));
}

/** The file's `features`, or undefined after recording why it is not a FeatureCollection. */
function parseFeatureCollection(src: SourceText, add: (m: string, line?: number, field?: string) => void): unknown[] | undefined {
  const json = parseJsonText(src.text);
  if (!('value' in json)) {
    add(json.message, json.line);
    return undefined;
  }
  const doc = json.value;
  if (!isObject(doc) || doc.type !== 'FeatureCollection') {
    add(`not a GeoJSON FeatureCollection (top-level type ${describe(isObject(doc) ? doc.type : doc)})`, undefined, 'type');
    return undefined;
  }
  if (!Array.isArray(doc.features)) {
    add('a FeatureCollection needs a "features" array', undefined, 'features');
    return undefined;
  }
  // GeoJSON 2008 allowed a named CRS; RFC 7946 files are WGS84 longitude/latitude.
  const crsName = isObject(doc.crs) && isObject(doc.crs.properties) ? doc.crs.properties.name : undefined;
  if (typeof crsName === 'string' && !/(?:CRS84|EPSG::?4326)$/i.test(crsName)) {
    add(`coordinates are in ${crsName}; expected WGS84 longitude/latitude (EPSG:4326, as RFC 7946 requires)`, undefined, 'crs');
    return undefined;
  }
  return doc.features;
}

/** The outline, or undefined after reporting why it cannot be a commune's (outside France or its territory, too large). */
function plausible(g: OutlineGeometry | undefined, code: string | undefined, report: (message: string, field: string) => void): OutlineGeometry | undefined {
  if (!g) return undefined;
  const current = code ? cog().toCurrent(code) : undefined;
  const dep = current ? cog().unit(current)?.departement : undefined;
  const problems = checkShape({
    kind: 'commune',
    polygons: g.type === 'Polygon' ? [g.coordinates] : g.coordinates,
    expected: dep ? territoryOfDepartement(dep) : undefined,
  });
  for (const p of problems) report(p.message, 'geometry');
  return problems.length ? undefined : g;
}

/** The first candidate (in priority order) present as a property key of some feature, in the file's own case. */
function detectProperty(features: unknown[], candidates: readonly string[]): string | undefined {
  const keys = new Map<string, string>();
  for (const f of features) {
    if (isObject(f) && isObject(f.properties)) {
      for (const k of Object.keys(f.properties)) if (!keys.has(k.toLowerCase())) keys.set(k.toLowerCase(), k);
    }
  }
  for (const c of candidates) {
    const k = keys.get(c);
    if (k !== undefined) return k;
  }
  return undefined;
}

function normaliseCode(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 1000 && v <= 99999) return String(v).padStart(5, '0');
  if (typeof v !== 'string') return undefined;
  const s = v.trim().toUpperCase();
  return INSEE_CODE.test(s) ? s : undefined;
}

/**
 * Checks a Polygon/MultiPolygon structurally and returns a 2D copy, or undefined after reporting the
 * first problem (and how many more there are). OGC validity (self-intersections…) is PostGIS's job.
 */
function readGeometry(g: unknown, report: (message: string, field: string) => void): OutlineGeometry | undefined {
  if (g === null || g === undefined) {
    report('no geometry; expected a Polygon or MultiPolygon', 'geometry');
    return undefined;
  }
  if (!isObject(g) || (g.type !== 'Polygon' && g.type !== 'MultiPolygon')) {
    report(`geometry type ${describe(isObject(g) ? g.type : g)}; expected Polygon or MultiPolygon`, 'geometry.type');
    return undefined;
  }
  const problems: string[] = [];
  const multi = g.type === 'MultiPolygon';
  const polys: unknown[] = multi ? (Array.isArray(g.coordinates) ? g.coordinates : []) : [g.coordinates];
  if (!Array.isArray(g.coordinates)) problems.push('coordinates is not an array');
  else if (polys.length === 0) problems.push('the MultiPolygon has no polygon');
  const out: Position[][][] = [];
  polys.forEach((poly, pi) => {
    const where = multi ? `polygon ${pi + 1}, ` : '';
    if (!Array.isArray(poly) || poly.length === 0) {
      problems.push(`${where}no ring (expected an array of linear rings)`);
      return;
    }
    const rings: Position[][] = [];
    poly.forEach((ring, ri) => {
      const at = `${where}ring ${ri + 1}`;
      if (!Array.isArray(ring)) {
        problems.push(`${at} is not an array of positions`);
        return;
      }
      const positions: Position[] = [];
      for (let k = 0; k < ring.length; k++) {
        const p: unknown = ring[k];
        if (!Array.isArray(p) || p.length < 2 || !isFiniteNumber(p[0]) || !isFiniteNumber(p[1])) {
          problems.push(`${at}, position ${k + 1}: ${describe(p)} is not a [longitude, latitude] pair of numbers`);
          return;
        }
        const x = p[0] as number;
        const y = p[1] as number;
        if (x < -180 || x > 180 || y < -90 || y > 90) {
          problems.push(`${at}, position ${k + 1}: [${x}, ${y}] is outside longitude/latitude ranges (projected coordinates? expected WGS84)`);
          return;
        }
        positions.push([x, y]);
      }
      if (positions.length < 4) {
        problems.push(`${at} has ${positions.length} position(s); a linear ring needs at least 4`);
        return;
      }
      const first = positions[0]!;
      const last = positions[positions.length - 1]!;
      if (first[0] !== last[0] || first[1] !== last[1]) {
        problems.push(`${at} is not closed: first position [${first.join(', ')}] differs from last [${last.join(', ')}]`);
        return;
      }
      rings.push(positions);
    });
    out.push(rings);
  });
  if (problems.length) {
    report(problems[0]! + (problems.length > 1 ? ` (and ${problems.length - 1} more problem(s) in this geometry)` : ''), 'geometry.coordinates');
    return undefined;
  }
  return multi ? { type: 'MultiPolygon', coordinates: out } : { type: 'Polygon', coordinates: out[0]! };
}

// ---------------------------------------------------------------------------------------------
// Import into the database
// ---------------------------------------------------------------------------------------------

/**
 * Expands the paths given on the command line: a folder stands for its *.geojson and *.geojson.gz
 * files (departements-*, regions-* excluded), in name order. Returns absolute paths without duplicates,
 * or throws an ImportError for paths that cannot be read.
 */
export async function listCommuneFiles(paths: string[]): Promise<{ files: string[]; label: string }> {
  const issues: InputIssue[] = [];
  const files: string[] = [];
  const labels: string[] = [];
  for (const p of paths) {
    let isDir: boolean;
    try {
      isDir = (await stat(p)).isDirectory();
    } catch (e) {
      issues.push({ file: p, message: `cannot read the file or folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
      continue;
    }
    if (!isDir) {
      files.push(resolve(p));
      labels.push(basename(p));
      continue;
    }
    const inside = (await readdir(p))
      .filter((f) => /\.geojson(?:\.gz)?$/i.test(f) && !/^(?:departements|regions)-/i.test(f))
      .sort(cmp);
    if (inside.length === 0) {
      issues.push({ file: p, message: 'the folder holds no *.geojson or *.geojson.gz file (departements-* and regions-* are skipped)' });
      continue;
    }
    files.push(...inside.map((f) => resolve(p, f)));
    labels.push(`${basename(resolve(p))}/ (${inside.length} file${inside.length > 1 ? 's' : ''})`);
  }
  if (issues.length) throw new ImportError(issues);
  const unique = [...new Set(files)];
  const label =
    labels.length > 4 ? `${labels[0]} … ${labels[labels.length - 1]} (${unique.length} files)` : labels.join(', ');
  return { files: unique, label };
}

/**
 * Imports commune outlines (files and/or folders) into `commune`, in one transaction: references, outlines
 * made valid and dissolved per current commune or arrondissement, INSEE attributes, the units stored without
 * an outline (see outlineLessUnits), import log. An import never erases an outline stored before.
 */
export async function importCommunes(db: Db, paths: string[], opts: CommonImportOptions = {}): Promise<ImportReport> {
  const progress = opts.onProgress ?? (() => {});
  const { files, label } = await listCommuneFiles(paths);
  const issues: InputIssue[] = [];
  const sources = await readCommuneSources(files, opts, progress, issues);
  progress('parse', 0, 1);
  const parsed = collectCommuneOutlines(sources, issues);
  if (!issues.length && parsed.communes.length === 0) {
    issues.push({ file: label, message: `aucun contour valide : aucun des ${parsed.features} contours n'est celui d'une commune actuelle (COG ${COG_SOURCE.cogYear})` });
  }
  if (issues.length) throw new ImportError(issues);
  progress('parse', 1, 1);
  const checksum = createHash('sha256')
    .update(sources.map((s) => s.checksum).sort().join('\n'))
    .digest('hex');
  const source = `outlines: ${label}; codes, names and populations ${COG_SOURCE.populationYear}: ${COG_SOURCE.name}`;

  return db.transaction(async (tx) => {
    const c = cog();
    await tx.query(REFERENCE_SQL.regions, [JSON.stringify([...c.regions.values()])]);
    await tx.query(REFERENCE_SQL.departements, [JSON.stringify([...c.departements.values()])]);
    const repaired = await loadOutlines(tx, parsed, sources, progress);
    progress('dissolve', 0, 1);
    await dissolveOutlines(tx, sources);
    progress('dissolve', 1, 1);

    const counts = {
      files: sources.length,
      features: parsed.features,
      communes: parsed.communes.length,
      merged: parsed.communes.filter((g) => g.pieces.length > 1).length,
      unmatched: parsed.unmatched.length,
      missing: parsed.missing.length,
      withoutOutline: parsed.outlineLess.length,
      arrondissements: [...parsed.communes, ...parsed.outlineLess].filter((u) => u.parent).length,
      repaired: repaired.length,
    };
    const warnings = [...repaired, ...parsed.warnings];
    const importId = await logImport(
      tx,
      'communes',
      { fileName: label, checksum },
      parsed.features,
      { encoding: opts.encoding ?? 'auto' },
      {
        counts,
        warnings,
        cog: COG_SOURCE,
        files: sources.map((s, i) => ({ name: s.fileName, checksum: s.checksum, features: parsed.files[i]!.features, codeProperty: parsed.files[i]!.codeProperty })),
      },
    );
    await storeUnits(tx, parsed, [COG_SOURCE.populationYear, source, importId], progress);
    progress('outlines', 0, 1);
    await refreshAdminOutlines(tx);
    progress('outlines', 1, 1);
    return { kind: 'communes', file: label, importId, rows: parsed.features, counts, warnings } satisfies ImportReport;
  });
}

/** Reads every file, going on after a bad one (its problems appended to `issues`) so that all are reported together. */
async function readCommuneSources(files: string[], opts: CommonImportOptions, progress: Progress, issues: InputIssue[]): Promise<SourceText[]> {
  const sources: SourceText[] = [];
  for (const [i, f] of files.entries()) {
    try {
      sources.push(await readSource(f, opts.encoding ?? 'auto'));
    } catch (e) {
      if (!(e instanceof ImportError)) throw e;
      issues.push(...e.issues);
    }
    progress('read', i + 1, files.length);
  }
  return sources;
}

/** The attributes stored for a unit, from the COG. */
function unitRow(code: string) {
  const u = cog().unit(code)!;
  return { code, nom: u.nom, departement: u.departement, region: u.region, epci: u.epci, population: u.population, anciens: u.anciensCodes, postaux: u.codesPostaux };
}

/**
 * Loads every outline as read into a temporary table, each made valid on its own. Refuses the import when an
 * outline is empty once valid; returns one warning per repaired outline.
 */
async function loadOutlines(tx: Queryable, parsed: ParsedCommuneOutlines, sources: SourceText[], progress: Progress): Promise<string[]> {
  const c = cog();
  const rows = parsed.communes.flatMap((g) =>
    g.pieces.map((p) => ({
      c: g.code,
      s: p.sourceCode,
      f: p.sourceIndex,
      n: p.feature,
      g: multiPolygonEwkbHex(p.geometry.type === 'Polygon' ? [p.geometry.coordinates] : p.geometry.coordinates),
    })),
  );
  await tx.exec(PIECE_TABLE);
  await insertJson(tx, LOAD_PIECES, rows, { chunk: 2000, onProgress: (d, t) => progress('load outlines', d, t) });
  const bad = await tx.query<{ code: string; src: string; file: number; feature: number; reason: string | null; empty: boolean }>(
    `SELECT code, src, file, feature, reason, (geom IS NULL OR ST_IsEmpty(geom)) AS empty
       FROM import_commune_piece WHERE reason IS NOT NULL ORDER BY file, feature`,
  );
  const errors: InputIssue[] = [];
  const repaired: string[] = [];
  for (const b of bad.rows) {
    const name = c.unit(b.code)?.nom ?? '';
    const was = b.src === b.code ? '' : ` (outline of ${b.src})`;
    if (b.empty) {
      errors.push({
        file: sources[b.file]!.fileName,
        line: b.feature,
        field: 'geometry',
        message: `commune ${b.code} ${name}${was}: the outline is empty once made valid (${b.reason}); it has no area to import`,
      });
    } else {
      repaired.push(`${b.code} ${name}${was}: invalid outline in ${sources[b.file]!.fileName}, feature ${b.feature} (${b.reason}); repaired with ST_MakeValid`);
    }
  }
  if (errors.length) throw new ImportError(errors);
  return repaired;
}

/**
 * One MultiPolygon per unit: the pieces of a commune nouvelle are dissolved. Refuses the import when a
 * dissolved outline is empty or invalid (a last guard behind safe_union, migration 010).
 */
async function dissolveOutlines(tx: Queryable, sources: SourceText[]): Promise<void> {
  await tx.exec(DISSOLVE);
  const broken = await tx.query<{ code: string; files: number[]; features: number[] }>(
    `SELECT g.code, array_agg(p.file ORDER BY p.file, p.feature) AS files, array_agg(p.feature ORDER BY p.file, p.feature) AS features
       FROM import_commune_geom g JOIN import_commune_piece p USING (code)
      WHERE g.geom IS NULL OR ST_IsEmpty(g.geom) OR GeometryType(g.geom) <> 'MULTIPOLYGON' OR NOT ST_IsValid(g.geom)
      GROUP BY g.code ORDER BY g.code`,
  );
  if (!broken.rows.length) return;
  throw new ImportError(
    broken.rows.map((b) => ({
      file: sources[b.files[0]!]!.fileName,
      line: b.features[0]!,
      field: 'geometry',
      message: `commune ${b.code} ${cog().unit(b.code)?.nom ?? ''}: dissolving its outline(s) (${b.files
        .map((f, i) => `${sources[f]!.fileName} feature ${b.features[i]}`)
        .join(', ')}) gives no valid non-empty MultiPolygon`,
    })),
  );
}

/** Upserts the units with an outline, then those without (keeping any outline stored before), then the parents. */
async function storeUnits(tx: Queryable, parsed: ParsedCommuneOutlines, params: unknown[], progress: Progress): Promise<void> {
  const withOutline = parsed.communes.map((g) => unitRow(g.code));
  const stored = await insertJson(tx, UPSERT_COMMUNES, withOutline, {
    chunk: 2000,
    extraParams: params,
    onProgress: (d, t) => progress('store', d, t),
  });
  if (stored !== withOutline.length) throw new Error(`communes import: ${stored} rows stored for ${withOutline.length} communes`);
  await insertJson(tx, UPSERT_WITHOUT_OUTLINE, parsed.outlineLess.map((u) => unitRow(u.code)), { extraParams: params });
  const parents = [...parsed.communes, ...parsed.outlineLess].filter((u) => u.parent).map((u) => ({ code: u.code, parent: u.parent }));
  await tx.query(
    `UPDATE commune SET parent = r.parent FROM jsonb_to_recordset($1::jsonb) AS r(code text, parent text)
      WHERE commune.code = r.code AND commune.parent IS DISTINCT FROM r.parent`,
    [JSON.stringify(parents)],
  );
}

// Temporary geometry is stored uncompressed (STORAGE EXTERNAL): each outline is written and read once or twice,
// so compressing it costs more than it saves.
const PIECE_TABLE = `CREATE TEMP TABLE import_commune_piece (
  code    text NOT NULL,     -- current commune or arrondissement
  src     text NOT NULL,     -- code as read
  file    integer NOT NULL,  -- index in the file list
  feature integer NOT NULL,
  geom    geometry,          -- made valid (polygonal part) when the input was invalid
  reason  text               -- ST_IsValidReason of the input, when invalid
) ON COMMIT DROP;
ALTER TABLE import_commune_piece ALTER COLUMN geom SET STORAGE EXTERNAL`;

// Outlines arrive as hex EWKB (see wkb.ts); ST_IsValid once per outline (OFFSET 0 keeps the planner from
// evaluating the decoding once per use).
const LOAD_PIECES = `INSERT INTO import_commune_piece (code, src, file, feature, geom, reason)
SELECT r.c, r.s, r.f, r.n,
       CASE WHEN v.ok THEN v.g ELSE safe_make_valid(v.g) END,
       CASE WHEN v.ok THEN NULL ELSE coalesce(ST_IsValidReason(v.g), 'unreadable geometry') END
  FROM jsonb_to_recordset($1::jsonb) AS r(c text, s text, f integer, n integer, g text)
 CROSS JOIN LATERAL (
       SELECT x.g, coalesce(ST_IsValid(x.g), false) AS ok
         FROM (SELECT ST_GeomFromEWKB(decode(r.g, 'hex')) AS g OFFSET 0) x
       ) v`;

// Only communes nouvelles go through ST_Union, into import_commune_geom; single outlines (valid, or repaired above)
// are read from import_commune_piece as they are (OUTLINES), not copied.
const DISSOLVE = `CREATE TEMP TABLE import_commune_count ON COMMIT DROP AS SELECT code, count(*) AS n FROM import_commune_piece GROUP BY code;
CREATE UNIQUE INDEX ON import_commune_count (code);
CREATE INDEX ON import_commune_piece (code);
CREATE TEMP TABLE import_commune_geom (code text PRIMARY KEY, geom geometry) ON COMMIT DROP;
ALTER TABLE import_commune_geom ALTER COLUMN geom SET STORAGE EXTERNAL;
INSERT INTO import_commune_geom
SELECT p.code, safe_union(array_agg(p.geom ORDER BY p.file, p.feature))
  FROM import_commune_piece p JOIN import_commune_count c USING (code) WHERE c.n > 1 GROUP BY p.code`;

/** One outline per unit: its single piece, or its dissolved pieces. */
const OUTLINES = `(SELECT p.code, ST_Multi(p.geom) AS geom FROM import_commune_piece p JOIN import_commune_count c USING (code) WHERE c.n = 1
   UNION ALL SELECT code, geom FROM import_commune_geom)`;

const UNIT_COLUMNS = 'r(code text, nom text, departement text, region text, epci text, population integer, anciens jsonb, postaux jsonb)';
const SET_ATTRIBUTES = `nom = EXCLUDED.nom, departement = EXCLUDED.departement, region = EXCLUDED.region, epci = EXCLUDED.epci,
  population = EXCLUDED.population, population_annee = EXCLUDED.population_annee, anciens_codes = EXCLUDED.anciens_codes,
  codes_postaux = EXCLUDED.codes_postaux`;

// The low-zoom outline: Douglas-Peucker at 250 m keeping small communes (ST_Simplify, preserveCollapsed), several
// times faster than ST_SimplifyPreserveTopology; the few it makes invalid (90 of 35,000) are repaired. The
// lowest-zoom one (600 m, geom_3857_lowest) is a column generated from geom_3857 by this same statement (migration 113).
const UPSERT_COMMUNES = `INSERT INTO commune (code, nom, departement, region, epci, population, population_annee, anciens_codes,
                     codes_postaux, area_km2, geom, geom_3857, geom_3857_low, source, import_id)
SELECT r.code, r.nom, r.departement, r.region, r.epci, r.population, $2::integer,
       ARRAY(SELECT jsonb_array_elements_text(r.anciens)), ARRAY(SELECT jsonb_array_elements_text(r.postaux)),
       ST_Area(g.geom::geography) / 1e6, g.geom, t.g3857,
       CASE WHEN l.low IS NULL OR ST_IsEmpty(l.low) THEN t.g3857 ELSE ST_Multi(l.low) END,
       $3::text, $4::integer
  FROM jsonb_to_recordset($1::jsonb) AS ${UNIT_COLUMNS}
  JOIN ${OUTLINES} g ON g.code = r.code
 CROSS JOIN LATERAL (SELECT ST_Transform(g.geom, 3857) AS g3857 OFFSET 0) t
 CROSS JOIN LATERAL (SELECT ST_Simplify(t.g3857, 250, true) AS s OFFSET 0) d
 CROSS JOIN LATERAL (SELECT safe_make_valid(d.s) AS low OFFSET 0) l
ON CONFLICT (code) DO UPDATE SET ${SET_ATTRIBUTES},
  area_km2 = EXCLUDED.area_km2, geom = EXCLUDED.geom, geom_3857 = EXCLUDED.geom_3857, geom_3857_low = EXCLUDED.geom_3857_low,
  source = EXCLUDED.source, import_id = EXCLUDED.import_id`;

// A unit without an outline in this input keeps the outline (and its source) stored by an earlier import.
const UPSERT_WITHOUT_OUTLINE = `INSERT INTO commune (code, nom, departement, region, epci, population, population_annee, anciens_codes,
                     codes_postaux, source, import_id)
SELECT r.code, r.nom, r.departement, r.region, r.epci, r.population, $2::integer,
       ARRAY(SELECT jsonb_array_elements_text(r.anciens)), ARRAY(SELECT jsonb_array_elements_text(r.postaux)), $3::text, $4::integer
  FROM jsonb_to_recordset($1::jsonb) AS ${UNIT_COLUMNS}
ON CONFLICT (code) DO UPDATE SET ${SET_ATTRIBUTES},
  source = CASE WHEN commune.geom IS NULL THEN EXCLUDED.source ELSE commune.source END,
  import_id = CASE WHEN commune.geom IS NULL THEN EXCLUDED.import_id ELSE commune.import_id END`;

// ---------------------------------------------------------------------------------------------

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isFiniteNumber(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v);
}

function describe(v: unknown): string {
  if (v === undefined) return 'missing';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}…` : s;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

