// Web imports (issue 9): a file uploaded in the browser or by a script, previewed by a dry run (what would be added,
// changed and removed, every problem with file, line and field), then applied on confirmation in one transaction.
import { z } from 'zod';
import { REGION_RE } from '../../domain/roles.js';
import { IMPORT_ETATS, IMPORT_NATURES } from '../../domain/vocabulary.js';
import { ERRORS, endpoint, error, json } from './endpoint.js';
import { enumParam, intParam, queryObject, str } from './params.js';
import { count } from './shared.js';

/** The largest file accepted (bytes): the national FINESS stock, gzip-compressed, is about 20 MB. */
export const IMPORT_MAX_BYTES = 64 * 1024 * 1024;

const ACCESS = { roles: ['ars', 'admin'], region: 'own' } as const;

const option = (name: string, description: string) => str(name).max(500, { error: `${name} doit faire au plus 500 caractères` }).optional().meta({ description });

/** The importer options a web import may give, in French; each maps to the command line's option of the same sense. */
export const IMPORT_OPTION_PARAMS = {
  statut: option('statut', 'cpts : statut quand le fichier n’en donne pas'),
  perimetre: option('perimetre', 'cpts : officiel, approximatif ou illustratif'),
  source: option('source', 'Source enregistrée avec les lignes (par défaut le nom du fichier)'),
  seuil: option('seuil', 'cpts (GeoJSON) : part de la surface d’une commune que le polygone doit couvrir (0,5 par défaut)'),
  force: option('force', 'true : importe un polygone de surface invraisemblable, ou un stock FINESS plus ancien'),
  annee: option('annee', 'gp : année des effectifs'),
  date: option('date', 'zoning, structures : date (AAAA-MM-JJ)'),
  encodage: option('encodage', 'auto, utf-8 ou latin1'),
  format: option('format', 'cpts : csv ou geojson (par défaut d’après l’extension)'),
  nonOfficiel: option('nonOfficiel', 'zoning : true si le fichier n’est pas une publication officielle'),
  millesime: option('millesime', 'zoning : millésime quand aucune date n’est connue'),
} as const;

export const importNature = enumParam('nature', IMPORT_NATURES).meta({ description: 'Nature du fichier (comme `npm run import -- <nature>`)' });

const fileName = str('fichier')
  .min(1, { error: 'fichier ne doit pas être vide' })
  .max(200, { error: 'fichier doit faire au plus 200 caractères' })
  .regex(/^[\p{L}\p{N} ._()-]+$/u, { error: 'fichier : un nom de fichier sans dossier (lettres, chiffres, espace, . _ - ( ))' })
  .refine((s) => !s.startsWith('.'), { error: 'fichier ne doit pas commencer par un point' })
  .meta({ description: 'Nom du fichier, avec son extension (.csv, .geojson, éventuellement .gz)' });

const Probleme = z.strictObject({
  fichier: z.string(),
  ligne: count.nullable(),
  champ: z.string().nullable(),
  message: z.string(),
});

const TableChange = z.strictObject({
  table: z.string().meta({ description: 'Table de la base' }),
  libelle: z.string(),
  ajouts: count,
  modifications: count,
  suppressions: count,
  exemples: z
    .strictObject({ ajouts: z.array(z.string()), modifications: z.array(z.string()), suppressions: z.array(z.string()) })
    .meta({ description: 'Les clés des lignes concernées (les 200 premières de chaque sorte)' }),
});

export const ImportWeb = z
  .strictObject({
    id: count,
    nature: importNature,
    natureLibelle: z.string(),
    fichier: z.string(),
    sha256: z.string(),
    taille: count.meta({ description: 'Taille du fichier en octets' }),
    auteur: z.string(),
    region: z.string().nullable(),
    creeLe: z.iso.datetime(),
    expireLe: z.iso.datetime().meta({ description: 'Après cette date, l’aperçu ne peut plus être confirmé' }),
    etat: z.enum(IMPORT_ETATS),
    etatLibelle: z.string(),
    apercu: z.strictObject({
      applicable: z.boolean().meta({ description: 'false : le fichier a des problèmes, rien ne peut être appliqué' }),
      lignes: count.nullable().meta({ description: 'Lignes de données lues' }),
      tables: z.array(TableChange),
      problemes: z.array(Probleme),
      avertissements: z.array(z.string()),
    }),
    progression: z
      .strictObject({ etape: z.string(), fait: count, total: count })
      .nullable()
      .meta({ description: 'Pendant l’application : l’étape en cours, enregistrée dans la base (lisible depuis tout processus du serveur)' }),
    commenceLe: z.iso.datetime().nullable().meta({ description: 'Début de la (dernière) application' }),
    termineLe: z.iso.datetime().nullable(),
    resultat: z
      .strictObject({ importId: count.optional(), compteurs: z.record(z.string(), z.number()).optional(), erreur: z.string().optional() })
      .nullable(),
  })
  .meta({ id: 'ImportWeb' });
