// Vector tiles for the map: GET /tiles/{layer}/{z}/{x}/{y}.mvt and the description of the layers,
// GET /tiles/layers.json. Tiles are encoded by PostGIS (ST_AsMVT) when it can, else in the process (PGlite);
// both read the same layer SQL (server/src/tiles/layers.ts). See server/src/tiles/cache.ts for the cache.
import { gunzipSync } from 'node:zlib';
import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../app.js';
import type { Db } from '../db/port.js';
import { HttpError } from '../http/errors.js';
import { VersionedTileCache, Throttled, readDataVersion, type CachedTile } from '../tiles/cache.js';
import {
  DATA_TILE_RANGES_SQL,
  EXTENT,
  LAYERS,
  MAX_ZOOM,
  dataTiles,
  findLayer,
  parentTiles,
  parseTileCoords,
  type TileLayer,
} from '../tiles/layers.js';
import { renderJs } from '../tiles/mvt-js.js';
import { renderPostgis, supportsAsMvt } from '../tiles/mvt-postgis.js';
import type { OpenApiPaths } from './openapi.js';
import { dataSources, type DataSource } from './sources.js';

export const TILE_CONTENT_TYPE = 'application/vnd.mapbox-vector-tile';
export const TILE_CACHE_CONTROL = 'public, max-age=300';
/** Prerendering starts at this zoom, or at a layer's advised minzoom if lower. */
const PRERENDER_MIN_ZOOM = 5;

export interface TileRouteOptions {
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
  /** How often the data version (import_log) is read, at most. */
  versionTtlMs?: number;
  /** Force an encoder; by default ST_AsMVT when the database has it, else the in-process encoder. */
  encoder?: 'postgis' | 'js';
}

type Encoder = (db: Db, layer: TileLayer, z: number, x: number, y: number) => Promise<Uint8Array>;

/** ST_AsMVT on a PostGIS built with protobuf-c; the in-process encoder otherwise (PGlite). */
async function chooseEncoder(db: Db, forced?: 'postgis' | 'js'): Promise<Encoder> {
  if (forced === 'js') return renderJs;
  if (forced === 'postgis') return renderPostgis;
  return db.backend === 'postgis' && (await supportsAsMvt(db)) ? renderPostgis : renderJs;
}

/** JSON for an HTTP header: non-ASCII characters escaped (header values are Latin-1 at best). */
const asciiJson = (v: unknown) => JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

const etagOf = (t: CachedTile, gzip: boolean) => `"${t.hash}${gzip ? '-gz' : ''}"`;

