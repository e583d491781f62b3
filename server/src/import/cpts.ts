// CPTS perimeters: a CSV of CPTS × commune rows (cpts-csv.ts), or GeoJSON polygons whose member communes are
// computed from the share of each commune's area they cover (cpts-geojson.ts). Communes must be imported first.
import { basename } from 'node:path';
import type { Db, Queryable } from '../db/port.js';
import { areaShareSql, isTerritorialUnit } from '../domain/rules-sql.js';
import { insertJson } from './bulk.js';
import type { CptsEntity } from './cpts-common.js';
import { parseCptsCsv, type CptsCsvOptions, type ParsedCptsCsv } from './cpts-csv.js';
import { parseCptsGeojson, type ParsedCptsGeojson } from './cpts-geojson.js';
import { ImportError, IssueList } from './errors.js';
import { logImport } from './log.js';
import { cog } from './cog.js';
import { WHOLE_REGION_SHARE } from '../domain/extents.js';
import { readSource, type SourceText } from './source.js';
import type { CommonImportOptions, EditConflict, ImportReport } from './types.js';
import { unionGeometry, writeVersion, type Author } from '../register/versions.js';

export { CPTS_PERIMETRES, CPTS_STATUTS, parseStatut, type CptsPerimetre, type CptsStatut } from './cpts-common.js';
export { parseCptsCsv } from './cpts-csv.js';
export { parseCptsGeojson } from './cpts-geojson.js';

export interface CptsImportOptions extends CommonImportOptions, CptsCsvOptions {
  /** GeoJSON only: a commune is a member when the polygon covers at least this share of its area (default 0.5). */
  threshold?: number;
  /** Overrides the format chosen from the file extension (.csv / .geojson / .json, optionally .gz). */
  format?: 'csv' | 'geojson';
  /** Replace the perimeters edited through the API since their last import (by default kept, reported as conflicts). */
  replaceEdits?: boolean;
  /** Who imports: the command line unless a caller (a web import) says who. */
  author?: Author;
}

const CLI_AUTHOR: Author = { utilisateur: null, auteur: 'cli' };

export const DEFAULT_THRESHOLD = 0.5;

export function cptsFormatOf(path: string): 'csv' | 'geojson' | undefined {
  const name = basename(path).toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.csv')) return 'csv';
  if (name.endsWith('.geojson') || name.endsWith('.json')) return 'geojson';
  return undefined;
}

/**
 * Imports CPTS perimeters (CSV or GeoJSON, chosen by extension) in one transaction: upserts the CPTS and writes a
 * new version of every perimeter the file changes (register/versions.ts). A perimeter edited through the API since
 * its last import is kept and reported as a conflict, unless `replaceEdits`: an import never silently replaces an edit.
 */
export async function importCpts(db: Db, path: string, opts: CptsImportOptions = {}): Promise<ImportReport> {
  const src = await readSource(path, opts.encoding);
  const format = opts.format ?? cptsFormatOf(path);
  if (!format) {
    throw new ImportError([{ file: src.fileName, message: 'unknown CPTS file type: expected .csv or .geojson (optionally .gz)' }]);
  }
  opts.onProgress?.('parse', 0, 1);
  return format === 'csv' ? importCsv(db, src, opts) : importGeojson(db, src, opts);
}

const progressOf = (opts: CptsImportOptions) => (stage: string, done = 1, total = 1) => opts.onProgress?.(stage, done, total);

