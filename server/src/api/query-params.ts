// Query-string parameters for the pharmacy, nearby and search endpoints: zod pieces with French messages
// naming the parameter, so every bad input is a 400 that says what is expected.
import { z } from 'zod';

/** One string parameter (a repeated parameter arrives as an array and is refused). */
export const str = (name: string) =>
  z.string({
    error: (iss) => (iss.input === undefined ? `${name} est obligatoire` : `${name} doit être donné une seule fois, comme texte`),
  });

/** An integer parameter within [min, max]. */
export function intParam(name: string, min: number, max: number) {
  return str(name)
    .regex(/^-?\d{1,9}$/, { error: `${name} doit être un nombre entier` })
    .transform(Number)
    .pipe(z.number().min(min, { error: `${name} doit être au moins ${min}` }).max(max, { error: `${name} doit être au plus ${max}` }));
}

/** A decimal number parameter (point as separator) within [min, max]. */
export function numParam(name: string, min: number, max: number) {
  return str(name)
    .regex(/^-?\d{1,3}(\.\d{1,20})?$/, { error: `${name} doit être un nombre décimal (point comme séparateur)` })
    .transform(Number)
    .pipe(z.number().min(min, { error: `${name} doit être compris entre ${min} et ${max}` }).max(max, { error: `${name} doit être compris entre ${min} et ${max}` }));
}

export const departementParam = str('departement').regex(/^(\d{2}|2[AB]|97\d)$/, {
  error: 'departement doit être un code COG de département (ex. 44, 2A, 974)',
});
export const regionParam = str('region').regex(/^\d{2}$/, { error: 'region doit être un code COG de région à deux chiffres (ex. 52)' });
export const communeParam = str('commune')
  .regex(/^(\d{5}|2[ABab]\d{3})$/, { error: 'commune doit être un code INSEE à 5 caractères (ex. 44109, 2A004)' })
  .transform((s) => s.toUpperCase());
export const finessParam = str('finess')
  .regex(/^(\d\d|2[ABab])\d{7}$/, { error: 'finess doit être un numéro FINESS à 9 caractères (ex. 440000123, 2A0000123)' })
  .transform((s) => s.toUpperCase());
export const cptsIdParam = str('cpts')
  .min(1, { error: 'cpts ne doit pas être vide' })
  .max(64, { error: 'cpts doit faire au plus 64 caractères' });

/** A free-text parameter of 2 to 100 characters (trimmed). */
export const textParam = (name: string) =>
  str(name)
    .transform((s) => s.trim())
    .pipe(z.string().min(2, { error: `${name} doit faire au moins 2 caractères` }).max(100, { error: `${name} doit faire au plus 100 caractères` }));

/** An object of query parameters where an unknown parameter is an error (a typo would otherwise be ignored). */
export function queryObject<T extends z.ZodRawShape>(shape: T) {
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? `paramètre inconnu : ${iss.keys.join(', ')} (attendus : ${Object.keys(shape).join(', ')})`
        : undefined,
  });
}

/**
 * A JSON value as an HTTP header value: header values must be ASCII/latin-1, so every non-ASCII character
 * (an accented file name) is written as a JSON \u escape. JSON.parse gives the original value back.
 */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
