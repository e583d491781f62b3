// Overlap matrix between CPTS (pairs sharing communes): JSON, GeoJSON for the map, CSV.
import { z } from 'zod';
import { csv, ERRORS, endpoint, featureCollection, geojson, json, sources, type Body } from './endpoint.js';
import { DECISIONS } from '../../domain/vocabulary.js';
import { decisionCode, OverlapDecision } from './conciliation.js';
import { asOfParam, bassinVieParam, departementParam, enumParam, queryObject, regionParam } from './params.js';
import { count, OverlapPair } from './shared.js';

const filterQuery = queryObject({
  departement: departementParam.optional().meta({ description: 'Garde une paire si l’une des deux CPTS a une commune dans ce département' }),
  region: regionParam.optional().meta({ description: 'Garde une paire si l’une des deux CPTS a une commune dans cette région' }),
  bassinVie: bassinVieParam.optional().meta({ description: 'Garde une paire si l’une des deux CPTS a une commune dans ce bassin de vie (INSEE)' }),
  decision: enumParam('decision', DECISIONS).optional().meta({ description: 'Garde les paires dont la décision en cours (à la date demandée, le cas échéant) est celle-ci' }),
  date: asOfParam.optional(),
});

/** A pair of the matrix with its current decision (note and author for ARS users and admins only). */
const OverlapPairDecided = OverlapPair.extend({ decision: OverlapDecision });

export const overlaps = endpoint({
  method: 'get',
  path: '/api/overlaps',
  tag: 'Territoires',
  access: 'public',
  cache: 'anonymous',
  summary: 'Matrice des chevauchements : paires de CPTS partageant des communes, par population partagée décroissante',
  query: filterQuery,
  responses: {
    200: json('Les paires', z.strictObject({ nombre: count, paires: z.array(OverlapPairDecided), sources })),
    400: ERRORS[400], 404: ERRORS[404],
  },
});

const OverlapFeatureProps = z.strictObject({
  a: z.string(),
  aNom: z.string(),
  b: z.string(),
  bNom: z.string(),
  perimetreNonOfficiel: z.boolean().meta({ description: 'L’un des deux périmètres n’est pas officiel' }),
  nbCommunes: count,
  communes: z.array(z.string()),
  population: count,
  superficieKm2: z.number(),
  aPartEnLitigePct: z.number().nullable(),
  bPartEnLitigePct: z.number().nullable(),
  nbCommunesPartageesSansDecoupage: count,
  attributions: z.array(z.string()).meta({ description: 'Sources des deux périmètres, à citer' }),
  decision: decisionCode,
});
export type OverlapFeatureProps = z.infer<typeof OverlapFeatureProps>;

export const overlapsGeojson = endpoint({
  method: 'get',
  path: '/api/overlaps.geojson',
  tag: 'Territoires',
  access: 'public',
  summary: 'Zones de chevauchement (union des communes partagées) par paire de CPTS, pour la carte',
  query: filterQuery,
  responses: { 200: geojson('Une Feature par paire', featureCollection(OverlapFeatureProps, { sources })), 400: ERRORS[400], 404: ERRORS[404] },
});

export const overlapsCsv = endpoint({
  method: 'get',
  path: '/api/overlaps.csv',
  tag: 'Territoires',
  access: 'public',
  summary: 'Matrice des chevauchements en CSV',
  query: filterQuery,
  responses: { 200: csv('Une ligne par paire'), 400: ERRORS[400], 404: ERRORS[404] },
});

export type OverlapsResponse = Body<typeof overlaps>;
export type OverlapPair = z.infer<typeof OverlapPairDecided>;
