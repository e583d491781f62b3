import type { ErrorRequestHandler, RequestHandler } from 'express';
import { loggedUrl, type Logger } from '../logger.js';
import { ZodError } from 'zod';
import { DbInputError, DbTimeoutError, DbUnavailableError } from '../db/port.js';
import type { ErrorBody } from '../api/contract/endpoint.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../domain/errors.js';
import { ImportError } from '../import/errors.js';

/** An error whose message is meant for the API user (French, plain), with its HTTP status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export function zodMessage(e: ZodError): string {
  return e.issues.map((i) => (i.path.length ? `${i.path.join('.')} : ${issueText(i)}` : issueText(i))).join(' ; ');
}

/** zod's own words for an unexpected field are English (« Unrecognized key »): the API answers in French (a schema's own message is kept). */
const issueText = (i: ZodError['issues'][number]) =>
  i.code === 'unrecognized_keys' && i.message.startsWith('Unrecognized key') ? `champ(s) inconnu(s) : ${i.keys.join(', ')}` : i.message;

export const unknownRoute: RequestHandler = (req, _res, next) => next(new HttpError(404, `Aucune ressource à ${req.originalUrl.split('?')[0]}`));

/** The status and the envelope `{ erreur, details }` of an error; anything unexpected is a 500 without its stack. */
function answer(err: unknown): { status: number; body: ErrorBody; retryAfterS?: number } {
  if (err instanceof DbUnavailableError) {
    const erreur = 'La base de données est momentanément indisponible (redémarrage ou surcharge) : réessayez dans quelques secondes.';
    return { status: 503, body: { erreur }, retryAfterS: err.retryAfterS };
  }
  if (err instanceof DbTimeoutError) {
    const s = Math.round(err.timeoutMs / 1000);
    return { status: 504, body: { erreur: `La requête a dépassé la durée maximale de ${s} s : restreignez-la (par exemple à un département) ou réessayez plus tard.` } };
  }
  if (err instanceof DbInputError) return { status: 400, body: { erreur: 'Texte invalide dans la requête : caractère nul (%00) ou encodage incorrect' } };
  if (err instanceof HttpError) return { status: err.status, body: { erreur: err.message, details: err.details } };
  if (err instanceof NotFoundError) return { status: 404, body: { erreur: err.message, details: err.details } };
  if (err instanceof ConflictError) return { status: 409, body: { erreur: err.message, details: err.details } };
  if (err instanceof InvalidInputError) return { status: 400, body: { erreur: err.message, details: err.details } };
  if (err instanceof ZodError) return { status: 400, body: { erreur: `Paramètre invalide : ${zodMessage(err)}` } };
  if (err instanceof ImportError) return { status: 400, body: { erreur: 'Fichier refusé, rien n’a été importé', details: err.issues } };
  const e = err as { status?: unknown; type?: unknown; message?: unknown } | null;
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    // body-parser and friends: too large (413), malformed JSON (400), unsupported charset (415)
    return {
      status: e.status,
      body: { erreur: e.type === 'entity.too.large' ? 'Requête trop volumineuse' : `Corps de requête invalide : ${String(e.message)}` },
    };
  }
  return { status: 500, body: { erreur: 'Erreur interne du serveur' } };
}

/** Turns every error into a JSON answer; user errors are 4xx with a message, never a stack trace. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const { status, body, retryAfterS } = answer(err);
    if (status >= 500) log.error({ err, url: loggedUrl(req.originalUrl) }, 'request failed');
    else log.debug({ status, url: loggedUrl(req.originalUrl), msg: body.erreur }, 'client error');
    if (res.headersSent) return;
    if (retryAfterS !== undefined) res.setHeader('Retry-After', String(retryAfterS));
    res.status(status).json(body);
  };
}
