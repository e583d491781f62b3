// Pharmacies by coordinated-care status (JSON page and full CSV for the URPS pharmaciens), and the one
// router that mounts the pharmacist-facing endpoints: /api/pharmacies, /api/nearby, /api/search, /api/guide.
import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../app.js';
import {
  checkFilters,
  countByStatus,
  csvRow,
  CSV_HEADER,
  DEFAULT_NEAR_M,
  listPharmacies,
  STATUSES,
  withoutJit,
  ZONINGS,
  type PharmacyFilters,
} from '../analysis/pharmacies.js';
import { sendCsv } from '../http/csv.js';
import { parse } from '../http/validate.js';
import { guidePaths, guideRoutes } from './guide.js';
import { nearbyPaths, nearbyRoutes } from './nearby.js';
import type { OpenApiPaths } from './openapi.js';
import type { PharmacyPage } from './responses.js';
import { asciiJson, cptsIdParam, departementParam, intParam, queryObject, regionParam, str, textParam } from './query-params.js';
import { searchPaths, searchRoutes } from './search.js';
import { dataSources } from './sources.js';

const SOURCE_KINDS = ['finess', 'communes', 'cpts', 'memberships', 'zoning', 'gp'] as const;

const filterShape = {
  departement: departementParam.optional(),
  region: regionParam.optional(),
  cpts: cptsIdParam.optional(),
  status: str('status')
    .pipe(z.enum(STATUSES, { error: `status doit valoir ${STATUSES.join(', ')}` }))
    .optional(),
  zoning: str('zoning')
    .pipe(z.enum(ZONINGS, { error: `zoning doit valoir ${ZONINGS.join(', ')}` }))
    .optional(),
  q: textParam('q').optional(),
  near: intParam('near', 10, 2000).optional(),
};
const listQuery = queryObject({ ...filterShape, limit: intParam('limit', 1, 1000).optional(), offset: intParam('offset', 0, 10_000_000).optional() });
const csvQuery = queryObject(filterShape);

const avertissement = (near: number) =>
  `« Adhésion probable » signale seulement une officine non membre située à ${near} m ou moins d’une MSP ou d’un centre de santé : ` +
  'c’est une présomption à vérifier, pas une adhésion constatée.';

export function csvHeader(near: number): string[] {
  return CSV_HEADER.map((h) => (h === 'adhésion probable' ? `adhésion probable (MSP/CSP à ${near} m ou moins)` : h));
}

/** A file name describing the filters, e.g. officines-44-zone-blanche.csv. Pure. */
export function csvFileName(f: PharmacyFilters): string {
  const parts = [f.region && `region-${f.region}`, f.departement, f.cpts && `cpts-${f.cpts}`, f.status, f.zoning]
    .filter(Boolean)
    .map((s) => String(s).replace(/[^A-Za-z0-9_-]+/g, '_'));
  return `officines${parts.length ? '-' + parts.join('-') : ''}.csv`;
}

function pharmaciesRoutes({ db }: AppDeps): Router {
  const r = Router();
  r.get('/api/pharmacies', async (req, res) => {
    const { near = DEFAULT_NEAR_M, limit = 100, offset = 0, ...f } = parse(listQuery, req.query);
    await checkFilters(db, f);
    const [counts, rows, sources] = await withoutJit(db, async (tx) => [
      await countByStatus(tx, f),
      await listPharmacies(tx, f, { near, limit, offset }),
      await dataSources(tx, SOURCE_KINDS),
    ] as const);
    const total = f.status ? counts[f.status] : Object.values(counts).reduce((a, b) => a + b, 0);
    res.json({ total, limit, offset, near, counts, avertissement: avertissement(near), rows, sources } satisfies PharmacyPage);
  });
  r.get('/api/pharmacies.csv', async (req, res) => {
    const { near = DEFAULT_NEAR_M, ...f } = parse(csvQuery, req.query);
    await checkFilters(db, f);
    const [rows, sources] = await withoutJit(db, async (tx) => [await listPharmacies(tx, f, { near }), await dataSources(tx, SOURCE_KINDS)] as const);
    res.setHeader('X-Data-Sources', asciiJson(sources));
    res.setHeader('X-Row-Count', String(rows.length));
    sendCsv(res, csvFileName(f), csvHeader(near), rows.map(csvRow));
  });
  return r;
}

/** The pharmacist-facing endpoints: pharmacies by status, nearby, search and the structures guide. */
export function pharmacistRoutes(deps: AppDeps): Router {
  const r = Router();
  r.use(pharmaciesRoutes(deps), nearbyRoutes(deps), searchRoutes(deps), guideRoutes());
  return r;
}

const filterParams = [
  { name: 'departement', in: 'query', schema: { type: 'string', pattern: '^(\\d{2}|2[AB]|97\\d)$' }, description: 'Code COG du département de la commune de l’officine (ex. 44).' },
  { name: 'region', in: 'query', schema: { type: 'string', pattern: '^\\d{2}$' }, description: 'Code COG de la région (ex. 52).' },
  { name: 'cpts', in: 'query', schema: { type: 'string' }, description: 'Identifiant d’une CPTS : officines de ses communes et officines adhérentes. CPTS inconnue : 404.' },
  { name: 'status', in: 'query', schema: { type: 'string', enum: [...STATUSES] }, description: 'Statut : membre (adhésion à une structure ou une CPTS), couverte-sans-adhesion (commune dans une CPTS, sans adhésion), zone-blanche (commune hors de toute CPTS), commune-inconnue (commune absente de la base).' },
  { name: 'zoning', in: 'query', schema: { type: 'string', enum: [...ZONINGS] }, description: 'Zonage ARS de la commune : ZIP, ZAC, ZIP_ZAC (l’un ou l’autre), none (ni ZIP ni ZAC, ou zonage inconnu).' },
  { name: 'q', in: 'query', schema: { type: 'string', minLength: 2, maxLength: 100 }, description: 'Partie du nom de l’officine (sans tenir compte des accents ni de la casse).' },
  { name: 'near', in: 'query', schema: { type: 'integer', minimum: 10, maximum: 2000, default: DEFAULT_NEAR_M }, description: 'Distance géodésique en mètres sous laquelle une officine non membre est signalée « adhésion probable » (MSP ou centre de santé).' },
];

