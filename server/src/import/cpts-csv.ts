// CPTS perimeters as CSV: one row per CPTS × commune (or arrondissement municipal). A CPTS is known by its id, or,
// when the file has no id column (an ARS listing), by its name: then it gets a stable id from its région and name.
import { cog } from './cog.js';
import {
  checkOptions,
  resolveStatut,
  type CptsEntity,
  type CptsParseOptions,
  type CptsPerimetre,
} from './cpts-common.js';
import { FINESS_ET, findColumn, parseDate, readCsv, requireColumn, sourceLabel, stableId, toCurrentCommune, type CsvRow, type CsvTable } from './csv.js';
import { IssueList } from './errors.js';

export interface CptsCsvOptions extends CptsParseOptions {
  idColumn?: string;
  nameColumn?: string;
  statusColumn?: string;
  codeColumn?: string;
  arrondissementColumn?: string;
  methodColumn?: string;
  finessColumn?: string;
  dateColumn?: string;
}

export interface CptsMember {
  cptsId: string;
  /** Current INSEE code of the territorial unit: a commune, or an arrondissement municipal. */
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
  counts: { renamedCodes: number; duplicates: number; communesSplit: number };
  /** Whether the CPTS were known by name only (ids generated). */
  idsGenerated: boolean;
}

const DEFAULT_COLUMNS = {
  id: ['cpts_id', 'cpts_finess', 'id'],
  name: ['cpts_nom', 'nom'],
  status: ['statut'],
  code: ['code_insee'],
  arrondissement: ['code_arrondissement', 'arrondissement'],
  method: ['methode'],
  finess: ['finess'],
  date: ['date_ouverture'],
};

type Columns = { [k in keyof typeof DEFAULT_COLUMNS]: string | undefined };

function resolveColumns(table: CsvTable, issues: IssueList, opts: CptsCsvOptions): Columns {
  const optional = (name: string | undefined, defaults: readonly string[], what: string) =>
    name ? requireColumn(table, issues, name, what) : findColumn(table, defaults);
  return {
    // No id column: the CPTS are known by name (see generateIds).
    id: optional(opts.idColumn, DEFAULT_COLUMNS.id, 'CPTS id'),
    name: requireColumn(table, issues, opts.nameColumn ?? DEFAULT_COLUMNS.name, 'CPTS name'),
    code: requireColumn(table, issues, opts.codeColumn ?? DEFAULT_COLUMNS.code, 'INSEE code'),
    status: optional(opts.statusColumn, DEFAULT_COLUMNS.status, 'status'),
    arrondissement: optional(opts.arrondissementColumn, DEFAULT_COLUMNS.arrondissement, 'arrondissement municipal code'),
    method: optional(opts.methodColumn, DEFAULT_COLUMNS.method, 'method'),
    finess: optional(opts.finessColumn, DEFAULT_COLUMNS.finess, 'FINESS number'),
    date: optional(opts.dateColumn, DEFAULT_COLUMNS.date, 'opening date'),
  };
}

const sameText = (a: string, b: string) => a.replace(/\s+/g, ' ') === b.replace(/\s+/g, ' ');

/** A unit a row claims, and the code written when it differs. */
interface Unit {
  code: string;
  written?: string;
  renamed: boolean;
}

interface Acc {
  entity: CptsEntity;
  line: number;
  /** Line of the status read, undefined while the status is a default. */
  statutLine?: number;
  approx?: string;
  notes: Set<string>;
}

/** Reads the rows one by one, checking each CPTS's rows agree with each other. */
class CptsRows {
  readonly byKey = new Map<string, Acc>();
  readonly members: CptsMember[] = [];
  readonly warnings: string[] = [];
  private readonly seenMember = new Map<string, number>();
  private readonly noStatus = new Set<string>();
  private approxConflict = false;
  renamedCodes = 0;
  duplicates = 0;
  communesSplit = 0;

  constructor(
    private readonly col: Columns,
    private readonly opts: CptsCsvOptions,
    private readonly issues: IssueList,
    private readonly base: string,
  ) {}

