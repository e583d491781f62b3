// Driver errors as the port's errors, the same for both adapters, so the HTTP layer maps them once.
import { DbInputError, DbTimeoutError, DbUnavailableError } from './port.js';

/** SQLSTATE classes and codes: 57014 query_canceled; 57P01–57P05 shutdown / starting up; 08 connection; 53 resources. */
const UNAVAILABLE_SQLSTATE = /^(57P0[1-5]|08...|53...)$/;
/** 22021 invalid byte sequence (a NUL byte, bad UTF-8), 22P05 untranslatable character. */
const INPUT_SQLSTATE = new Set(['22021', '22P05']);
/** Socket-level failures of node-postgres while the server restarts or is unreachable. */
const UNAVAILABLE_NODE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGE = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down|in recovery mode)/i;

/** The port's error for a driver error, or the error itself when it is none of those. */
export function toDbError(e: unknown, timeoutMs: number): unknown {
  if (!(e instanceof Error)) return e;
  const code = (e as { code?: unknown }).code;
  if (code === '57014' && /statement timeout/i.test(e.message)) return new DbTimeoutError(timeoutMs);
  if (typeof code === 'string' && INPUT_SQLSTATE.has(code)) return new DbInputError(e.message);
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_NODE.has(code))) return unavailable(e);
  if (UNAVAILABLE_MESSAGE.test(e.message)) return unavailable(e);
  return e;
}

function unavailable(e: Error): DbUnavailableError {
  return new DbUnavailableError(`database unavailable: ${e.message}`, { cause: e });
}
