// One search box for the map: GET /api/search?q=…
import { Router } from 'express';
import { search } from '../analysis/search.js';
import * as api from './contract/search.js';
import type { AppDeps } from './deps.js';
import { serve } from './serve.js';
import { dataSources } from './sources.js';

export function searchRoutes({ db }: AppDeps): Router {
  const r = Router();
  serve(r, api.search, async ({ query: { q, limit = 10 } }) => ({
    q,
    resultats: await search(db, q, limit),
    sources: await dataSources(db, ['communes', 'cpts', 'finess']),
  }));
  return r;
}
