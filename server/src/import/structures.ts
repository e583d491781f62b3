// Structure lists as ARS and URPS keep them (CSV: name, type, commune or coordinates, optional FINESS): above all
// the ESP (équipes de soins primaires), which FINESS does not list. A list is a snapshot of its source: a structure
// the source listed before and no longer lists is closed (kept, never deleted). FINESS prevails over a list.
import type { Db, Queryable } from '../db/port.js';
import { classifyCentre, parseSousType, type SousTypeCentre } from '../domain/centres-sante.js';
import { FINESS_ET, findColumn, normalizeLabel, parseDate, readCsv, requireColumn, sourceLabel, stableId, toCurrentCommune } from './csv.js';
import { IssueList } from './errors.js';
import { logImport } from './log.js';
import { readSource } from './source.js';
import type { CommonImportOptions, ImportReport } from './types.js';

export type ListedType = 'esp' | 'msp' | 'csp' | 'autre';

const TYPE_WORDS: Readonly<Record<string, ListedType>> = {
  esp: 'esp',
  'equipe de soins primaires': 'esp',
  msp: 'msp',
  'maison de sante': 'msp',
  'maison de sante pluriprofessionnelle': 'msp',
  'maison de sante pluri professionnelle': 'msp',
  csp: 'csp',
  cds: 'csp',
  'centre de sante': 'csp',
  autre: 'autre',
};

/** ESP, MSP, centre de santé (CSP, CDS) or autre, as codes or French words, case- and accent-insensitively. */
export function parseListedType(s: string): ListedType | undefined {
  return TYPE_WORDS[normalizeLabel(s)];
}

export interface StructuresOptions extends CommonImportOptions {
  /** Source label for rows without a source column (default: the file name). */
  source?: string;
  /** Date of the list (YYYY-MM-DD or dd/mm/yyyy): structures it no longer lists are closed on it (default: today). */
  date?: string;
}

export interface ListedStructure {
  id: string;
  finess: string | null;
  type: ListedType;
  sousType: SousTypeCentre | null;
  sousTypeRegle: string | null;
  nom: string;
  communeCode: string | null;
  lon: number | null;
  lat: number | null;
  adresse: string | null;
  telephone: string | null;
  source: string;
  line: number;
}

const COLUMNS = {
  nom: ['nom', 'structure_nom', 'raison_sociale'],
  type: ['type', 'type_structure'],
  commune: ['code_insee', 'commune', 'insee'],
  lon: ['longitude', 'lon'],
  lat: ['latitude', 'lat'],
  finess: ['finess', 'nofinesset'],
  sousType: ['sous_type'],
  adresse: ['adresse'],
  telephone: ['telephone'],
  source: ['source'],
};

/** Parses a structure list. Pure: every row needs a name, a type and a commune or a position. */
export function parseStructures(text: string, file: string, opts: StructuresOptions = {}): { structures: ListedStructure[]; rows: number; warnings: string[] } {
  const table = readCsv(text, file);
  const issues = new IssueList(file);
  const col = {
    nom: requireColumn(table, issues, COLUMNS.nom, 'structure name'),
    type: requireColumn(table, issues, COLUMNS.type, 'structure type'),
    commune: findColumn(table, COLUMNS.commune),
    lon: findColumn(table, COLUMNS.lon),
    lat: findColumn(table, COLUMNS.lat),
    finess: findColumn(table, COLUMNS.finess),
    sousType: findColumn(table, COLUMNS.sousType),
    adresse: findColumn(table, COLUMNS.adresse),
    telephone: findColumn(table, COLUMNS.telephone),
    source: findColumn(table, COLUMNS.source),
  };
  if (!col.commune && !(col.lon && col.lat)) {
    issues.add(`no place: expected an INSEE code column (${COLUMNS.commune.join(', ')}) or longitude and latitude columns`, table.headerLine, 'code_insee');
  }
  issues.throwIfAny();
  const out = new Map<string, ListedStructure>();
  const warnings: string[] = [];
  for (const row of table.rows) {
    const s = readRow(row.values, row.line, col, issues, opts.source ?? sourceLabel(file));
    if (!s) continue;
    const prev = out.get(s.id);
    if (prev) issues.add(`same structure as line ${prev.line} (${s.finess ? `FINESS ${s.finess}` : 'same type, name and place'})`, row.line, col.nom);
    else out.set(s.id, s);
  }
  issues.throwIfAny();
  return { structures: [...out.values()], rows: table.rows.length, warnings };
}

type Columns = Record<keyof typeof COLUMNS, string | undefined>;

