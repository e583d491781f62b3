// Overlap matrix between CPTS (pairs sharing communes): JSON, GeoJSON for the map, CSV.
import { Router, type Response } from 'express';
import { assertBassinVie } from '../analysis/communes.js';
import { overlapGeometryBatches, overlapPairBatches, overlapPairs, type OverlapFilter } from '../analysis/overlaps.js';
import type { Db } from '../db/port.js';
import type { Decision } from '../domain/vocabulary.js';
import { streamCsv } from '../http/csv.js';
import { streamFeatureCollection, type FeatureText } from '../http/geojson.js';
import { readsNotes, withDecisions } from './conciliation.js';
import * as api from './contract/overlaps.js';
import type { AppDeps } from './deps.js';
import { setSourcesHeader } from './send.js';
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
  'Décision',
  'Date de la décision',
];
/** Shown to ARS users and admins only, like the notes in the JSON. */
const CSV_NOTE_HEADER = ['Note de la décision', 'Auteur de la décision'];

const csvRow = (p: api.OverlapPair, notes: boolean) => [
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
  p.decision.libelle,
  p.decision.date,
  ...(notes ? [p.decision.note, p.decision.auteur] : []),
];

/** The CSV lines, a batch of pairs at a time from a cursor, each batch with its decisions. */
async function* csvBatches(db: Db, query: OverlapFilter & { decision?: Decision }, notes: boolean): AsyncGenerator<unknown[][]> {
  for await (const pairs of overlapPairBatches(db, query)) yield (await withDecisions(db, pairs, notes, query)).map((p) => csvRow(p, notes));
}

/** The GeoJSON features, a batch of pairs at a time from a cursor, each batch with its decisions. */
async function* featureBatches(db: Db, query: OverlapFilter & { decision?: Decision }): AsyncGenerator<FeatureText<api.OverlapFeatureProps>[]> {
  for await (const pairs of overlapGeometryBatches(db, query)) {
    yield (await withDecisions(db, pairs, false, query)).map(({ geometry, ...p }) => ({
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
        decision: p.decision.decision,
      },
    }));
  }
}

/** A public read whose body depends on the caller (notes): no shared cache may serve one caller's to another. */
const personal = (res: Response) => res.vary('Cookie').vary('Authorization');

export function overlapRoutes({ db }: AppDeps): Router {
  const r = Router();

  serve(r, api.overlaps, async ({ query }, _res, req) => {
    await assertBassinVie(db, query.bassinVie);
    const paires = await withDecisions(db, await overlapPairs(db, query), await readsNotes(req), query);
    return { nombre: paires.length, paires, sources: await dataSources(db, SOURCES) };
  });

  serve(r, api.overlapsGeojson, async ({ query }, res) => {
    await assertBassinVie(db, query.bassinVie);
    const sources = await dataSources(db, SOURCES);
    setSourcesHeader(res, sources);
    await streamFeatureCollection(res, featureBatches(db, query), { sources });
  });

  serve(r, api.overlapsCsv, async ({ query }, res, req) => {
    await assertBassinVie(db, query.bassinVie);
    personal(res);
    const notes = await readsNotes(req);
    setSourcesHeader(res, await dataSources(db, SOURCES));
    const header = notes ? [...CSV_HEADER, ...CSV_NOTE_HEADER] : CSV_HEADER;
    await streamCsv(res, 'chevauchements-cpts.csv', header, csvBatches(db, query, notes));
  });

  return r;
}
