// Where the tiles come from: a renderer (ST_AsMVT on PostGIS, the in-process encoder on PGlite), with the
// versioned cache around it and, after each data change, the low-zoom tiles prerendered in the background.
// The HTTP side (server/src/api/tiles.ts) only asks this source for tiles and the data version.
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Db, Queryable } from '../db/port.js';
import { Throttled, VersionedTileCache, packTile, readDataVersion, type CacheStatus, type CachedTile } from './cache.js';
import { DATA_TILE_RANGES_SQL, LAYERS, dataTiles, parentTiles, type TileLayer } from './layers.js';
import { renderJs } from './mvt-js.js';
import { renderPostgis, supportsAsMvt } from './mvt-postgis.js';
import { STORE_MAX_ZOOM, TILE_STORE_DIR, TileStore, rendererId } from './store.js';

/** Prerendering starts at this zoom, or at a layer's advised minzoom if lower. */
const PRERENDER_MIN_ZOOM = 5;

export interface TileSourceOptions {
  /** Memory bound of the tile cache (bytes of gzip-compressed tiles); 128 MiB by default. */
  cacheBytes?: number;
  /**
   * After each data change, render in the background, one at a time, every tile with data from z5 (or the
   * layer's advised minzoom if lower) up to this zoom: low-zoom tiles hold thousands of features and take from
   * 0.1 to several seconds to encode on national data, tiles from z9 up a few to a few tens of milliseconds.
   * Default 8 with ST_AsMVT (PostGIS server); off (−1) with the in-process encoder, whose work would run on the
   * server's own thread (PGlite, meant for a region).
   */
  prerenderMaxZoom?: number;
  /** How often the data version (import_log) is read, at most (1 s by default). */
  versionTtlMs?: number;
  /** The clock the version's freshness is measured with (milliseconds); tests pass their own. */
  now?: () => number;
  /** Force an encoder; by default ST_AsMVT when the database has it, else the in-process encoder. */
  encoder?: 'postgis' | 'js';
  /**
   * The embedded database's data folder: keep the tiles up to z10 in its tiles/ folder across restarts, under their
   * data version (tiles/store.ts); the seeded image comes with the demo's low-zoom tiles there.
   */
  dataDir?: string;
}

/** Renders one tile (as of `day` for a dated layer): protobuf bytes, empty when no feature falls in it. */
export type Renderer = (db: Queryable, layer: TileLayer, z: number, x: number, y: number, day?: string) => Promise<Uint8Array>;

/** ST_AsMVT on a PostGIS built with protobuf-c; the in-process encoder otherwise (PGlite). */
export async function chooseRenderer(db: Db, forced?: 'postgis' | 'js'): Promise<Renderer> {
  if (forced === 'js') return renderJs;
  if (forced === 'postgis') return renderPostgis;
  return db.backend === 'postgis' && (await supportsAsMvt(db)) ? renderPostgis : renderJs;
}

// from z5 (or a lower advertised minzoom) for every layer: clients may ask below the advised minzoom
const LOWEST_ZOOM = Math.min(PRERENDER_MIN_ZOOM, ...LAYERS.map((l) => l.minzoom));

/** The tiles with data of every layer from z5 (or a lower advised minzoom) up to `maxZoom`, low zooms first. */
export async function lowZoomTiles(db: Queryable, maxZoom: number): Promise<{ layer: TileLayer; z: number; x: number; y: number }[]> {
  const minZoom = LOWEST_ZOOM;
  if (maxZoom < minZoom) return [];
  const ranges = await db.query<{ x0: number; x1: number; y0: number; y1: number }>(DATA_TILE_RANGES_SQL, [maxZoom]);
  const levels = new Map([[maxZoom, dataTiles(ranges.rows)]]);
  for (let z = maxZoom - 1; z >= minZoom; z--) levels.set(z, parentTiles(levels.get(z + 1)!));
  const out: { layer: TileLayer; z: number; x: number; y: number }[] = [];
  for (let z = minZoom; z <= maxZoom; z++)
    for (const layer of LAYERS.filter((l) => Math.min(l.minzoom, PRERENDER_MIN_ZOOM) <= z && z <= l.maxzoom))
      for (const t of levels.get(z)!) out.push({ layer, z, ...t });
  return out;
}

const tileKey = (layer: TileLayer, z: number, x: number, y: number, day?: string) => `${layer.id}/${z}/${x}/${y}${day ? `@${day}` : ''}`;

/**
 * Renders the low-zoom tiles of the data `db` holds, and its extent, into the tile store of the data folder `dataDir`
 * (the seeded image carries them: scripts/prepare-start.ts). Returns how many tiles were kept.
 */
export async function storeLowZoomTiles(db: Db, dataDir: string, maxZoom: number): Promise<number> {
  const render = await chooseRenderer(db);
  const store = new TileStore(join(dataDir, TILE_STORE_DIR), await rendererId(db, render === renderPostgis ? 'postgis' : 'js'), db);
  const version = await readDataVersion(db);
  let n = 0;
  for (const { layer, z, x, y } of await lowZoomTiles(db, Math.min(maxZoom, STORE_MAX_ZOOM))) {
    const tile = packTile(await render(db, layer, z, x, y));
    if (tile.rawBytes === 0) continue;
    store.put(version, tileKey(layer, z, x, y), tile);
    n++;
  }
  await store.putBounds(version, await readBounds(db));
  await store.flushed();
  return n;
}

