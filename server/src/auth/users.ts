// Accounts: created by an admin (or the command line for the first one), or on a first single sign-on. Every change
// is audited in its own transaction; the audit rows show accounts without their password hash.
import type { Db, Queryable } from '../db/port.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../domain/errors.js';
import { hasRegion, type Role } from '../domain/roles.js';
import { audited, type Actor } from './audit.js';
import { checkPassword, hashPassword } from './secrets.js';

export interface User {
  id: number;
  identifiant: string;
  nom: string;
  role: Role;
  region: string | null;
  actif: boolean;
  sso: boolean;
  creeLe: string;
}

interface UserRow {
  id: number;
  identifiant: string;
  nom: string;
  role: Role;
  region: string | null;
  actif: boolean;
  oidc_sujet: string | null;
  cree_le: Date;
}

const COLUMNS = 'id, identifiant, nom, role, region, actif, oidc_sujet, cree_le';

const toUser = (r: UserRow): User => ({
  id: r.id,
  identifiant: r.identifiant,
  nom: r.nom,
  role: r.role,
  region: r.region,
  actif: r.actif,
  sso: r.oidc_sujet !== null,
  creeLe: new Date(r.cree_le).toISOString(),
});

export interface NewUser {
  identifiant: string;
  nom: string;
  role: Role;
  region?: string | null;
  motDePasse?: string;
  oidcSujet?: string;
}

function checkRegion(role: Role, region: string | null | undefined): string | null {
  if (hasRegion(role) && !region) throw new InvalidInputError(`Un compte ${role.toUpperCase()} doit avoir une région`);
  if (!hasRegion(role) && region) throw new InvalidInputError('Un compte administrateur n’a pas de région');
  return region ?? null;
}

export async function getUser(db: Queryable, id: number): Promise<User | undefined> {
  const r = await db.query<UserRow>(`SELECT ${COLUMNS} FROM utilisateur WHERE id = $1`, [id]);
  return r.rows[0] && toUser(r.rows[0]);
}

export async function listUsers(db: Queryable): Promise<User[]> {
  return (await db.query<UserRow>(`SELECT ${COLUMNS} FROM utilisateur ORDER BY id`)).rows.map(toUser);
}

/** A région code must be one the database knows (once communes are imported: an empty database knows none yet). */
async function knownRegion(tx: Queryable, region: string | null): Promise<void> {
  if (region === null) return;
  const r = await tx.query<{ any: boolean; known: boolean }>(
    'SELECT EXISTS (SELECT 1 FROM region) AS any, EXISTS (SELECT 1 FROM region WHERE code = $1) AS known',
    [region],
  );
  if (r.rows[0]!.any && !r.rows[0]!.known) throw new InvalidInputError(`Région inconnue : ${region} (code COG de région attendu, ex. 93)`);
}

async function loginTaken(tx: Queryable, identifiant: string, exceptId = 0): Promise<void> {
  const r = await tx.query('SELECT 1 FROM utilisateur WHERE lower(identifiant) = lower($1) AND id <> $2', [identifiant, exceptId]);
  if (r.rows.length) throw new ConflictError(`L’identifiant ${identifiant} est déjà pris`);
}

