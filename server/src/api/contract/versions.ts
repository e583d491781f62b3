// CPTS perimeters edited with dated versions (issue 9, item 2): create a CPTS, save a new perimeter version
// (optimistic check on the version expected), history, diff between two versions (JSON, CSV), revert, dated status.
// Writes: ARS users of the CPTS's région (and of every commune named), admins anywhere.
import { z } from 'zod';
import { CPTS_ETAPES, PERIMETRES, VERSION_ORIGINES } from '../../domain/vocabulary.js';
import { csv, ERRORS, endpoint, error, json, type Body } from './endpoint.js';
import { cptsIdParam, intParam, queryObject } from './params.js';
import { inseeCodes } from './perimeter.js';
import { bande, count, date, statutCpts } from './shared.js';

const ARS = { roles: ['ars', 'admin'], region: 'own' } as const;
const idParams = z.strictObject({ id: cptsIdParam('id') });
const numero = (name: string) => intParam(name, 1, 1_000_000);

const text = (name: string, max: number) =>
  z
    .string({ error: `${name} doit être un texte` })
    .trim()
    .max(max, { error: `${name} doit faire au plus ${max} caractères` })
    .regex(/^[^\p{Cc}]*$/u, { error: `${name} ne doit pas contenir de caractère de contrôle` });

const comment = z
  .string({ error: 'commentaire doit être un texte' })
  .trim()
  .max(2000, { error: 'commentaire doit faire au plus 2 000 caractères' })
  // line breaks and tabs are text; any other control character is refused
  .refine((s) => !/\p{Cc}/u.test(s.replace(/[\n\r\t]/g, '')), { error: 'commentaire ne doit pas contenir de caractère de contrôle' })
  .meta({ description: 'Pourquoi ce changement (délibération, courrier, réunion…)' });

const valideDu = z.iso
  .date({ error: 'valideDu doit être une date AAAA-MM-JJ (ex. 2025-01-31)' })
  .meta({ description: 'Date d’effet de la version (AAAA-MM-JJ) : pas dans le futur, ni avant celle de la version en vigueur ; aujourd’hui par défaut' });

const versionAttendue = z
  .int({ error: 'versionAttendue doit être le numéro (entier) de la version sur laquelle la modification a été faite' })
  .min(1, { error: 'versionAttendue doit être au moins 1' })
  .meta({ description: 'Numéro de la version affichée quand la modification a commencé : si une autre a été enregistrée depuis, 409 (rien n’est écrit)' });

/** One version of a perimeter, as the history lists it. */
export const Version = z
  .strictObject({
    numero: count,
    valideDu: date,
    commentaire: z.string().nullable(),
    auteur: z.string().meta({ description: 'Identifiant de l’auteur, « cli » pour un import en ligne de commande, « migration » pour la version 1 d’une base existante' }),
    origine: z.enum(VERSION_ORIGINES),
    origineLibelle: z.string(),
    retourA: count.nullable().meta({ description: 'Un retour en arrière : le numéro de la version recopiée' }),
    creeLe: z.iso.datetime(),
    nbCommunes: count,
    population: count,
    bande,
    enVigueur: z.boolean().meta({ description: 'La version en vigueur aujourd’hui (la plus récente)' }),
  })
  .meta({ id: 'VersionPerimetre' });
export type Version = z.infer<typeof Version>;

export const Etape = z
  .strictObject({
    id: count,
    etape: z.enum(CPTS_ETAPES),
    etapeLibelle: z.string(),
    le: date,
    statut: statutCpts.meta({ description: 'Statut des cartes et de la légende que cette étape donne à la CPTS' }),
    commentaire: z.string().nullable(),
    auteur: z.string(),
    creeLe: z.iso.datetime(),
  })
  .meta({ id: 'EtapeCpts' });

const Written = z.strictObject({
  cpts: z.strictObject({ id: z.string(), nom: z.string(), statut: statutCpts }),
  version: Version,
  communes: z.array(z.string()).meta({ description: 'Unités membres de la version (codes INSEE, arrondissements compris)' }),
});

const CONFLICT = error(
  'Conflit : une autre version a été enregistrée depuis la version attendue (message nommant son auteur et sa date ; rien n’est écrit, renvoyer la modification sur la nouvelle version)',
);

export const cptsCreate = endpoint({
  method: 'post',
  path: '/api/cpts',
  tag: 'Registre',
  access: ARS,
  summary: 'Créer une CPTS avec la version 1 de son périmètre',
  description: 'Sans identifiant, il est tiré de la région et du nom (93-cpts-du-plateau), comme à l’import d’un listing ARS.',
  body: z.strictObject({
    id: cptsIdParam('id').optional(),
    nom: text('nom', 200).pipe(z.string().min(2, { error: 'nom doit faire au moins 2 caractères' })),
    finess: z.string().regex(/^(\d\d|2[AB])\d{7}$/, { error: 'finess doit être un numéro FINESS à 9 caractères' }).optional(),
    perimetre: z.enum(PERIMETRES, { error: `perimetre doit valoir ${PERIMETRES.join(', ')}` }).optional(),
    communes: inseeCodes,
    valideDu: valideDu.optional(),
    commentaire: comment.optional(),
    etape: z.enum(CPTS_ETAPES, { error: `etape doit valoir ${CPTS_ETAPES.join(', ')}` }).optional().meta({ description: 'Étape de la vie de la CPTS à cette date (pré-projet par défaut)' }),
  }),
  responses: { 201: json('La CPTS et sa version 1', Written), 400: ERRORS[400], 409: ERRORS[409] },
});

