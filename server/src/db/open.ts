import { openPg } from './pg.js';
import { openPglite } from './pglite.js';
import type { Db } from './port.js';

export interface DbConfig {
  /** A PostgreSQL + PostGIS URL; when absent, the embedded PGlite database is used. */
  databaseUrl?: string;
  /** Folder of the embedded database. */
  dataDir: string;
}

export function openDb(config: DbConfig): Promise<Db> {
  return config.databaseUrl ? openPg(config.databaseUrl) : openPglite(config.dataDir);
}
