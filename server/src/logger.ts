import { pino, type Logger } from 'pino';

export function createLogger(level = 'info'): Logger {
  return pino({ level, base: undefined, redact: ['req.headers.authorization', 'req.headers.cookie'] });
}
export type { Logger };