function readRow(values: Record<string, string>, line: number, col: Columns, issues: IssueList, defaultSource: string): ListedStructure | undefined {
  const v = (c: string | undefined) => (c ? (values[c] ?? '') : '');
  const add = (m: string, field?: string) => issues.add(m, line, field);
  const nom = v(col.nom);
  if (!nom) add('empty structure name', col.nom);
  const type = parseListedType(v(col.type));
  if (!type) add(`unknown type "${v(col.type)}": expected ESP, MSP, centre de santé (CSP, CDS) or autre`, col.type);
  const finess = v(col.finess) || null;
  if (finess && !FINESS_ET.test(finess)) add(`"${finess}" is not a FINESS ET number (9 characters, e.g. 440051043)`, col.finess);
  let sousType: SousTypeCentre | null = null;
  if (v(col.sousType)) {
    sousType = parseSousType(v(col.sousType)) ?? null;
    if (!sousType) add(`unknown sub-type "${v(col.sousType)}": expected médical/polyvalent, infirmier, dentaire, ophtalmologique or autre`, col.sousType);
    else if (type && type !== 'csp') add(`a sub-type is for centres de santé only, not ${type.toUpperCase()}`, col.sousType);
  }
  const place = readPlace(v(col.commune), v(col.lon), v(col.lat), add, col);
  if (!nom || !type || !place || (finess && !FINESS_ET.test(finess))) return undefined;
  const rule = type === 'csp' && !sousType ? classifyCentre(nom, null) : undefined;
  const deg = (v: number, pos: string, neg: string) => `${Math.abs(v).toFixed(4)}${v < 0 ? neg : pos}`;
  const where = place.communeCode ?? `${deg(place.lat!, 'n', 's')} ${deg(place.lon!, 'e', 'w')}`;
  return {
    id: finess ?? stableId(type, where, nom),
    finess,
    type,
    sousType: sousType ?? rule?.sousType ?? null,
    sousTypeRegle: sousType ? 'liste' : (rule?.regle ?? null),
    nom,
    ...place,
    adresse: v(col.adresse) || null,
    telephone: v(col.telephone) || null,
    source: v(col.source) || defaultSource,
    line,
  };
}

function readPlace(
  code: string,
  lonText: string,
  latText: string,
  add: (m: string, field?: string) => void,
  col: Columns,
): { communeCode: string | null; lon: number | null; lat: number | null } | undefined {
  let communeCode: string | null = null;
  if (code) {
    const c = toCurrentCommune(code);
    if ('error' in c) add(c.error, col.commune);
    else communeCode = c.code;
  }
  if (!lonText && !latText) {
    if (!code) add('no place: give an INSEE code or a longitude and latitude', col.commune ?? col.lon);
    return communeCode ? { communeCode, lon: null, lat: null } : undefined;
  }
  const lon = Number(lonText.replace(',', '.'));
  const lat = Number(latText.replace(',', '.'));
  // France, overseas included: longitudes −180…180, latitudes −60…60 (WGS84 degrees).
  if (!lonText || !Number.isFinite(lon) || Math.abs(lon) > 180) add(`"${lonText}" is not a longitude in degrees (WGS84, e.g. -1.5536)`, col.lon);
  else if (!latText || !Number.isFinite(lat) || Math.abs(lat) > 60) add(`"${latText}" is not a latitude in degrees (WGS84, e.g. 47.2184)`, col.lat);
  else return { communeCode, lon, lat };
  return undefined;
}

// $1 rows. A structure without a position is placed at a point inside its commune (or its commune's, for an
// arrondissement without outline); a structure without a commune gets the commune containing its position.
const STAGE = `CREATE TEMP TABLE structure_list ON COMMIT DROP AS
SELECT r.*, coalesce(p.code, r.commune_code) AS commune, coalesce(pt.geom, inside.geom) AS geom,
       CASE WHEN pt.geom IS NULL AND inside.geom IS NOT NULL THEN 'point intérieur de la commune (position approchée)'
            WHEN pt.geom IS NOT NULL THEN 'liste : longitude, latitude' END AS coord_source
  FROM jsonb_to_recordset($1::jsonb) AS r(id text, type text, sous_type text, sous_type_regle text, nom text, commune_code text,
       lon float8, lat float8, adresse text, telephone text, source text, line int)
  LEFT JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326) AS geom WHERE r.lon IS NOT NULL) pt ON true
  LEFT JOIN LATERAL (SELECT c.code FROM commune c WHERE r.commune_code IS NULL AND c.geom IS NOT NULL AND ST_Intersects(c.geom, pt.geom)
                      ORDER BY c.parent IS NULL, c.code LIMIT 1) p ON true
  LEFT JOIN LATERAL (SELECT ST_PointOnSurface(coalesce(c.geom, pc.geom)) AS geom FROM commune c LEFT JOIN commune pc ON pc.code = c.parent
                      WHERE c.code = r.commune_code) inside ON pt.geom IS NULL`;

