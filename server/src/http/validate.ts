import type { z } from 'zod';
import { HttpError, zodMessage } from './errors.js';

/** Parses request input with a zod schema; a mismatch is a 400 saying what is wrong. */
export function parse<S extends z.ZodType>(schema: S, input: unknown, where = 'Paramètre'): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw new HttpError(400, `${where} invalide : ${zodMessage(r.error)}`);
  return r.data;
}