export interface TileSource {
  /**
   * The data version (the cache is emptied when it changes): read at most `ttlMs` ago, or now with `fresh` (the
   * tile URLs a client takes after its own write must carry the version of after it).
   */
  version(fresh?: boolean): Promise<string>;
  /** `day`: a layer that can be drawn « as of » a day (TileLayer.asOf), as it stood then; cached apart. */
  tile(layer: TileLayer, z: number, x: number, y: number, day?: string): Promise<{ tile: CachedTile; status: CacheStatus; version: string }>;
  /** The bounds of the data [west, south, east, north] (the communes' extent), once per data version. */
  bounds(version: string): Promise<number[] | undefined>;
  /**
   * The background prerendering of the current data version (started if not yet): `sans` when this process prerenders
   * nothing, `en-cours` while it runs, `termine` once it ended (done, stopped by an error, or superseded).
   */
  prerendering(): Promise<PrerenderState>;
}

export type PrerenderState = 'sans' | 'en-cours' | 'termine';

const BOUNDS_SQL = `SELECT CASE WHEN e IS NULL THEN NULL ELSE ARRAY[round(ST_XMin(e)::numeric, 4), round(ST_YMin(e)::numeric, 4),
                round(ST_XMax(e)::numeric, 4), round(ST_YMax(e)::numeric, 4)]::float8[] END AS b
           FROM (SELECT ST_Extent(geom) AS e FROM commune) s`;

const readBounds = async (db: Queryable) => (await db.query<{ b: number[] | null }>(BOUNDS_SQL)).rows[0]?.b ?? null;

/** One value per data version, computed on first use; a failure is not kept. */
function perVersion<T>(compute: (version: string) => Promise<T>): (version: string) => Promise<T> {
  let held: { version: string; value: Promise<T> } | undefined;
  return (version) => {
    if (held?.version !== version) {
      const value = compute(version);
      const mine = { version, value };
      held = mine;
      value.catch(() => {
        if (held === mine) held = undefined;
      });
    }
    return held.value;
  };
}

export function cachedTileSource(db: Db, log: Logger, options: TileSourceOptions = {}): TileSource {
  let renderer: Promise<Renderer> | undefined;
  const getRenderer = () => (renderer ??= chooseRenderer(db, options.encoder));
  let store: Promise<TileStore | undefined> | undefined;
  const getStore = () =>
    (store ??= options.dataDir
      ? getRenderer()
          .then((r) => rendererId(db, r === renderPostgis ? 'postgis' : 'js'))
          .then((id) => new TileStore(join(options.dataDir!, TILE_STORE_DIR), id, db, log))
          .catch((e: unknown) => {
            log.warn({ err: e }, 'no tile store: tiles are rendered again after a restart');
            return undefined;
          })
      : Promise.resolve(undefined));
  void getStore(); // the renderer's hash reads the tile code's files: done while the first page loads, not on its first tile
  const cache: VersionedTileCache = new VersionedTileCache(
    new Throttled(() => readDataVersion(db), options.versionTtlMs ?? 1000, options.now),
    options.cacheBytes ?? 128 * 1024 * 1024,
    (version) => {
      void getStore().then((s) => s?.prune(version));
      void prerender(version);
    },
    getStore,
  );

  /** The prerendering of the latest data version seen, and whether it ended. */
  let prerendered: { version: string; state: PrerenderState } | undefined;

  /** Renders the low-zoom tiles of a data version into the cache; stops when the version changes. */
  async function prerender(version: string): Promise<void> {
    const mine: { version: string; state: PrerenderState } = { version, state: 'en-cours' };
    prerendered = mine;
    try {
      const render = await getRenderer();
      const maxZoom = options.prerenderMaxZoom ?? (render === renderPostgis ? 8 : -1);
      if (maxZoom < LOWEST_ZOOM) {
        mine.state = 'sans';
        return;
      }
      const t0 = performance.now();
      const tiles = await lowZoomTiles(db, maxZoom);
      let n = 0;
      for (const { layer, z, x, y } of tiles) {
        if (cache.heldVersion !== version) return;
        await cache.get(tileKey(layer, z, x, y), () => render(db, layer, z, x, y), z <= STORE_MAX_ZOOM);
        n++;
      }
      log.info({ version, tiles: n, maxZoom, ms: Math.round(performance.now() - t0), cacheBytes: cache.cache.bytes }, 'tiles prerendered');
    } catch (e) {
      log.warn({ err: e, version }, 'tile prerendering stopped');
    } finally {
      if (mine.state === 'en-cours') mine.state = 'termine';
    }
  }

  return {
    version: (fresh) => cache.currentVersion(fresh),
    async tile(layer, z, x, y, day) {
      const render = await getRenderer();
      return cache.get(tileKey(layer, z, x, y, day), () => render(db, layer, z, x, y, day), z <= STORE_MAX_ZOOM);
    },
    // kept in the tile store across restarts (store.ts)
    bounds: perVersion(async (version) => {
      const store = await getStore();
      const kept = await store?.getBounds(version);
      if (kept !== undefined) return kept ?? undefined;
      const b = await readBounds(db);
      void store?.putBounds(version, b);
      return b ?? undefined;
    }),
    async prerendering() {
      const version = await cache.currentVersion();
      return prerendered?.version === version ? prerendered.state : 'en-cours';
    },
  };
}

/** Per data version, one value per key (e.g. the sources of each layer). */
export function perVersionMap<T>(compute: (key: string) => Promise<T>): (version: string, key: string) => Promise<T> {
  const byKey = new Map<string, (version: string) => Promise<T>>();
  return (version, key) => {
    let f = byKey.get(key);
    if (!f) byKey.set(key, (f = perVersion(() => compute(key))));
    return f(version);
  };
}
