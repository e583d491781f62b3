import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import compression from 'compression';
import express, { type Express, type RequestHandler, Router } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Db } from './db/port.js';
import { healthRoutes } from './api/health.js';
import { tileRoutes, tilesPaths, type TileRouteOptions } from './api/tiles.js';
import { territoryPaths, territoryRoutes } from './api/territory.js';
import { pharmacistPaths, pharmacistRoutes } from './api/pharmacies.js';
import { healthPaths, openApiDocument, openApiRoutes, type OpenApiPaths } from './api/openapi.js';
import { errorHandler, unknownRoute } from './http/errors.js';
import { hstsOverHttps, limitExpensive, rejectInvalidText } from './http/guards.js';

export interface AppDeps {
  db: Db;
  log: Logger;
  /** Rate limits and trusted proxies are off when absent (tests); `npm start` passes the environment's. */
  config: Pick<Config, 'basemapStyleUrl'> & Partial<Pick<Config, 'rateLimits' | 'trustProxy'>>;
  /** Vector tile cache and prerendering (server/src/api/tiles.ts); defaults suit a server. */
  tiles?: TileRouteOptions;
}

/** The built map client (`npm run build:client`), served at `/` with an index.html fallback for client-side views. */
const CLIENT_DIST = fileURLToPath(new URL('../../client/dist/', import.meta.url));

function clientRoutes(config: AppDeps['config']): Router {
  const r = Router();
  r.get('/api/config', (_req, res) => {
    res.json({ basemapStyleUrl: config.basemapStyleUrl ?? null });
  });
  r.use(
    express.static(CLIENT_DIST, {
      index: 'index.html',
      setHeaders: (res, path) => {
        // hashed bundles never change; index.html must be revalidated to pick up a new build
        res.setHeader('Cache-Control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    }),
  );
  r.get(/^(?!\/(api|tiles)(\/|$)).*/, (req, res, next) => {
    if (!req.accepts('html')) return next();
    // a missing file (an old bundle name…) is a 404, not the page: only client views fall back to index.html
    if (/\.[A-Za-z0-9]+$/.test(req.path)) {
      res.status(404).type('text/plain; charset=utf-8').send(`Fichier introuvable : ${req.path}\n`);
      return;
    }
    if (!existsSync(CLIENT_DIST + 'index.html')) {
      res
        .status(503)
        .type('text/plain; charset=utf-8')
        .send('La carte n’est pas encore construite : lancez `npm run build:client`, puis rechargez cette page.\nL’API reste disponible sous /api (voir /api/openapi.json).\n');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(CLIENT_DIST + 'index.html');
  });
  return r;
}

export const configPaths: OpenApiPaths = {
  '/api/config': {
    get: {
      summary: 'Configuration de la carte : fond de carte en ligne facultatif (null par défaut, carte hors ligne)',
      responses: {
        '200': {
          description: 'OK',
          content: { 'application/json': { schema: { type: 'object', properties: { basemapStyleUrl: { type: ['string', 'null'] } } } } },
        },
      },
    },
  },
};

/** One structured log line per request. */
function requestLog(log: Logger): RequestHandler {
  return (req, res, next) => {
    const t0 = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      log.info({ method: req.method, url: req.originalUrl, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    });
    next();
  };
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', 'strong');
  app.set('query parser', 'simple');
  app.set('trust proxy', deps.config.trustProxy ?? false);
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // MapLibre builds its workers from blobs; an optional online basemap may load remote tiles.
          workerSrc: ["'self'", 'blob:'],
          childSrc: ["'self'", 'blob:'],
          imgSrc: ["'self'", 'data:', 'blob:', ...(deps.config.basemapStyleUrl ? ['https:'] : [])],
          connectSrc: ["'self'", ...(deps.config.basemapStyleUrl ? ['https:'] : [])],
          // served over plain HTTP on an intranet too: upgrading the page's own requests to HTTPS would break it
          upgradeInsecureRequests: null,
        },
      },
      strictTransportSecurity: false, // sent by hstsOverHttps, over HTTPS only
    }),
  );
  app.use(hstsOverHttps);
  app.use(requestLog(deps.log));
  // JSON, CSV, GeoJSON and the client's scripts; tiles are gzip-compressed once, when cached, and skipped here.
  app.use(compression({ filter: (req, res) => !req.path.startsWith('/tiles/') && compression.filter(req, res) }));
  app.use(express.json({ limit: '2mb' }));
  app.use(rejectInvalidText);
  app.use(limitExpensive(deps.config.rateLimits ?? { exportsPerMinute: 0, analysesPerMinute: 0 }));
  app.use(healthRoutes(deps));
  app.use(tileRoutes(deps, deps.tiles));
  app.use(territoryRoutes(deps));
  app.use(pharmacistRoutes(deps));
  app.use(openApiRoutes(openApiDocument([healthPaths, configPaths, tilesPaths, territoryPaths, pharmacistPaths])));
  app.use(clientRoutes(deps.config));
  app.use('/api', unknownRoute);
  app.use('/tiles', unknownRoute);
  app.use(errorHandler(deps.log));
  return app;
}
