// Coverage of the territory by CPTS, and white zones (communes in no CPTS) with their nearest CPTS.
import { Router } from 'express';
import type { AppDeps } from '../app.js';
import { coverage, whiteZoneFeatures, whiteZones, type WhiteZoneRow } from '../analysis/coverage.js';
import { gpSupply, maskCount, SECRET_MIN, ZONE_LIBELLES } from '../domain/territory.js';
import { sendCsv } from '../http/csv.js';
import { parse } from '../http/validate.js';
import type { OpenApiPaths } from './openapi.js';
import type { CoverageResponse, WhiteZoneJson, WhiteZonesMeta, WhiteZonesResponse } from './responses.js';
import { dataSources } from './sources.js';
import {
  departementParam,
  intParam,
  oaBadRequest,
  oaCsv,
  oaGeoJson,
  oaJson,
  oaMaskedCount,
  oaParam,
  oaSources,
  queryObject,
  regionParam,
  sendFeatureCollection,
  setSourcesHeader,
} from './territory-common.js';

const areaQuery = queryObject({ departement: departementParam.optional(), region: regionParam.optional() });
const MAX_PAGE = 5000;
const MAX_CSV = 100_000;
const pageQuery = queryObject({
  departement: departementParam.optional(),
  region: regionParam.optional(),
  limit: intParam('limit', 1, MAX_PAGE).optional(),
  offset: intParam('offset', 0, 1_000_000_000).optional(),
});
const csvQuery = queryObject({
  departement: departementParam.optional(),
  region: regionParam.optional(),
  limit: intParam('limit', 1, MAX_CSV).optional(),
  offset: intParam('offset', 0, 1_000_000_000).optional(),
});

const COVERAGE_SOURCES = ['communes', 'cpts'] as const;
const WZ_SOURCES = ['communes', 'cpts', 'gp', 'zoning'] as const;

const WZ_NOTES = [
  'Communes appartenant à aucune CPTS (d’après les communes membres enregistrées), de la plus peuplée à la moins peuplée.',
  `Offre de médecine générale : un effectif inférieur à ${SECRET_MIN} est affiché « < 6 » (secret statistique), sans densité ; ` +
    'une commune absente de la source compte 0 (la source ne liste que les communes où l’offre existe) ; estProxy signale un indicateur approché (cabinets, pas médecins).',
  'CPTS la plus proche : distance géodésique (ellipsoïde WGS84) du point intérieur de la commune au périmètre de la CPTS ; ' +
    'cptsLimitrophes : CPTS dont le périmètre touche la commune.',
];

function wzJson(w: WhiteZoneRow): WhiteZoneJson {
  const gp = gpSupply({
    nb: w.nbGeneralistes,
    population: w.population ?? 0,
    communesSansDonnee: 0,
    estProxy: w.estProxy,
    sources: w.gpSource ? [w.gpSource] : [],
    annees: w.gpAnnee ? [w.gpAnnee] : [],
  });
  return {
    code: w.code,
    nom: w.nom,
    departement: w.departement,
    region: w.region,
    population: w.population,
    offreMg: {
      nbGeneralistes: maskCount(w.nbGeneralistes),
      densitePour10000: gp.densitePour10000,
      estProxy: w.estProxy,
      source: w.gpSource,
      annee: w.gpAnnee,
      absenteDeLaSource: w.nbGeneralistes !== null && w.gpSource === null,
    },
    zonage: w.zone ? { zone: w.zone, libelle: ZONE_LIBELLES[w.zone] ?? w.zone, date: w.zoneDate, source: w.zoneSource } : null,
    cptsLaPlusProche: w.cptsProche,
    cptsLimitrophes: w.cptsLimitrophes,
  };
}

const WZ_CSV_HEADER = [
  'Code INSEE',
  'Commune',
  'Département',
  'Région',
  'Population',
  'Médecins généralistes',
  'Densité pour 10 000 hab.',
  'Indicateur approché (proxy)',
  'Source offre MG',
  'Zonage',
  'CPTS la plus proche (identifiant)',
  'CPTS la plus proche (nom)',
  'Distance à la CPTS la plus proche (km)',
  'CPTS limitrophes',
];

