/**
 * The one storage port of the application. Two adapters implement it:
 * embedded PGlite + PostGIS (default) and node-postgres on a PostGIS server.
 * Both return the same JavaScript types (see `types.ts`), so results can be compared.
 */
export type Row = Record<string, unknown>;

export interface QueryResult<T = Row> {
  rows: T[];
  rowCount: number;
}

export interface Queryable {
  query<T = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export type Backend = 'pglite' | 'postgis';

const PREPARED = '/* prepared */ ';

/**
 * A hot statement (run at every request of a busy endpoint, whose planning costs more than its execution): on PostGIS
 * each connection prepares it once (a named statement) and runs its generic plan at every call (connections of their
 * own with plan_cache_mode set, db/pg.ts), planned once without the values: mark only a statement whose generic plan is as good
 * as a custom one (EXPLAIN EXECUTE under force_generic_plan). The text stays valid SQL (a comment first): PGlite runs it as is.
 */
export const prepared = (sql: string): string => PREPARED + sql;

/** Whether a statement was marked by `prepared`. */
export const isPrepared = (sql: string): boolean => sql.startsWith(PREPARED);

export interface Db extends Queryable {
  readonly backend: Backend;
  /** Runs `fn` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * The rows of one read-only query, a batch at a time, from a database cursor: an export of any size holds one
   * batch in memory, and its first rows come as soon as the database yields them. Leaving the loop early (a client
   * gone) or a failure closes the cursor.
   */
  cursor<T = Row>(sql: string, params?: readonly unknown[], batchRows?: number): AsyncIterable<T[]>;
  /**
   * Where a backend has it: runs `fn` on a throwaway copy of the data, deleted afterwards, for long work whose
   * writes are never kept (a dry run), so that this database stays free for other requests meanwhile. The embedded
   * server database has it (one connection: a long transaction would hold it); PostgreSQL does not need it (a
   * pool of connections), nor the in-process embedded database of the command line and the tests.
   */
  scratch?<T>(fn: (copy: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * The database cannot answer now (unreachable, restarting, busy): at start-up one line and exit code 1; during a
 * request an HTTP 503 with Retry-After, the server keeping on and reconnecting by itself.
 */
export class DbUnavailableError extends Error {
  override name = 'DbUnavailableError';
  /** Seconds a client should wait before trying again. */
  readonly retryAfterS: number = 5;
}

/** A statement ran past the statement timeout and was stopped: HTTP 504. */
export class DbTimeoutError extends Error {
  override name = 'DbTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`statement stopped after ${timeoutMs} ms (statement timeout)`);
  }
}

/** Text the database refuses (a NUL byte, an invalid encoding) that reached it from a request: HTTP 400. */
export class DbInputError extends Error {
  override name = 'DbInputError';
}

/**
 * A statement that always returns a row returned none: the embedded database (PGlite) aborts some statements
 * without an error when PostGIS fails inside (see migration 010). An error, never an empty answer.
 */
export class SilentFailureError extends Error {
  override name = 'SilentFailureError';
  constructor(what: string) {
    super(`${what}: the database returned no row where one is always expected (a statement aborted without an error)`);
  }
}
