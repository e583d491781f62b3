// Path and query parameters: zod pieces with French messages naming the parameter, so every bad input is a 400
// that says what is expected. Each kind of identifier is defined once and accepted the same way by every route.
import { z } from 'zod';

/** One value of a closed list (a repeated parameter arrives as an array and is refused too). */
export const enumParam = <const T extends readonly [string, ...string[]]>(name: string, values: T) =>
  z.enum(values, { error: `${name} doit valoir ${values.join(', ')}` });

/** One string parameter (a repeated query parameter arrives as an array and is refused). */
export const str = (name: string) =>
  z.string({
    error: (iss) => (iss.input === undefined ? `${name} est obligatoire` : `${name} doit être donné une seule fois, comme texte`),
  });

/** An integer parameter within [min, max]. */
export function intParam(name: string, min: number, max: number) {
  return str(name)
    .regex(/^-?\d{1,9}$/, { error: `${name} doit être un nombre entier` })
    .transform(Number)
    .pipe(z.int().min(min, { error: `${name} doit être au moins ${min}` }).max(max, { error: `${name} doit être au plus ${max}` }));
}

/** A decimal number parameter (point as separator) within [min, max]. */
export function numParam(name: string, min: number, max: number) {
  const range = `${name} doit être compris entre ${min} et ${max}`;
  return str(name)
    .regex(/^-?\d{1,3}(\.\d{1,20})?$/, { error: `${name} doit être un nombre décimal (point comme séparateur)` })
    .transform(Number)
    .pipe(z.number().min(min, { error: range }).max(max, { error: range }));
}

export const DEPARTEMENT_RE = /^(\d{2}|2[AB]|97\d)$/;
export const departementParam = str('departement')
  .regex(DEPARTEMENT_RE, { error: 'departement doit être un code COG de département (ex. 44, 2A, 974)' })
  .meta({ description: 'Code COG du département (44, 2A, 971…)' });

export const regionParam = str('region')
  .regex(/^\d{2}$/, { error: 'region doit être un code COG de région à deux chiffres (ex. 52)' })
  .meta({ description: 'Code COG de la région (52 pour les Pays de la Loire…)' });

export const INSEE_RE = /^(\d{5}|2[AB]\d{3})$/;
export const communeParam = str('commune')
  .regex(/^(\d{5}|2[ABab]\d{3})$/, { error: 'commune doit être un code INSEE à 5 caractères (ex. 44109, 2A004)' })
  .transform((s) => s.toUpperCase())
  .meta({ description: 'Code INSEE de la commune (ex. 44109, 2A004)' });

export const finessParam = str('finess')
  .regex(/^(\d\d|2[ABab])\d{7}$/, { error: 'finess doit être un numéro FINESS à 9 caractères (ex. 440000123, 2A0000123)' })
  .transform((s) => s.toUpperCase())
  .meta({ description: 'Numéro FINESS (établissement) à 9 caractères' });

/** The longest CPTS id accepted (a FINESS number, or the id a source or the importer gives). */
export const CPTS_ID_MAX = 100;

/** A CPTS id, in a path (`id`) or a query (`cpts`): 1 to 100 characters, no control character. */
export const cptsIdParam = (name: string) =>
  str(name)
    .min(1, { error: `${name} ne doit pas être vide` })
    .max(CPTS_ID_MAX, { error: `${name} doit faire au plus ${CPTS_ID_MAX} caractères` })
    .regex(/^[^\p{Cc}]*$/u, { error: `${name} ne doit pas contenir de caractère de contrôle` })
    .meta({ description: 'Identifiant de la CPTS (numéro FINESS, sinon identifiant de la source)' });

/** A free-text parameter of 2 to 100 characters (trimmed). */
export const textParam = (name: string) =>
  str(name)
    .transform((s) => s.trim())
    .pipe(z.string().min(2, { error: `${name} doit faire au moins 2 caractères` }).max(100, { error: `${name} doit faire au plus 100 caractères` }));

/** Query parameters where an unknown one is an error (a typo would otherwise be ignored). */
export function queryObject<T extends z.ZodRawShape>(shape: T) {
  const expected = Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? `paramètre inconnu : ${iss.keys.join(', ')} (${expected.length ? `attendus : ${expected.join(', ')}` : 'aucun paramètre attendu'})`
        : undefined,
  });
}

/** Area filters shared by the territory endpoints. */
export const areaQuery = queryObject({ departement: departementParam.optional(), region: regionParam.optional() });

/** Several values of a closed list, comma-separated (`statut=zone-blanche,couverte-sans-adhesion`), without repeats. */
export const enumListParam = <const T extends readonly [string, ...string[]]>(name: string, values: T) =>
  str(name)
    .transform((s) => s.split(',').map((x) => x.trim()))
    .pipe(
      z
        .array(z.enum(values, { error: `${name} doit valoir ${values.join(', ')} (plusieurs séparés par des virgules)` }))
        .min(1)
        .refine((xs) => new Set(xs).size === xs.length, { error: `${name} ne doit pas répéter une valeur` }),
    );

/** A yes/no parameter: true or false. */
export const boolParam = (name: string) =>
  str(name)
    .refine((s) => s === 'true' || s === 'false', { error: `${name} doit valoir true ou false` })
    .transform((s) => s === 'true');

export const EPCI_RE = /^\d{9}$/;
export const epciParam = str('epci')
  .regex(EPCI_RE, { error: 'epci doit être un numéro SIREN d’EPCI à 9 chiffres (ex. 244400404)' })
  .meta({ description: 'Numéro SIREN de l’EPCI à fiscalité propre de la commune' });

export const bassinVieParam = str('bassinVie')
  .regex(/^(\d{5}|2[AB]\d{3})$/, { error: 'bassinVie doit être un code INSEE de bassin de vie à 5 caractères (ex. 44109)' })
  .meta({ description: 'Code INSEE du bassin de vie (BV2022) de la commune' });

/** Whether closed establishments (ferme_le set by a newer FINESS stock) are included; false by default. */
export const inclureFermesParam = boolParam('inclureFermes').meta({
  description: 'true : inclure les établissements fermés (absents d’un stock FINESS plus récent) ; false par défaut',
});

/** A day, AAAA-MM-JJ (a real calendar day). */
export const dayParam = (name: string) => str(name).pipe(z.iso.date({ error: `${name} doit être une date AAAA-MM-JJ (ex. 2025-01-31)` }));

/** « As of » a day: the analyses answer with the perimeters and statuses in force that day (issue 9). */
export const asOfParam = dayParam('date').meta({
  description:
    'Répond « à la date » AAAA-MM-JJ : périmètres, statuts et décisions sur les chevauchements en vigueur ce jour-là ; une CPTS sans version à cette date est absente',
});