const pharmacyRowSchema = {
  type: 'object',
  properties: {
    finess: { type: 'string' },
    nom: { type: 'string' },
    adresse: { type: ['string', 'null'] },
    codePostal: { type: ['string', 'null'] },
    commune: { type: 'object', properties: { code: { type: 'string' }, nom: { type: ['string', 'null'] }, departement: { type: ['string', 'null'] }, region: { type: ['string', 'null'] } } },
    position: { type: ['object', 'null'], properties: { lon: { type: 'number' }, lat: { type: 'number' } } },
    statut: { type: 'string', enum: [...STATUSES] },
    cpts: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, nom: { type: 'string' }, statut: { type: 'string' }, perimetre: { type: 'string' } } } },
    adhesions: { type: 'array', items: { type: 'object', properties: { cible: { type: 'string', enum: ['structure', 'cpts'] }, id: { type: 'string' }, nom: { type: ['string', 'null'] }, type: { type: 'string' }, dateAdhesion: { type: ['string', 'null'], format: 'date' } } } },
    mspCspLaPlusProche: { type: ['object', 'null'], description: 'MSP ou centre de santé le plus proche, distance géodésique en mètres (0,1 m).', properties: { finess: { type: 'string' }, nom: { type: 'string' }, type: { type: 'string', enum: ['msp', 'csp'] }, distanceM: { type: 'number' } } },
    adhesionProbable: { type: 'boolean', description: 'Présomption seulement : officine non membre à `near` m ou moins d’une MSP/CSP.' },
    zonage: { type: ['string', 'null'], enum: ['ZIP', 'ZAC', 'ZV', 'HZ', null] },
    enZipZac: { type: ['boolean', 'null'] },
    generalistes: { type: 'object', properties: { nombre: { description: 'Nombre, ou « < 6 » sous le seuil de secret', oneOf: [{ type: 'integer' }, { type: 'string', enum: ['< 6'] }, { type: 'null' }] }, densitePour10000: { type: ['number', 'null'] }, proxy: { type: ['boolean', 'null'] } } },
  },
};

const pharmaciesPaths: OpenApiPaths = {
  '/api/pharmacies': {
    get: {
      summary: 'Officines par statut d’exercice coordonné (page JSON)',
      description:
        'Statut de chaque officine (membre, couverte sans adhésion, zone blanche), CPTS de sa commune, MSP/CSP la plus proche (distance géodésique), ' +
        'présomption « adhésion probable », zonage ARS et densité de médecins généralistes de la commune (vide sous 6 médecins). ' +
        'Trié par code commune, nom, FINESS. `counts` donne le nombre par statut pour tous les filtres sauf `status`.',
      parameters: [
        ...filterParams,
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 }, description: 'Taille de la page.' },
        { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0, default: 0 }, description: 'Rang de la première ligne.' },
      ],
      responses: {
        '200': {
          description: 'Une page d’officines',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  total: { type: 'integer' },
                  limit: { type: 'integer' },
                  offset: { type: 'integer' },
                  near: { type: 'integer' },
                  counts: { type: 'object', properties: Object.fromEntries(STATUSES.map((s) => [s, { type: 'integer' }])) },
                  avertissement: { type: 'string' },
                  rows: { type: 'array', items: pharmacyRowSchema },
                  sources: { type: 'array', items: { $ref: '#/components/schemas/DataSource' } },
                },
              },
            },
          },
        },
        '400': { $ref: '#/components/responses/BadRequest' },
        '404': { $ref: '#/components/responses/NotFound' },
      },
    },
  },
  '/api/pharmacies.csv': {
    get: {
      summary: 'Officines par statut : toutes les lignes filtrées, en CSV (URPS)',
      description:
        'Mêmes filtres et même ordre que /api/pharmacies, sans pagination. CSV « ; », UTF-8 avec BOM, virgule décimale, en-têtes en français ; ' +
        'CPTS multiples séparées par « | ». Sources et dates d’import dans l’en-tête HTTP `X-Data-Sources` (JSON).',
      parameters: filterParams,
      responses: {
        '200': {
          description: 'Fichier CSV',
          headers: {
            'X-Data-Sources': { description: 'Sources et dates d’import (JSON, caractères non ASCII échappés en \\uXXXX)', schema: { type: 'string' } },
            'X-Row-Count': { description: 'Nombre de lignes de données', schema: { type: 'integer' } },
          },
          content: { 'text/csv': { schema: { type: 'string' } } },
        },
        '400': { $ref: '#/components/responses/BadRequest' },
        '404': { $ref: '#/components/responses/NotFound' },
      },
    },
  },
};

export const pharmacistPaths: OpenApiPaths = { ...pharmaciesPaths, ...nearbyPaths, ...searchPaths, ...guidePaths };
