// Rate-limit counters in the database (table rate_limit, migration 030), for express-rate-limit: several server
// processes on one PostGIS database (WORKERS > 1, or several hosts) count a client's requests together, so a limit
// holds whichever process answers. A fixed window per key, as express-rate-limit's memory store: each increment is
// one atomic statement (INSERT … ON CONFLICT), so concurrent requests in different processes never lose a hit.
// The embedded database keeps the memory store: one process, and a write there would refresh its read replica.
import type { Options, Store } from 'express-rate-limit';
import type { Db } from '../db/port.js';

export class DbRateStore implements Store {
  readonly localKeys = false;
  private windowMs = 60_000;
  private sweeper?: NodeJS.Timeout;

  constructor(
    private readonly db: Db,
    readonly prefix: string,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
    // ended windows are dropped now and then: a client that never comes back leaves no row for long
    this.sweeper = setInterval(() => void this.db.query('DELETE FROM rate_limit WHERE fin < now()').catch(() => {}), this.windowMs);
    this.sweeper.unref();
  }

  async increment(key: string): Promise<{ totalHits: number; resetTime: Date }> {
    const r = await this.db.query<{ hits: number; fin: Date }>(
      `INSERT INTO rate_limit AS r (cle, hits, fin) VALUES ($1, 1, now() + $2 * interval '1 millisecond')
       ON CONFLICT (cle) DO UPDATE
          SET hits = CASE WHEN r.fin <= now() THEN 1 ELSE r.hits + 1 END,
              fin = CASE WHEN r.fin <= now() THEN EXCLUDED.fin ELSE r.fin END
       RETURNING hits, fin`,
      [this.prefix + key, this.windowMs],
    );
    const row = r.rows[0]!;
    return { totalHits: row.hits, resetTime: new Date(row.fin) };
  }

  async decrement(key: string): Promise<void> {
    await this.db.query('UPDATE rate_limit SET hits = greatest(hits - 1, 0) WHERE cle = $1', [this.prefix + key]);
  }

  async resetKey(key: string): Promise<void> {
    await this.db.query('DELETE FROM rate_limit WHERE cle = $1', [this.prefix + key]);
  }

  shutdown(): void {
    clearInterval(this.sweeper);
  }
}

/** The store of a limiter: in the database on PostGIS (shared by processes), else express-rate-limit's own memory. */
export const rateStore = (db: Db | undefined, prefix: string): Store | undefined => (db?.backend === 'postgis' ? new DbRateStore(db, prefix) : undefined);
