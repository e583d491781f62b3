// Every declared endpoint (server/src/api/contract/index.ts) with its handler, as one router.
import { Router } from 'express';
import { AnswerCache } from './answers.js';
import { authRoutes } from './auth.js';
import { conciliationRoutes } from './conciliation.js';
import { coverageRoutes } from './coverage.js';
import { cptsRoutes } from './cpts.js';
import type { AppDeps } from './deps.js';
import { finessRoutes } from './finess.js';
import { guideRoutes } from './guide.js';
import { importRoutes } from './imports.js';
import { mapAssetRoutes } from './map-assets.js';
import { nearbyRoutes } from './nearby.js';
import { openApiRoutes } from './openapi.js';
import { overlapRoutes } from './overlaps.js';
import { perimeterRoutes } from './perimeter.js';
import { pharmaciesRoutes } from './pharmacies.js';
import { recruitmentRoutes } from './recrutement.js';
import { searchRoutes } from './search.js';
import { pageRoutes } from './page.js';
import { appConfig, systemRoutes } from './system.js';
import { layerSources, layersDescription, tileRoutes } from './tiles.js';
import { versionRoutes } from './versions.js';
import { cachedTileSource } from '../tiles/source.js';

/** API_CACHE_MB's default (server/src/config.ts), for an app started without it (tests). */
const DEFAULT_ANSWER_CACHE_BYTES = 32 * 1024 * 1024;

/** The API, and the map client's files and page (which carries the configuration and the tile layers' description). */
export function apiRoutes(deps: AppDeps): { api: Router; page: Router } {
  const r = Router();
  // one tile cache per process: the tiles read it, the health answer says whether its prerendering is over
  const tiles = cachedTileSource(deps.db, deps.log, deps.tiles);
  const sourcesOf = layerSources(deps.db);
  const layers = layersDescription(tiles, sourcesOf);
  // the answers follow the tiles' data version: one read a second for both, and both emptied together
  const bytes = deps.config.apiCacheBytes ?? DEFAULT_ANSWER_CACHE_BYTES;
  const answers = bytes > 0 ? new AnswerCache((fresh) => tiles.version(fresh), bytes) : undefined;
  r.use((req, _res, next) => {
    req.answers = answers;
    next();
  });
  r.use(
    systemRoutes(deps, tiles),
    authRoutes(deps),
    importRoutes(deps),
    openApiRoutes(),
    tileRoutes(tiles, sourcesOf, layers),
    cptsRoutes(deps),
    versionRoutes(deps),
    overlapRoutes(deps),
    conciliationRoutes(deps),
    coverageRoutes(deps),
    perimeterRoutes(deps),
    pharmaciesRoutes(deps),
    recruitmentRoutes(deps),
    nearbyRoutes(deps),
    finessRoutes(deps),
    searchRoutes(deps),
    guideRoutes(),
    mapAssetRoutes(deps),
  );
  const boot = async () => ({ config: appConfig(deps), layers: await layers() });
  return { api: r, page: pageRoutes(boot) };
}