async function importCsv(db: Db, src: SourceText, opts: CptsImportOptions): Promise<ImportReport> {
  const parsed = parseCptsCsv(src.text, src.fileName, opts);
  const progress = progressOf(opts);
  progress('parse');
  return db.transaction(async (tx) => {
    const issues = new IssueList(src.fileName);
    await assertCommunesLoaded(tx, src.fileName);
    await checkUnitsLoaded(tx, parsed, issues, opts.codeColumn ?? 'code_insee');
    await checkFinessConflicts(tx, issues, parsed.cpts);
    issues.throwIfAny();
    const { conflicts, kept } = await editConflicts(tx, parsed.cpts.map((c) => c.id), opts.replaceEdits ?? false);
    const entities = parsed.cpts.filter((c) => !kept.has(c.id));
    const ids = entities.map((c) => c.id);
    const before = await existingIds(tx, ids);
    progress('write', 0, 3);
    await insertJson(tx, CPTS_UPSERT(false), entities.map(entityJson));
    const units = new Map(ids.map((id) => [id, new Map<string, number>()]));
    for (const m of parsed.members) units.get(m.cptsId)?.set(m.code, 1);
    progress('write', 1, 3);
    const written = await writeImportedVersions(tx, src.fileName, entities, units, opts, false);
    progress('write', 2, 3);
    const counts = {
      cpts: parsed.cpts.length,
      created: ids.filter((id) => !before.has(id)).length,
      updated: before.size,
      memberships: parsed.members.filter((m) => !kept.has(m.cptsId)).length,
      ...written,
      conflicts: conflicts.length,
      communes: new Set(parsed.members.map((m) => m.code)).size,
      approximatif: parsed.cpts.filter((c) => c.perimetre === 'approximatif').length,
      renamedCodes: parsed.counts.renamedCodes,
      duplicateRows: parsed.counts.duplicates,
      communesSplitIntoArrondissements: parsed.counts.communesSplit,
      sharedUnits: await sharedUnits(tx, ids),
    };
    const warnings = [...parsed.warnings, ...conflicts.map(conflictWarning)];
    const report = { counts, warnings, idsGenerated: parsed.idsGenerated, conflicts };
    const { onProgress: _p, encoding: _e, author: _a, ...logged } = opts;
    const importId = await logImport(tx, 'cpts', src, parsed.rows, { ...logged, format: 'csv' }, report);
    await tx.query('UPDATE cpts SET import_id = $1 WHERE id = ANY($2::text[])', [importId, ids]);
    progress('write', 3, 3);
    return { kind: 'cpts', file: src.fileName, importId, rows: parsed.rows, counts, warnings, conflicts };
  });
}

async function importGeojson(db: Db, src: SourceText, opts: CptsImportOptions): Promise<ImportReport> {
  const parsed = parseCptsGeojson(src.text, src.fileName, opts);
  const threshold = opts.threshold ?? DEFAULT_THRESHOLD;
  const progress = progressOf(opts);
  progress('parse');
  return db.transaction(async (tx) => {
    const issues = new IssueList(src.fileName);
    const warnings = [...parsed.warnings];
    await assertCommunesLoaded(tx, src.fileName);
    const repaired = await checkPolygons(tx, parsed, issues, warnings);
    await checkFinessConflicts(tx, issues, parsed.cpts);
    issues.throwIfAny();
    const { conflicts, kept } = await editConflicts(tx, parsed.cpts.map((c) => c.id), opts.replaceEdits ?? false);
    const entities = parsed.cpts.filter((c) => !kept.has(c.id));
    const ids = entities.map((c) => c.id);
    const before = await existingIds(tx, ids);
    progress('write', 0, 3);
    await insertJson(tx, CPTS_UPSERT(true), entities.map(entityJson), { chunk: 50 });
    progress('write', 1, 3);
    const shares = await membershipsByShare(tx, ids, threshold);
    checkSelections({ ...parsed, cpts: entities }, shares.members, { threshold, force: opts.force ?? false, issues, warnings });
    issues.throwIfAny();
    const units = new Map(ids.map((id) => [id, new Map<string, number>()]));
    for (const m of shares.members) units.get(m.cpts_id)?.set(m.code, m.share);
    const written = await writeImportedVersions(tx, src.fileName, entities, units, opts, true);
    progress('write', 2, 3);
    warnings.push(...conflicts.map(conflictWarning));
    const counts = {
      cpts: parsed.cpts.length,
      created: ids.filter((id) => !before.has(id)).length,
      updated: before.size,
      memberships: shares.members.length,
      ...written,
      conflicts: conflicts.length,
      communesBelowThreshold: shares.below,
      repairedPolygons: repaired,
    };
    const report = { counts, warnings, conflicts };
    const { onProgress: _p, encoding: _e, author: _a, ...logged } = opts;
    const importId = await logImport(tx, 'cpts', src, parsed.cpts.length, { ...logged, format: 'geojson', threshold }, report);
    await tx.query('UPDATE cpts SET import_id = $1 WHERE id = ANY($2::text[])', [importId, ids]);
    progress('write', 3, 3);
    return { kind: 'cpts', file: src.fileName, importId, rows: parsed.cpts.length, ...report };
  });
}