export type ImportWeb = z.infer<typeof ImportWeb>;

const idParams = z.strictObject({ id: intParam('id', 1, 2_000_000_000) });

export const importUpload = endpoint({
  method: 'post',
  path: '/api/imports',
  tag: 'Imports',
  access: ACCESS,
  summary: 'Téléverser un fichier à importer : aperçu (essai à blanc) de ce qu’il ajouterait, modifierait et supprimerait',
  description:
    'Le corps est le fichier lui-même (Content-Type application/octet-stream, text/csv…, pas application/json), ' +
    `au plus ${IMPORT_MAX_BYTES / 1024 / 1024} Mo, éventuellement compressé en gzip. Les mêmes contrôles que la ligne de commande ; ` +
    'rien n’est écrit dans les données. Une ARS n’importe que des fichiers de CPTS, et seulement des communes de sa région.',
  upload: { description: 'Le fichier à importer (CSV, GeoJSON, éventuellement .gz)' },
  query: queryObject({ nature: importNature, fichier: fileName, ...IMPORT_OPTION_PARAMS }),
  responses: {
    201: json('L’aperçu : changements par table, problèmes avec ligne et champ', ImportWeb),
    400: ERRORS[400],
    413: ERRORS[413],
    415: ERRORS[415],
  },
});

export const importGet = endpoint({
  method: 'get',
  path: '/api/imports/{id}',
  tag: 'Imports',
  access: ACCESS,
  summary: 'Un import web : son aperçu, son état, sa progression et son résultat',
  params: idParams,
  responses: { 200: json('L’import', ImportWeb), 400: ERRORS[400], 404: ERRORS[404] },
});

export const importConfirm = endpoint({
  method: 'post',
  path: '/api/imports/{id}/confirmation',
  tag: 'Imports',
  access: ACCESS,
  summary: 'Appliquer un aperçu : en une transaction, seulement si l’import fait encore exactement ce changement',
  description:
    'Répond 202 aussitôt ; suivre l’état et la progression par GET /api/imports/{id}. Si les données ont changé depuis ' +
    'l’aperçu, rien n’est appliqué (état echec) : téléverser à nouveau pour un nouvel aperçu.',
  params: idParams,
  responses: {
    202: json('Application commencée', ImportWeb),
    400: ERRORS[400],
    404: ERRORS[404],
    409: error('L’aperçu ne peut pas être appliqué : fichier avec problèmes, déjà appliqué, en cours, ou expiré'),
  },
});

/** One import in the list: what it is, who sent it, when, where it stands, and what it changes (or changed). */
export const ImportResume = z
  .strictObject({
    id: count,
    nature: importNature,
    natureLibelle: z.string(),
    fichier: z.string(),
    taille: count,
    auteur: z.string(),
    region: z.string().nullable(),
    creeLe: z.iso.datetime(),
    commenceLe: z.iso.datetime().nullable(),
    termineLe: z.iso.datetime().nullable(),
    etat: z.enum(IMPORT_ETATS),
    etatLibelle: z.string(),
    lignes: count.nullable().meta({ description: 'Lignes de données lues' }),
    ajouts: count.meta({ description: 'Lignes ajoutées (aperçu), toutes tables' }),
    modifications: count,
    suppressions: count,
    problemes: count.meta({ description: 'Problèmes du fichier (0 : applicable)' }),
    erreur: z.string().nullable().meta({ description: 'Pourquoi rien n’a été appliqué (échec, interruption)' }),
  })
  .meta({ id: 'ImportResume' });
export type ImportResume = z.infer<typeof ImportResume>;

/** Imports per page of the list, at most. */
export const IMPORT_LIST_MAX = 100;

export const importList = endpoint({
  method: 'get',
  path: '/api/imports',
  tag: 'Imports',
  access: ACCESS,
  summary: 'Les imports web, le plus récent d’abord (administrateurs : tous ; ARS : ceux de leur région)',
  description: 'Paginé. Un compte ARS ne voit que les imports de sa région (les siens et ceux des autres comptes ARS de la région) ; nommer une autre région est refusé.',
  query: queryObject({
    region: str('region').regex(REGION_RE, { error: 'region doit être un code COG de région (ex. 93)' }).optional(),
    page: intParam('page', 1, 1_000_000).optional().meta({ description: 'Page (1 par défaut)' }),
    parPage: intParam('parPage', 1, IMPORT_LIST_MAX).optional().meta({ description: `Imports par page (20 par défaut, ${IMPORT_LIST_MAX} au plus)` }),
  }),
  responses: {
    200: json('Une page d’imports', z.strictObject({ total: count, page: count, parPage: count, imports: z.array(ImportResume) })),
    400: ERRORS[400],
  },
});
