// Accounts for the HTTP tests: users of each role in two régions, and signed-in callers (cookie session with its
// CSRF token, or API token).
import { CLI_ACTOR } from '../../server/src/auth/audit.js';
import { createToken, findToken } from '../../server/src/auth/sessions.js';
import { createUser } from '../../server/src/auth/users.js';
import type { Db } from '../../server/src/db/port.js';
import type { Role } from '../../server/src/domain/roles.js';
import type { TestServer } from './http.js';

export const PASSWORD = 'correct horse battery staple';
export const OWN = '52';
export const OTHER = '93';

export interface Account {
  id: number;
  login: string;
  role: Role;
  region: string | null;
}

/** Accounts admin, ars-52, ars-93, urps-52, urps-93, all with PASSWORD. */
export async function createAccounts(db: Db): Promise<Record<string, Account>> {
  const specs: [string, Role, string | null][] = [
    ['admin', 'admin', null],
    ['ars-52', 'ars', OWN],
    ['ars-93', 'ars', OTHER],
    ['urps-52', 'urps', OWN],
    ['urps-93', 'urps', OTHER],
  ];
  const out: Record<string, Account> = {};
  for (const [login, role, region] of specs) {
    const u = await createUser(db, CLI_ACTOR, { identifiant: login, nom: `Compte ${login}`, role, region, motDePasse: PASSWORD });
    out[login] = { id: u.id, login, role, region };
  }
  return out;
}

/** Credentials a request carries. */
export interface Caller {
  headers: Record<string, string>;
  /** The session cookie's value (cookie sessions), for tests that look for it where it must not be. */
  cookie?: string;
  /** The API token (token callers). */
  token?: string;
}

/** Signs in through POST /api/session: the cookie and the CSRF header every write must carry. */
export async function signIn(srv: TestServer, login: string, password = PASSWORD): Promise<Caller> {
  const r = await srv.fetch('/api/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ identifiant: login, motDePasse: password }),
  });
  if (r.status !== 200) throw new Error(`sign-in of ${login}: ${r.status} ${await r.text()}`);
  const setCookie = r.headers.get('set-cookie') ?? '';
  const cookie = /cpts_session=([^;]+)/.exec(setCookie)?.[1];
  const body = (await r.json()) as { jetonCsrf: string };
  if (!cookie) throw new Error(`sign-in of ${login}: no session cookie`);
  return { headers: { cookie: `cpts_session=${cookie}`, 'x-csrf-token': body.jetonCsrf }, cookie };
}

/** An API token of the account, made directly in the database. */
export async function tokenOf(db: Db, a: Account): Promise<Caller> {
  const actor = { utilisateur: a.id, auteur: a.login, role: a.role, region: a.region, sessionId: null, jetonId: null };
  const { secret } = await createToken(db, actor, 'test', null);
  if (!(await findToken(db, secret))) throw new Error('token not found after creation');
  return { headers: { authorization: `Bearer ${secret}` }, token: secret };
}

/** A JSON request with the caller's credentials. */
export function call(srv: TestServer, method: string, path: string, who: Caller | null, body?: unknown): Promise<Response> {
  return srv.fetch(path, {
    method: method.toUpperCase(), // fetch upper-cases GET, POST, PUT, DELETE but not PATCH

    headers: { ...(who?.headers ?? {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}
