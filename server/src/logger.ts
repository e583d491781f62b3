import { pino, type Logger } from 'pino';

/** Nothing secret in the logs: credentials in headers, and in any body or object logged (login, password, token). */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.motDePasse',
  '*.actuel',
  '*.nouveau',
  '*.secret',
  '*.jetonCsrf',
  '*.password',
  '*.token',
];

export function createLogger(level = 'info'): Logger {
  return pino({ level, base: undefined, redact: { paths: REDACT, censor: '[masqué]' } });
}

/** A request's URL as logged: the query of the sign-on callback (an authorisation code, a state) is dropped. */
export const loggedUrl = (url: string): string => (url.startsWith('/api/session') ? url.split('?')[0]! : url);
export type { Logger };
