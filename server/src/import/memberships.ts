// Pharmacies' memberships of coordinated-care structures (MSP, CSP, ESP: structure_finess) or of a
// CPTS (cpts_id). Pharmacies and structures come from the FINESS import, CPTS from the CPTS import.
import type { Db, Queryable } from '../db/port.js';
import { insertJson } from './bulk.js';
import { FINESS_ET, findColumn, parseDate, readCsv, requireColumn, sourceLabel } from './csv.js';
import { IssueList } from './errors.js';
import { logImport } from './log.js';
import { readSource } from './source.js';
import type { CommonImportOptions, ImportReport } from './types.js';

export interface MembershipsParseOptions {
  /** Source label for rows without a source column value; defaults to the file name. */
  source?: string;
}

export type MembershipsImportOptions = CommonImportOptions & MembershipsParseOptions;

export interface Membership {
  pharmacie: string;
  structure: string | null;
  cpts: string | null;
  date: string | null;
  source: string;
  line: number;
}

export interface ParsedMemberships {
  memberships: Membership[];
  rows: number;
  warnings: string[];
  counts: { duplicates: number };
}

export const MEMBERSHIP_COLUMNS = {
  pharmacie: 'pharmacie_finess',
  structure: 'structure_finess',
  cpts: 'cpts_id',
  date: 'date_adhesion',
  source: 'source',
} as const;

/** Parses a memberships CSV. Pure: existence of the pharmacies and targets is checked by importMemberships. */
export function parseMemberships(text: string, file: string, opts: MembershipsParseOptions = {}): ParsedMemberships {
  const table = readCsv(text, file);
  const issues = new IssueList(file);
  const C = MEMBERSHIP_COLUMNS;
  const pharmCol = requireColumn(table, issues, C.pharmacie, 'pharmacy FINESS number');
  const structCol = findColumn(table, C.structure);
  const cptsCol = findColumn(table, C.cpts);
  if (!structCol && !cptsCol) {
    requireColumn(table, issues, [C.structure, C.cpts], 'membership target (structure or CPTS)');
  }
  const dateCol = findColumn(table, C.date);
  const sourceCol = findColumn(table, C.source);
  issues.throwIfAny();

  const warnings: string[] = [];
  const seen = new Map<string, Membership>();
  let duplicates = 0;
  for (const row of table.rows) {
    const v = (c: string | undefined) => (c ? row.values[c]! : '');
    const add = (msg: string, field?: string) => issues.add(msg, row.line, field);
    const pharmacie = v(pharmCol).toUpperCase();
    if (!FINESS_ET.test(pharmacie)) add(`"${v(pharmCol)}" is not a FINESS ET number (9 characters, e.g. 440012345)`, pharmCol);
    const structure = v(structCol) || null;
    const cpts = v(cptsCol) || null;
    if (structure && cpts) add(`give a structure_finess OR a cpts_id, not both (${structure}, ${cpts})`, structCol);
    if (!structure && !cpts) add(`no target: give a structure_finess or a cpts_id`, structCol ?? cptsCol);
    let date: string | null = null;
    if (v(dateCol)) {
      date = parseDate(v(dateCol)) ?? null;
      if (!date) add(`"${v(dateCol)}" is not a date (YYYY-MM-DD or dd/mm/yyyy)`, dateCol);
    }
    const source = v(sourceCol) || opts.source || sourceLabel(file);
    const m: Membership = { pharmacie, structure, cpts, date, source, line: row.line };
    const key = `${pharmacie}\u0000${structure ?? ''}\u0000${cpts ?? ''}`;
    const prev = seen.get(key);
    if (prev) {
      if (prev.date !== date || prev.source !== source) {
        add(`pharmacy ${pharmacie} joins ${structure ?? `CPTS ${cpts}`} again with another date or source (first on line ${prev.line})`);
      } else {
        duplicates++;
        warnings.push(`line ${row.line}: same membership as line ${prev.line}; counted once`);
      }
      continue;
    }
    seen.set(key, m);
  }
  issues.throwIfAny();
  return { memberships: [...seen.values()], rows: table.rows.length, warnings, counts: { duplicates } };
}

async function missingKeys(tx: Queryable, table: 'pharmacie' | 'structure' | 'cpts', key: string, values: string[]): Promise<Set<string>> {
  const wanted = [...new Set(values)];
  if (!wanted.length) return new Set();
  const r = await tx.query<{ k: string }>(`SELECT ${key} AS k FROM ${table} WHERE ${key} = ANY($1::text[])`, [wanted]);
  const found = new Set(r.rows.map((x) => x.k));
  return new Set(wanted.filter((w) => !found.has(w)));
}

