// Who may do what (issue 9). Reading what the public map shows needs no account; accounts gate writes and the
// restricted reads (audit, users). ARS and URPS users belong to a région and write only there; admins anywhere.

export const ROLES = ['urps', 'ars', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LIBELLES: Record<Role, string> = {
  urps: 'URPS (recrutement des officines, adhésions)',
  ars: 'ARS (périmètres et statuts des CPTS, chevauchements)',
  admin: 'Administrateur (comptes, imports)',
};

/** A COG région code, as the accounts store it. */
export const REGION_RE = /^\d{2,3}$/;

/** A role that belongs to a région (every one but admin). */
export const hasRegion = (role: Role): boolean => role !== 'admin';

export interface Scope {
  role: Role;
  region: string | null;
}

/** True when a user of this scope may write what concerns every one of `regions`. */
export function writesIn(user: Scope, regions: readonly string[]): boolean {
  if (user.role === 'admin') return true;
  return user.region !== null && regions.every((r) => r === user.region);
}

/** Password rules (ANSSI's recommendation for a password alone: 12 characters at least). */
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 200;

/** Session lifetime: a working day. */
export const SESSION_HOURS = 10;

/**
 * Who reads a pharmacy's recruitment (states, notes): URPS and ARS users of its région, admins. Public readers and
 * other régions see neither. URPS users and admins write it (the endpoints' access).
 */
export function readsRecruitmentOf(user: Scope | null | undefined, region: string | null): boolean {
  if (!user) return false;
  return user.role === 'admin' || (region !== null && user.region === region);
}
