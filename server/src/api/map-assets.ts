// The glyphs of the map's labels (assets/glyphs, Noto Sans under the SIL Open Font License) and the optional
// offline basemap (server/src/tiles/basemap.ts).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Router } from 'express';
import { ROOT } from '../db/image.js';
import { NotFoundError } from '../domain/errors.js';
import { MVT_TYPE, PBF_TYPE } from './contract/endpoint.js';
import * as api from './contract/map-assets.js';
import type { AppDeps } from './deps.js';
import { serve } from './serve.js';

export const GLYPHS_DIR = join(ROOT, 'assets/glyphs');
/** Glyphs and basemap tiles change only with a new version of the app or of the file. */
const ASSET_CACHE_CONTROL = 'public, max-age=86400';

/** The glyph files, read once each (a few hundred kilobytes in all). */
function glyphStore(): (fontstack: string, range: string) => Promise<Buffer | undefined> {
  let fonts: Promise<Set<string>> | undefined;
  const files = new Map<string, Promise<Buffer | undefined>>();
  return async (fontstack, range) => {
    const known = await (fonts ??= readdir(GLYPHS_DIR, { withFileTypes: true }).then((es) => new Set(es.filter((e) => e.isDirectory()).map((e) => e.name))));
    // a list of fonts (MapLibre joins a text-font array with commas): the first one there
    const font = fontstack.split(',').map((f) => f.trim()).find((f) => known.has(f));
    if (!font) return undefined;
    const key = `${font}/${range}`;
    let file = files.get(key);
    if (!file) files.set(key, (file = readFile(join(GLYPHS_DIR, font, `${range}.pbf`)).catch(() => undefined)));
    return file;
  };
}

export function mapAssetRoutes({ basemap }: AppDeps): Router {
  const r = Router();
  const glyphs = glyphStore();

  serve(r, api.glyphs, async ({ params: p }, res) => {
    const bytes = await glyphs(p.fontstack, p.range);
    if (!bytes) throw new NotFoundError(`Glyphes introuvables : police « ${p.fontstack} », plage ${p.range} (polices : Noto Sans Regular, Noto Sans Medium)`);
    res.setHeader('Cache-Control', ASSET_CACHE_CONTROL);
    res.type(PBF_TYPE).end(bytes);
  });

  const noBasemap = () => new NotFoundError('Aucun fond de carte hors ligne sur ce serveur (variable BASEMAP_PMTILES)');

  serve(r, api.basemapStyle, (_input, res) => {
    if (!basemap) throw noBasemap();
    res.setHeader('Cache-Control', 'no-cache');
    return basemap.style;
  });

  serve(r, api.basemapTile, async ({ params: p }, res, req) => {
    if (!basemap) throw noBasemap();
    const tile = await basemap.tile(p.z, p.x, p.y);
    res.setHeader('Cache-Control', ASSET_CACHE_CONTROL);
    res.setHeader('Vary', 'Accept-Encoding');
    if (!tile || tile.rawBytes === 0) {
      res.status(204).end();
      return;
    }
    res.type(MVT_TYPE);
    if (req.acceptsEncodings('gzip') === 'gzip') res.setHeader('Content-Encoding', 'gzip').end(tile.gzip);
    else res.end(gunzipSync(tile.gzip));
  });

  return r;
}