/** If-None-Match lists one of this tile's tags (either encoding: the content is the same), or `*`. */
function notModified(req: Request, t: CachedTile): boolean {
  const header = req.get('if-none-match');
  if (!header) return false;
  const tags = header.split(',').map((s) => s.trim().replace(/^W\//, ''));
  return tags.includes('*') || tags.includes(etagOf(t, true)) || tags.includes(etagOf(t, false));
}

export function tileRoutes({ db, log }: AppDeps, options: TileRouteOptions = {}): Router {
  const r = Router();
  let encoder: Promise<Encoder> | undefined;
  const getEncoder = () => (encoder ??= chooseEncoder(db, options.encoder));
  const tiles: VersionedTileCache = new VersionedTileCache(
    new Throttled(() => readDataVersion(db), options.versionTtlMs ?? 1000),
    options.cacheBytes ?? 128 * 1024 * 1024,
    (version) => void prerender(version),
  );

  /** Renders the low-zoom tiles of a data version into the cache; stops when the version changes. */
  async function prerender(version: string): Promise<void> {
    try {
      const render = await getEncoder();
      const maxZoom = options.prerenderMaxZoom ?? (render === renderPostgis ? 8 : -1);
      // from z5 (or a lower advertised minzoom) for every layer: clients may ask below the advised minzoom
      const minZoom = Math.min(PRERENDER_MIN_ZOOM, ...LAYERS.map((l) => l.minzoom));
      if (maxZoom < minZoom) return;
      const t0 = performance.now();
      const ranges = await db.query<{ x0: number; x1: number; y0: number; y1: number }>(DATA_TILE_RANGES_SQL, [maxZoom]);
      const levels = new Map([[maxZoom, dataTiles(ranges.rows)]]);
      for (let z = maxZoom - 1; z >= minZoom; z--) levels.set(z, parentTiles(levels.get(z + 1)!));
      let n = 0;
      for (let z = minZoom; z <= maxZoom; z++)
        for (const layer of LAYERS.filter((l) => Math.min(l.minzoom, PRERENDER_MIN_ZOOM) <= z && z <= l.maxzoom))
          for (const t of levels.get(z)!) {
            if (tiles.heldVersion !== version) return;
            await tiles.get(`${layer.id}/${z}/${t.x}/${t.y}`, () => render(db, layer, z, t.x, t.y));
            n++;
          }
      log.info({ version, tiles: n, maxZoom, ms: Math.round(performance.now() - t0), cacheBytes: tiles.cache.bytes }, 'tiles prerendered');
    } catch (e) {
      log.warn({ err: e, version }, 'tile prerendering stopped');
    }
  }
  // Per data version: the sources header of each layer and the data bounds (cheap, but not per tile).
  let perVersion: { version: string; sources: Map<string, Promise<DataSource[]>>; bounds?: Promise<number[] | undefined> } | undefined;
  const forVersion = (version: string) => {
    if (perVersion?.version !== version) perVersion = { version, sources: new Map() };
    return perVersion;
  };
  const sourcesOf = (version: string, layer: TileLayer) => {
    const v = forVersion(version);
    let s = v.sources.get(layer.id);
    if (!s) {
      s = dataSources(db, layer.kinds);
      s.catch(() => v.sources.delete(layer.id));
      v.sources.set(layer.id, s);
    }
    return s;
  };

  r.get('/tiles/layers.json', async (_req, res) => {
    const version = await tiles.currentVersion();
    const v = forVersion(version);
    v.bounds ??= db
      .query<{ b: number[] | null }>(
        `SELECT CASE WHEN e IS NULL THEN NULL ELSE ARRAY[round(ST_XMin(e)::numeric, 4), round(ST_YMin(e)::numeric, 4),
                round(ST_XMax(e)::numeric, 4), round(ST_YMax(e)::numeric, 4)]::float8[] END AS b
           FROM (SELECT ST_Extent(geom) AS e FROM commune) s`,
      )
      .then((q) => q.rows[0]?.b ?? undefined)
      .catch((e: unknown) => {
        v.bounds = undefined; // not kept: the next request asks again
        throw e;
      });
    const bounds = await v.bounds;
    const layers = await Promise.all(
      LAYERS.map(async (l) => ({
        tilejson: '3.0.0',
        id: l.id,
        name: l.id,
        description: l.description,
        geometry: l.geometry,
        scheme: 'xyz',
        format: 'pbf',
        tiles: [`/tiles/${l.id}/{z}/{x}/{y}.mvt?v=${version}`],
        minzoom: l.minzoom,
        maxzoom: l.maxzoom,
        ...(bounds ? { bounds } : {}),
        promoteId: l.attributes[0]!.name,
        attributes: l.attributes,
        vector_layers: [
          {
            id: l.id,
            description: l.description,
            minzoom: l.minzoom,
            maxzoom: l.maxzoom,
            fields: Object.fromEntries(l.attributes.map((a) => [a.name, a.type === 'string' ? 'String' : a.type === 'number' ? 'Number' : 'Boolean'])),
          },
        ],
        sources: await sourcesOf(version, l),
      })),
    );
    res.setHeader('Cache-Control', 'no-cache');
    res.json({
      version,
      extent: EXTENT,
      note:
        'Une source vectorielle par couche (« layers »), chacune décrite au format TileJSON 3.0.0 ; les URL des tuiles sont relatives au serveur ' +
        'et changent (paramètre v) à chaque import. Un attribut absent d’une entité est inconnu ou sans objet (voir la description de chaque attribut).',
      layers,
    });
  });

  r.get('/tiles/:layer/:z/:x/:y.mvt', async (req: Request, res: Response) => {
    const p = req.params as Record<string, string>;
    const layer = findLayer(p.layer!);
    if (!layer) throw new HttpError(404, `Couche « ${p.layer} » introuvable ; couches disponibles : ${LAYERS.map((l) => l.id).join(', ')}`);
    const c = parseTileCoords(p.z!, p.x!, p.y!);
    if ('error' in c) throw new HttpError(400, `Coordonnées de tuile invalides : ${c.error}`);
    const render = await getEncoder();
    const { tile, status, version } = await tiles.get(`${layer.id}/${c.z}/${c.x}/${c.y}`, () => render(db, layer, c.z, c.x, c.y));
    res.setHeader('Cache-Control', TILE_CACHE_CONTROL);
    res.setHeader('Vary', 'Accept-Encoding');
    res.setHeader('X-Tile-Cache', status);
    res.setHeader('X-Data-Sources', asciiJson(await sourcesOf(version, layer)));
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
    res.setHeader('Content-Type', TILE_CONTENT_TYPE);
    if (gzip) {
      res.setHeader('Content-Encoding', 'gzip');
      res.end(tile.gzip);
    } else {
      res.end(gunzipSync(tile.gzip));
    }
  });

  return r;
}

const coordParam = (name: 'z' | 'x' | 'y', description: string) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: name === 'z' ? { type: 'integer', minimum: 0, maximum: MAX_ZOOM } : { type: 'integer', minimum: 0 },
});

