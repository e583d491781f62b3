// Single sign-on role mapping (table oidc_role): which role and région an identity gets, by exact e-mail, SIRET of
// the organisation, or e-mail domain, the most specific first.
import type { Db, Queryable } from '../db/port.js';
import type { Role } from '../domain/roles.js';
import { audited, type Actor } from './audit.js';

export type Critere = 'email' | 'domaine' | 'siret';

export interface RoleMapping {
  role: Role;
  region: string | null;
}

export async function setOidcRole(db: Db, actor: Actor, critere: Critere, valeur: string, m: RoleMapping): Promise<void> {
  await audited(db, actor, async (tx, log) => {
    const before = (await tx.query('SELECT role, region FROM oidc_role WHERE critere = $1 AND valeur = $2', [critere, valeur])).rows[0];
    await tx.query(
      `INSERT INTO oidc_role (critere, valeur, role, region) VALUES ($1, $2, $3, $4)
       ON CONFLICT (critere, valeur) DO UPDATE SET role = excluded.role, region = excluded.region`,
      [critere, valeur, m.role, m.region],
    );
    await log({ action: 'oidc-role.modification', cibleType: 'oidc-role', cibleId: `${critere}:${valeur}`, region: m.region, avant: before ?? null, apres: m });
  });
}

/** The role of an identity, from its claims; undefined when no row matches (no access). */
export async function roleFor(db: Queryable, claims: { email?: string; siret?: string }): Promise<RoleMapping | undefined> {
  const email = claims.email?.toLowerCase() ?? null;
  const domain = email?.split('@')[1] ?? null;
  const r = await db.query<RoleMapping>(
    `SELECT role, region FROM oidc_role
      WHERE (critere = 'email' AND valeur = $1) OR (critere = 'siret' AND valeur = $2) OR (critere = 'domaine' AND valeur = $3)
      ORDER BY CASE critere WHEN 'email' THEN 0 WHEN 'siret' THEN 1 ELSE 2 END LIMIT 1`,
    [email, claims.siret ?? null, domain],
  );
  return r.rows[0];
}