export async function createUser(db: Db, actor: Actor, u: NewUser): Promise<User> {
  const region = checkRegion(u.role, u.region);
  const hash = u.motDePasse === undefined ? null : await hashPassword(u.motDePasse);
  return audited(db, actor, async (tx, log) => {
    await loginTaken(tx, u.identifiant);
    await knownRegion(tx, region);
    const r = await tx.query<UserRow>(
      `INSERT INTO utilisateur (identifiant, nom, role, region, mot_de_passe, oidc_sujet) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
      [u.identifiant.toLowerCase(), u.nom, u.role, region, hash, u.oidcSujet ?? null],
    );
    const user = toUser(r.rows[0]!);
    await log({ action: 'utilisateur.creation', cibleType: 'utilisateur', cibleId: user.id, region, apres: user });
    return user;
  });
}

export interface UserPatch {
  nom?: string;
  role?: Role;
  region?: string | null;
  actif?: boolean;
  motDePasse?: string;
}

/** The message of the refusal to leave the register without an active administrator (409). */
export const LAST_ADMIN =
  'C’est le dernier compte administrateur actif : il ne peut être ni désactivé ni changé de rôle. Créez ou réactivez d’abord un autre administrateur.';

/**
 * Locks the active admins (id order) until the transaction ends and returns their ids. Taken before the account's own
 * row by every change that may remove an admin, so that two such changes run one after the other (no deadlock): the
 * second sees the first's result (a demoted or deactivated admin no longer matches) and cannot remove the last one.
 */
async function lockActiveAdmins(tx: Queryable): Promise<number[]> {
  return (await tx.query<{ id: number }>(`SELECT id FROM utilisateur WHERE role = 'admin' AND actif ORDER BY id FOR UPDATE`)).rows.map((r) => r.id);
}

export async function updateUser(db: Db, actor: Actor, id: number, p: UserPatch): Promise<User> {
  const hash = p.motDePasse === undefined ? undefined : await hashPassword(p.motDePasse);
  return audited(db, actor, async (tx, log) => {
    const mayRemoveAdmin = p.actif === false || (p.role !== undefined && p.role !== 'admin');
    const admins = mayRemoveAdmin ? await lockActiveAdmins(tx) : [];
    const before = (await tx.query<UserRow>(`SELECT ${COLUMNS} FROM utilisateur WHERE id = $1 FOR UPDATE`, [id])).rows[0];
    if (!before) throw new NotFoundError(`Utilisateur ${id} introuvable`);
    if (mayRemoveAdmin && admins.includes(id) && admins.length === 1) throw new ConflictError(LAST_ADMIN);
    const role = p.role ?? before.role;
    const region = checkRegion(role, p.region !== undefined ? p.region : p.role === 'admin' ? null : before.region);
    await knownRegion(tx, region);
    const r = await tx.query<UserRow>(
      `UPDATE utilisateur SET nom = $2, role = $3, region = $4, actif = $5, mot_de_passe = coalesce($6, mot_de_passe), modifie_le = now()
        WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, p.nom ?? before.nom, role, region, p.actif ?? before.actif, hash ?? null],
    );
    const after = toUser(r.rows[0]!);
    // a deactivated account, or one whose password an admin reset, loses its open sessions
    if (p.actif === false || hash) await tx.query('UPDATE session_utilisateur SET fermee_le = now() WHERE utilisateur = $1 AND fermee_le IS NULL', [id]);
    await log({
      action: 'utilisateur.modification',
      cibleType: 'utilisateur',
      cibleId: id,
      region: after.region ?? before.region,
      avant: toUser(before),
      apres: { ...after, ...(hash ? { motDePasseModifie: true } : {}) },
    });
    return after;
  });
}

/** The user's own password change: the current one is checked; the user's other sessions are closed. */
export async function changePassword(db: Db, actor: Actor, current: string, next: string): Promise<void> {
  const id = actor.utilisateur!;
  const row = (await db.query<{ mot_de_passe: string | null }>('SELECT mot_de_passe FROM utilisateur WHERE id = $1', [id])).rows[0];
  if (!row?.mot_de_passe || !(await checkPassword(row.mot_de_passe, current))) {
    throw new InvalidInputError('Mot de passe actuel incorrect');
  }
  const hash = await hashPassword(next);
  await audited(db, actor, async (tx, log) => {
    await tx.query('UPDATE utilisateur SET mot_de_passe = $2, modifie_le = now() WHERE id = $1', [id, hash]);
    const closed = await tx.query(
      'UPDATE session_utilisateur SET fermee_le = now() WHERE utilisateur = $1 AND fermee_le IS NULL AND id IS DISTINCT FROM $2',
      [id, actor.sessionId],
    );
    await log({ action: 'utilisateur.mot-de-passe', cibleType: 'utilisateur', cibleId: id, region: actor.region, apres: { autresSessionsFermees: closed.rowCount } });
  });
}
