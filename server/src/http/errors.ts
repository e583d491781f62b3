import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { ZodError } from 'zod';
import { DbInputError, DbTimeoutError, DbUnavailableError } from '../db/port.js';
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

export const notFound = (what: string) => new HttpError(404, `${what} introuvable`);

export function zodMessage(e: ZodError): string {
  return e.issues
    .map((i) => (i.path.length ? `${i.path.join('.')} : ${i.message}` : i.message))
    .join(' ; ');
}

export const unknownRoute: RequestHandler = (req, _res, next) => next(new HttpError(404, `Aucune ressource à ${req.originalUrl.split("?")[0]}`));

/** Turns every error into a JSON answer; user errors are 4xx with a message, never a stack trace. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let status = 500;
    let body: { error: string; details?: unknown };
    if (err instanceof HttpError) {
      status = err.status;
      body = { error: err.message, details: err.details };
    } else if (err instanceof ZodError) {
      status = 400;
      body = { error: `Paramètre invalide : ${zodMessage(err)}` };
    } else if (err instanceof DbUnavailableError) {
      status = 503;
      res.setHeader('Retry-After', String(err.retryAfterS));
      body = { error: 'La base de données est momentanément indisponible (redémarrage ou surcharge) : réessayez dans quelques secondes.' };
    } else if (err instanceof DbTimeoutError) {
      status = 504;
      body = { error: `La requête a dépassé la durée maximale de ${Math.round(err.timeoutMs / 1000)} s : restreignez-la (par exemple à un département) ou réessayez plus tard.` };
    } else if (err instanceof DbInputError) {
      status = 400;
      body = { error: 'Texte invalide dans la requête : caractère nul (%00) ou encodage incorrect' };
    } else if (err instanceof ImportError) {
      status = 400;
      body = { error: 'Fichier refusé, rien n’a été importé', details: err.issues };
    } else if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) {
      // body-parser and friends: too large (413), malformed JSON (400), unsupported charset (415)
      status = err.status;
      body = { error: err.type === 'entity.too.large' ? 'Requête trop volumineuse' : `Requête invalide : ${err.message}` };
    } else {
      body = { error: 'Erreur interne du serveur' };
    }
    if (status >= 500) log.error({ err, url: req.originalUrl }, 'request failed');
    else log.debug({ status, url: req.originalUrl, msg: body.error }, 'client error');
    if (res.headersSent) return;
    res.status(status).json(body);
  };
}