export function coverageRoutes({ db }: AppDeps): Router {
  const r = Router();

  r.get('/api/coverage', async (req, res) => {
    const q = parse(areaQuery, req.query);
    const c = await coverage(db, q);
    res.json({
      ...c,
      notes: [
        'Une commune est couverte si elle est membre d’au moins une CPTS (tous statuts confondus) ; sa population entière est alors couverte.',
        'Parts en % (2 décimales) ; la ligne de région est toujours donnée pour la région entière.',
        'nbCommunesCouvertesHorsOfficiel : communes couvertes seulement par des périmètres approximatifs ou illustratifs.',
      ],
      sources: await dataSources(db, COVERAGE_SOURCES),
    } satisfies CoverageResponse);
  });

  r.get('/api/white-zones', async (req, res) => {
    const q = parse(pageQuery, req.query);
    const limit = q.limit ?? 100;
    const offset = q.offset ?? 0;
    const page = await whiteZones(db, { ...q, limit, offset });
    res.json({
      total: page.total,
      populationTotale: page.populationTotale,
      limit,
      offset,
      communes: page.rows.map(wzJson),
      notes: WZ_NOTES,
      sources: await dataSources(db, WZ_SOURCES),
    } satisfies WhiteZonesResponse);
  });

  r.get('/api/white-zones.geojson', async (req, res) => {
    const q = parse(pageQuery, req.query);
    const limit = q.limit ?? 100;
    const offset = q.offset ?? 0;
    const page = await whiteZoneFeatures(db, { ...q, limit, offset });
    const sources = await dataSources(db, WZ_SOURCES);
    setSourcesHeader(res, sources);
    sendFeatureCollection(
      res,
      page.rows.map((w) => ({ geometry: w.geometry, properties: wzJson(w) })),
      { total: page.total, populationTotale: page.populationTotale, limit, offset, notes: WZ_NOTES, sources } satisfies WhiteZonesMeta,
    );
  });

  r.get('/api/white-zones.csv', async (req, res) => {
    const q = parse(csvQuery, req.query);
    const page = await whiteZones(db, q);
    setSourcesHeader(res, await dataSources(db, WZ_SOURCES));
    sendCsv(
      res,
      'zones-blanches-cpts.csv',
      WZ_CSV_HEADER,
      page.rows.map((w) => {
        const j = wzJson(w);
        return [
          j.code,
          j.nom,
          j.departement,
          j.region,
          j.population,
          j.offreMg.nbGeneralistes,
          j.offreMg.densitePour10000,
          j.offreMg.estProxy === null ? '' : j.offreMg.estProxy ? 'oui' : 'non',
          j.offreMg.source,
          j.zonage?.libelle ?? '',
          j.cptsLaPlusProche?.id ?? '',
          j.cptsLaPlusProche?.nom ?? '',
          j.cptsLaPlusProche?.distanceKm ?? '',
          j.cptsLimitrophes.join(', '),
        ];
      }),
    );
  });

  return r;
}

const figures = {
  nbCommunes: { type: 'integer' },
  nbCommunesCouvertes: { type: 'integer' },
  nbCommunesMultiCpts: { type: 'integer', description: 'Communes membres de deux CPTS ou plus' },
  nbCommunesCouvertesHorsOfficiel: { type: 'integer' },
  nbCommunesSansPopulation: { type: 'integer' },
  partCommunesPct: { type: ['number', 'null'] },
  population: { type: 'integer' },
  populationCouverte: { type: 'integer' },
  populationMultiCpts: { type: 'integer' },
  partPopulationPct: { type: ['number', 'null'] },
};
const coverageRow = { type: 'object', properties: { code: { type: 'string' }, nom: { type: 'string' }, ...figures } };

const pageParams = (max: number) => [
  oaParam.departement,
  oaParam.region,
  { name: 'limit', in: 'query', required: false, description: `Nombre de communes par page (1 à ${max})`, schema: { type: 'integer', minimum: 1, maximum: max } },
  { name: 'offset', in: 'query', required: false, description: 'Nombre de communes à sauter', schema: { type: 'integer', minimum: 0 } },
];

const whiteZone = {
  type: 'object',
  properties: {
    code: { type: 'string' },
    nom: { type: 'string' },
    departement: { type: 'string' },
    region: { type: 'string' },
    population: { type: ['integer', 'null'] },
    offreMg: {
      type: 'object',
      properties: {
        nbGeneralistes: oaMaskedCount,
        densitePour10000: { type: ['number', 'null'] },
        estProxy: { type: ['boolean', 'null'] },
        source: { type: ['string', 'null'] },
        absenteDeLaSource: { type: 'boolean' },
      },
    },
    zonage: { type: ['object', 'null'], properties: { zone: { enum: ['ZIP', 'ZAC', 'ZV', 'HZ'] }, libelle: { type: 'string' } } },
    cptsLaPlusProche: {
      type: ['object', 'null'],
      properties: { id: { type: 'string' }, nom: { type: 'string' }, distanceKm: { type: 'number', description: 'Distance géodésique, 2 décimales' } },
    },
    cptsLimitrophes: { type: 'array', items: { type: 'string' } },
  },
};

export const coveragePaths: OpenApiPaths = {
  '/api/coverage': {
    get: {
      summary: 'Part de la population et des communes couvertes par une CPTS, par département et par région',
      parameters: [oaParam.departement, oaParam.region],
      responses: {
        '200': oaJson({
          type: 'object',
          properties: {
            departements: { type: 'array', items: coverageRow },
            regions: { type: 'array', items: coverageRow },
            total: { type: 'object', properties: figures },
            sources: oaSources,
          },
        }),
        '400': oaBadRequest,
      },
    },
  },
  '/api/white-zones': {
    get: {
      summary: 'Zones blanches : communes hors de toute CPTS, avec population, offre de médecine générale, zonage et CPTS la plus proche',
      parameters: pageParams(MAX_PAGE),
      responses: {
        '200': oaJson({
          type: 'object',
          properties: {
            total: { type: 'integer' },
            populationTotale: { type: 'integer' },
            limit: { type: 'integer' },
            offset: { type: 'integer' },
            communes: { type: 'array', items: whiteZone },
            sources: oaSources,
          },
        }),
        '400': oaBadRequest,
      },
    },
  },
  '/api/white-zones.geojson': {
    get: {
      summary: 'Zones blanches en GeoJSON (contours des communes), même pagination',
      parameters: pageParams(MAX_PAGE),
      responses: { '200': oaGeoJson('Une Feature par commune'), '400': oaBadRequest },
    },
  },
  '/api/white-zones.csv': {
    get: {
      summary: 'Zones blanches en CSV (toutes les communes par défaut)',
      parameters: pageParams(MAX_CSV),
      responses: { '200': oaCsv('Une ligne par commune'), '400': oaBadRequest },
    },
  },
};
