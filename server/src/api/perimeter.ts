// Stateless check of a proposed CPTS perimeter (a list of communes or a polygon). Writes nothing.
import { Router } from 'express';
import { checkPerimeter } from '../analysis/perimeter.js';
import { DEFAULT_THRESHOLD } from '../import/cpts.js';
import * as api from './contract/perimeter.js';
import type { AppDeps } from './deps.js';
import { serve } from './serve.js';
import { dataSources } from './sources.js';

export function perimeterRoutes({ db }: AppDeps): Router {
  const r = Router();
  serve(r, api.perimeterCheck, async ({ body }) => {
    const input =
      'communes' in body
        ? { communes: body.communes }
        : { geometry: { type: body.geometrie.type, coordinates: body.geometrie.coordinates }, threshold: body.seuil ?? DEFAULT_THRESHOLD };
    const result = await checkPerimeter(db, input);
    return { ...result, sources: await dataSources(db, ['communes', 'cpts']) };
  });
  return r;
}
