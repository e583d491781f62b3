// Overlap matrix between CPTS (pairs sharing communes): JSON, GeoJSON for the map, CSV.
import { Router } from 'express';
import type { AppDeps } from '../app.js';
import { overlapGeometries, overlapPairs, type OverlapPair } from '../analysis/overlaps.js';
import { sendCsv } from '../http/csv.js';
import { parse } from '../http/validate.js';
import type { OpenApiPaths } from './openapi.js';
import type { OverlapsResponse } from './responses.js';
import { dataSources } from './sources.js';
import {
  departementParam,
  oaBadRequest,
  oaCsv,
  oaGeoJson,
  oaJson,
  oaParam,
  oaSources,
  queryObject,
  regionParam,
  sendFeatureCollection,
  setSourcesHeader,
} from './territory-common.js';

const filterQuery = queryObject({ departement: departementParam.optional(), region: regionParam.optional() });
const SOURCES = ['communes', 'cpts'] as const;

const CSV_HEADER = [
  'CPTS A (identifiant)',
  'CPTS A (nom)',
  'CPTS A (périmètre)',
  'CPTS B (identifiant)',
  'CPTS B (nom)',
  'CPTS B (périmètre)',
  'Communes partagées (nombre)',
  'Communes partagées (codes INSEE)',
  'Communes partagées (noms)',
  'Population partagée',
  'Superficie partagée (km²)',
  'Part de la population de A en litige (%)',
  'Part de la population de B en litige (%)',
];

const csvRow = (p: OverlapPair) => [
  p.a.id,
  p.a.nom,
  p.a.perimetre,
  p.b.id,
  p.b.nom,
  p.b.perimetre,
  p.nbCommunes,
  p.communes.map((c) => c.code).join(', '),
  p.communes.map((c) => c.nom).join(', '),
  p.population,
  p.superficieKm2,
  p.a.partEnLitigePct,
  p.b.partEnLitigePct,
];

export function overlapRoutes({ db }: AppDeps): Router {
  const r = Router();

  r.get('/api/overlaps', async (req, res) => {
    const q = parse(filterQuery, req.query);
    const paires = await overlapPairs(db, q);
    res.json({ nombre: paires.length, paires, sources: await dataSources(db, SOURCES) } satisfies OverlapsResponse);
  });

  r.get('/api/overlaps.geojson', async (req, res) => {
    const q = parse(filterQuery, req.query);
    const features = await overlapGeometries(db, q);
    const sources = await dataSources(db, SOURCES);
    setSourcesHeader(res, sources);
    sendFeatureCollection(
      res,
      features.map(({ geometry, ...p }) => ({
        geometry,
        properties: {
          a: p.a.id,
          aNom: p.a.nom,
          b: p.b.id,
          bNom: p.b.nom,
          perimetreNonOfficiel: p.a.perimetre !== 'officiel' || p.b.perimetre !== 'officiel',
          nbCommunes: p.nbCommunes,
          communes: p.communes.map((c) => c.code),
          population: p.population,
          superficieKm2: p.superficieKm2,
          aPartEnLitigePct: p.a.partEnLitigePct,
          bPartEnLitigePct: p.b.partEnLitigePct,
        },
      })),
      { sources },
    );
  });

  r.get('/api/overlaps.csv', async (req, res) => {
    const q = parse(filterQuery, req.query);
    const paires = await overlapPairs(db, q);
    setSourcesHeader(res, await dataSources(db, SOURCES));
    sendCsv(res, 'chevauchements-cpts.csv', CSV_HEADER, paires.map(csvRow));
  });

  return r;
}

const side = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    nom: { type: 'string' },
    statut: { type: 'string' },
    perimetre: { type: 'string' },
    population: { type: 'integer', description: 'Population de toute la CPTS' },
    partEnLitigePct: { type: ['number', 'null'], description: 'Part de sa population dans les communes partagées (%)' },
  },
};

const pair = {
  type: 'object',
  description:
    'Deux CPTS (a < b) partageant au moins une commune, d’après la table d’appartenance (un simple contact de frontière ne partage aucune commune).',
  properties: {
    a: side,
    b: side,
    nbCommunes: { type: 'integer' },
    communes: { type: 'array', items: { type: 'object', properties: { code: { type: 'string' }, nom: { type: 'string' }, population: { type: ['integer', 'null'] } } } },
    population: { type: 'integer', description: 'Population des communes partagées' },
    superficieKm2: { type: 'number', description: 'Σ superficie × min(part de surface A, part B), 2 décimales' },
  },
};

const params = [
  { ...oaParam.departement, description: 'Garde une paire si l’une des deux CPTS a une commune dans ce département' },
  { ...oaParam.region, description: 'Garde une paire si l’une des deux CPTS a une commune dans cette région' },
];

export const overlapPaths: OpenApiPaths = {
  '/api/overlaps': {
    get: {
      summary: 'Matrice des chevauchements : paires de CPTS partageant des communes, par population partagée décroissante',
      parameters: params,
      responses: {
        '200': oaJson({ type: 'object', properties: { nombre: { type: 'integer' }, paires: { type: 'array', items: pair }, sources: oaSources } }),
        '400': oaBadRequest,
      },
    },
  },
  '/api/overlaps.geojson': {
    get: {
      summary: 'Zones de chevauchement (union des communes partagées) par paire de CPTS, pour la carte',
      parameters: params,
      responses: { '200': oaGeoJson('Une Feature par paire'), '400': oaBadRequest },
    },
  },
  '/api/overlaps.csv': {
    get: {
      summary: 'Matrice des chevauchements en CSV',
      parameters: params,
      responses: { '200': oaCsv('Une ligne par paire'), '400': oaBadRequest },
    },
  },
};