/**
 * What each polygon selects must be a CPTS's: at least one commune, and no whole région. Either refuses the import
 * (an issue naming the feature) or, with `--force`, is a warning.
 */
function checkSelections(
  parsed: ParsedCptsGeojson,
  members: { cpts_id: string; code: string }[],
  o: { threshold: number; force: boolean; issues: IssueList; warnings: string[] },
): void {
  const byCpts = new Map<string, string[]>();
  for (const m of members) byCpts.set(m.cpts_id, [...(byCpts.get(m.cpts_id) ?? []), m.code]);
  for (const c of parsed.cpts) {
    const codes = byCpts.get(c.id) ?? [];
    const problems = codes.length
      ? wholeRegions(codes).map((r) => `le polygone couvre toute la région ${r.nom} (${r.covered} de ses ${r.communes} communes) : un périmètre régional, pas celui d'une CPTS`)
      : [`le polygone ne sélectionne aucune commune (aucune commune importée n'y a ${Math.round(o.threshold * 100)} % de sa surface) : polygone en mer, ou communes non importées ?`];
    for (const p of problems) {
      const where = `feature ${c.index} (CPTS ${c.id} ${c.nom})`;
      if (o.force) o.warnings.push(`${where}: ${p} ; importée quand même (--force)`);
      else o.issues.add(`${where}: ${p} (--force pour l'importer quand même)`, undefined, `features[${c.index}].geometry`);
    }
  }
}

/** The régions of several départements of which these units (communes, arrondissements) cover WHOLE_REGION_SHARE or more. */
export function wholeRegions(codes: readonly string[]): { nom: string; covered: number; communes: number }[] {
  const c = cog();
  const covered = new Map<string, Set<string>>();
  for (const code of codes) {
    const u = c.unit(code);
    if (!u) continue;
    const commune = u.parent ?? u.code;
    covered.set(u.region, (covered.get(u.region) ?? new Set()).add(commune));
  }
  const out: { nom: string; covered: number; communes: number }[] = [];
  for (const [region, set] of covered) {
    const deps = [...c.departements.values()].filter((d) => d.region === region).length;
    const communes = [...c.communes.values()].filter((x) => x.region === region).length;
    if (deps > 1 && set.size >= WHOLE_REGION_SHARE * communes) out.push({ nom: c.regions.get(region)?.nom ?? region, covered: set.size, communes });
  }
  return out;
}

/** Valid MultiPolygon (possibly empty) in EPSG:4326 from a GeoJSON geometry text (`$n`). */
const VALID_MULTIPOLYGON = (g: string) =>
  `valid_multipolygon(ST_SetSRID(ST_GeomFromGeoJSON(${g}), 4326))` // migration 010;

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
    nom = EXCLUDED.nom, finess = EXCLUDED.finess, perimetre = EXCLUDED.perimetre,
    -- a CPTS whose life is recorded step by step (cpts_etape) keeps the status its steps give
    statut = CASE WHEN EXISTS (SELECT 1 FROM cpts_etape e WHERE e.cpts_id = cpts.id) THEN cpts.statut ELSE EXCLUDED.statut END,
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

