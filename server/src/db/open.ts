import type { Db } from './port.js';

export interface DbConfig {
  /** A PostgreSQL + PostGIS URL; when absent, the embedded PGlite database is used. */
  databaseUrl?: string;
  /** Folder of the embedded database. */
  dataDir: string;
}

export interface OpenOptions {
  /**
   * For a server: the statement timeout of its queries (ms). With it, the embedded database runs in a worker
   * thread behind a priority queue (pglite-thread.ts); without it (the import CLI), in the process, unbounded.
   */
  statementTimeoutMs?: number;
  /** Told when the embedded database is stopped and reopened (a statement past the timeout). */
  onRestart?: (reason: string) => void;
  /** Embedded database in a worker: exports and analyses on a read replica. */
  readReplica?: boolean;
  /** Embedded database in a worker: run once its folder is locked, before it opens. */
  beforeOpen?: () => Promise<void>;
}

/**
 * Each backend's module is loaded when chosen: the server's embedded database runs in a worker thread, and its
 * process need not load PGlite (nor node-postgres) itself before the worker starts.
 */
export async function openDb(config: DbConfig, options: OpenOptions = {}): Promise<Db> {
  if (config.databaseUrl) return (await import('./pg.js')).openPg(config.databaseUrl, options);
  if (options.statementTimeoutMs === undefined) return (await import('./pglite.js')).openPglite(config.dataDir);
  return (await import('./pglite-thread.js')).openPgliteThread(config.dataDir, {
    timeoutMs: options.statementTimeoutMs,
    onRestart: options.onRestart,
    readReplica: options.readReplica,
    beforeOpen: options.beforeOpen,
  });
}
