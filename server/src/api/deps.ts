import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Db } from '../db/port.js';
import type { Basemap } from '../tiles/basemap.js';
import type { TileSourceOptions } from '../tiles/source.js';

/** What the API needs from the process that serves it. */
export interface AppDeps {
  db: Db;
  log: Logger;
  /** Rate limits and trusted proxies are off when absent (tests); `npm start` passes the environment's. */
  config: Pick<Config, 'basemapStyleUrl'> & Partial<Pick<Config, 'rateLimits' | 'trustProxy' | 'oidc' | 'importLeaseS' | 'apiCacheBytes'>>;
  /** Vector tile cache and prerendering (server/src/tiles/source.ts); defaults suit a server. */
  tiles?: TileSourceOptions;
  /** The offline basemap (BASEMAP_PMTILES), opened at start. */
  basemap?: Basemap;
}
