// What newer FINESS stocks changed: openings, closings, moves, renamings, category changes (JSON and CSV).
import { z } from 'zod';
import { FINESS_CHANGE_KINDS, FINESS_CHANGE_SCOPES } from '../../domain/vocabulary.js';
import { csvWithRowCount, ERRORS, endpoint, json, sources, type Body } from './endpoint.js';
import { departementParam, enumListParam, enumParam, queryObject, regionParam, str } from './params.js';
import { count, date } from './shared.js';

const changement = z.enum(FINESS_CHANGE_KINDS).meta({
  description:
    'ouverture (absent du stock précédent), fermeture (absent de ce stock), reouverture, deplacement (plus de 50 m), renommage, categorie',
});

const query = queryObject({
  departement: departementParam.optional().meta({ description: 'Département de la commune de l’établissement' }),
  region: regionParam.optional(),
  changement: enumListParam('changement', FINESS_CHANGE_KINDS)
    .optional()
    .meta({ description: 'Nature(s) du changement, séparées par des virgules (ex. ouverture,fermeture)' }),
  etablissements: enumParam('etablissements', FINESS_CHANGE_SCOPES)
    .optional()
    .meta({ description: 'officines, structures (MSP, centres de santé, sièges de CPTS…) ou tous (par défaut)' }),
  depuis: str('depuis')
    .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'depuis doit être une date AAAA-MM-JJ' })
    .refine((s) => !Number.isNaN(Date.parse(s)), { error: 'depuis doit être une date valide' })
    .optional()
    .meta({ description: 'Changements des stocks datés après ce jour ; par défaut, depuis le stock précédent' }),
});

const StockRef = z.strictObject({ date, fichier: z.string() });

export const FinessChange = z
  .strictObject({
    dateStock: date,
    finess: z.string(),
    etablissement: z.enum(['officine', 'structure']),
    nom: z.string().nullable(),
    type: z.string().nullable(),
    categorieCode: z.string().nullable(),
    changement,
    changementLibelle: z.string(),
    avant: z.string().nullable().meta({ description: 'Nom, catégorie ou position (WKT) avant ; date de fermeture pour une réouverture' }),
    apres: z.string().nullable(),
    distanceM: z.number().nullable().meta({ description: 'Déplacement : distance géodésique en mètres' }),
    adresse: z.string().nullable(),
    codePostal: z.string().nullable(),
    telephone: z.string().nullable(),
    commune: z.strictObject({ code: z.string().nullable(), nom: z.string().nullable(), departement: z.string().nullable() }),
  })
  .meta({ id: 'ChangementFiness' });
export type FinessChange = z.infer<typeof FinessChange>;

export const finessChanges = endpoint({
  method: 'get',
  path: '/api/finess/changes',
  tag: 'Officines',
  access: 'public',
  cache: 'data-version',
  summary: 'Changements FINESS entre stocks : ouvertures, fermetures, déplacements, renommages (nouvelles officines, officines fermées)',
  description:
    'Par défaut, les changements du stock le plus récent par rapport au précédent ; aucun s’il n’y a qu’un stock. Triés par date de stock, ' +
    'nature, commune et FINESS.',
  query,
  responses: {
    200: json(
      'Les changements',
      z.strictObject({
        stock: StockRef.nullable().meta({ description: 'Le stock le plus récent' }),
        stockPrecedent: StockRef.nullable().meta({ description: 'Le stock d’avant ; null s’il n’y en a qu’un (aucun changement connu)' }),
        depuis: date.nullable(),
        nombre: count,
        parChangement: z.record(changement, count),
        changements: z.array(FinessChange),
        sources,
      }),
    ),
    400: ERRORS[400],
  },
});

export const finessChangesCsv = endpoint({
  method: 'get',
  path: '/api/finess/changes.csv',
  tag: 'Officines',
  access: 'public',
  summary: 'Changements FINESS entre stocks, en CSV',
  description:
    'Mêmes filtres et même ordre que /api/finess/changes. CSV « ; », UTF-8 avec BOM ; codes (FINESS, catégorie, code postal, code commune) ' +
    'écrits comme texte (="…").',
  query,
  responses: {
    200: csvWithRowCount('Fichier CSV'),
    400: ERRORS[400],
  },
});

export type FinessChangesResponse = Body<typeof finessChanges>;