  read(row: CsvRow): void {
    const v = (c: string | undefined) => (c ? (row.values[c] ?? '') : undefined);
    const add = (msg: string, field?: string) => this.issues.add(msg, row.line, field);
    const nom = v(this.col.name)!;
    const id = this.col.id ? v(this.col.id)! : nom;
    if (this.col.id && !id) add('empty CPTS id', this.col.id);
    if (!nom) add('empty CPTS name', this.col.name);
    const units = this.units(row, add);
    if (!id || !nom) return;
    this.entity(row, id, nom, v, add);
    for (const u of units) this.member(id, u, row.line);
  }

  /** The territorial units a row claims: its commune, its arrondissement, or every arrondissement of a split commune. */
  private units(row: CsvRow, add: (msg: string, field?: string) => void): Unit[] {
    const written = row.values[this.col.code!]!;
    const commune = toCurrentCommune(written);
    if ('error' in commune) {
      add(commune.error, this.col.code);
      return [];
    }
    const base = commune.renamed ? { written, renamed: true } : { renamed: false };
    const arrondissements = cog().arrondissementsOf(commune.code);
    const arr = this.col.arrondissement ? row.values[this.col.arrondissement] : '';
    if (arr) {
      if (arrondissements.some((a) => a.code === arr)) return [{ code: arr, ...base }];
      add(`"${arr}" is not an arrondissement municipal of ${commune.code}`, this.col.arrondissement);
      return [];
    }
    if (!arrondissements.length) return [{ code: commune.code, ...base }];
    // A commune split into arrondissements, claimed whole: the CPTS holds every arrondissement.
    this.communesSplit++;
    return arrondissements.map((a) => ({ code: a.code, written, renamed: false }));
  }

  private member(id: string, u: Unit, line: number): void {
    const key = `${id}\u0000${u.code}`;
    const first = this.seenMember.get(key);
    const label = this.col.id ? id : `« ${id} »`;
    if (first !== undefined) {
      this.duplicates++;
      this.warnings.push(`line ${line}: CPTS ${label} lists commune ${u.code}${u.written ? ` (as ${u.written})` : ''} again (first on line ${first}); counted once`);
      return;
    }
    this.seenMember.set(key, line);
    if (u.renamed) this.renamedCodes++;
    this.members.push({ cptsId: id, code: u.code, line, ...(u.written ? { inputCode: u.written } : {}) });
  }

  private entity(row: CsvRow, id: string, nom: string, v: (c: string | undefined) => string | undefined, add: (msg: string, field?: string) => void): void {
    const prev = this.byKey.get(id);
    // A CPTS's status is read from its first row that has one; without any, the default applies
    // (reported once per CPTS when there is none).
    const statusCell = v(this.col.status) ?? '';
    const statut = statusCell || (!prev && !this.noStatus.has(id)) ? resolveStatut(statusCell, id, this.opts, add, this.col.status ?? 'statut') : undefined;
    if (!statut && !statusCell) this.noStatus.add(id);
    const method = v(this.col.method) ?? '';
    const approx = method.toLowerCase().startsWith('approx:') ? method : undefined;
    const perimetre = this.perimetre(approx, method, add);
    const finess = this.finess(id, v(this.col.finess), add);
    const dateCell = v(this.col.date);
    const dateOuverture = dateCell ? (parseDate(dateCell) ?? null) : null;
    if (dateCell && !dateOuverture) add(`"${dateCell}" is not a date (YYYY-MM-DD or dd/mm/yyyy)`, this.col.date);
    if (!prev) {
      if (statut) {
        const entity = { id, nom, finess, statut: statut.statut, perimetre, dateOuverture, source: this.base };
        this.byKey.set(id, { entity, line: row.line, statutLine: statusCell ? row.line : undefined, approx, notes: new Set(statut.note ? [statut.note] : []) });
      }
      return;
    }
    const e = prev.entity;
    if (!sameText(e.nom, nom)) add(`CPTS ${id} is named "${nom}" here but "${e.nom}" on line ${prev.line}`, this.col.name);
    if (statut && statusCell) {
      if (prev.statutLine === undefined) {
        // The first rows had no status: this row's replaces the default.
        e.statut = statut.statut;
        prev.statutLine = row.line;
        prev.notes.clear();
      } else if (statut.statut !== e.statut) {
        add(`CPTS ${id} has status ${statut.statut} here but ${e.statut} on line ${prev.statutLine}`, this.col.status);
      }
    }
    if (finess !== e.finess) add(`CPTS ${id} has FINESS ${finess ?? '(none)'} here but ${e.finess ?? '(none)'} on line ${prev.line}`, this.col.finess);
    if (dateOuverture && e.dateOuverture && dateOuverture !== e.dateOuverture) {
      add(`CPTS ${id} opened on ${dateOuverture} here but ${e.dateOuverture} on line ${prev.line}`, this.col.date);
    }
    e.dateOuverture ??= dateOuverture;
    if (approx && !prev.approx) prev.approx = approx;
    if (perimetre === 'approximatif') e.perimetre = 'approximatif';
  }

