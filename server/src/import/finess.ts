// FINESS importer: the etalab "stock" extract of the national register of health and social establishments
// (file etalab-cs1100507-stock-<date>.csv). Keeps pharmacies (620), MSP (603), centres de santé (124)
// and CPTS seats (604); coordinates are converted to WGS84 in PostGIS from each record's own CRS.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import type { Db, Queryable } from '../db/port.js';
import { insertJson } from './bulk.js';
import { COG_SOURCE, cog, finessDepartementToCog } from './cog.js';
import { ImportError, IssueList } from './errors.js';
import { logImport } from './log.js';
import { readSource, type SourceText } from './source.js';
import type { CommonImportOptions, ImportReport, Progress } from './types.js';

// ---------------------------------------------------------------------------------------------
// Layout

/** Fields of a `structureet` record, by position (index 0 is the record type). */
export const STRUCTURE_FIELDS = [
  'structureet', 'nofinesset', 'nofinessej', 'rs', 'rslongue', 'complrs', 'compldistrib', 'numvoie', 'typvoie',
  'voie', 'compvoie', 'lieuditbp', 'commune', 'departement', 'libdepartement', 'ligneacheminement', 'telephone',
  'telecopie', 'categetab', 'libcategetab', 'categagretab', 'libcategagretab', 'siret', 'codeape', 'codemft',
  'libmft', 'codesph', 'libsph', 'dateouv', 'dateautor', 'datemaj',
] as const;
type StructureField = (typeof STRUCTURE_FIELDS)[number];
const S = Object.fromEntries(STRUCTURE_FIELDS.map((f, i) => [f, i])) as Record<StructureField, number>;

/** Fields of a `geolocalisation` record in the 2021+ layout (2016 files spread `sourcecoordet` over several fields). */
export const GEOLOCATION_FIELDS = ['geolocalisation', 'nofinesset', 'coordxet', 'coordyet', 'sourcecoordet', 'datemaj'] as const;

const ISO_DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const FR_DATE_RE = /^\d{2}\/\d{2}\/\d{4}$/;
const FINESS_RE = /^[0-9][0-9A-Z][0-9]{7}$/;
const NUMBER_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

export type FinessKind = 'pharmacie' | 'msp' | 'csp' | 'siege_cpts';

/** The FINESS categories (`categetab`) this tool keeps, and what each becomes. */
export const KEPT_CATEGORIES: Readonly<Record<string, FinessKind>> = {
  '620': 'pharmacie', // Pharmacie d'Officine
  '603': 'msp', // Maison de santé (L.6223-3)
  '124': 'csp', // Centre de santé
  '604': 'siege_cpts', // Communauté professionnelle territoriale de santé
};

/**
 * Coordinate reference systems FINESS uses, with a generous box (projected metres) around the territory each
 * covers: a point outside it is a misplaced or mis-projected record. `departements` are the COG départements
 * whose establishments are expected in that CRS.
 */
export const FINESS_CRS: Readonly<Record<number, { name: string; box: [number, number, number, number]; departements?: string[] }>> = {
  2154: { name: 'RGF93 / Lambert-93 (metropolitan France)', box: [50_000, 6_000_000, 1_300_000, 7_150_000] },
  5490: { name: 'RGAF09 / UTM 20N (Antilles)', box: [450_000, 1_550_000, 800_000, 2_050_000], departements: ['971', '972', '977', '978'] },
  2972: { name: 'RGFG95 / UTM 22N (Guyane)', box: [100_000, 200_000, 500_000, 650_000], departements: ['973'] },
  2975: { name: 'RGR92 / UTM 40S (La Réunion)', box: [300_000, 7_600_000, 400_000, 7_720_000], departements: ['974'] },
  4471: { name: 'RGM04 / UTM 38S (Mayotte)', box: [450_000, 8_540_000, 560_000, 8_620_000], departements: ['976'] },
  4467: { name: 'RGSPM06 / UTM 21N (Saint-Pierre-et-Miquelon)', box: [520_000, 5_150_000, 590_000, 5_250_000], departements: ['975'] },
};

/** Older files name overseas projections `UTM_N20`, `UTM_S40`…: the zone gives the CRS. */
const UTM_TOKEN_SRID: Readonly<Record<string, number>> = { N20: 5490, N22: 2972, S40: 2975, S38: 4471, N21: 4467 };

