// The audit trail (migration 051): one row per write, in the write's own transaction. The table refuses UPDATE,
// DELETE and TRUNCATE by itself; this module only appends and reads.
import type { Db, Queryable } from '../db/port.js';
import type { Role } from '../domain/roles.js';

/** Who writes: a signed-in user (through a session or an API token), the command line, or nobody yet (a login). */
export interface Actor {
  utilisateur: number | null;
  /** The user's login, 'cli' or 'anonyme'. */
  auteur: string;
  role: Role | null;
  region: string | null;
  sessionId: number | null;
  jetonId: number | null;
}

export const CLI_ACTOR: Actor = { utilisateur: null, auteur: 'cli', role: 'admin', region: null, sessionId: null, jetonId: null };
export const ANONYMOUS: Actor = { utilisateur: null, auteur: 'anonyme', role: null, region: null, sessionId: null, jetonId: null };

export interface AuditEntry {
  action: string;
  cibleType: string;
  cibleId?: string | number | null;
  region?: string | null;
  avant?: unknown;
  apres?: unknown;
}

export async function record(tx: Queryable, actor: Actor, e: AuditEntry): Promise<void> {
  await tx.query(
    `INSERT INTO audit (utilisateur, auteur, session_id, jeton_id, action, cible_type, cible_id, region, avant, apres)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      actor.utilisateur,
      actor.auteur,
      actor.sessionId,
      actor.jetonId,
      e.action,
      e.cibleType,
      e.cibleId === undefined || e.cibleId === null ? null : String(e.cibleId),
      e.region ?? null,
      e.avant === undefined ? null : JSON.stringify(e.avant),
      e.apres === undefined ? null : JSON.stringify(e.apres),
    ],
  );
}

/** Runs a write and appends its audit rows in one transaction: no write without its record, no record without it. */
export function audited<T>(db: Db, actor: Actor, fn: (tx: Queryable, log: (e: AuditEntry) => Promise<void>) => Promise<T>): Promise<T> {
  return db.transaction((tx) => fn(tx, (e) => record(tx, actor, e)));
}

export interface AuditFilter {
  depuis?: string;
  jusqua?: string;
  utilisateur?: number;
  action?: string;
  region?: string;
  cibleType?: string;
  limite: number;
}

export interface AuditRow {
  id: number;
  le: Date;
  utilisateur: number | null;
  auteur: string;
  session_id: number | null;
  jeton_id: number | null;
  action: string;
  cible_type: string;
  cible_id: string | null;
  region: string | null;
  avant: unknown;
  apres: unknown;
}

const AUDIT_SQL = `SELECT id, le, utilisateur, auteur, session_id, jeton_id, action, cible_type, cible_id, region, avant, apres
       FROM audit
      WHERE ($1::date IS NULL OR le >= $1::date)
        AND ($2::date IS NULL OR le < $2::date + 1)
        AND ($3::int IS NULL OR utilisateur = $3)
        AND ($4::text IS NULL OR action = $4 OR action LIKE $4 || '.%')
        AND ($5::text IS NULL OR region = $5)
        AND ($6::text IS NULL OR cible_type = $6)
      ORDER BY id DESC
      LIMIT $7`;

const auditParams = (f: AuditFilter) => [f.depuis ?? null, f.jusqua ?? null, f.utilisateur ?? null, f.action ?? null, f.region ?? null, f.cibleType ?? null, f.limite];

/** The newest rows first. `jusqua` is a day, included. */
export async function readAudit(db: Queryable, f: AuditFilter): Promise<AuditRow[]> {
  return (await db.query<AuditRow>(AUDIT_SQL, auditParams(f))).rows;
}

/** The same rows a batch at a time from a cursor (exports). */
export function auditBatches(db: Db, f: AuditFilter): AsyncIterable<AuditRow[]> {
  return db.cursor<AuditRow>(AUDIT_SQL, auditParams(f));
}