// $1 import id, $2 list date. Rows FINESS knows (origine 'finess') are left as FINESS has them.
const UPSERT = `INSERT INTO structure (finess, type, sous_type, sous_type_regle, nom, adresse, commune_code, telephone, geom, geom_3857,
                       coord_source, source, import_id, origine)
SELECT id, type, sous_type, sous_type_regle, nom, adresse, commune, telephone, geom, ST_Transform(geom, 3857), coord_source, source, $1, 'liste'
  FROM structure_list
ON CONFLICT (finess) DO UPDATE SET type = EXCLUDED.type, sous_type = EXCLUDED.sous_type, sous_type_regle = EXCLUDED.sous_type_regle,
  nom = EXCLUDED.nom, adresse = EXCLUDED.adresse, commune_code = EXCLUDED.commune_code, telephone = EXCLUDED.telephone,
  geom = EXCLUDED.geom, geom_3857 = EXCLUDED.geom_3857, coord_source = EXCLUDED.coord_source, source = EXCLUDED.source,
  import_id = EXCLUDED.import_id, ferme_le = NULL
WHERE structure.origine = 'liste'`;

const CLOSE = `UPDATE structure s SET ferme_le = $2::date
 WHERE s.origine = 'liste' AND s.ferme_le IS NULL AND s.source = ANY($1::text[])
   AND NOT EXISTS (SELECT 1 FROM structure_list l WHERE l.id = s.finess)`;

/** Imports a structure list in one transaction; returns what was created, updated, left to FINESS and closed. */
export async function importStructures(db: Db, path: string, opts: StructuresOptions = {}): Promise<ImportReport> {
  const src = await readSource(path, opts.encoding);
  const issues = new IssueList(src.fileName);
  const date = opts.date === undefined ? new Date().toISOString().slice(0, 10) : parseDate(opts.date);
  if (!date) issues.add(`option date: "${opts.date}" is not a date (YYYY-MM-DD or dd/mm/yyyy)`, undefined, 'date');
  issues.throwIfAny();
  const parsed = parseStructures(src.text, src.fileName, opts);
  const { onProgress, encoding: _enc, ...loggedOptions } = opts;
  return db.transaction(async (tx) => {
    const rows = parsed.structures.map(({ finess: _f, communeCode, sousType, sousTypeRegle, ...s }) => ({ ...s, commune_code: communeCode, sous_type: sousType, sous_type_regle: sousTypeRegle }));
    await tx.query(STAGE, [JSON.stringify(rows)]);
    const warnings = [...parsed.warnings, ...(await placeWarnings(tx, src.fileName))];
    const importId = await logImport(tx, 'structures', src, parsed.rows, { ...loggedOptions, date }, {});
    const before = await tx.query<{ finess: string; origine: string }>('SELECT finess, origine FROM structure WHERE finess IN (SELECT id FROM structure_list)');
    const written = await tx.query(UPSERT, [importId]);
    const sources = [...new Set(parsed.structures.map((s) => s.source))];
    const closed = await tx.query(CLOSE, [sources, date]);
    const inFiness = before.rows.filter((r) => r.origine === 'finess');
    for (const r of inFiness) warnings.push(`${src.fileName}: FINESS ${r.finess} is in the FINESS stock loaded; FINESS's record kept, the list's row ignored`);
    const counts = {
      structures: parsed.structures.length,
      created: parsed.structures.length - before.rows.length,
      updated: written.rowCount - (parsed.structures.length - before.rows.length),
      alreadyInFiness: inFiness.length,
      closed: closed.rowCount,
      ...Object.fromEntries(['esp', 'msp', 'csp', 'autre'].map((t) => [t, parsed.structures.filter((s) => s.type === t).length])),
    };
    await tx.query('UPDATE import_log SET report = $2::jsonb WHERE id = $1', [importId, JSON.stringify({ counts, warnings })]);
    onProgress?.('write', 1, 1);
    return { kind: 'structures', file: src.fileName, importId, rows: parsed.rows, counts, warnings };
  });
}

/** Rows placed at their commune (no position given), and rows whose position lies in no commune loaded. */
async function placeWarnings(tx: Queryable, file: string): Promise<string[]> {
  const r = await tx.query<{ line: number; nom: string; commune: string | null; geom: boolean; lon: number | null }>(
    `SELECT line, nom, commune, geom IS NOT NULL AS geom, lon FROM structure_list WHERE lon IS NULL OR commune IS NULL ORDER BY line`,
  );
  return r.rows.flatMap((x) => {
    if (x.lon === null && x.geom) return [`${file}, line ${x.line}: ${x.nom}: no position given; placed at a point inside commune ${x.commune} (approximate)`];
    if (x.lon === null) return [`${file}, line ${x.line}: ${x.nom}: no position given and commune ${x.commune} has no outline loaded; stored without a position`];
    return [`${file}, line ${x.line}: ${x.nom}: its position lies in no commune loaded; stored without a commune`];
  });
}
