// Errors the analyses raise for their callers: the message is French and meant for the user; the HTTP layer
// maps each kind to its status (server/src/http/errors.ts), a command line would print it.

export class DomainError extends Error {
  constructor(
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** What was asked for does not exist (an unknown CPTS, pharmacy, commune…). */
export class NotFoundError extends DomainError {
  override name = 'NotFoundError';
}

/** The input cannot be answered as given (a geometry PostGIS cannot read, a name with no letter…). */
export class InvalidInputError extends DomainError {
  override name = 'InvalidInputError';
}

/** The write contradicts what is stored (a login already taken, a version changed meanwhile): HTTP 409. */
export class ConflictError extends DomainError {
  override name = 'ConflictError';
}
