// Vector tiles of the map and the description of their layers (TileJSON 3.0.0 per layer).
import { z } from 'zod';
import { ERRORS, MVT_TYPE, endpoint, json, sources, sourcesHeader, type Body } from './endpoint.js';
import { asOfParam, queryObject, str } from './params.js';

/** Tiles are answered from zoom 0 to this zoom (each layer advises its own range in /tiles/layers.json). */
export const TILE_MAX_ZOOM = 22;

const INTEGER = /^\d{1,10}$/;

const coordinate = (name: 'x' | 'y', description: string) =>
  str(name)
    .regex(INTEGER, { error: (iss) => `${name} doit être un entier positif ou nul (reçu « ${String(iss.input)} »)` })
    .transform(Number)
    .pipe(z.int().min(0))
    .meta({ description });

/** z, x, y of the XYZ scheme: integers, x and y within 0…2^z − 1. */
const zxy = {
  z: str('z')
    .refine((v) => INTEGER.test(v) && Number(v) <= TILE_MAX_ZOOM, {
      error: (iss) => `z doit être un entier de 0 à ${TILE_MAX_ZOOM} (reçu « ${String(iss.input)} »)`,
    })
    .transform(Number)
    .pipe(z.int().min(0).max(TILE_MAX_ZOOM))
    .meta({ description: `Niveau de zoom, entier de 0 à ${TILE_MAX_ZOOM}` }),
  x: coordinate('x', 'Colonne de la tuile, entier de 0 à 2^z − 1 (schéma XYZ)'),
  y: coordinate('y', 'Ligne de la tuile, entier de 0 à 2^z − 1, comptée depuis le nord (schéma XYZ)'),
};

function withinZoom(ctx: z.core.ParsePayload<{ z: number; x: number; y: number }>): void {
  const max = 2 ** ctx.value.z - 1;
  for (const name of ['x', 'y'] as const) {
    const v = ctx.value[name];
    if (v > max) ctx.issues.push({ code: 'custom', input: v, path: [name], message: `${name} doit être un entier de 0 à ${max} au niveau de zoom ${ctx.value.z} (reçu « ${v} »)` });
  }
}

export const zxyParams = z.strictObject(zxy).check(withinZoom);
export const tileParams = z
  .strictObject({ layer: str('layer').meta({ description: 'Nom de la couche (voir /tiles/layers.json)' }), ...zxy })
  .check(withinZoom);

const Attribute = z.strictObject({
  nom: z.string(),
  type: z.enum(['string', 'number', 'boolean']),
  description: z.string(),
  valeurs: z.array(z.string()).optional().meta({ description: 'Les valeurs possibles, quand la liste est fermée' }),
});

const TileJson = z
  .strictObject({
    tilejson: z.literal('3.0.0'),
    id: z.string(),
    name: z.string(),
    description: z.string(),
    geometry: z.enum(['polygon', 'point']),
    scheme: z.literal('xyz'),
    format: z.literal('pbf'),
    tiles: z.array(z.string()).meta({ description: 'URL relatives au serveur, versionnées par les données (paramètre v)' }),
    minzoom: z.int(),
    maxzoom: z.int(),
    bounds: z.tuple([z.number(), z.number(), z.number(), z.number()]).optional(),
    promoteId: z.string().meta({ description: 'Attribut identifiant les entités (option promoteId de MapLibre)' }),
    vector_layers: z.array(
      z.strictObject({
        id: z.string(),
        description: z.string(),
        minzoom: z.int(),
        maxzoom: z.int(),
        fields: z.record(z.string(), z.enum(['String', 'Number', 'Boolean'])),
      }),
    ),
    attributs: z.array(Attribute),
    sources,
  })
  .meta({ id: 'CoucheDeTuiles', description: 'TileJSON 3.0.0 d’une couche, avec ses attributs décrits en français et ses sources' });
export type TileJson = z.infer<typeof TileJson>;

export const tileLayers = endpoint({
  method: 'get',
  path: '/tiles/layers.json',
  tag: 'Carte',
  access: 'public',
  summary: 'Description des couches de tuiles vectorielles (TileJSON 3.0.0 par couche) et de leurs attributs',
  description:
    'Pour chaque couche : URL des tuiles (avec la version des données en paramètre v, qui change à chaque import), niveaux de zoom conseillés, ' +
    'emprise des données, attributs (nom, type, description, valeurs possibles) et sources des données.',
  responses: {
    200: json(
      'Les couches',
      z.strictObject({
        version: z.string().meta({ description: 'Version des données (change à chaque import)' }),
        etendue: z.int().meta({ description: 'Nombre d’unités par côté de tuile' }),
        note: z.string(),
        couches: z.array(TileJson),
      }),
    ),
  },
});

export const tile = endpoint({
  method: 'get',
  path: '/tiles/{layer}/{z}/{x}/{y}.mvt',
  tag: 'Carte',
  access: 'public',
  summary: 'Tuile vectorielle (Mapbox Vector Tile 2.1) d’une couche',
  description:
    'Couches et attributs : voir /tiles/layers.json. Compressée en gzip si le client l’accepte (Accept-Encoding). ETag et If-None-Match ' +
    '(réponse 304). Tuile sans entité : 204. Les tuiles sont recalculées après chaque import.',
  params: tileParams,
  query: queryObject({
    v: str('v').optional().meta({ description: 'Version des données, celle de /tiles/layers.json : elle renouvelle le cache du navigateur, et une version que le serveur ne tient pas encore lui fait relire la sienne' }),
    date: asOfParam.optional().meta({ description: 'Couches cpts, overlaps, communes : la carte « à la date » AAAA-MM-JJ (périmètres et statuts en vigueur ce jour-là)' }),
  }),
  responses: {
    200: {
      description: 'Tuile',
      content: {
        [MVT_TYPE]: z
          .custom<Uint8Array>((v) => v instanceof Uint8Array, { error: 'tuile binaire attendue' })
          .meta({ type: 'string', format: 'binary' }),
      },
      headers: z.object({
        etag: z.string().meta({ description: 'Empreinte de la tuile' }),
        'cache-control': z.string(),
        'x-data-sources': sourcesHeader,
      }),
    },
    204: { description: 'Aucune entité dans cette tuile' },
    304: { description: 'Tuile inchangée depuis l’ETag fourni (If-None-Match)' },
    400: ERRORS[400],
    404: ERRORS[404],
  },
});

export type TileLayersResponse = Body<typeof tileLayers>;
