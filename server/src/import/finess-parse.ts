// Parser of the etalab FINESS stock. Pure: text in, kept establishments and warnings out. What refuses a file
// (an ImportError naming file, line and field) and what is a warning with a fallback is tabled in the README.
import { COG_SOURCE, cog, finessDepartementToCog } from './cog.js';
import { formatIssue, IssueList } from './errors.js';
import {
  expectedSrid,
  FINESS_CRS,
  FINESS_RE,
  type FinessKind,
  GEOLOCATION_FIELDS,
  KEPT_CATEGORIES,
  parseFinessDate,
  plausibleDate,
  S,
  sridOfCoordSource,
  STRUCTURE_FIELDS,
} from './finess-layout.js';
import type { SourceText } from './source.js';
import type { Progress } from './types.js';

/**
 * How the record's commune was read: `ok`, a current commune or arrondissement; `inconnue`, no code or a code of no
 * commune (the import then looks for the commune containing the position); `divisee`, a commune split into
 * arrondissements whose arrondissement the postal code does not tell (the import looks by position).
 */
export type CommuneStatut = 'ok' | 'inconnue' | 'divisee';

export interface FinessEstablishment {
  finess: string;
  kind: FinessKind;
  categorieCode: string;
  categorieLibelle: string | null;
  nom: string;
  adresse: string | null;
  codePostal: string | null;
  /** Current commune or arrondissement; for `divisee`, the commune; null when unknown. */
  communeCode: string | null;
  communeStatut: CommuneStatut;
  /** Why the commune is not `ok`, for the warning (e.g. "unknown INSEE code 97205 (département 9A, commune 205)"). */
  communeNote: string | null;
  codeApe: string | null;
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
  /** In an arrondissement municipal (Paris, Lyon, Marseille), most placed there by their postal code. */
  in_arrondissement: number;
}

export interface FinessParseResult {
  header: { count: number; date: string };
  establishments: FinessEstablishment[];
  /** Category of every structureet record (all categories): the stock's content, for its comparison with the last. */
  categories: Map<string, string>;
  /** structureet records read (all categories). */
  structureRecords: number;
  geolocationRecords: number;
  counts: FinessCounts;
  warnings: string[];
}

/** Collects warnings of one kind, keeping the first `max` and counting the rest. */
export class WarningGroup {
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

interface Geoloc {
  line: number;
  x: number | null;
  y: number | null;
  srid: number | null;
  source: string | null;
}

const NUMBER_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

/** What the parser accumulates while reading the lines. */
class ParseState {
  readonly issues: IssueList;
  readonly kept = new Map<string, FinessEstablishment>();
  readonly categories = new Map<string, string>();
  readonly structureLine = new Map<string, number>();
  readonly geolocs = new Map<string, Geoloc>();
  readonly badDate = new WarningGroup('establishments with an implausible date');
  readonly badPosition = new WarningGroup('establishments with an implausible position');
  readonly orphans = new WarningGroup('geolocalisation records without establishment');
  structureRecords = 0;
  geolocationRecords = 0;
  skipped = 0;
  constructor(readonly file: string) {
    this.issues = new IssueList(file);
  }
  warn(group: WarningGroup, line: number, field: string, message: string): void {
    group.add(formatIssue({ file: this.file, line, field, message }));
  }
}

/**
 * Reads the etalab FINESS stock file. Pure: text in, kept establishments and warnings out; throws an
 * ImportError listing every problem (file, line, field, what was expected) when the file's structure is wrong.
 */
export function parseFiness(source: Pick<SourceText, 'fileName' | 'text'>, opts: { onProgress?: Progress } = {}): FinessParseResult {
  const st = new ParseState(source.fileName);
  const lines = source.text.split(/\r?\n/);
  if (lines.length && lines[lines.length - 1] === '') lines.pop(); // a final newline is not a line
  const { header, start } = parseHeader(lines[0], source.text, st.issues);
  for (let i = start; i < lines.length; i++) {
    if (opts.onProgress && (i + 1) % 20_000 === 0) opts.onProgress('parse', i + 1, lines.length);
    readRecord(st, lines[i]!, i + 1);
  }
  opts.onProgress?.('parse', lines.length, lines.length);
  if (st.structureRecords === 0 && st.issues.items.length === 0) st.issues.add('no structureet record: expected at least one establishment', undefined, 'structureet');
  st.issues.throwIfAny();

  const establishments = [...st.kept.values()];
  for (const e of establishments) attachPosition(st, e);
  for (const [id, g] of st.geolocs) {
    if (!st.categories.has(id)) st.warn(st.orphans, g.line, 'nofinesset', `geolocalisation du FINESS ${id}, qui n'a pas de ligne structureet dans le fichier (ligne orpheline) ; ignorée`);
  }
  const warnings: string[] = [];
  if (header!.count !== st.structureRecords) {
    warnings.push(`${source.fileName}, line 1, field header: the header announces ${header!.count} establishments, the file has ${st.structureRecords} structureet records`);
  }
  warnings.push(...st.badPosition.lines(), ...st.badDate.lines(), ...st.orphans.lines());
  return {
    header: header!,
    establishments,
    categories: st.categories,
    structureRecords: st.structureRecords,
    geolocationRecords: st.geolocationRecords,
    counts: countKinds(st, establishments),
    warnings,
  };
}

function countKinds(st: ParseState, establishments: FinessEstablishment[]): FinessCounts {
  const counts: FinessCounts = {
    pharmacies: 0,
    msp: 0,
    csp: 0,
    siege_cpts: 0,
    skipped_other_categories: st.skipped,
    without_coordinates: 0,
    in_arrondissement: 0,
  };
  for (const e of establishments) {
    if (e.x === null) counts.without_coordinates++;
    if (e.communeStatut === 'ok' && cog().unit(e.communeCode!)?.parent) counts.in_arrondissement++;
    if (e.kind === 'pharmacie') counts.pharmacies++;
    else counts[e.kind]++;
  }
  return counts;
}

/** The header line `finess;etalab;<count>;<date>`, and the index of the first record line. */
function parseHeader(first: string | undefined, text: string, issues: IssueList): { header?: { count: number; date: string }; start: number } {
  if (first === undefined || first.trim() === '') {
    const what = text.trim() === '' ? 'empty file' : 'the first line is empty';
    issues.add(`${what}: expected the header \`finess;etalab;<count>;<date>\``, 1, 'header');
    return { start: 1 };
  }
  if (/^(structureet|geolocalisation);/.test(first)) {
    issues.add('header missing: the first line must be `finess;etalab;<count>;<date>`', 1, 'header');
    return { start: 0 };
  }
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
    return { header: { count: Number(h[2]), date }, start: 1 };
  }
  return { start: 1 };
}