/** The CRS expected for establishments of a COG département. */
function expectedSrid(dep: string): number {
  for (const [srid, crs] of Object.entries(FINESS_CRS)) if (crs.departements?.includes(dep)) return Number(srid);
  return 2154;
}

// ---------------------------------------------------------------------------------------------
// Parse

export interface FinessEstablishment {
  finess: string;
  kind: FinessKind;
  categorieCode: string;
  categorieLibelle: string | null;
  nom: string;
  adresse: string | null;
  codePostal: string | null;
  /** Current COG commune, or null when the record has no commune code (e.g. Saint-Martin in some files). */
  communeCode: string | null;
  telephone: string | null;
  dateOuverture: string | null;
  dateMaj: string | null;
  /** Projected coordinates in `srid`, or null when the record has no usable position. */
  x: number | null;
  y: number | null;
  srid: number | null;
  coordSource: string | null;
  /** Line of the structureet record in the file. */
  line: number;
}

export interface FinessCounts {
  pharmacies: number;
  msp: number;
  csp: number;
  siege_cpts: number;
  skipped_other_categories: number;
  without_coordinates: number;
  without_commune: number;
}

export interface FinessParseResult {
  header: { count: number; date: string };
  establishments: FinessEstablishment[];
  /** structureet records read (all categories). */
  structureRecords: number;
  geolocationRecords: number;
  counts: FinessCounts;
  warnings: string[];
}

/** Collects warnings of one kind, keeping the first `max` and counting the rest. */
class WarningGroup {
  readonly items: string[] = [];
  private extra = 0;
  constructor(private readonly what: string, private readonly max = 100) {}
  add(w: string): void {
    if (this.items.length < this.max) this.items.push(w);
    else this.extra++;
  }
  lines(): string[] {
    return this.extra ? [...this.items, `… and ${this.extra} more ${this.what}`] : this.items;
  }
}

/**
 * Parses a date written yyyy-mm-dd (2021+) or dd/mm/yyyy (2016), checking it exists in the calendar;
 * returns ISO or undefined. Typos such as 0202-02-24 (real, in the 2021 stock) are dates: see plausibleYear.
 */
export function parseFinessDate(s: string): string | undefined {
  let y: number, mo: number, d: number, iso: string;
  if (s.length === 10 && ISO_DATE_RE.test(s)) {
    [y, mo, d, iso] = [Number(s.slice(0, 4)), Number(s.slice(5, 7)), Number(s.slice(8, 10)), s];
  } else if (s.length === 10 && FR_DATE_RE.test(s)) {
    [d, mo, y] = [Number(s.slice(0, 2)), Number(s.slice(3, 5)), Number(s.slice(6, 10))];
    iso = `${s.slice(6, 10)}-${s.slice(3, 5)}-${s.slice(0, 2)}`;
  } else return undefined;
  const days = mo === 2 ? (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28) : mo === 4 || mo === 6 || mo === 9 || mo === 11 ? 30 : 31;
  return y >= 1 && mo >= 1 && mo <= 12 && d >= 1 && d <= days ? iso : undefined;
}

/** A date an establishment can have opened or been updated: from 1800 to ten years ahead. */
function plausibleDate(iso: string): boolean {
  const y = Number(iso.slice(0, 4));
  return y >= 1800 && y <= new Date().getUTCFullYear() + 10;
}

/**
 * The CRS of a geolocalisation record from its `sourcecoordet`: an explicit `EPSG:nnnn` (2026 files),
 * an overseas `UTM_N20`-style token, else Lambert-93 (`LAMBERT_93` or nothing said).
 */
export function sridOfCoordSource(source: string): number | { unknown: string } {
  const epsg = /EPSG\s*:?\s*(\d{4,5})/i.exec(source);
  if (epsg) {
    const code = Number(epsg[1]);
    return FINESS_CRS[code] ? code : { unknown: `EPSG:${code}` };
  }
  const utm = /UTM[_ ]?([NS])[_ ]?(\d{2})/i.exec(source);
  if (utm) {
    const token = `${utm[1]!.toUpperCase()}${utm[2]}`;
    return UTM_TOKEN_SRID[token] ?? { unknown: `UTM_${token}` };
  }
  return 2154;
}