export const versionSave = endpoint({
  method: 'post',
  path: '/api/cpts/{id}/versions',
  tag: 'Registre',
  access: ARS,
  summary: 'Enregistrer une nouvelle version du périmètre (les versions ne sont jamais écrasées)',
  params: idParams,
  body: z.strictObject({ communes: inseeCodes, valideDu: valideDu.optional(), commentaire: comment.optional(), versionAttendue }),
  responses: { 201: json('La version écrite', Written), 400: ERRORS[400], 404: ERRORS[404], 409: CONFLICT },
});

export const versionsList = endpoint({
  method: 'get',
  path: '/api/cpts/{id}/versions',
  tag: 'Registre',
  access: ARS,
  summary: 'Historique d’une CPTS : versions de son périmètre et étapes datées, les plus récentes d’abord',
  params: idParams,
  responses: {
    200: json('L’historique', z.strictObject({ id: z.string(), nom: z.string(), versions: z.array(Version), etapes: z.array(Etape) })),
    400: ERRORS[400],
    404: ERRORS[404],
  },
});

const diffQuery = queryObject({
  de: numero('de').meta({ description: 'Version de départ' }),
  a: numero('a').meta({ description: 'Version d’arrivée' }),
});

const DiffCommune = z.strictObject({ code: z.string(), nom: z.string(), departement: z.string(), population: count.nullable() });
const Side = z.strictObject({ numero: count, valideDu: date, nbCommunes: count, population: count, bande });

export const VersionDiff = z
  .strictObject({
    id: z.string(),
    nom: z.string(),
    de: Side,
    a: Side,
    ajoutees: z.array(DiffCommune),
    retirees: z.array(DiffCommune),
    ecartPopulation: z.int(),
    changementBande: z.boolean(),
  })
  .meta({ id: 'DiffVersions' });

export const versionDiff = endpoint({
  method: 'get',
  path: '/api/cpts/{id}/versions/diff',
  tag: 'Registre',
  access: ARS,
  summary: 'Différence entre deux versions : communes ajoutées et retirées, population et taille ACI avant et après',
  params: idParams,
  query: diffQuery,
  responses: { 200: json('La différence', VersionDiff), 400: ERRORS[400], 404: ERRORS[404] },
});

export const versionDiffCsv = endpoint({
  method: 'get',
  path: '/api/cpts/{id}/versions/diff.csv',
  tag: 'Registre',
  access: ARS,
  summary: 'Différence entre deux versions en CSV : une ligne par commune ajoutée ou retirée',
  params: idParams,
  query: diffQuery,
  responses: { 200: csv('Une ligne par commune ajoutée ou retirée'), 400: ERRORS[400], 404: ERRORS[404] },
});

export const versionRevert = endpoint({
  method: 'post',
  path: '/api/cpts/{id}/versions/{numero}/retour',
  tag: 'Registre',
  access: ARS,
  summary: 'Revenir à une version antérieure : écrit une nouvelle version identique à celle-ci',
  params: z.strictObject({ id: cptsIdParam('id'), numero: numero('numero') }),
  body: z.strictObject({ valideDu: valideDu.optional(), commentaire: comment.optional(), versionAttendue }),
  responses: { 201: json('La version écrite', Written), 400: ERRORS[400], 404: ERRORS[404], 409: CONFLICT },
});

export const etapeAdd = endpoint({
  method: 'post',
  path: '/api/cpts/{id}/etapes',
  tag: 'Registre',
  access: ARS,
  summary: 'Ajouter une étape datée de la vie de la CPTS (pré-projet, lettre d’intention, projet de santé validé, contrat ACI signé, avenant)',
  description: 'Le statut des cartes devient celui de l’étape la plus récente (à la date du jour).',
  params: idParams,
  body: z.strictObject({
    etape: z.enum(CPTS_ETAPES, { error: `etape doit valoir ${CPTS_ETAPES.join(', ')}` }),
    le: z.iso.date({ error: 'le doit être une date AAAA-MM-JJ' }),
    commentaire: comment.optional(),
  }),
  responses: { 201: json('L’étape écrite', z.strictObject({ etape: Etape, statut: statutCpts })), 400: ERRORS[400], 404: ERRORS[404] },
});

export type VersionWritten = Body<typeof versionSave, 201>;
export type VersionHistory = Body<typeof versionsList>;
export type VersionDiffResponse = Body<typeof versionDiff>;
