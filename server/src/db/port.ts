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

export interface Db extends Queryable {
  readonly backend: Backend;
  /** Runs `fn` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A user-facing configuration or connection problem: printed as one line, never a stack trace. */
export class DbUnavailableError extends Error {
  override name = 'DbUnavailableError';
}