/** For a short record, the field reported is the first one missing. */
function fieldCountMessage(found: number, expected: string): string {
  return `expected ${expected}, found ${found} field(s) (a truncated or malformed line?)`;
}

function buildAddress(f: string[]): string | null {
  const num = [f[S.numvoie], f[S.compvoie]].filter(Boolean).join(' ');
  const street = [num, f[S.typvoie], f[S.voie]].filter(Boolean).join(' ');
  const parts = [street, f[S.lieuditbp]].filter(Boolean);
  return parts.length ? parts.join(', ').replace(/\s+/g, ' ').trim() : null;
}

interface Geoloc {
  line: number;
  x: number | null;
  y: number | null;
  srid: number | null;
  source: string | null;
}

/**
 * Reads the etalab FINESS stock file. Pure: text in, kept establishments and warnings out; throws an
 * ImportError listing every problem (file, line, field, what was expected) when the input is wrong.
 */
export function parseFiness(source: Pick<SourceText, 'fileName' | 'text'>, opts: { onProgress?: Progress } = {}): FinessParseResult {
  const issues = new IssueList(source.fileName);
  const commune = cog();
  const lines = source.text.split(/\r?\n/);
  // A final newline leaves one empty string behind: not a line.
  if (lines.length && lines[lines.length - 1] === '') lines.pop();

  const noCommune = new WarningGroup('establishments without a commune code');
  const badPosition = new WarningGroup('establishments with an implausible position');
  const badDate = new WarningGroup('establishments with an implausible date');
  const kept = new Map<string, FinessEstablishment>();
  const seen = new Map<string, number>(); // nofinesset → line of its structureet record
  const geolocs = new Map<string, Geoloc>();
  let header: { count: number; date: string } | undefined;
  let structureRecords = 0;
  let geolocationRecords = 0;
  let skipped = 0;

  let start = 0;
  const first = lines[0];
  if (first === undefined || first.trim() === '') {
    const what = source.text.trim() === '' ? 'empty file' : 'the first line is empty';
    issues.add(`${what}: expected the header \`finess;etalab;<count>;<date>\``, 1, 'header');
    start = 1;
  } else if (/^(structureet|geolocalisation);/.test(first)) {
    issues.add('header missing: the first line must be `finess;etalab;<count>;<date>`', 1, 'header');
  } else {
    start = 1;
    const h = first.split(';');
    if (h.length === 5 && h[4] === '') h.pop();
    const date = parseFinessDate(h[3] ?? '');
    if (h.length !== 4 || h[0] !== 'finess' || h[1] !== 'etalab') {
      issues.add(`malformed header "${first.slice(0, 60)}": expected \`finess;etalab;<count>;<date>\``, 1, 'header');
    } else if (!/^\d+$/.test(h[2]!)) {
      issues.add(`header count "${h[2]}" is not a whole number`, 1, 'header count');
    } else if (!date) {
      issues.add(`header date "${h[3]}" is not a date (expected yyyy-mm-dd or dd/mm/yyyy)`, 1, 'header date');
    } else {
      header = { count: Number(h[2]), date };
    }
  }

  const total = lines.length;
  for (let i = start; i < total; i++) {
    const lineNo = i + 1;
    if (opts.onProgress && lineNo % 20_000 === 0) opts.onProgress('parse', lineNo, total);
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const f = line.split(';');
    const type = f[0];

    if (type === 'structureet') {
      structureRecords++;
      if (f.length === 32 && f[31] === '') f.pop();
      if (f.length !== 31) {
        issues.add(fieldCountMessage(f.length, '31 fields (32 with the trailing empty one)'), lineNo, STRUCTURE_FIELDS[f.length] ?? 'structureet');
        continue;
      }
      const id = f[S.nofinesset]!;
      if (!FINESS_RE.test(id)) {
        issues.add(`"${id}" is not a FINESS number (expected 9 characters [0-9][0-9A-Z][0-9]{7})`, lineNo, 'nofinesset');
        continue;
      }
      const firstLine = seen.get(id);
      if (firstLine !== undefined) {
        issues.add(`duplicate FINESS number ${id} (first at line ${firstLine}): expected one structureet record per establishment`, lineNo, 'nofinesset');
        continue;
      }
      seen.set(id, lineNo);

      const category = f[S.categetab]!;
      if (!/^[0-9]{3}$/.test(category)) {
        issues.add(`category "${category}" is not a 3-digit code`, lineNo, 'categetab');
        continue;
      }
      const dates: Partial<Record<'dateouv' | 'dateautor' | 'datemaj', string>> = {};
      const implausible: string[] = [];
      let bad = false;
      for (const k of ['dateouv', 'dateautor', 'datemaj'] as const) {
        const v = f[S[k]]!;
        if (v === '') continue;
        const d = parseFinessDate(v);
        if (d) {
          if (plausibleDate(d)) dates[k] = d;
          else implausible.push(`${k} ${v}`);
        } else {
          issues.add(`"${v}" is not a date (expected yyyy-mm-dd or dd/mm/yyyy)`, lineNo, k);
          bad = true;
        }
      }

      // INSEE code: département (FINESS 9A…9F → COG 971…976) and the 3-digit commune number.
      const dep = f[S.departement]!;
      const com = f[S.commune]!;
      let communeCode: string | null = null;
      if (dep !== '' || com !== '') {
        if (!/^[0-9][0-9A-Z]$/.test(dep)) {
          issues.add(`département "${dep}" is not a FINESS département code (expected 2 characters, e.g. 44, 2A, 9A)`, lineNo, 'departement');
          bad = true;
        } else if (!/^[0-9]{3}$/.test(com)) {
          issues.add(`commune "${com}" is not a 3-digit commune code`, lineNo, 'commune');
          bad = true;
        } else {
          const cogDep = finessDepartementToCog(dep);
          // Overseas: 97 + the commune's 3 digits, the first of which repeats the département (9A, 101 → 97101).
          const insee = cogDep.length === 3 ? `${cogDep.slice(0, 2)}${com}` : `${cogDep}${com}`;
          const current = cogDep.length === 3 && com[0] !== cogDep[2] ? undefined : commune.toCurrent(insee);
          if (!current) {
            issues.add(
              `unknown INSEE code ${insee} (département ${dep}, commune ${com}): expected a commune of the COG ${COG_SOURCE.cogYear}, current or former`,
              lineNo,
              'commune',
            );
            bad = true;
          } else communeCode = current;
        }
      }
      if (bad) continue;

      const kind = KEPT_CATEGORIES[category];
      if (!kind) {
        skipped++;
        continue;
      }
      const nom = (f[S.rslongue] || f[S.rs])!.trim();
      if (!nom) {
        issues.add('empty name: expected a raison sociale (rs)', lineNo, 'rs');
        continue;
      }
      const postal = /^([0-9]{5})\b/.exec(f[S.ligneacheminement]!);
      kept.set(id, {
        finess: id,
        kind,
        categorieCode: category,
        categorieLibelle: f[S.libcategetab] || null,
        nom,
        adresse: buildAddress(f),
        codePostal: postal ? postal[1]! : null,
        communeCode,
        telephone: f[S.telephone] || null,
        dateOuverture: dates.dateouv ?? null,
        dateMaj: dates.datemaj ?? null,
        x: null,
        y: null,
        srid: null,
        coordSource: null,
        line: lineNo,
      });
      if (implausible.length) badDate.add(`line ${lineNo}, FINESS ${id} (${nom}): implausible ${implausible.join(', ')}; stored as unknown`);
    } else if (type === 'geolocalisation') {
      geolocationRecords++;
      // 2021+: 6 fields. 2016: sourcecoordet spread over several fields, the date is the last one.
      // A trailing empty field may follow the date.
      if (f.length < 6) {
        issues.add(
          fieldCountMessage(f.length, 'at least 6 fields (geolocalisation;nofinesset;coordxet;coordyet;sourcecoordet;datemaj)'),
          lineNo,
          GEOLOCATION_FIELDS[f.length] ?? 'geolocalisation',
        );
        continue;
      }
      let last = f.length - 1;
      if (f.length > 6 && f[last] === '' && (f[last - 1] === '' || parseFinessDate(f[last - 1]!))) last--;
      const id = f[1]!;
      const xs = f[2]!;
      const ys = f[3]!;
      const src = f.slice(4, last).join(',').replace(/,+$/, '');
      const date = f[last]!;
      let bad = false;
      if (!FINESS_RE.test(id)) {
        issues.add(`"${id}" is not a FINESS number (expected 9 characters [0-9][0-9A-Z][0-9]{7})`, lineNo, 'nofinesset');
        continue;
      }
      const dup = geolocs.get(id);
      if (dup) {
        issues.add(`second geolocalisation record for ${id} (first at line ${dup.line})`, lineNo, 'nofinesset');
        continue;
      }
      if (date !== '' && !parseFinessDate(date)) {
        issues.add(`"${date}" is not a date (expected yyyy-mm-dd or dd/mm/yyyy)`, lineNo, 'datemaj');
        bad = true;
      }
      let x: number | null = null;
      let y: number | null = null;
      if (xs !== '' || ys !== '') {
        for (const [name, v] of [['coordxet', xs], ['coordyet', ys]] as const) {
          if (!NUMBER_RE.test(v)) {
            issues.add(`"${v}" is not a number (expected a projected coordinate in metres, e.g. 870215.7)`, lineNo, name);
            bad = true;
          }
        }
        x = Number(xs);
        y = Number(ys);
      }
      const srid = sridOfCoordSource(src);
      if (typeof srid === 'object') {
        issues.add(
          `unknown coordinate system ${srid.unknown} in "${src}": expected one of ${Object.keys(FINESS_CRS).map((c) => `EPSG:${c}`).join(', ')} or LAMBERT_93`,
          lineNo,
          'sourcecoordet',
        );
        bad = true;
      }
      if (bad) continue;
      geolocs.set(id, { line: lineNo, x, y, srid: x === null ? null : (srid as number), source: src || null });
    } else {
      issues.add(`unknown record type "${(type ?? '').slice(0, 40)}": expected structureet or geolocalisation`, lineNo, 'record type');
    }
  }
  opts.onProgress?.('parse', total, total);

  if (structureRecords === 0 && issues.items.length === 0) issues.add('no structureet record: expected at least one establishment', undefined, 'structureet');
  issues.throwIfAny();
  const hdr = header!;

  const warnings: string[] = [];
  if (hdr.count !== structureRecords) {
    warnings.push(`the header announces ${hdr.count} establishments, the file has ${structureRecords} structureet records`);
  }

  const counts: FinessCounts = {
    pharmacies: 0,
    msp: 0,
    csp: 0,
    siege_cpts: 0,
    skipped_other_categories: skipped,
    without_coordinates: 0,
    without_commune: 0,
  };
  const establishments = [...kept.values()];
  for (const e of establishments) {
    const g = geolocs.get(e.finess);
    const label = `line ${e.line}, FINESS ${e.finess} (${e.nom})`;
    if (g && g.x !== null && g.y !== null && g.srid !== null) {
      const crs = FINESS_CRS[g.srid]!;
      const dep = e.communeCode ? commune.communes.get(e.communeCode)?.departement : undefined;
      const [x0, y0, x1, y1] = crs.box;
      if (g.x < x0 || g.x > x1 || g.y < y0 || g.y > y1) {
        badPosition.add(`${label}: coordinates ${g.x} ${g.y} (line ${g.line}) are outside the area of EPSG:${g.srid} ${crs.name}; stored without a position`);
      } else if (dep && expectedSrid(dep) !== g.srid) {
        badPosition.add(`${label}: coordinates (line ${g.line}) are in EPSG:${g.srid} ${crs.name}, not the CRS of département ${dep}; stored without a position`);
      } else {
        e.x = g.x;
        e.y = g.y;
        e.srid = g.srid;
      }
    }
    if (g) e.coordSource = g.source;
    if (e.x === null) counts.without_coordinates++;
    if (e.communeCode === null) {
      counts.without_commune++;
      noCommune.add(`${label}: no commune code in the file; stored without a commune`);
    }
    if (e.kind === 'pharmacie') counts.pharmacies++;
    else counts[e.kind]++;
  }
  warnings.push(...noCommune.lines(), ...badPosition.lines(), ...badDate.lines());
  return { header: hdr, establishments, structureRecords, geolocationRecords, counts, warnings };
}

