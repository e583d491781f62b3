// Pharmacies by coordinated-care status (JSON page and full CSV for the URPS pharmaciens).
import { z } from 'zod';
import { PROBABLE_MEMBERSHIP_RADIUS_M, SECRET_LABEL } from '../../domain/rules.js';
import { PHARMACY_SORTS, PHARMACY_STATUS_DEFINITIONS, PHARMACY_STATUSES, RECRUTEMENT_ETATS, ZONING_FILTERS, type StructureType } from '../../domain/vocabulary.js';
import { ACCESS_ERRORS, csvWithRowCount, ERRORS, endpoint, json, sources, type Body } from './endpoint.js';
import {
  bassinVieParam,
  boolParam,
  communeParam,
  cptsIdParam,
  departementParam,
  enumListParam,
  enumParam,
  epciParam,
  inclureFermesParam,
  intParam,
  queryObject,
  regionParam,
  textParam,
} from './params.js';
import { RecrutementCourant } from './recrutement.js';
import { count, CptsRef, date, lonLat, zone } from './shared.js';

export const statutOfficine = z
  .enum(PHARMACY_STATUSES)
  .meta({ description: PHARMACY_STATUSES.map((s) => `${s} : ${PHARMACY_STATUS_DEFINITIONS[s]}`).join(' ; ') });

const filterShape = {
  departement: departementParam.optional().meta({ description: 'Code COG du département de la commune de l’officine (ex. 44)' }),
  region: regionParam.optional(),
  cpts: cptsIdParam('cpts').optional().meta({ description: 'Identifiant d’une CPTS : officines de ses communes et officines adhérentes. CPTS inconnue : 404.' }),
  statut: enumListParam('statut', PHARMACY_STATUSES)
    .optional()
    .meta({ description: 'Statut(s) de l’officine, séparés par des virgules (ex. zone-blanche,couverte-sans-adhesion) ; voir statut dans la réponse' }),
  adhesionProbable: boolParam('adhesionProbable')
    .optional()
    .meta({ description: 'true : seulement les officines « adhésion probable » (à `rayon` mètres ou moins d’une structure qu’elles peuvent rejoindre) ; false : les autres' }),
  commune: communeParam.optional().meta({ description: 'Code INSEE de la commune de l’officine' }),
  epci: epciParam.optional(),
  bassinVie: bassinVieParam.optional(),
  inclureFermes: inclureFermesParam.optional(),
  zonage: enumParam('zonage', ZONING_FILTERS)
    .optional()
    .meta({ description: 'Zonage ARS de la commune : ZIP, ZAC, ZIP_ZAC (l’un ou l’autre), hors-zip-zac (ni l’un ni l’autre, ou zonage inconnu)' }),
  q: textParam('q').optional().meta({ description: 'Partie du nom de l’officine (sans tenir compte des accents ni de la casse)' }),
  recrutement: enumListParam('recrutement', RECRUTEMENT_ETATS)
    .optional()
    .meta({
      description:
        'État(s) de recrutement, séparés par des virgules (ex. contactee,interessee) : réservé aux comptes URPS et ARS (401 sans compte), ' +
        'il ne garde que les officines de leur région (toutes pour un administrateur)',
    }),
  rayon: intParam('rayon', 10, 2000)
    .optional()
    .meta({
      description: `Distance géodésique en mètres (${PROBABLE_MEMBERSHIP_RADIUS_M} par défaut) sous laquelle une officine non membre est signalée « adhésion probable » (MSP ou centre de santé)`,
    }),
};

const tri = enumParam('tri', PHARMACY_SORTS)
  .optional()
  .meta({ description: 'Ordre : commune (nom de la commune puis de l’officine, par défaut) ou nom (de l’officine)' });

