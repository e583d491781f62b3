import compression from 'compression';
import cookieParser from 'cookie-parser';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import { loggedUrl, type Logger } from './logger.js';
import { apiRoutes } from './api/index.js';
import { GZIP_MIN_BYTES } from './api/answers.js';
import type { AppDeps } from './api/deps.js';
import { errorHandler, unknownRoute } from './http/errors.js';
import { identify } from './http/auth.js';
import { hstsOverHttps, limitExpensive, rejectInvalidText } from './http/guards.js';

export type { AppDeps };

/** Paths of the server's own answers (API, tiles, glyphs, basemap): never answered with the page. */
const SERVER_PATHS = ['/api', '/tiles', '/glyphs', '/fond-de-carte'];

/** One structured log line per request. */
function requestLog(log: Logger): RequestHandler {
  return (req, res, next) => {
    // at LOG_LEVEL=warn or above nothing is logged: no timer, no listener, no URL built per request
    if (!log.isLevelEnabled('info')) return next();
    const t0 = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      log.info({ method: req.method, url: loggedUrl(req.originalUrl), status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
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
  // JSON, CSV, GeoJSON computed for a request; tiles are gzip-compressed once, when cached, and skipped here. The
  // answer cache's answers (api/answers.ts) and the client's files (api/page.ts) are sent compressed once: the
  // middleware leaves an encoded body as it is.
  app.use(
    compression({
      threshold: GZIP_MIN_BYTES,
      filter: (req, res) => !/^\/(tiles|fond-de-carte)\//.test(req.path) && compression.filter(req, res),
    }),
  );
  app.use(express.json({ limit: '2mb' }));
  app.use(rejectInvalidText);
  app.use(cookieParser());
  app.use(identify(deps.db));
  app.use(limitExpensive(deps.config.rateLimits ?? { exportsPerMinute: 0, analysesPerMinute: 0 }, deps.db));
  const { api, page } = apiRoutes(deps);
  app.use(api);
  app.use(page);
  for (const p of SERVER_PATHS) app.use(p, unknownRoute);
  app.use(errorHandler(deps.log));
  return app;
}