// ---------------------------------------------------------------------------------------------
// Reading the file

/** Field name at 0-based position `i` of a partial record (for locating a decoding problem). */
function fieldAt(partialLine: string, i: number): string {
  const type = partialLine.split(';', 1)[0];
  if (type === 'structureet') return STRUCTURE_FIELDS[i] ?? `field ${i + 1}`;
  if (type === 'geolocalisation') return GEOLOCATION_FIELDS[Math.min(i, 4)] ?? 'sourcecoordet';
  if (type === 'finess') return 'header';
  return `field ${i + 1}`;
}

/** Line (1-based) and field where byte `offset` of `bytes` lies. */
function locate(bytes: Buffer, offset: number): { line: number; field: string } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  const partial = bytes.subarray(lineStart, offset).toString('latin1');
  return { line, field: fieldAt(partial, partial.split(';').length - 1) };
}

/** Offset of the first byte that cannot start or continue a UTF-8 sequence, or -1. */
function firstInvalidUtf8(b: Buffer): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    const n = c < 0x80 ? 0 : c >= 0xc2 && c < 0xe0 ? 1 : c >= 0xe0 && c < 0xf0 ? 2 : c >= 0xf0 && c < 0xf5 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) if (i + k >= b.length || (b[i + k]! & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return -1;
}

/**
 * readSource, with the place of the problem when the bytes cannot be decoded: a truncated gzip stream is
 * decompressed as far as it goes to tell at which line and field the data stops, and the first byte that is
 * not UTF-8 in a file declared UTF-8 is located by line and field.
 */
export async function readFinessSource(path: string, encoding: CommonImportOptions['encoding'] = 'auto'): Promise<SourceText> {
  try {
    return await readSource(path, encoding);
  } catch (e) {
    if (!(e instanceof ImportError)) throw e;
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch {
      throw e;
    }
    const file = basename(path);
    let raw = bytes;
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
      try {
        gunzipSync(bytes);
      } catch (gz) {
        let partial: Buffer;
        try {
          partial = gunzipSync(bytes, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
        } catch {
          throw e;
        }
        const at = locate(partial, partial.length);
        throw new ImportError([
          {
            file,
            line: at.line,
            field: at.field,
            message: `the gzip stream ends unexpectedly (${(gz as Error).message}): the file is truncated, its data stops inside this line`,
          },
        ]);
      }
      raw = gunzipSync(bytes);
    }
    if (encoding === 'utf-8') {
      const off = firstInvalidUtf8(raw);
      if (off >= 0) {
        const at = locate(raw, off);
        throw new ImportError([
          {
            file,
            line: at.line,
            field: at.field,
            message: `byte 0x${raw[off]!.toString(16).toUpperCase()} is not valid UTF-8: the file was declared UTF-8 but is not (a latin-1 file? import it with encoding latin1 or auto)`,
          },
        ]);
      }
    }
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Import

const ROW_COLUMNS = `finess text, nom text, adresse text, code_postal text, commune_code text, telephone text,
  date_ouverture date, date_maj date, x float8, y float8, srid int, coord_source text`;

// Coordinates are converted in PostGIS, from each record's own CRS.
const POINT_SQL = `CASE WHEN r.x IS NULL THEN NULL
  ELSE ST_Transform(ST_SetSRID(ST_MakePoint(r.x, r.y), r.srid), 4326) END`;

const PHARMACIE_SQL = `
INSERT INTO pharmacie (finess, nom, adresse, code_postal, commune_code, telephone, date_ouverture, date_maj,
                       geom, geom_3857, coord_source, source, import_id)
SELECT r.finess, r.nom, r.adresse, r.code_postal, r.commune_code, r.telephone, r.date_ouverture, r.date_maj,
       p.geom, ST_Transform(p.geom, 3857), r.coord_source, $2, $3
FROM jsonb_to_recordset($1::jsonb) AS r(${ROW_COLUMNS})
CROSS JOIN LATERAL (SELECT ${POINT_SQL} AS geom) AS p
ON CONFLICT (finess) DO UPDATE SET
  nom = EXCLUDED.nom, adresse = EXCLUDED.adresse, code_postal = EXCLUDED.code_postal,
  commune_code = EXCLUDED.commune_code, telephone = EXCLUDED.telephone, date_ouverture = EXCLUDED.date_ouverture,
  date_maj = EXCLUDED.date_maj, geom = EXCLUDED.geom, geom_3857 = EXCLUDED.geom_3857,
  coord_source = EXCLUDED.coord_source, source = EXCLUDED.source, import_id = EXCLUDED.import_id`;

const STRUCTURE_SQL = `
INSERT INTO structure (finess, type, categorie_code, categorie_libelle, nom, adresse, code_postal, commune_code,
                       telephone, date_ouverture, date_maj, geom, geom_3857, coord_source, source, import_id)
SELECT r.finess, r.type, r.categorie_code, r.categorie_libelle, r.nom, r.adresse, r.code_postal, r.commune_code,
       r.telephone, r.date_ouverture, r.date_maj, p.geom, ST_Transform(p.geom, 3857), r.coord_source, $2, $3
FROM jsonb_to_recordset($1::jsonb) AS r(${ROW_COLUMNS}, type text, categorie_code text, categorie_libelle text)
CROSS JOIN LATERAL (SELECT ${POINT_SQL} AS geom) AS p
ON CONFLICT (finess) DO UPDATE SET
  type = EXCLUDED.type, categorie_code = EXCLUDED.categorie_code, categorie_libelle = EXCLUDED.categorie_libelle,
  nom = EXCLUDED.nom, adresse = EXCLUDED.adresse, code_postal = EXCLUDED.code_postal,
  commune_code = EXCLUDED.commune_code, telephone = EXCLUDED.telephone, date_ouverture = EXCLUDED.date_ouverture,
  date_maj = EXCLUDED.date_maj, geom = EXCLUDED.geom, geom_3857 = EXCLUDED.geom_3857,
  coord_source = EXCLUDED.coord_source, source = EXCLUDED.source, import_id = EXCLUDED.import_id`;

function baseRow(e: FinessEstablishment) {
  return {
    finess: e.finess,
    nom: e.nom,
    adresse: e.adresse,
    code_postal: e.codePostal,
    commune_code: e.communeCode,
    telephone: e.telephone,
    date_ouverture: e.dateOuverture,
    date_maj: e.dateMaj,
    x: e.x,
    y: e.y,
    srid: e.srid,
    coord_source: e.coordSource,
  };
}

/** The `source` text stored on every imported row. */
export function finessSourceLabel(headerDate: string, fileName: string): string {
  return `FINESS etalab stock ${headerDate} (${fileName})`;
}

/**
 * Imports a FINESS etalab stock file: pharmacies into `pharmacie`, MSP / centres de santé / CPTS seats into
 * `structure`, in one transaction (upserts: re-importing the same file changes nothing but import ids).
 */
export async function importFiness(db: Db, path: string, opts: CommonImportOptions = {}): Promise<ImportReport> {
  const progress = opts.onProgress;
  progress?.('read', 0, 1);
  const source = await readFinessSource(path, opts.encoding ?? 'auto');
  progress?.('read', 1, 1);
  const parsed = parseFiness(source, { onProgress: progress });
  const label = finessSourceLabel(parsed.header.date, source.fileName);

  const pharmacies = parsed.establishments.filter((e) => e.kind === 'pharmacie').map(baseRow);
  const structures = parsed.establishments
    .filter((e) => e.kind !== 'pharmacie')
    .map((e) => ({ ...baseRow(e), type: e.kind, categorie_code: e.categorieCode, categorie_libelle: e.categorieLibelle }));
  const counts = { ...parsed.counts } as Record<string, number>;
  const total = pharmacies.length + structures.length;

  return db.transaction(async (tx: Queryable) => {
    const importId = await logImport(
      tx,
      'finess',
      source,
      parsed.structureRecords,
      { encoding: source.encoding, header: parsed.header },
      { source: label, counts, warnings: parsed.warnings },
    );
    progress?.('insert', 0, total);
    const chunk = 5000;
    const nP = await insertJson(tx, PHARMACIE_SQL, pharmacies, {
      chunk,
      extraParams: [label, importId],
      onProgress: (done) => progress?.('insert', done, total),
    });
    const nS = await insertJson(tx, STRUCTURE_SQL, structures, {
      chunk,
      extraParams: [label, importId],
      onProgress: (done) => progress?.('insert', pharmacies.length + done, total),
    });
    if (nP !== pharmacies.length || nS !== structures.length) {
      throw new Error(`FINESS import: ${nP + nS} rows written for ${total} establishments`);
    }
    return {
      kind: 'finess',
      file: source.fileName,
      importId,
      rows: parsed.structureRecords,
      counts,
      warnings: parsed.warnings,
    } satisfies ImportReport;
  });
}
