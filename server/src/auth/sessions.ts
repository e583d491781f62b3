// Sessions (a cookie holding a random secret, the database holding its sha256) and personal API tokens (the same,
// sent as `Authorization: Bearer`). Opening, closing and revoking are audited; a failed login is too.
import type { Db, Queryable } from '../db/port.js';
import { NotFoundError } from '../domain/errors.js';
import { SESSION_HOURS, type Role } from '../domain/roles.js';
import { ANONYMOUS, audited, record, type Actor } from './audit.js';
import { checkPassword, decoyHash, newSecret, sha256 } from './secrets.js';

/** The signed-in caller of a request. */
export interface Auth {
  actor: Actor & { utilisateur: number; role: Role };
  nom: string;
  /** Cookie sessions only: the synchronizer token their writes must carry. */
  csrf: string | null;
  expireLe: string | null;
}

interface AuthRow {
  utilisateur: number;
  identifiant: string;
  nom: string;
  role: Role;
  region: string | null;
  id: number;
  jeton_csrf?: string;
  expire_le: Date | null;
}

const toAuth = (r: AuthRow, kind: 'session' | 'jeton'): Auth => ({
  actor: {
    utilisateur: r.utilisateur,
    auteur: r.identifiant,
    role: r.role,
    region: r.region,
    sessionId: kind === 'session' ? r.id : null,
    jetonId: kind === 'jeton' ? r.id : null,
  },
  nom: r.nom,
  csrf: r.jeton_csrf ?? null,
  expireLe: r.expire_le ? new Date(r.expire_le).toISOString() : null,
});

export interface Opened {
  secret: string;
  auth: Auth;
}

/**
 * Checks a login and password and opens a session; undefined when either is wrong or the account inactive (the
 * caller says the same thing in all three cases). The CSRF token comes from `csrfToken` (the CSRF library).
 */
export async function login(db: Db, identifiant: string, password: string, csrfToken: string): Promise<Opened | undefined> {
  const u = (
    await db.query<{ id: number; mot_de_passe: string | null; actif: boolean }>(
      'SELECT id, mot_de_passe, actif FROM utilisateur WHERE lower(identifiant) = lower($1)',
      [identifiant],
    )
  ).rows[0];
  const ok = await checkPassword(u?.mot_de_passe ?? (await decoyHash()), password);
  if (!u || !u.mot_de_passe || !u.actif || !ok) {
    await db.transaction((tx) =>
      record(tx, ANONYMOUS, { action: 'session.echec', cibleType: 'utilisateur', cibleId: u?.id ?? null, apres: { identifiant: identifiant.slice(0, 100) } }),
    );
    return undefined;
  }
  return openSession(db, u.id, 'mot-de-passe', csrfToken);
}

export async function openSession(db: Db, userId: number, methode: 'mot-de-passe' | 'oidc', csrfToken: string): Promise<Opened> {
  const secret = newSecret();
  const auth = await db.transaction(async (tx) => {
    const r = await tx.query<AuthRow>(
      `WITH s AS (
         INSERT INTO session_utilisateur (secret_sha256, utilisateur, jeton_csrf, methode, expire_le)
         VALUES ($1, $2, $3, $4, now() + make_interval(hours => $5)) RETURNING id, utilisateur, jeton_csrf, expire_le)
       SELECT s.id, s.utilisateur, s.jeton_csrf, s.expire_le, u.identifiant, u.nom, u.role, u.region FROM s JOIN utilisateur u ON u.id = s.utilisateur`,
      [sha256(secret), userId, csrfToken, methode, SESSION_HOURS],
    );
    const a = toAuth(r.rows[0]!, 'session');
    await record(tx, a.actor, { action: 'session.ouverture', cibleType: 'session', cibleId: a.actor.sessionId, region: a.actor.region, apres: { methode } });
    return a;
  });
  return { secret, auth };
}

/** The open session of a cookie's secret, if it is open, unexpired and its account active. */
export async function findSession(db: Queryable, secret: string): Promise<Auth | undefined> {
  const r = await db.query<AuthRow>(
    `SELECT s.id, s.utilisateur, s.jeton_csrf, s.expire_le, u.identifiant, u.nom, u.role, u.region
       FROM session_utilisateur s JOIN utilisateur u ON u.id = s.utilisateur
      WHERE s.secret_sha256 = $1 AND s.fermee_le IS NULL AND s.expire_le > now() AND u.actif`,
    [sha256(secret)],
  );
  return r.rows[0] && toAuth(r.rows[0], 'session');
}

