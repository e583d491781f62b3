// The optional offline basemap: vector tiles read from a local PMTiles archive (BASEMAP_PMTILES, e.g. an extract
// of the Protomaps daily build), drawn with the Protomaps style of npm @protomaps/basemaps under the app's layers.
// The `pmtiles` package reads an archive through a Source of byte ranges; FileRangeSource reads them from disk.
import { open, type FileHandle } from 'node:fs/promises';
import { layers, namedFlavor } from '@protomaps/basemaps';
import { PMTiles, TileType, type RangeResponse, type Source } from 'pmtiles';
import { TileCache, packTile, type CachedTile } from './cache.js';

/** Byte ranges of a local file, for `pmtiles`. */
export class FileRangeSource implements Source {
  private handle: Promise<FileHandle> | undefined;

  constructor(private readonly path: string) {}

  getKey(): string {
    return this.path;
  }

  async getBytes(offset: number, length: number): Promise<RangeResponse> {
    const fh = await (this.handle ??= open(this.path, 'r'));
    const buf = Buffer.alloc(length);
    const { bytesRead } = await fh.read(buf, 0, length, offset);
    return { data: buf.buffer.slice(buf.byteOffset, buf.byteOffset + bytesRead) };
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    if (h) await (await h).close();
  }
}

/** The basemap's labels kept: roads and water. Places are the app's own labels (layer `etiquettes`), drawn above. */
const KEPT_LABELS = new Set(['roads_labels_minor', 'roads_labels_major', 'water_waterway_label', 'water_label_lakes', 'water_label_ocean']);
const SOURCE = 'fond';
export const BASEMAP_ATTRIBUTION = '© contributeurs OpenStreetMap (ODbL), fond Protomaps';

export interface Basemap {
  /** The MapLibre style; URLs relative to the server. */
  style: { version: 8; glyphs: string; sources: Record<string, Record<string, unknown>>; layers: Record<string, unknown>[] };
  /** A tile as served (gzip-compressed once), or undefined where the archive has none. */
  tile(z: number, x: number, y: number): Promise<CachedTile | undefined>;
  close(): Promise<void>;
}

/** Opens an archive; fails (in French for the operator's log too) when it is not a PMTiles of vector tiles. */
export async function openBasemap(path: string, cacheBytes = 32 * 1024 * 1024): Promise<Basemap> {
  const source = new FileRangeSource(path);
  const archive = new PMTiles(source);
  const header = await archive.getHeader().catch((e: unknown) => {
    throw new Error(`BASEMAP_PMTILES: ${path} is not a readable PMTiles archive (${e instanceof Error ? e.message : String(e)})`);
  });
  if (header.tileType !== TileType.Mvt) throw new Error(`BASEMAP_PMTILES: ${path} holds no vector tiles (tile type ${header.tileType})`);
  const cache = new TileCache(cacheBytes);
  const style: Basemap['style'] = {
    version: 8,
    glyphs: '/glyphs/{fontstack}/{range}.pbf',
    sources: {
      [SOURCE]: {
        type: 'vector',
        tiles: ['/fond-de-carte/{z}/{x}/{y}.mvt'],
        minzoom: header.minZoom,
        maxzoom: header.maxZoom,
        bounds: [header.minLon, header.minLat, header.maxLon, header.maxLat],
        attribution: BASEMAP_ATTRIBUTION,
      },
    },
    layers: layers(SOURCE, namedFlavor('light'), { lang: 'fr' }).filter((l) => l.type !== 'symbol' || KEPT_LABELS.has(l.id)),
  };
  return {
    style,
    async tile(z, x, y) {
      const key = `${z}/${x}/${y}`;
      const hit = cache.get(key);
      if (hit) return hit;
      const r = await archive.getZxy(z, x, y);
      if (!r) return undefined;
      const t = packTile(new Uint8Array(r.data)); // pmtiles hands the tile decompressed
      cache.set(key, t);
      return t;
    },
    close: () => source.close(),
  };
}