const UPSERT = (target: 'structure_finess' | 'cpts_id') => `
  INSERT INTO adhesion_pharmacie (pharmacie_finess, ${target}, date_adhesion, source, import_id)
  SELECT r.pharmacie, r.target, r.date, r.source, $2::integer
  FROM jsonb_to_recordset($1::jsonb) AS r(pharmacie text, target text, date date, source text)
  ON CONFLICT (pharmacie_finess, ${target}) WHERE ${target} IS NOT NULL DO UPDATE SET
    date_adhesion = COALESCE(EXCLUDED.date_adhesion, adhesion_pharmacie.date_adhesion),
    source = EXCLUDED.source, import_id = EXCLUDED.import_id`;

/** Imports pharmacy memberships in one transaction; every pharmacy, structure and CPTS must already exist. */
export async function importMemberships(db: Db, path: string, opts: MembershipsImportOptions = {}): Promise<ImportReport> {
  const src = await readSource(path, opts.encoding);
  const { onProgress, encoding: _enc, ...loggedOptions } = opts;
  const parsed = parseMemberships(src.text, src.fileName, opts);
  const ms = parsed.memberships;
  return db.transaction(async (tx) => {
    const issues = new IssueList(src.fileName);
    const noPharmacy = await missingKeys(tx, 'pharmacie', 'finess', ms.map((m) => m.pharmacie));
    const noStructure = await missingKeys(tx, 'structure', 'finess', ms.flatMap((m) => (m.structure ? [m.structure] : [])));
    const noCpts = await missingKeys(tx, 'cpts', 'id', ms.flatMap((m) => (m.cpts ? [m.cpts] : [])));
    const seats = await tx.query<{ finess: string; cpts: string | null }>(
      `SELECT s.finess, (SELECT c.id FROM cpts c WHERE c.finess = s.finess) AS cpts
       FROM structure s WHERE s.type = 'siege_cpts' AND s.finess = ANY($1::text[])`,
      [ms.flatMap((m) => (m.structure ? [m.structure] : []))],
    );
    const seatOf = new Map(seats.rows.map((r) => [r.finess, r.cpts]));
    for (const m of ms) {
      if (noPharmacy.has(m.pharmacie)) {
        issues.add(`pharmacy ${m.pharmacie} is not in the pharmacie table (import the FINESS file first, or check the number)`, m.line, MEMBERSHIP_COLUMNS.pharmacie);
      }
      if (m.structure && noStructure.has(m.structure)) {
        issues.add(`structure ${m.structure} is not in the structure table (MSP, centre de santé, ESP)`, m.line, MEMBERSHIP_COLUMNS.structure);
      }
      if (m.structure && seatOf.has(m.structure)) {
        const id = seatOf.get(m.structure);
        issues.add(
          `structure ${m.structure} is the seat of a CPTS: a membership of a CPTS goes in cpts_id${id ? ` (here ${id})` : ' (import the CPTS first)'}`,
          m.line,
          MEMBERSHIP_COLUMNS.structure,
        );
      }
      if (m.cpts && noCpts.has(m.cpts)) {
        issues.add(`CPTS ${m.cpts} is not in the cpts table (import the CPTS first)`, m.line, MEMBERSHIP_COLUMNS.cpts);
      }
    }
    issues.throwIfAny();

    const before = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM adhesion_pharmacie');
    const toStructure = ms.filter((m) => m.structure);
    const toCpts = ms.filter((m) => m.cpts);
    const counts = { memberships: ms.length, structures: toStructure.length, cpts: toCpts.length, created: 0, duplicateRows: parsed.counts.duplicates };
    const importId = await logImport(tx, 'memberships', src, parsed.rows, loggedOptions, { counts, warnings: parsed.warnings });
    const row = (m: Membership) => ({ pharmacie: m.pharmacie, target: m.structure ?? m.cpts, date: m.date, source: m.source });
    await insertJson(tx, UPSERT('structure_finess'), toStructure.map(row), { extraParams: [importId] });
    await insertJson(tx, UPSERT('cpts_id'), toCpts.map(row), { extraParams: [importId] });
    const after = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM adhesion_pharmacie');
    counts.created = after.rows[0]!.n - before.rows[0]!.n;
    await tx.query(`UPDATE import_log SET report = jsonb_set(report, '{counts,created}', to_jsonb($2::integer)) WHERE id = $1`, [importId, counts.created]);
    onProgress?.('write', 1, 1);
    return { kind: 'memberships', file: src.fileName, importId, rows: parsed.rows, counts, warnings: parsed.warnings };
  });
}