  private perimetre(approx: string | undefined, method: string, add: (msg: string, field?: string) => void): CptsPerimetre {
    if (!this.opts.perimetre) return approx ? 'approximatif' : 'officiel';
    if (approx && this.opts.perimetre === 'officiel' && !this.approxConflict) {
      this.approxConflict = true;
      add(`methode "${method}" marks an approximate perimeter: the file cannot be imported with perimetre officiel`, this.col.method);
    }
    return this.opts.perimetre;
  }

  private finess(id: string, cell: string | undefined, add: (msg: string, field?: string) => void): string | null {
    const fromId = this.col.id && FINESS_ET.test(id) ? id : null;
    if (!cell) return fromId;
    if (!FINESS_ET.test(cell)) add(`"${cell}" is not a FINESS ET number (9 characters, e.g. 850028614)`, this.col.finess);
    else if (fromId && fromId !== cell) add(`the id ${id} is a FINESS number different from the finess column (${cell})`, this.col.finess);
    else return cell;
    return fromId;
  }
}

/** Two CPTS with the same FINESS number would violate cpts.finess UNIQUE. */
function checkSameFiness(accs: Iterable<Acc>, issues: IssueList, field: string | undefined): void {
  const byFiness = new Map<string, Acc>();
  for (const acc of accs) {
    const f = acc.entity.finess;
    if (!f) continue;
    const other = byFiness.get(f);
    if (other) issues.add(`CPTS ${acc.entity.id} and ${other.entity.id} (line ${other.line}) have the same FINESS number ${f}`, acc.line, field);
    else byFiness.set(f, acc);
  }
}

/**
 * Ids for CPTS known by name only: région (of most of their units) + name, e.g. "93-cpts-du-plateau": the same
 * from one import of the listing to the next, and distinct between régions that have CPTS of the same name.
 */
function generateIds(rows: CptsRows): void {
  const ids = new Map<string, string>();
  for (const [name, acc] of rows.byKey) {
    const regions = new Map<string, number>();
    for (const m of rows.members) if (m.cptsId === name) {
      const r = cog().unit(m.code)!.region;
      regions.set(r, (regions.get(r) ?? 0) + 1);
    }
    const region = [...regions].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0] ?? '';
    acc.entity.id = stableId(region, name);
    ids.set(name, acc.entity.id);
  }
  for (const m of rows.members) m.cptsId = ids.get(m.cptsId) ?? m.cptsId;
}

/**
 * Parses a CPTS × commune CSV (`;` or `,`). Pure: maps INSEE codes to current units through the COG;
 * whether they are in the database is checked by importCpts.
 */
export function parseCptsCsv(text: string, file: string, opts: CptsCsvOptions = {}): ParsedCptsCsv {
  const table = readCsv(text, file);
  const issues = new IssueList(file);
  checkOptions(opts, issues);
  const col = resolveColumns(table, issues, opts);
  issues.throwIfAny();
  const rows = new CptsRows(col, opts, issues, opts.source ?? sourceLabel(file));
  for (const row of table.rows) rows.read(row);
  checkSameFiness(rows.byKey.values(), issues, col.finess ?? col.id);
  issues.throwIfAny();
  if (!col.id) generateIds(rows);
  const cpts = [...rows.byKey.values()].map((acc) => {
    const notes = [...(acc.approx ? [`périmètre approximatif (${acc.approx})`] : []), ...acc.notes];
    return { ...acc.entity, source: notes.length ? `${acc.entity.source} — ${notes.join(' ; ')}` : acc.entity.source };
  });
  return {
    cpts,
    members: rows.members,
    rows: table.rows.length,
    warnings: rows.warnings,
    counts: { renamedCodes: rows.renamedCodes, duplicates: rows.duplicates, communesSplit: rows.communesSplit },
    idsGenerated: !col.id,
  };
}