/** Every unit a CSV names must be in the commune table (its département imported). */
async function checkUnitsLoaded(tx: Queryable, parsed: ParsedCptsCsv, issues: IssueList, field: string): Promise<void> {
  const codes = [...new Set(parsed.members.map((m) => m.code))];
  const present = await tx.query<{ code: string }>('SELECT code FROM commune WHERE code = ANY($1::text[])', [codes]);
  const known = new Set(present.rows.map((r) => r.code));
  const missing = new Map<string, ParsedCptsCsv['members']>();
  for (const m of parsed.members) if (!known.has(m.code)) missing.set(m.code, [...(missing.get(m.code) ?? []), m]);
  for (const [code, ms] of missing) {
    const more = ms.length > 1 ? ` (and ${ms.length - 1} more row(s): lines ${ms.slice(1, 6).map((m) => m.line).join(', ')}${ms.length > 6 ? ', …' : ''})` : '';
    issues.add(
      `commune ${code}${ms[0]!.inputCode ? ` (written ${ms[0]!.inputCode})` : ''} is not in the commune table: import the communes of its département first${more}`,
      ms[0]!.line,
      field,
    );
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

/**
 * The CPTS of the file whose newest version was written through the API (an edit or a revert) since their last
 * import: kept as edited unless `replace`, and reported either way.
 */
async function editConflicts(tx: Queryable, ids: string[], replace: boolean): Promise<{ conflicts: EditConflict[]; kept: Set<string> }> {
  const r = await tx.query<{ id: string; nom: string; numero: number; auteur: string; cree_le: Date }>(
    `SELECT h.cpts_id AS id, k.nom, h.numero, h.auteur, h.cree_le
       FROM (SELECT DISTINCT ON (cpts_id) cpts_id, numero, auteur, cree_le, origine FROM cpts_version
              WHERE cpts_id = ANY($1::text[]) ORDER BY cpts_id, numero DESC) h
       JOIN cpts k ON k.id = h.cpts_id
      WHERE h.origine IN ('edition', 'retour')
      ORDER BY h.cpts_id COLLATE "C"`,
    [ids],
  );
  const conflicts = r.rows.map((x) => ({ id: x.id, nom: x.nom, version: x.numero, auteur: x.auteur, le: x.cree_le.toISOString(), remplace: replace }));
  return { conflicts, kept: new Set(replace ? [] : conflicts.map((c) => c.id)) };
}

const conflictWarning = (c: EditConflict) =>
  `CPTS ${c.id} (${c.nom}): perimeter edited through the API since its last import (version ${c.version}, by ${c.auteur}, ${c.le}): ` +
  (c.remplace ? 'replaced by the file as asked (--replace-edits); the edit stays in its history' : 'kept as edited, the file\'s perimeter NOT imported (--replace-edits to replace it)');

/**
 * A new version (author: the command line, or the web import's user) for every CPTS whose units the file changes;
 * one the file leaves as it is keeps its version. Returns how many versions were written, and how many member rows
 * the file's CPTS had before.
 */
async function writeImportedVersions(
  tx: Queryable,
  file: string,
  entities: CptsEntity[],
  units: Map<string, Map<string, number>>,
  opts: CptsImportOptions,
  keepGeometry: boolean,
): Promise<{ versions: number; membershipsReplaced: number }> {
  const current = await tx.query<{ cpts_id: string; code: string; part: number }>(
    'SELECT cpts_id, commune_code AS code, part_surface AS part FROM cpts_commune WHERE cpts_id = ANY($1::text[])',
    [entities.map((e) => e.id)],
  );
  const key = (m: Map<string, number>) => [...m].map(([c, p]) => `${c}:${p.toFixed(4)}`).sort().join(',');
  const before = new Map<string, Map<string, number>>();
  for (const r of current.rows) before.set(r.cpts_id, (before.get(r.cpts_id) ?? new Map<string, number>()).set(r.code, r.part));
  let written = 0;
  const unchanged: string[] = [];
  for (const e of entities) {
    const mine = units.get(e.id)!;
    if (key(mine) === key(before.get(e.id) ?? new Map())) {
      unchanged.push(e.id);
      continue;
    }
    await writeVersion(
      tx,
      opts.author ?? CLI_AUTHOR,
      { cptsId: e.id, communes: [...mine.keys()], commentaire: `Import de ${file}`, versionAttendue: null },
      { origine: 'import', source: e.source, parts: mine, keepGeometry },
    );
    written++;
  }
  if (!keepGeometry && unchanged.length) await unionGeometry(tx, unchanged);
  return { versions: written, membershipsReplaced: current.rows.length };
}

async function existingIds(tx: Queryable, ids: string[]): Promise<Set<string>> {
  const r = await tx.query<{ id: string }>('SELECT id FROM cpts WHERE id = ANY($1::text[])', [ids]);
  return new Set(r.rows.map((x) => x.id));
}

/** Units (communes, arrondissements) claimed by more than one CPTS of the database, among those of this file. */
async function sharedUnits(tx: Queryable, ids: string[]): Promise<number> {
  const r = await tx.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT commune_code FROM cpts_commune
       WHERE commune_code IN (SELECT commune_code FROM cpts_commune WHERE cpts_id = ANY($1::text[]))
       GROUP BY commune_code HAVING count(*) > 1) x`,
    [ids],
  );
  return r.rows[0]!.n;
}

/** Checks each polygon once made valid: empty ones refuse the import, repaired ones are reported. */
async function checkPolygons(tx: Queryable, parsed: ParsedCptsGeojson, issues: IssueList, warnings: string[]): Promise<number> {
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
      issues.add(`feature ${f.index} (CPTS ${f.id} ${f.nom}): the polygon has no area once made valid (${r.reason}); nothing to import`, undefined, `features[${f.index}].geometry`);
    } else if (!r.valid) {
      repaired++;
      warnings.push(`feature ${f.index} (CPTS ${f.id} ${f.nom}): invalid polygon (${r.reason}) repaired with ST_MakeValid`);
    }
  }
  return repaired;
}

/**
 * Members by the share of each intersecting unit's true (spheroidal) area the polygon covers (written as versions). Units are the
 * communes that are no one's parent and the arrondissements municipaux; an arrondissement without outline is
 * measured on its commune's (all of a split commune's arrondissements then go in or out together).
 */
async function membershipsByShare(tx: Queryable, ids: string[], threshold: number): Promise<{ members: { cpts_id: string; code: string; share: number }[]; below: number }> {
  const shares = await tx.query<{ cpts_id: string; code: string; share: number; member: boolean }>(
    `WITH u AS (
       SELECT k.id AS cpts_id, k.source, k.geom AS kg, c.code, c.geom
         FROM cpts k JOIN commune c ON ST_Intersects(c.geom, k.geom)
        WHERE k.id = ANY($1::text[]) AND ${isTerritorialUnit('c')}
       UNION ALL
       SELECT k.id, k.source, k.geom, a.code, c.geom
         FROM cpts k JOIN commune c ON ST_Intersects(c.geom, k.geom) JOIN commune a ON a.parent = c.code AND a.geom IS NULL
        WHERE k.id = ANY($1::text[])
     ), s AS (
       SELECT cpts_id, code, ${areaShareSql('geom', 'kg')} AS share FROM u
     )
     SELECT cpts_id, code, LEAST(share, 1) AS share, share >= $2 AS member FROM s`,
    [ids, threshold],
  );
  return { members: shares.rows.filter((r) => r.member), below: shares.rows.filter((r) => !r.member && r.share >= 0.01).length };
}
