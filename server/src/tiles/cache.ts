// The tile cache: gzip-compressed tiles in memory, least recently used first out, bounded by bytes, and emptied
// whenever the data changes.
//
// How "the data changed" is known, even when the import ran in another process (the CLI against the same
// PostGIS database): every successful import adds a row to import_log in its own transaction, and a failed one
// rolls its row back with its data. The data version is therefore `max(import_log.id)` and `count(*)` of that
// table, read at most once per `ttlMs` (1 s) and shared by concurrent requests. Because the log row commits
// together with the data, a version is never visible before its data: a tile rendered after reading version V
// shows data at least as new as V. A tile whose version changed while it was being rendered is not stored.
// When the version differs from the one the cache holds, the whole cache is dropped. So a new import shows on
// the map at most `ttlMs` after its commit (plus the clients' own HTTP cache, which the `v` query parameter of
// the tile URLs in /tiles/layers.json busts; layers.json reads the version fresh, so a client asking after its own
// write gets the URLs of the data it wrote). The count guards against a log row being deleted and another added.
// Writes that bypass the importers (hand-made SQL) are not seen until the next import (nor after a restart on the
// embedded database, whose tiles are kept on disk under their data version: tiles/store.ts); the register's and
// every audited write count in the version too (DATA_VERSION_SQL). The API's answers follow the same version
// (api/answers.ts).
// Below the memory, an optional store (tiles/store.ts) keeps tiles under the data version they show, across restarts.
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Queryable } from '../db/port.js';

export interface CachedTile {
  /** gzip-compressed protobuf; empty for a tile without features. */
  gzip: Buffer;
  /** Size of the uncompressed protobuf (0 for an empty tile). */
  rawBytes: number;
  /** Hash of the uncompressed protobuf (base64url), the base of the ETag. */
  hash: string;
}

export const EMPTY_TILE: CachedTile = { gzip: Buffer.alloc(0), rawBytes: 0, hash: '' };

const tileHash = (mvt: Uint8Array) => createHash('sha256').update(mvt).digest('base64url').slice(0, 27);

/** Compresses once, at cache time: every later request is served these bytes. */
export function packTile(mvt: Uint8Array): CachedTile {
  if (mvt.length === 0) return EMPTY_TILE;
  return { gzip: gzipSync(mvt, { level: 6 }), rawBytes: mvt.length, hash: tileHash(mvt) };
}

/** A tile from its compressed bytes (as kept by tiles/store.ts): the same entry packTile made. */
export function unpackTile(gzip: Buffer): CachedTile {
  const mvt = gunzipSync(gzip);
  return mvt.length ? { gzip, rawBytes: mvt.length, hash: tileHash(mvt) } : EMPTY_TILE;
}

/** Where tiles outlive the process (tiles/store.ts): keyed by data version and cache key. */
export interface TileKeeper {
  get(version: string, key: string): Promise<CachedTile | undefined>;
  /** Keeps the tile if the data are still at `version` once it is rendered (no wait: written in the background). */
  put(version: string, key: string, tile: CachedTile): void;
}

/** Bytes an entry costs: its compressed body plus a fixed overhead for the key and the bookkeeping. */
const ENTRY_OVERHEAD = 128;
const tileCost = (key: string, t: CachedTile) => t.gzip.length + key.length * 2 + ENTRY_OVERHEAD;

/** An LRU map bounded by the total bytes of its entries (a Map iterates in insertion order: oldest first). */
export class ByteLru<V> {
  private readonly entries = new Map<string, V>();
  private used = 0;

  constructor(
    readonly maxBytes: number,
    private readonly cost: (key: string, v: V) => number,
  ) {}

  get(key: string): V | undefined {
    const v = this.entries.get(key);
    if (v !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, v);
    }
    return v;
  }

  set(key: string, value: V): void {
    const c = this.cost(key, value);
    this.delete(key);
    if (c > this.maxBytes) return;
    this.entries.set(key, value);
    this.used += c;
    for (const [k] of this.entries) {
      if (this.used <= this.maxBytes) break;
      this.delete(k);
    }
  }

  delete(key: string): void {
    const old = this.entries.get(key);
    if (old === undefined) return;
    this.entries.delete(key);
    this.used -= this.cost(key, old);
  }

  clear(): void {
    this.entries.clear();
    this.used = 0;
  }

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.used;
  }
}

export class TileCache extends ByteLru<CachedTile> {
  constructor(maxBytes = 64 * 1024 * 1024) {
    super(maxBytes, tileCost);
  }
}

