// Request guards mounted before the routes: invalid text refused, expensive endpoints rate-limited per client and
// marked « heavy » for the database, HSTS only over HTTPS.
import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import { runInLane } from '../db/lane.js';
import type { Db } from '../db/port.js';
import { HttpError } from './errors.js';
import { rateStore } from './rate-store.js';

/** Whole-file exports: CSV, and GeoJSON of whole layers. */
export const EXPORT_PATH = /^\/api\/(?:[a-z-]+\.csv|(?:white-zones|overlaps|cpts)\.geojson)$/;
/** Analyses over a whole territory, and the perimeter check (PostGIS work proportional to the input). */
export const ANALYSIS_PATH = /^\/api\/(?:white-zones|overlaps|coverage|perimeter\/check)$/;

// A NUL byte, or half of a UTF-16 pair: matching the control character is the point here.
// eslint-disable-next-line no-control-regex
const NUL_OR_LONE_SURROGATE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when a string anywhere in `v` (keys included) holds a NUL byte or half of a UTF-16 pair. */
function invalidText(v: unknown, depth = 0): boolean {
  if (typeof v === 'string') return NUL_OR_LONE_SURROGATE.test(v);
  if (depth > 64 || v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.some((x) => invalidText(x, depth + 1));
  return Object.entries(v).some(([k, x]) => NUL_OR_LONE_SURROGATE.test(k) || invalidText(x, depth + 1));
}

function decodedPath(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/**
 * PostgreSQL refuses a NUL byte in text, and invalid UTF-16 cannot be encoded: such input is a 400 saying where,
 * before any route sees it. Mounted after the body parser.
 */
export const rejectInvalidText: RequestHandler = (req, _res, next) => {
  const path = decodedPath(req.path);
  const where =
    path === undefined ? 'le chemin (encodage %XX incorrect)' : invalidText(path) ? 'le chemin' : invalidText(req.query) ? 'les paramètres' : invalidText(req.body) ? 'le corps' : undefined;
  next(where ? new HttpError(400, `Texte invalide dans ${where} de la requête : caractère nul (%00) ou encodage incorrect`) : undefined);
};

function limiter(perMinute: number, what: string, db?: Db): RequestHandler {
  if (perMinute === 0) return (_req, _res, next) => next();
  return rateLimit({
    store: rateStore(db, `${what}:`),
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8', // RateLimit-Policy and RateLimit; Retry-After on 429
    legacyHeaders: false,
    handler: (_req, _res, next, options) =>
      next(new HttpError(options.statusCode, `Trop de requêtes : ${perMinute} ${what} par minute au plus ; réessayez dans une minute.`)),
  });
}

export interface GuardLimits {
  /** Exports per minute and client (0: no limit). */
  exportsPerMinute: number;
  /** Analyses and perimeter checks per minute and client (0: no limit). */
  analysesPerMinute: number;
}

/**
 * Rate limits per client (its address, as TRUST_PROXY allows reading it) and the database lane of each request.
 * With `db` on PostGIS the counts are in the database, shared by every server process (rate-store.ts).
 */
export function limitExpensive(limits: GuardLimits, db?: Db): RequestHandler {
  const exports = limiter(limits.exportsPerMinute, 'exports', db);
  const analyses = limiter(limits.analysesPerMinute, 'analyses', db);
  return (req, res, next) => {
    const kind = EXPORT_PATH.test(req.path) ? exports : ANALYSIS_PATH.test(req.path) ? analyses : undefined;
    const lane = kind ? 'heavy' : 'interactive';
    runInLane(lane, () => (kind ? kind(req, res, next) : next()));
  };
}

const hsts = helmet.strictTransportSecurity();

/** Strict-Transport-Security only on a request that came over HTTPS (directly, or by a trusted proxy). */
export const hstsOverHttps: RequestHandler = (req, res, next) => (req.secure ? hsts(req, res, next) : next());
