// The structures guide for the client's guide page: GET /api/guide (static, sourced data).
import { Router } from 'express';
import { missionsData } from '../domain/missions.js';
import { structuresGuide } from '../domain/structures-guide.js';
import * as api from './contract/guide.js';
import { serve } from './serve.js';

export function guideRoutes(): Router {
  const r = Router();
  serve(r, api.guide, () => {
    const m = missionsData();
    // every mission cites a known source (checked when missions.json is read)
    return { ...structuresGuide(), missions: m.missions.map((x) => ({ ...x, source: m.sources[x.source]! })) };
  });
  return r;
}
