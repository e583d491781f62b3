// Sessions, password change, personal API tokens, accounts (admins) and the audit trail (admins; ARS: their région).
import { Router, type Request } from 'express';
import { auditBatches, readAudit, type AuditRow } from '../auth/audit.js';
import { oidcClient, SsoRefused, type Pending } from '../auth/oidc.js';
import { closeSession, createToken, listTokens, login, openSession, revokeToken, type Auth } from '../auth/sessions.js';
import { changePassword, createUser, listUsers, updateUser } from '../auth/users.js';
import { ROLE_LIBELLES } from '../domain/roles.js';
import { clearSessionCookie, loginLimiter, newCsrfToken, SESSION_COOKIE, sessionCookie, signedIn } from '../http/auth.js';
import { mapBatches } from '../db/cursor.js';
import { streamCsv } from '../http/csv.js';
import { HttpError } from '../http/errors.js';
import * as api from './contract/auth.js';
import type { Input } from './contract/endpoint.js';
import type { AppDeps } from './deps.js';
import { setSourcesHeader } from './send.js';
import { serve } from './serve.js';

const moi = (a: Auth): api.Moi => ({
  id: a.actor.utilisateur,
  identifiant: a.actor.auteur,
  nom: a.nom,
  role: a.actor.role,
  roleLibelle: ROLE_LIBELLES[a.actor.role],
  region: a.actor.region,
  authentification: a.csrf === null ? 'jeton' : 'session',
});

const AUDIT_COLUMNS = ['id', 'le', 'auteur', 'utilisateur', 'session', 'jeton', 'action', 'cible', 'cibleId', 'region', 'avant', 'apres'];

const auditEntry = (r: AuditRow) => ({
  id: r.id,
  le: new Date(r.le).toISOString(),
  utilisateur: r.utilisateur,
  auteur: r.auteur,
  sessionId: r.session_id,
  jetonId: r.jeton_id,
  action: r.action,
  cibleType: r.cible_type,
  cibleId: r.cible_id,
  region: r.region,
  avant: r.avant,
  apres: r.apres,
});

