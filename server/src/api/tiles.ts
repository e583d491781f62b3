// Vector tiles over HTTP: GET /tiles/{layer}/{z}/{x}/{y}.mvt (gzip, ETag, 204 for an empty tile) and the layers'
// description, GET /tiles/layers.json. The tiles come from server/src/tiles/source.ts (renderer and cache).
import { gunzipSync } from 'node:zlib';
import { Router, type Request } from 'express';
import { InvalidInputError, NotFoundError } from '../domain/errors.js';
import type { Db } from '../db/port.js';
import type { CachedTile } from '../tiles/cache.js';
import { EXTENT, LAYERS, findLayer } from '../tiles/layers.js';
import { perVersionMap, type TileSource } from '../tiles/source.js';
import { MVT_TYPE, type DataSource } from './contract/endpoint.js';
import * as api from './contract/tiles.js';
import type { TileLayersResponse } from './contract/tiles.js';
import { setSourcesHeader } from './send.js';
import { serve } from './serve.js';
import { dataSources } from './sources.js';

export const TILE_CACHE_CONTROL = 'public, max-age=300';

const etagOf = (t: CachedTile, gzip: boolean) => `"${t.hash}${gzip ? '-gz' : ''}"`;

/** If-None-Match lists one of this tile's tags (either encoding: the content is the same), or `*`. */
function notModified(req: Request, t: CachedTile): boolean {
  const header = req.get('if-none-match');
  if (!header) return false;
  const tags = header.split(',').map((s) => s.trim().replace(/^W\//, ''));
  return tags.includes('*') || tags.includes(etagOf(t, true)) || tags.includes(etagOf(t, false));
}

const FIELD_TYPES = { string: 'String', number: 'Number', boolean: 'Boolean' } as const;

/** The data sources of each layer, read once per data version (the tiles' headers and the layers' description). */
export type LayerSources = (version: string, layerId: string) => Promise<DataSource[]>;
export const layerSources = (db: Db): LayerSources => perVersionMap((layerId) => dataSources(db, findLayer(layerId)!.kinds));

/**
 * The layers' description (GET /tiles/layers.json, and the boot data of the page: server/src/api/page.ts) with the
 * data version read now: a client asks after its own write (refreshMap) and must get the tile URLs of the data it wrote.
 */
export function layersDescription(source: TileSource, sourcesOf: LayerSources): () => Promise<TileLayersResponse> {
  return async () => {
    const version = await source.version(true);
    const bounds = await source.bounds(version);
    const couches = await Promise.all(
      LAYERS.map(async (l) => ({
        tilejson: '3.0.0' as const,
        id: l.id,
        name: l.id,
        description: l.description,
        geometry: l.geometry,
        scheme: 'xyz' as const,
        format: 'pbf' as const,
        tiles: [`/tiles/${l.id}/{z}/{x}/{y}.mvt?v=${version}`],
        minzoom: l.minzoom,
        maxzoom: l.maxzoom,
        ...(bounds ? { bounds: bounds as [number, number, number, number] } : {}),
        promoteId: l.attributes[0]!.name,
        vector_layers: [
          {
            id: l.id,
            description: l.description,
            minzoom: l.minzoom,
            maxzoom: l.maxzoom,
            fields: Object.fromEntries(l.attributes.map((a) => [a.name, FIELD_TYPES[a.type]])),
          },
        ],
        attributs: l.attributes.map((a) => ({
          nom: a.name,
          type: a.type,
          description: a.description,
          ...(a.values ? { valeurs: [...a.values] } : {}),
        })),
        sources: await sourcesOf(version, l.id),
      })),
    );
    return {
      version,
      etendue: EXTENT,
      note:
        'Une source vectorielle par couche (« couches »), chacune décrite au format TileJSON 3.0.0 ; les URL des tuiles sont relatives au serveur ' +
        'et changent (paramètre v) à chaque import. Un attribut absent d’une entité est inconnu ou sans objet (voir la description de chaque attribut).',
      couches,
    };
  };
}

export function tileRoutes(source: TileSource, sourcesOf: LayerSources, describe: () => Promise<TileLayersResponse>): Router {
  const r = Router();
  serve(r, api.tileLayers, async (_input, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    return describe();
  });

  serve(r, api.tile, async ({ params: p, query }, res, req) => {
    const layer = findLayer(p.layer);
    if (!layer) throw new NotFoundError(`Couche « ${p.layer} » introuvable ; couches disponibles : ${LAYERS.map((l) => l.id).join(', ')}`);
    if (query.date && !layer.asOf) {
      throw new InvalidInputError(`date : la couche ${layer.id} ne se dessine pas à une date ; couches datées : ${LAYERS.filter((l) => l.asOf).map((l) => l.id).join(', ')}`);
    }
    // a URL of another version than the one held (a client that has just written and read layers.json): read it now
    if (query.v && query.v !== (await source.version())) await source.version(true);
    const { tile, status, version } = await source.tile(layer, p.z, p.x, p.y, query.date);
    res.setHeader('Cache-Control', TILE_CACHE_CONTROL);
    res.setHeader('Vary', 'Accept-Encoding');
    res.setHeader('X-Tile-Cache', status);
    setSourcesHeader(res, await sourcesOf(version, layer.id));
    if (tile.rawBytes === 0) {
      res.status(204).end();
      return;
    }
    const gzip = req.acceptsEncodings('gzip') === 'gzip';
    res.setHeader('ETag', etagOf(tile, gzip));
    if (notModified(req, tile)) {
      res.status(304).end();
      return;
    }
    res.setHeader('Content-Type', MVT_TYPE);
    if (gzip) {
      res.setHeader('Content-Encoding', 'gzip');
      res.end(tile.gzip);
    } else {
      res.end(gunzipSync(tile.gzip));
    }
  });

  return r;
}