export async function closeSession(db: Db, actor: Actor): Promise<void> {
  await audited(db, actor, async (tx, log) => {
    await tx.query('UPDATE session_utilisateur SET fermee_le = now() WHERE id = $1 AND fermee_le IS NULL', [actor.sessionId]);
    await log({ action: 'session.fermeture', cibleType: 'session', cibleId: actor.sessionId, region: actor.region });
  });
}

// --- API tokens ---------------------------------------------------------------------------------------------

/** Tokens start with this, so that secret scanners and people recognise them. */
export const TOKEN_PREFIX = 'cpts_';

export interface Token {
  id: number;
  nom: string;
  prefixe: string;
  creeLe: string;
  expireLe: string | null;
  revoqueLe: string | null;
}

interface TokenRow {
  id: number;
  nom: string;
  prefixe: string;
  cree_le: Date;
  expire_le: Date | null;
  revoque_le: Date | null;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
const toToken = (r: TokenRow): Token => ({
  id: r.id,
  nom: r.nom,
  prefixe: r.prefixe,
  creeLe: new Date(r.cree_le).toISOString(),
  expireLe: iso(r.expire_le),
  revoqueLe: iso(r.revoque_le),
});

/** A new token for the actor; its secret is returned this once and never stored. */
export async function createToken(db: Db, actor: Auth['actor'], nom: string, expireLe: string | null): Promise<{ token: Token; secret: string }> {
  const secret = newSecret(TOKEN_PREFIX);
  return audited(db, actor, async (tx, log) => {
    const r = await tx.query<TokenRow>(
      `INSERT INTO jeton_api (secret_sha256, prefixe, utilisateur, nom, expire_le) VALUES ($1, $2, $3, $4, $5)
       RETURNING id, nom, prefixe, cree_le, expire_le, revoque_le`,
      [sha256(secret), secret.slice(0, TOKEN_PREFIX.length + 4), actor.utilisateur, nom, expireLe],
    );
    const token = toToken(r.rows[0]!);
    await log({ action: 'jeton.creation', cibleType: 'jeton', cibleId: token.id, region: actor.region, apres: token });
    return { token, secret };
  });
}

export async function listTokens(db: Queryable, userId: number): Promise<Token[]> {
  const r = await db.query<TokenRow>(
    'SELECT id, nom, prefixe, cree_le, expire_le, revoque_le FROM jeton_api WHERE utilisateur = $1 ORDER BY id',
    [userId],
  );
  return r.rows.map(toToken);
}

/** Revokes one of the actor's own tokens (another's, or an unknown one, is not found). */
export async function revokeToken(db: Db, actor: Auth['actor'], id: number): Promise<void> {
  await audited(db, actor, async (tx, log) => {
    const r = await tx.query<TokenRow>(
      `UPDATE jeton_api SET revoque_le = coalesce(revoque_le, now()) WHERE id = $1 AND utilisateur = $2
       RETURNING id, nom, prefixe, cree_le, expire_le, revoque_le`,
      [id, actor.utilisateur],
    );
    if (!r.rows[0]) throw new NotFoundError(`Jeton ${id} introuvable`);
    await log({ action: 'jeton.revocation', cibleType: 'jeton', cibleId: id, region: actor.region, apres: toToken(r.rows[0]) });
  });
}

export async function findToken(db: Queryable, secret: string): Promise<Auth | undefined> {
  const r = await db.query<AuthRow>(
    `SELECT j.id, j.utilisateur, j.expire_le, u.identifiant, u.nom, u.role, u.region
       FROM jeton_api j JOIN utilisateur u ON u.id = j.utilisateur
      WHERE j.secret_sha256 = $1 AND j.revoque_le IS NULL AND (j.expire_le IS NULL OR j.expire_le > now()) AND u.actif`,
    [sha256(secret)],
  );
  return r.rows[0] && toAuth(r.rows[0], 'jeton');
}