export const tilesPaths: OpenApiPaths = {
  '/tiles/layers.json': {
    get: {
      tags: ['Carte'],
      summary: 'Description des couches de tuiles vectorielles (TileJSON 3.0.0 par couche) et de leurs attributs',
      description:
        'Pour chaque couche : URL des tuiles (relatives au serveur, avec la version des données en paramètre v, qui change à chaque import), ' +
        'niveaux de zoom conseillés, emprise des données, attributs (nom, type, description, valeurs possibles) et sources des données.',
      responses: {
        '200': {
          description: 'Couches',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['version', 'layers'],
                properties: {
                  version: { type: 'string', description: 'Version des données (change à chaque import)' },
                  extent: { type: 'integer', description: 'Nombre d’unités par côté de tuile' },
                  layers: {
                    type: 'array',
                    items: {
                      type: 'object',
                      required: ['id', 'tiles', 'attributes', 'vector_layers'],
                      properties: {
                        tilejson: { type: 'string' },
                        id: { type: 'string', enum: LAYERS.map((l) => l.id) },
                        description: { type: 'string' },
                        geometry: { type: 'string', enum: ['polygon', 'point'] },
                        tiles: { type: 'array', items: { type: 'string' } },
                        minzoom: { type: 'integer' },
                        maxzoom: { type: 'integer' },
                        bounds: { type: 'array', items: { type: 'number' }, minItems: 4, maxItems: 4 },
                        promoteId: { type: 'string', description: 'Attribut identifiant les entités' },
                        attributes: {
                          type: 'array',
                          items: {
                            type: 'object',
                            properties: {
                              name: { type: 'string' },
                              type: { type: 'string', enum: ['string', 'number', 'boolean'] },
                              description: { type: 'string' },
                              values: { type: 'array', items: { type: 'string' } },
                            },
                          },
                        },
                        vector_layers: { type: 'array', items: { type: 'object' } },
                        sources: { type: 'array', items: { $ref: '#/components/schemas/DataSource' } },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
  '/tiles/{layer}/{z}/{x}/{y}.mvt': {
    get: {
      tags: ['Carte'],
      summary: 'Tuile vectorielle (Mapbox Vector Tile 2.1) d’une couche',
      description:
        'Couches et attributs : voir /tiles/layers.json. ' +
        LAYERS.map((l) => `${l.id} : ${l.attributes.map((a) => a.name).join(', ')}.`).join(' ') +
        ` Étendue ${EXTENT} unités, marge de 64 unités. Compressée en gzip si le client l’accepte (Accept-Encoding). ` +
        'ETag et If-None-Match (réponse 304). Tuile sans entité : 204. Les tuiles sont recalculées après chaque import ' +
        '(au plus une seconde après) ; l’en-tête X-Data-Sources donne les sources des données (JSON).',
      parameters: [
        { name: 'layer', in: 'path', required: true, description: 'Nom de la couche', schema: { type: 'string', enum: LAYERS.map((l) => l.id) } },
        coordParam('z', `Niveau de zoom, de 0 à ${MAX_ZOOM}`),
        coordParam('x', 'Colonne de la tuile, de 0 à 2^z − 1 (schéma XYZ)'),
        coordParam('y', 'Ligne de la tuile, de 0 à 2^z − 1, comptée depuis le nord (schéma XYZ)'),
        { name: 'If-None-Match', in: 'header', required: false, description: 'ETag d’une réponse précédente', schema: { type: 'string' } },
      ],
      responses: {
        '200': {
          description: 'Tuile',
          headers: {
            ETag: { description: 'Empreinte de la tuile', schema: { type: 'string' } },
            'Cache-Control': { description: TILE_CACHE_CONTROL, schema: { type: 'string' } },
            'Content-Encoding': { description: 'gzip si accepté par le client', schema: { type: 'string' } },
            'X-Data-Sources': { description: 'Sources des données (JSON : kind, file, importedAt)', schema: { type: 'string' } },
          },
          content: { [TILE_CONTENT_TYPE]: { schema: { type: 'string', format: 'binary' } } },
        },
        '204': { description: 'Aucune entité dans cette tuile' },
        '304': { description: 'Tuile inchangée depuis l’ETag fourni' },
        '400': { $ref: '#/components/responses/BadRequest' },
        '404': { $ref: '#/components/responses/NotFound' },
      },
    },
  },
};