function readRecord(st: ParseState, line: string, lineNo: number): void {
  if (line.trim() === '') return;
  const nul = line.indexOf('\0');
  if (nul >= 0) {
    const f = line.slice(0, nul).split(';');
    st.issues.add('a NUL byte (0x00) inside the line: expected text (a binary or corrupted file?)', lineNo, fieldName(f[0], f.length - 1));
    return;
  }
  const f = line.split(';');
  if (f[0] === 'structureet') readStructure(st, f, lineNo);
  else if (f[0] === 'geolocalisation') readGeolocation(st, f, lineNo);
  else st.issues.add(`unknown record type "${(f[0] ?? '').slice(0, 40)}": expected structureet or geolocalisation`, lineNo, 'record type');
}

function fieldName(type: string | undefined, i: number): string {
  if (type === 'structureet') return STRUCTURE_FIELDS[i] ?? 'structureet';
  if (type === 'geolocalisation') return GEOLOCATION_FIELDS[Math.min(i, 4)]!;
  return 'record type';
}

/** For a short record, the field reported is the first one missing. */
function fieldCountMessage(found: number, expected: string): string {
  return `expected ${expected}, found ${found} field(s) (a truncated or malformed line?)`;
}

function readStructure(st: ParseState, f: string[], lineNo: number): void {
  st.structureRecords++;
  if (f.length === 32 && f[31] === '') f.pop();
  if (f.length !== 31) {
    st.issues.add(fieldCountMessage(f.length, '31 fields (32 with the trailing empty one)'), lineNo, STRUCTURE_FIELDS[f.length] ?? 'structureet');
    return;
  }
  const id = f[S.nofinesset]!;
  if (!FINESS_RE.test(id)) {
    st.issues.add(`"${id}" is not a FINESS number (expected 9 characters [0-9][0-9A-Z][0-9]{7})`, lineNo, 'nofinesset');
    return;
  }
  const firstLine = st.structureLine.get(id);
  if (firstLine !== undefined) {
    st.issues.add(`duplicate FINESS number ${id} (first at line ${firstLine}): expected one structureet record per establishment`, lineNo, 'nofinesset');
    return;
  }
  st.structureLine.set(id, lineNo);
  const category = f[S.categetab]!;
  if (!/^[0-9]{3}$/.test(category)) {
    st.issues.add(`category "${category}" is not a 3-digit code`, lineNo, 'categetab');
    return;
  }
  st.categories.set(id, category);
  const dates = readDates(st, f, lineNo);
  const commune = readCommune(st, f, lineNo);
  if (!dates || !commune) return;
  const kind = KEPT_CATEGORIES[category];
  if (!kind) {
    st.skipped++;
    return;
  }
  const nom = (f[S.rslongue] || f[S.rs])!.trim();
  if (!nom) {
    st.issues.add('empty name: expected a raison sociale (rs)', lineNo, 'rs');
    return;
  }
  st.kept.set(id, {
    finess: id,
    kind,
    categorieCode: category,
    categorieLibelle: f[S.libcategetab] || null,
    nom,
    adresse: buildAddress(f),
    codePostal: postalCode(f),
    ...commune,
    codeApe: f[S.codeape] || null,
    telephone: f[S.telephone] || null,
    dateOuverture: dates.dateouv ?? null,
    dateMaj: dates.datemaj ?? null,
    x: null,
    y: null,
    srid: null,
    coordSource: null,
    line: lineNo,
  });
  if (dates.implausible.length) st.warn(st.badDate, lineNo, dates.implausible[0]!.split(' ')[0]!, `FINESS ${id} (${nom}): implausible ${dates.implausible.join(', ')}; stored as unknown`);
}

