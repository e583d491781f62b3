// Overlap matrix between CPTS (pairs sharing communes): JSON, GeoJSON for the map, CSV.
import { Router } from 'express';
import { assertBassinVie } from '../analysis/communes.js';
import { overlapGeometries, overlapPairBatches, overlapPairs, type OverlapPair } from '../analysis/overlaps.js';
import { mapBatches } from '../db/cursor.js';
import { streamCsv } from '../http/csv.js';
import * as api from './contract/overlaps.js';
import type { AppDeps } from './deps.js';
import { sendFeatureCollection, setSourcesHeader } from './send.js';
import { serve } from './serve.js';
import { dataSources } from './sources.js';

const SOURCES = ['communes', 'cpts'];

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
  'Communes partagées sans découpage infra-communal',
  'Sources des périmètres',
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
  p.communes.filter((c) => c.partageeSansDecoupage).map((c) => c.nom).join(', '),
  [...new Set([p.a.attribution, p.b.attribution])].join(' | '),
];

export function overlapRoutes({ db }: AppDeps): Router {
  const r = Router();

  serve(r, api.overlaps, async ({ query }) => {
    await assertBassinVie(db, query.bassinVie);
    const paires = await overlapPairs(db, query);
    return { nombre: paires.length, paires, sources: await dataSources(db, SOURCES) };
  });

  serve(r, api.overlapsGeojson, async ({ query }, res) => {
    await assertBassinVie(db, query.bassinVie);
    const features = await overlapGeometries(db, query);
    const sources = await dataSources(db, SOURCES);
    setSourcesHeader(res, sources);
    sendFeatureCollection<api.OverlapFeatureProps>(
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
          nbCommunesPartageesSansDecoupage: p.nbCommunesPartageesSansDecoupage,
          attributions: [...new Set([p.a.attribution, p.b.attribution])],
        },
      })),
      { sources },
    );
  });

  serve(r, api.overlapsCsv, async ({ query }, res) => {
    await assertBassinVie(db, query.bassinVie);
    setSourcesHeader(res, await dataSources(db, SOURCES));
    await streamCsv(res, 'chevauchements-cpts.csv', CSV_HEADER, mapBatches(overlapPairBatches(db, query), csvRow));
  });

  return r;
}
