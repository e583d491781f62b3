// Stateless check of a proposed CPTS perimeter (a list of communes or a polygon). Writes nothing.
import { Router } from 'express';
import { checkPerimeter, communeOutlines, type PerimeterInput } from '../analysis/perimeter.js';
import { DEFAULT_THRESHOLD } from '../import/cpts.js';
import * as api from './contract/perimeter.js';
import type { AppDeps } from './deps.js';
import { streamFeatureCollection } from '../http/geojson.js';
import { setSourcesHeader } from './send.js';
import { serve } from './serve.js';
import { dataSources } from './sources.js';

export function perimeterRoutes({ db }: AppDeps): Router {
  const r = Router();
  serve(r, api.perimeterCheck, async ({ body }) => {
    const result = await checkPerimeter(db, inputOf(body));
    return { ...result, sources: await dataSources(db, ['communes', 'cpts']) };
  });

  serve(r, api.perimeterCommunes, async ({ body }, res) => {
    const result = await checkPerimeter(db, inputOf(body));
    const partOf = new Map(result.parties.flatMap((p) => p.communes.map((c) => [c, p.numero] as const)));
    const outlines = await communeOutlines(db, result.communes.map((c) => c.code));
    const sources = await dataSources(db, ['communes', 'cpts']);
    setSourcesHeader(res, sources);
    // one batch: the communes of one perimeter, bounded by the check's limits
    await streamFeatureCollection<api.PerimeterCommuneProps>(
      res,
      [result.communes.map((c) => ({
        geometry: outlines.get(c.code) ?? null,
        properties: { code: c.code, nom: c.nom, population: c.population, partie: partOf.get(c.code) ?? 1, zoneBlanche: c.zoneBlanche, partSurface: c.part },
      }))],
      { sources },
    );
  });
  return r;
}

const inputOf = (body: api.PerimeterBodyParsed): PerimeterInput =>
  'communes' in body
    ? { communes: body.communes }
    : { geometry: { type: body.geometrie.type, coordinates: body.geometrie.coordinates }, threshold: body.seuil ?? DEFAULT_THRESHOLD };