const postalCode = (f: string[]) => /^([0-9]{5})\b/.exec(f[S.ligneacheminement]!)?.[1] ?? null;

/** The record's dates; undefined after reporting a field that is not a date. Implausible dates are listed apart. */
function readDates(st: ParseState, f: string[], lineNo: number): (Partial<Record<'dateouv' | 'dateautor' | 'datemaj', string>> & { implausible: string[] }) | undefined {
  const out: Partial<Record<'dateouv' | 'dateautor' | 'datemaj', string>> & { implausible: string[] } = { implausible: [] };
  let bad = false;
  for (const k of ['dateouv', 'dateautor', 'datemaj'] as const) {
    const v = f[S[k]]!;
    if (v === '') continue;
    const d = parseFinessDate(v);
    if (!d) {
      st.issues.add(`"${v}" is not a date (expected yyyy-mm-dd or dd/mm/yyyy)`, lineNo, k);
      bad = true;
    } else if (plausibleDate(d)) out[k] = d;
    else out.implausible.push(`${k} ${v}`);
  }
  return bad ? undefined : out;
}

type CommuneRead = Pick<FinessEstablishment, 'communeCode' | 'communeStatut' | 'communeNote'>;

/**
 * The INSEE code from the FINESS département (9A…9F → 971…976) and the 3-digit commune number; former codes
 * map to the current commune (9A + 123 → 97123 → 97701 Saint-Barthélemy). A malformed field refuses the file;
 * an unknown code is left to the position (statut `inconnue`).
 */
function readCommune(st: ParseState, f: string[], lineNo: number): CommuneRead | undefined {
  const dep = f[S.departement]!;
  const com = f[S.commune]!;
  if (dep === '' && com === '') return { communeCode: null, communeStatut: 'inconnue', communeNote: 'no commune code in the file' };
  if (!/^[0-9][0-9A-Z]$/.test(dep)) {
    st.issues.add(`département "${dep}" is not a FINESS département code (expected 2 characters, e.g. 44, 2A, 9A)`, lineNo, 'departement');
    return undefined;
  }
  if (!/^[0-9]{3}$/.test(com)) {
    st.issues.add(`commune "${com}" is not a 3-digit commune code`, lineNo, 'commune');
    return undefined;
  }
  const cogDep = finessDepartementToCog(dep);
  // Overseas: 97 + the commune's 3 digits, the first of which repeats the département (9A, 101 → 97101).
  const overseas = cogDep.length === 3;
  const insee = overseas ? `${cogDep.slice(0, 2)}${com}` : `${cogDep}${com}`;
  const current = overseas && com[0] !== cogDep[2] ? undefined : cog().toCurrent(insee);
  if (!current) {
    const note = `unknown INSEE code ${insee} (département ${dep}, commune ${com}): no commune of the COG ${COG_SOURCE.cogYear}, current or former`;
    return { communeCode: null, communeStatut: 'inconnue', communeNote: note };
  }
  return inArrondissement(current, postalCode(f));
}

/** A commune split into arrondissements municipaux: the arrondissement of the postal code (13005 → 13205), if any. */
function inArrondissement(code: string, postal: string | null): CommuneRead {
  const arrondissements = cog().arrondissementsOf(code);
  if (!arrondissements.length) return { communeCode: code, communeStatut: 'ok', communeNote: null };
  const hit = postal ? arrondissements.find((a) => a.codesPostaux.includes(postal)) : undefined;
  if (hit) return { communeCode: hit.code, communeStatut: 'ok', communeNote: null };
  return {
    communeCode: code,
    communeStatut: 'divisee',
    communeNote: `commune ${code} is split into arrondissements municipaux and the postal code ${postal ?? '(none)'} names none of them`,
  };
}

