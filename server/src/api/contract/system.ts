// The server itself: health, the map client's configuration, this API's OpenAPI document.
import { z } from 'zod';
import { endpoint, json, type Body } from './endpoint.js';
import { count } from './shared.js';

export const health = endpoint({
  method: 'get',
  path: '/api/health',
  tag: 'Serveur',
  access: 'public',
  summary: 'État du serveur : moteur de base, version de PostGIS, nombre de lignes par table, imports',
  responses: {
    200: json(
      'Le serveur répond',
      z.strictObject({
        etat: z.literal('ok'),
        moteur: z.enum(['pglite', 'postgis']).meta({ description: 'pglite (base embarquée) ou postgis (serveur PostgreSQL)' }),
        postgres: z.string(),
        postgis: z.string(),
        lignes: z.record(z.string(), count).meta({ description: 'Nombre de lignes par table' }),
        imports: z.array(
          z.strictObject({ type: z.string(), fichier: z.string(), lignes: count, importeLe: z.iso.datetime() }),
        ),
        prerenduTuiles: z.enum(['sans', 'en-cours', 'termine']).meta({
          description:
            'Tuiles des petits zooms rendues d’avance après chaque changement de données, par ce processus : sans (il n’en rend pas), ' +
            'en-cours (il les rend, en concurrence avec les requêtes), termine',
        }),
      }),
    ),
  },
});

export const config = endpoint({
  method: 'get',
  path: '/api/config',
  tag: 'Serveur',
  access: 'public',
  summary: 'Configuration de la carte : style d’un fond de carte en ligne facultatif (null par défaut : carte hors ligne)',
  responses: { 200: json('La configuration', z.strictObject({ styleFondDeCarte: z.string().nullable() })) },
});

export const openapi = endpoint({
  method: 'get',
  path: '/api/openapi.json',
  tag: 'Serveur',
  access: 'public',
  summary: 'Ce document OpenAPI 3.1, produit à partir des déclarations des routes',
  responses: {
    200: json(
      'Le document',
      z.looseObject({ openapi: z.literal('3.1.0'), info: z.looseObject({ title: z.string() }), paths: z.record(z.string(), z.unknown()) }),
    ),
  },
});

export type AppConfig = Body<typeof config>;

/**
 * The id of the element of the map client's page that carries its boot data (server/src/api/page.ts writes it,
 * client/src/boot.ts reads it): the configuration and the tile layers' description.
 */
export const BOOT_ELEMENT_ID = 'boot-data';
