// Tiles kept on disk with the embedded database (in its data folder, DATA_DIR/tiles), so that a restart, or a first
// start on a copy of the seeded demo image (which carries the demo's low-zoom tiles: scripts/prepare-start.ts),
// serves the costly low-zoom tiles at once instead of rendering them again on the database's single thread (4 to 5
// s of CPU for the first views of the demo).
//
// Never another version's tile: a tile is filed under the renderer that drew it (a hash of the tile code, the rules
// and SQL functions it reads, the encoder and the engine: rendererId) and the data version it shows (cache.ts), and
// read back only under the renderer of this process and the version the cache holds now. It is written only when
// the data version read after its rendering, from the database, is still the one read before it: versions only
// grow (cache.ts), so the tile shows exactly that version's data; a tile rendered across a change is dropped. The
// folders of other versions and renderers are removed when a new version is seen. Only one process writes: the
// data folder is locked by the server that holds the database (db/lock.ts).
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { hashFiles, tileCodeFiles } from '../db/image.js';
import { runInLane } from '../db/lane.js';
import type { Queryable } from '../db/port.js';
import { readDataVersion, unpackTile, type CachedTile, type TileKeeper } from './cache.js';

/** The store's folder in a data folder. */
export const TILE_STORE_DIR = 'tiles';

/** Tiles from z0 to this zoom are kept: above it they are cheap to render and many. */
export const STORE_MAX_ZOOM = 10;

/**
 * What draws the tiles: the hash of the files they derive from (besides the data), the encoder and, on a PostgreSQL
 * server, its PostGIS and GEOS build (on PGlite the package versions say it).
 */
export async function rendererId(db: Queryable, encoder: 'js' | 'postgis'): Promise<string> {
  const engine =
    encoder === 'postgis' ? (await db.query<{ v: string }>('SELECT postgis_full_version() AS v')).rows[0]!.v : '';
  const code = await hashFiles(await tileCodeFiles());
  return `${encoder}-${createHash('sha256').update(code).update('\0').update(engine).digest('hex').slice(0, 12)}`;
}

/** The data's extent [west, south, east, north] (source.ts), kept beside a version's tiles. */
const BOUNDS_FILE = 'bounds.json';

/** Keys are layer/z/x/y[@day] (source.ts): one flat file name each. */
const fileName = (key: string) => `${key.replaceAll('/', '-')}.mvt.gz`;

export class TileStore implements TileKeeper {
  private pending: { version: string; key: string; tile: CachedTile }[] = [];
  private flushing: Promise<void> | undefined;
  private warned = false;

  constructor(
    /** The store's folder (DATA_DIR/tiles). */
    private readonly dir: string,
    private readonly renderer: string,
    /** Where the data version is read before a write. */
    private readonly db: Queryable,
    private readonly log?: Logger,
  ) {}

  private folder(version: string): string {
    return join(this.dir, this.renderer, version);
  }

  async get(version: string, key: string): Promise<CachedTile | undefined> {
    const gzip = await readFile(join(this.folder(version), fileName(key))).catch(() => undefined);
    if (!gzip) return undefined;
    try {
      return unpackTile(gzip);
    } catch (e) {
      this.warn(e, 'a kept tile could not be read: rendered again');
      return undefined;
    }
  }

  put(version: string, key: string, tile: CachedTile): void {
    this.pending.push({ version, key, tile });
    this.flushing ??= this.flush().finally(() => (this.flushing = undefined));
  }

  /**
   * The data's extent kept for a data version (null: no communes), undefined when not kept. Computing it after a
   * restart reads every commune's geometry into the database's cache: 0.66 s of CPU on the demo, on layers.json.
   */
  async getBounds(version: string): Promise<number[] | null | undefined> {
    const text = await readFile(join(this.folder(version), BOUNDS_FILE), 'utf8').catch(() => undefined);
    try {
      return text === undefined ? undefined : (JSON.parse(text) as number[] | null);
    } catch {
      return undefined;
    }
  }

  /** Keeps the data's extent of a data version as a tile is kept: only if the database still holds that version. */
  async putBounds(version: string, bounds: number[] | null): Promise<void> {
    try {
      if ((await runInLane('background', () => readDataVersion(this.db))) !== version) return;
      await mkdir(this.folder(version), { recursive: true });
      const file = join(this.folder(version), BOUNDS_FILE);
      await writeFile(`${file}.tmp`, JSON.stringify(bounds));
      await rename(`${file}.tmp`, file);
    } catch (e) {
      this.warn(e, 'the data extent could not be kept on disk');
    }
  }

  /** Resolves once every tile put so far is written (or dropped). */
  async flushed(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /** Writes the pending tiles of the data version the database holds now, one version read per batch. */
  private async flush(): Promise<void> {
    while (this.pending.length) {
      const batch = this.pending;
      this.pending = [];
      try {
        const now = await runInLane('background', () => readDataVersion(this.db));
        const current = batch.filter((t) => t.version === now);
        if (current.length) await mkdir(this.folder(now), { recursive: true });
        for (const { key, tile } of current) {
          const file = join(this.folder(now), fileName(key));
          await writeFile(`${file}.tmp`, tile.gzip);
          await rename(`${file}.tmp`, file); // whole or absent, even if the process stops here
        }
      } catch (e) {
        this.warn(e, 'tiles could not be kept on disk');
      }
    }
  }

  /** Removes the tiles of other data versions and renderers (a new version was seen). */
  async prune(version: string): Promise<void> {
    const drop = async (dir: string, keep: string) => {
      for (const name of await readdir(dir).catch(() => [])) if (name !== keep) await rm(join(dir, name), { recursive: true, force: true });
    };
    try {
      await drop(this.dir, this.renderer);
      await drop(join(this.dir, this.renderer), version);
    } catch (e) {
      this.warn(e, 'old kept tiles could not be removed');
    }
  }

  private warn(err: unknown, message: string): void {
    if (this.warned) return;
    this.warned = true;
    this.log?.warn({ err, dir: this.dir }, message);
  }
}
