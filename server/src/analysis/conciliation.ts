// Decisions on overlapping pairs of CPTS (migration 065): read the current decision of every pair and the history
// of one, and append a decision inside the caller's transaction (the API wraps it in `audited`, which this layer
// may not import). Nothing here updates or deletes: the table refuses both.
import type { Queryable } from '../db/port.js';
import { pairId, type PairKey } from '../domain/conciliation.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../domain/errors.js';
import { decisionOrderSql, decisionTakenBySql, pairDecisionSql } from '../domain/rules-sql.js';
import { today } from '../domain/versions.js';
import type { Decision } from '../domain/vocabulary.js';

export interface DecisionRecord {
  decision: Decision;
  note: string | null;
  /** The day the decision was taken, AAAA-MM-JJ. */
  date: string;
  /** When it was recorded (ISO 8601). */
  enregistreLe: string;
  auteur: string;
  /** For an arbitration: the CPTS each disputed commune was given to, by INSEE code. */
  attributions: Record<string, string> | null;
}

interface Row {
  cpts_a: string;
  cpts_b: string;
  decision: Decision;
  note: string | null;
  date: string;
  enregistre_le: Date | string;
  auteur: string;
  attributions: Record<string, string> | null;
}

const COLUMNS = `cpts_a, cpts_b, decision, note, to_char(date_decision, 'YYYY-MM-DD') AS date, enregistre_le, auteur, attributions`;

const toRecord = (r: Row): DecisionRecord => ({
  decision: r.decision,
  note: r.note,
  date: r.date,
  enregistreLe: new Date(r.enregistre_le).toISOString(),
  auteur: r.auteur,
  attributions: r.attributions,
});

/** The current decision of every pair that has one (pairDecisionSql), today or as of `day`, by pair id (« a|b »). */
export async function currentDecisions(db: Queryable, day?: string | null): Promise<Map<string, DecisionRecord>> {
  const r = await db.query<Row>(`SELECT ${COLUMNS} FROM ${pairDecisionSql(day)} d`);
  return new Map(r.rows.map((x) => [pairId({ a: x.cpts_a, b: x.cpts_b }), toRecord(x)]));
}

/**
 * Every decision of a pair, newest first (decisionOrderSql: the first is the current one), only those taken on or
 * before `day` when given.
 */
export async function decisionHistory(db: Queryable, p: PairKey, day?: string | null): Promise<DecisionRecord[]> {
  const r = await db.query<Row>(
    `SELECT ${COLUMNS} FROM chevauchement_decision d WHERE cpts_a = $1 AND cpts_b = $2 AND ${decisionTakenBySql('d', day)}
      ORDER BY ${decisionOrderSql('d')}`,
    [p.a, p.b],
  );
  return r.rows.map(toRecord);
}

export interface DisputedCommune {
  code: string;
  nom: string;
  region: string;
}

/** The communes both CPTS claim today (INSEE code order). */
export async function disputedCommunes(db: Queryable, p: PairKey): Promise<DisputedCommune[]> {
  const r = await db.query<DisputedCommune>(
    `SELECT c.code, c.nom, c.region FROM cpts_commune x
       JOIN cpts_commune y ON y.commune_code = x.commune_code AND y.cpts_id = $2
       JOIN commune c ON c.code = x.commune_code
      WHERE x.cpts_id = $1 ORDER BY c.code COLLATE "C"`,
    [p.a, p.b],
  );
  return r.rows;
}

/**
 * The régions whose ARS decides on a pair: those of its disputed communes (an ARS settles what lies in its région,
 * wherever the rest of either CPTS lies). A pair disputing communes of two régions is decided by an admin.
 */
export async function pairRegions(db: Queryable, p: PairKey): Promise<string[]> {
  return [...new Set((await disputedCommunes(db, p)).map((c) => c.region))].sort();
}