export function authRoutes(deps: AppDeps): Router {
  const { db, config } = deps;
  const r = Router();
  const oidc = Boolean(config.oidc);
  const state = (a: Auth | undefined) => ({ utilisateur: a ? moi(a) : null, jetonCsrf: a?.csrf ?? null, oidc });

  serve(r, api.sessionGet, async (_input, _res, req) => state(await req.identify?.()));

  const limiter = loginLimiter(config.rateLimits?.loginFailuresPerQuarter ?? 0, db);
  r.use((req, res, next) => (req.method === 'POST' && req.path === api.sessionLogin.path ? limiter(req, res, next) : next()));
  serve(r, api.sessionLogin, async ({ body }, res, req) => {
    const opened = await login(db, body.identifiant, body.motDePasse, newCsrfToken(req));
    if (!opened) throw new HttpError(401, 'Identifiant ou mot de passe incorrect');
    res.cookie(SESSION_COOKIE, opened.secret, sessionCookie(req));
    return state(opened.auth);
  });

  serve(r, api.sessionLogout, async (_input, res, req) => {
    const auth = signedIn(req);
    if (auth.actor.sessionId === null) throw new HttpError(400, 'Un jeton d’API ne se déconnecte pas : révoquez-le (DELETE /api/jetons/{id})');
    await closeSession(db, auth.actor);
    clearSessionCookie(req, res);
    res.status(204).end();
  });

  serve(r, api.passwordChange, async ({ body }, res, req) => {
    await changePassword(db, signedIn(req).actor, body.actuel, body.nouveau);
    res.status(204).end();
  });

  serve(r, api.tokensList, async (_input, _res, req) => ({ jetons: await listTokens(db, signedIn(req).actor.utilisateur) }));
  serve(r, api.tokenCreate, async ({ body }, res, req) => {
    const created = await createToken(db, signedIn(req).actor, body.nom, body.expireLe ?? null);
    res.status(201);
    return { jeton: created.token, secret: created.secret };
  });
  serve(r, api.tokenRevoke, async ({ params }, res, req) => {
    await revokeToken(db, signedIn(req).actor, params.id);
    res.status(204).end();
  });

  serve(r, api.usersList, async () => ({ utilisateurs: await listUsers(db) }));
  serve(r, api.userCreate, async ({ body }, res, req) => {
    const user = await createUser(db, signedIn(req).actor, body);
    res.status(201);
    return user;
  });
  serve(r, api.userUpdate, async ({ params, body }, _res, req) => updateUser(db, signedIn(req).actor, params.id, body));

  // an ARS user reads their région only: naming another is refused (region: 'own'), naming none means theirs
  const auditFilter = (query: Input<typeof api.audit>['query'], req: Request) => {
    const { actor } = signedIn(req);
    const { cible, ...rest } = query;
    return { ...rest, cibleType: cible, region: actor.role === 'admin' ? query.region : actor.region!, limite: query.limite ?? 1000 };
  };
  const regionOf = ({ query }: { query: { region?: string } }) => (query.region ? [query.region] : []);

  serve(r, api.audit, async ({ query }, _res, req) => {
    const rows = await readAudit(db, auditFilter(query, req));
    return { nombre: rows.length, entrees: rows.map(auditEntry) };
  }, { regionOf });

  serve(r, api.auditCsv, async ({ query }, res, req) => {
    setSourcesHeader(res, []);
    const json = (v: unknown) => (v === null || v === undefined ? '' : JSON.stringify(v));
    const line = (r: AuditRow) => {
      const e = auditEntry(r);
      return [e.id, e.le, e.auteur, e.utilisateur, e.sessionId, e.jetonId, e.action, e.cibleType, e.cibleId, e.region, json(e.avant), json(e.apres)];
    };
    await streamCsv(res, 'audit.csv', AUDIT_COLUMNS, mapBatches(auditBatches(db, auditFilter(query, req)), line));
  }, { regionOf });

  oidcRoutes(r, deps);
  return r;
}

const OIDC_COOKIE = 'cpts_oidc';

/** Single sign-on: 404 when not configured; the flow's secrets wait in a cookie the provider's redirection brings back. */
function oidcRoutes(r: Router, { db, config, log }: AppDeps): void {
  const sso = config.oidc && oidcClient(config.oidc);
  const configured = () => {
    if (!sso) throw new HttpError(404, 'Connexion unique non configurée sur ce serveur (variables OIDC_*)');
    return sso;
  };

  serve(r, api.oidcStart, async (_input, res, req) => {
    const { url, pending } = await configured().start();
    // Lax: the provider's redirection back is a top-level navigation from its site
    res.cookie(OIDC_COOKIE, JSON.stringify(pending), { httpOnly: true, sameSite: 'lax', secure: req.secure, path: '/api/session/oidc', maxAge: 600_000 });
    res.status(302).location(url).end();
  });

  serve(r, api.oidcCallback, async (_input, res, req) => {
    const sso = configured();
    const raw = (req.cookies as Record<string, unknown>)[OIDC_COOKIE];
    res.clearCookie(OIDC_COOKIE, { path: '/api/session/oidc' });
    let pending: Pending;
    try {
      pending = JSON.parse(String(raw)) as Pending;
    } catch {
      throw new HttpError(401, 'Connexion unique expirée ou commencée dans un autre navigateur : recommencez');
    }
    const user = await sso.finish(db, req.originalUrl.split('?')[1] ?? '', pending).catch((e: unknown) => {
      if (e instanceof SsoRefused) throw new HttpError(401, e.message);
      log.warn({ err: { name: (e as Error).name, code: (e as { code?: unknown }).code } }, 'single sign-on refused');
      throw new HttpError(401, 'Connexion unique refusée par le fournisseur d’identité : recommencez');
    });
    const opened = await openSession(db, user.id, 'oidc', newCsrfToken(req));
    res.cookie(SESSION_COOKIE, opened.secret, sessionCookie(req));
    res.status(302).location('/').end();
  });
}
