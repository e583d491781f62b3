import { openPg } from './pg.js';
import { openPglite } from './pglite.js';
import type { Db } from './port.js';

export interface DbConfig {
  /** A PostgreSQL + PostGIS URL; when absent, the embedded PGlite database is used. */
  databaseUrl?: string;
  /** Folder of the embedded database. */
  dataDir: string;
}

export interface OpenOptions {
  /** Statement timeout of the server's queries (ms); absent: none (the import CLI). */
  statementTimeoutMs?: number;
}

export function openDb(config: DbConfig, options: OpenOptions = {}): Promise<Db> {
  return config.databaseUrl ? openPg(config.databaseUrl, options) : openPglite(config.dataDir);
}