/** Both CPTS must exist (404), and, to be decided on, still share a commune (409). Returns the disputed communes. */
export async function overlappingPair(db: Queryable, p: PairKey): Promise<DisputedCommune[]> {
  const known = await db.query<{ id: string }>('SELECT id FROM cpts WHERE id = ANY($1::text[])', [[p.a, p.b]]);
  const missing = [p.a, p.b].filter((id) => !known.rows.some((r) => r.id === id));
  if (missing.length) throw new NotFoundError(`CPTS introuvable : ${missing.join(', ')}`);
  const communes = await disputedCommunes(db, p);
  if (!communes.length) throw new ConflictError(`Les CPTS ${p.a} et ${p.b} ne partagent aucune commune : il n’y a pas de chevauchement à décider`);
  return communes;
}

export interface NewDecision {
  decision: Decision;
  note?: string | null;
  /** AAAA-MM-JJ, not in the future; today when absent. */
  date?: string | null;
  attributions?: Record<string, string> | null;
}

export interface DecisionAuthor {
  utilisateur: number | null;
  auteur: string;
}

/** Appends a decision to a pair's history, in the caller's transaction. */
export async function appendDecision(tx: Queryable, who: DecisionAuthor, p: PairKey, d: NewDecision): Promise<DecisionRecord> {
  const day = d.date ?? today();
  if (day > today()) throw new InvalidInputError(`La date de la décision (${day}) est dans le futur : datez-la du jour où elle a été prise`);
  const r = await tx.query<Row>(
    `INSERT INTO chevauchement_decision (cpts_a, cpts_b, decision, note, date_decision, utilisateur, auteur, attributions)
     VALUES ($1, $2, $3, $4, $5::date, $6, $7, $8) RETURNING ${COLUMNS}`,
    [p.a, p.b, d.decision, d.note?.trim() || null, day, who.utilisateur, who.auteur, d.attributions ? JSON.stringify(d.attributions) : null],
  );
  return toRecord(r.rows[0]!);
}

export interface ArbitrationPlan {
  /** Per CPTS of the pair: the disputed communes it loses to the other. */
  retirees: Record<string, string[]>;
}

/**
 * Checks an arbitration against the communes disputed now: every one given to a or b, none other (a stale screen or a
 * wrong code is a conflict with what is stored), and neither CPTS left without communes.
 */
export async function planArbitration(
  tx: Queryable,
  p: PairKey,
  disputed: readonly DisputedCommune[],
  attributions: Readonly<Record<string, string>>,
): Promise<ArbitrationPlan> {
  const wrongSide = Object.entries(attributions).filter(([, id]) => id !== p.a && id !== p.b);
  if (wrongSide.length) {
    throw new InvalidInputError(`Une commune disputée ne peut être attribuée qu’à ${p.a} ou ${p.b}`, wrongSide.map(([code, id]) => ({ commune: code, cpts: id })));
  }
  const codes = new Set(disputed.map((c) => c.code));
  const manquantes = [...codes].filter((c) => !(c in attributions));
  const enTrop = Object.keys(attributions).filter((c) => !codes.has(c));
  if (manquantes.length || enTrop.length) {
    throw new ConflictError('Les communes attribuées ne sont pas exactement les communes disputées aujourd’hui : rechargez la paire et recommencez', {
      manquantes,
      enTrop,
    });
  }
  const retirees = { [p.a]: [] as string[], [p.b]: [] as string[] };
  for (const c of disputed) retirees[attributions[c.code] === p.a ? p.b : p.a]!.push(c.code);
  const sizes = await tx.query<{ cpts_id: string; n: number }>(
    'SELECT cpts_id, count(*)::int AS n FROM cpts_commune WHERE cpts_id = ANY($1::text[]) GROUP BY cpts_id',
    [[p.a, p.b]],
  );
  const emptied = sizes.rows.filter((r) => r.n <= retirees[r.cpts_id]!.length).map((r) => r.cpts_id);
  if (emptied.length) throw new InvalidInputError(`Cet arbitrage retirerait toutes ses communes à ${emptied.join(', ')} : une CPTS garde au moins une commune`);
  return { retirees };
}

/** Locks both CPTS of a pair against concurrent perimeter writes until the transaction ends (ids in byte order: no deadlock). */
export async function lockPair(tx: Queryable, p: PairKey): Promise<void> {
  await tx.query('SELECT id FROM cpts WHERE id = ANY($1::text[]) ORDER BY id COLLATE "C" FOR UPDATE', [[p.a, p.b]]);
}