// imports, the register's writes (perimeter versions, dated steps, decisions on overlapping pairs, recruitment
// steps that change a membership), and every audited write (auth/audit.ts: any write through the API or the
// register, in its own transaction) but the sessions', which change no answer and which anyone may cause (a failed
// login): all append-only, their counts only grow. A count, not max(id): ids are taken at insert, rows appear at
// commit, in another order.
export const DATA_VERSION_SQL = `SELECT coalesce(max(id), 0)::int AS max,
  count(*)::int + (SELECT count(*) FROM cpts_version)::int + (SELECT count(*) FROM cpts_etape)::int
  + (SELECT count(*) FROM chevauchement_decision)::int
  + (SELECT count(*) FROM recrutement_officine WHERE adhesion_id IS NOT NULL OR retrait_id IS NOT NULL)::int
  + (SELECT count(*) FROM audit WHERE action NOT LIKE 'session.%')::int AS n FROM import_log`;

export async function readDataVersion(db: Queryable): Promise<string> {
  const r = await db.query<{ max: number; n: number }>(DATA_VERSION_SQL);
  return `${r.rows[0]!.max}-${r.rows[0]!.n}`;
}

/** A value read at most once per `ttlMs`; concurrent callers share one read. */
export class Throttled<T> {
  private value: T | undefined;
  private at = -Infinity;
  private pending: Promise<T> | undefined;

  constructor(
    private readonly read: () => Promise<T>,
    private readonly ttlMs = 1000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get(): Promise<T> {
    if (this.value !== undefined && this.now() - this.at < this.ttlMs) return Promise.resolve(this.value);
    if (!this.pending) {
      const started = this.now();
      this.pending = this.read().then(
        (v) => {
          // a fresh() read begun after this one has the newer value: keep it
          if (started >= this.at) {
            this.value = v;
            this.at = started;
          }
          this.pending = undefined;
          return this.value!;
        },
        (e: unknown) => {
          this.pending = undefined;
          throw e;
        },
      );
    }
    return this.pending;
  }

  /**
   * Read now, sharing no read begun earlier: one that began before a write the caller has seen committed would
   * return the value of before it.
   */
  async fresh(): Promise<T> {
    const started = this.now();
    const v = await this.read();
    if (started >= this.at) {
      this.value = v;
      this.at = started;
    }
    return v;
  }
}

/** hit: from memory; stored: from the tile store (a previous run, or the seeded image); miss: rendered. */
export type CacheStatus = 'hit' | 'stored' | 'miss';

/**
 * Tiles by key, computed once per data version: a version change empties the cache, concurrent requests for
 * the same missing tile share one rendering, a rendering that straddles a version change is served but not kept,
 * and so is an empty tile (rendered again at each request).
 */
export class VersionedTileCache {
  readonly cache: TileCache;
  private version: string | undefined;
  private readonly inflight = new Map<string, Promise<{ tile: CachedTile; status: CacheStatus }>>();

  constructor(
    private readonly dataVersion: Throttled<string>,
    maxBytes?: number,
    /** Called once per new data version (the first one included), after the cache was emptied. */
    private readonly onNewVersion?: (version: string) => void,
    /** Where tiles asked with `keep` are looked up before rendering, and kept after. */
    private readonly keeper?: () => Promise<TileKeeper | undefined>,
  ) {
    this.cache = new TileCache(maxBytes);
  }

  /** The current data version, emptying the cache if it changed; `fresh`: read now, not up to `ttlMs` ago. */
  async currentVersion(fresh = false): Promise<string> {
    const v = await (fresh ? this.dataVersion.fresh() : this.dataVersion.get());
    if (v !== this.version) {
      this.cache.clear();
      this.inflight.clear();
      this.version = v;
      this.onNewVersion?.(v);
    }
    return v;
  }

  /** The version the cache holds now (without reading the database). */
  get heldVersion(): string | undefined {
    return this.version;
  }

  /** `keep`: look the tile up in the keeper, and keep it there once rendered (see the constructor). */
  async get(key: string, render: () => Promise<Uint8Array>, keep = false): Promise<{ tile: CachedTile; status: CacheStatus; version: string }> {
    const version = await this.currentVersion();
    const hit = this.cache.get(key);
    if (hit) return { tile: hit, status: 'hit', version };
    const vkey = `${version}|${key}`;
    let p = this.inflight.get(vkey);
    if (!p) {
      p = (async () => {
        const keeper = keep ? await this.keeper?.() : undefined;
        const kept = await keeper?.get(version, key);
        if (kept) return { tile: kept, status: 'stored' as const };
        const tile = packTile(await render());
        if (tile.rawBytes > 0) keeper?.put(version, key, tile);
        return { tile, status: 'miss' as const };
      })();
      this.inflight.set(vkey, p);
      p.then(
        ({ tile }) => {
          if (this.inflight.get(vkey) === p) this.inflight.delete(vkey);
          // An empty tile is not kept: were it the trace of a silent failure, it would be served until the next import.
          if (this.version === version && tile.rawBytes > 0) this.cache.set(key, tile);
        },
        () => {
          if (this.inflight.get(vkey) === p) this.inflight.delete(vkey);
        },
      );
    }
    return { ...(await p), version };
  }
}