export const PharmacyRow = z
  .strictObject({
    finess: z.string(),
    nom: z.string(),
    adresse: z.string().nullable(),
    codePostal: z.string().nullable(),
    commune: z.strictObject({ code: z.string(), nom: z.string().nullable(), departement: z.string().nullable(), region: z.string().nullable() }),
    position: lonLat.nullable(),
    statut: statutOfficine,
    cpts: z.array(CptsRef),
    adhesions: z.array(
      z.strictObject({
        cible: z.enum(['structure', 'cpts']),
        id: z.string(),
        nom: z.string().nullable(),
        type: z.string(),
        dateAdhesion: date.nullable(),
        fermee: z.boolean().meta({ description: 'La structure a fermé depuis : adhésion conservée et signalée, elle ne rend plus membre' }),
      }),
    ),
    telephone: z.string().nullable(),
    fermeLe: date.nullable().meta({ description: 'Date du stock FINESS qui ne la liste plus ; null si ouverte' }),
    mspCspLaPlusProche: z
      .strictObject({ finess: z.string(), nom: z.string(), type: z.enum(['msp', 'csp', 'esp'] satisfies StructureType[]), distanceM: z.number() })
      .nullable()
      .meta({ description: 'La structure ouverte la plus proche que l’officine peut rejoindre : MSP, ESP ou centre de santé médical ou polyvalent' }),
    adhesionProbable: z
      .boolean()
      .meta({ description: 'Non membre, à `rayon` mètres ou moins d’une structure qu’elle peut rejoindre (MSP, ESP, centre de santé médical ou polyvalent) : une présomption' }),
    zonage: zone.nullable(),
    enZipZac: z.boolean().nullable(),
    generalistes: z.strictObject({
      nombre: z.union([count, z.literal(SECRET_LABEL)]).nullable(),
      densitePour10000: z.number().nullable(),
      proxy: z.boolean().nullable(),
    }),
    recrutement: RecrutementCourant.optional().meta({
      description: 'Seulement pour un compte URPS ou ARS de la région de l’officine (ou un administrateur) : jamais dans la réponse publique',
    }),
  })
  .meta({ id: 'Officine' });
export type PharmacyRow = z.infer<typeof PharmacyRow>;

export const pharmacies = endpoint({
  method: 'get',
  path: '/api/pharmacies',
  tag: 'Officines',
  access: 'public',
  cache: 'anonymous',
  summary: 'Officines par statut d’exercice coordonné, avec « adhésion probable », zonage et offre de médecine générale (URPS)',
  description:
    'Triées par commune puis nom (ou par nom, `tri=nom`). Les officines fermées (absentes d’un stock FINESS plus récent) sont exclues ' +
    'sauf `inclureFermes=true`. `parStatut` compte chaque statut pour tous les autres filtres.',
  query: queryObject({
    ...filterShape,
    limit: intParam('limit', 1, 1000).optional().meta({ description: 'Officines par page (100 par défaut)' }),
    tri,
    offset: intParam('offset', 0, 10_000_000).optional(),
  }),
  responses: {
    200: json(
      'Une page d’officines',
      z.strictObject({
        total: count,
        limit: count,
        offset: count,
        rayon: count,
        parStatut: z.record(statutOfficine, count),
        avertissement: z.string(),
        officines: z.array(PharmacyRow),
        sources,
      }),
    ),
    400: ERRORS[400],
    401: ACCESS_ERRORS[401],
    404: ERRORS[404],
  },
});

export const pharmaciesCsv = endpoint({
  method: 'get',
  path: '/api/pharmacies.csv',
  tag: 'Officines',
  access: 'public',
  summary: 'Officines par statut : toutes les lignes filtrées, en CSV (URPS)',
  description:
    'Mêmes filtres et même ordre que /api/pharmacies, sans pagination. CSV « ; », UTF-8 avec BOM, virgule décimale, en-têtes en français ; ' +
    'CPTS multiples séparées par « | » ; codes (FINESS, code postal, code commune) écrits comme texte (="…") pour garder les zéros de tête ; ' +
    'téléphone et adresse complète tirés de FINESS. Pour un compte URPS ou ARS, colonnes du recrutement (état, date, dernière note) ' +
    'remplies pour les officines de sa région.',
  query: queryObject({ ...filterShape, tri }),
  responses: {
    200: csvWithRowCount('Fichier CSV'),
    400: ERRORS[400],
    401: ACCESS_ERRORS[401],
    404: ERRORS[404],
  },
});

export type PharmacyPage = Body<typeof pharmacies>;
