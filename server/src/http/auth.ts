// Who is calling, and may they: the session cookie or the API token of a request, found lazily (public routes never
// touch the accounts tables), the access an endpoint declares (server/src/api/contract/endpoint.ts) enforced before
// its handler, CSRF on cookie-authenticated writes, and the login rate limit.
import type { CookieOptions, Request, RequestHandler, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { csrfSync } from 'csrf-sync';
import type { Access } from '../api/contract/endpoint.js';
import { findSession, findToken, type Auth } from '../auth/sessions.js';
import type { Db, Queryable } from '../db/port.js';
import { SESSION_HOURS, writesIn } from '../domain/roles.js';
import { HttpError } from './errors.js';
import { rateStore } from './rate-store.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** The signed-in caller, looked up once per request on first use (see `identify`). */
    identify?: () => Promise<Auth | undefined>;
    /** Set once an endpoint with an access rule has authorised the request. */
    auth?: Auth;
  }
}

export const SESSION_COOKIE = 'cpts_session';

/** HttpOnly, SameSite=Strict, Secure over HTTPS (directly, or as a trusted proxy reports it). */
export const sessionCookie = (req: Request): CookieOptions => ({
  httpOnly: true,
  sameSite: 'strict',
  secure: req.secure,
  path: '/',
  maxAge: SESSION_HOURS * 3600 * 1000,
});

export function clearSessionCookie(req: Request, res: Response): void {
  const { maxAge: _, ...options } = sessionCookie(req);
  res.clearCookie(SESSION_COOKIE, options);
}

const BEARER = /^Bearer ([A-Za-z0-9_-]{10,200})$/;

/** Installs `req.identify`: a bearer token if the request has an Authorization header, else the session cookie. */
export function identify(db: Queryable): RequestHandler {
  return (req, _res, next) => {
    let found: Promise<Auth | undefined> | undefined;
    req.identify = () =>
      (found ??= (() => {
        const header = req.headers.authorization;
        if (header !== undefined) {
          const token = BEARER.exec(header)?.[1];
          return token ? findToken(db, token) : Promise.resolve(undefined);
        }
        const cookie = (req.cookies as Record<string, unknown> | undefined)?.[SESSION_COOKIE];
        return typeof cookie === 'string' && cookie.length <= 100 ? findSession(db, cookie) : Promise.resolve(undefined);
      })());
    next();
  };
}

const pendingCsrf = new WeakMap<Request, string>();

/** Synchronizer-token CSRF (csrf-sync): the token lives in the session row; a write sends it as X-CSRF-Token. */
export const csrf = csrfSync({
  getTokenFromState: (req) => req.auth?.csrf ?? pendingCsrf.get(req),
  storeTokenInState: (req, token) => {
    if (token) pendingCsrf.set(req, token);
  },
  size: 32,
});

/** A fresh CSRF token for a session about to be opened by this request. */
export const newCsrfToken = (req: Request): string => csrf.generateToken(req, true);

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Checks an endpoint's declared access (roles and CSRF; the région is checked once the input is parsed). */
export async function authorize(req: Request, access: Exclude<Access, 'public'>): Promise<Auth> {
  const auth = await req.identify?.();
  if (!auth) throw new HttpError(401, 'Connexion requise : connectez-vous, ou envoyez un jeton d’API valide (Authorization: Bearer …)');
  req.auth = auth;
  if (!access.roles.includes(auth.actor.role)) {
    throw new HttpError(403, `Accès refusé : réservé aux comptes ${access.roles.map((r) => r.toUpperCase()).join(', ')}`);
  }
  // a token is sent on purpose by a script; a cookie is sent by the browser whoever made the page
  if (auth.csrf !== null && !SAFE_METHODS.has(req.method) && !csrf.isRequestValid(req)) {
    throw new HttpError(403, 'Jeton CSRF manquant ou invalide (en-tête X-CSRF-Token) : rechargez la page et réessayez');
  }
  return auth;
}

/** The région rule of an endpoint declared `region: 'own'`: every région the input concerns must be the user's. */
export function checkRegions(auth: Auth, regions: readonly string[]): void {
  if (!writesIn(auth.actor, regions)) {
    throw new HttpError(403, `Accès refusé : votre compte n’agit que sur la région ${auth.actor.region ?? '(aucune)'}`);
  }
}

/** The caller, on a route whose access rule has run. */
export function signedIn(req: Request): Auth {
  if (!req.auth) throw new Error('signedIn() on a route without an access rule');
  return req.auth;
}

/** Failed logins per address and quarter of an hour (successful ones do not count); 0: no limit. Shared as limitExpensive's. */
export function loginLimiter(perQuarter: number, db?: Db): RequestHandler {
  if (perQuarter === 0) return (_req, _res, next) => next();
  return rateLimit({
    store: rateStore(db, 'login:'),
    windowMs: 15 * 60_000,
    limit: perQuarter,
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, _res, next, options) =>
      next(new HttpError(options.statusCode, 'Trop d’essais de connexion depuis cette adresse : réessayez dans un quart d’heure.')),
  });
}