function buildAddress(f: string[]): string | null {
  const num = [f[S.numvoie], f[S.compvoie]].filter(Boolean).join(' ');
  const street = [num, f[S.typvoie], f[S.voie]].filter(Boolean).join(' ');
  const parts = [street, f[S.lieuditbp]].filter(Boolean);
  return parts.length ? parts.join(', ').replace(/\s+/g, ' ').trim() : null;
}

function readGeolocation(st: ParseState, f: string[], lineNo: number): void {
  st.geolocationRecords++;
  // 2021+: 6 fields. 2016: sourcecoordet spread over several fields, the date is the last one.
  // A trailing empty field may follow the date.
  if (f.length < 6) {
    const expected = 'at least 6 fields (geolocalisation;nofinesset;coordxet;coordyet;sourcecoordet;datemaj)';
    st.issues.add(fieldCountMessage(f.length, expected), lineNo, GEOLOCATION_FIELDS[f.length] ?? 'geolocalisation');
    return;
  }
  let last = f.length - 1;
  if (f.length > 6 && f[last] === '' && (f[last - 1] === '' || parseFinessDate(f[last - 1]!))) last--;
  const [, id, xs, ys] = f as [string, string, string, string];
  const src = f.slice(4, last).join(',').replace(/,+$/, '');
  const date = f[last]!;
  if (!FINESS_RE.test(id)) {
    st.issues.add(`"${id}" is not a FINESS number (expected 9 characters [0-9][0-9A-Z][0-9]{7})`, lineNo, 'nofinesset');
    return;
  }
  const dup = st.geolocs.get(id);
  if (dup) {
    st.issues.add(`second geolocalisation record for ${id} (first at line ${dup.line})`, lineNo, 'nofinesset');
    return;
  }
  let bad = false;
  if (date !== '' && !parseFinessDate(date)) {
    st.issues.add(`"${date}" is not a date (expected yyyy-mm-dd or dd/mm/yyyy)`, lineNo, 'datemaj');
    bad = true;
  }
  const positioned = xs !== '' || ys !== '';
  for (const [name, v] of [['coordxet', xs], ['coordyet', ys]] as const) {
    if (positioned && !NUMBER_RE.test(v)) {
      st.issues.add(`"${v}" is not a number (expected a projected coordinate in metres, e.g. 870215.7)`, lineNo, name);
      bad = true;
    }
  }
  const srid = sridOfCoordSource(src);
  if (typeof srid === 'object') {
    const expected = `${Object.keys(FINESS_CRS).map((c) => `EPSG:${c}`).join(', ')} or LAMBERT_93`;
    st.issues.add(`unknown coordinate system ${srid.unknown} in "${src}": expected one of ${expected}`, lineNo, 'sourcecoordet');
    return;
  }
  if (bad) return;
  st.geolocs.set(id, { line: lineNo, x: positioned ? Number(xs) : null, y: positioned ? Number(ys) : null, srid: positioned ? srid : null, source: src || null });
}

/** What becomes of a position refused: the import never erases a known one (see COMMON_SET in finess-store.ts). */
const KEPT = 'position ignorée (la position déjà connue, s’il y en a une, est conservée)';

/** The record's position, unless it lies outside its CRS's area or is in another CRS than its département's. */
function attachPosition(st: ParseState, e: FinessEstablishment): void {
  const g = st.geolocs.get(e.finess);
  if (!g) return;
  e.coordSource = g.source;
  if (g.x === null || g.y === null || g.srid === null) return;
  const crs = FINESS_CRS[g.srid]!;
  const dep = e.communeCode ? cog().unit(e.communeCode)?.departement : undefined;
  const [x0, y0, x1, y1] = crs.box;
  const label = `FINESS ${e.finess} (${e.nom})`;
  if (g.x < x0 || g.x > x1 || g.y < y0 || g.y > y1) {
    st.warn(st.badPosition, g.line, 'coordxet', `${label} : coordonnées ${g.x} ${g.y} hors du domaine de EPSG:${g.srid} ${crs.name} ; ${KEPT}`);
  } else if (dep && expectedSrid(dep) !== g.srid) {
    st.warn(st.badPosition, g.line, 'sourcecoordet', `${label} : coordonnées en EPSG:${g.srid} ${crs.name}, qui n'est pas le système du département ${dep} ; ${KEPT}`);
  } else {
    e.x = g.x;
    e.y = g.y;
    e.srid = g.srid;
  }
}
