// Shared by the territory endpoints (CPTS, overlaps, coverage, perimeter check): query filters with French
// messages, GeoJSON assembly from PostGIS text, the X-Data-Sources header.
import type { Response } from 'express';
import { z } from 'zod';
import { asciiJson } from './query-params.js';
import type { DataSource } from './sources.js';

export { departementParam, intParam, queryObject, regionParam } from './query-params.js';

export const DEPARTEMENT_RE = /^(\d{2}|2[AB]|97\d)$/;
export const REGION_RE = /^\d{2}$/;

/** A CPTS id in a path: FINESS number or source id. */
export const cptsIdParam = z
  .string()
  .min(1, { error: 'identifiant de CPTS vide' })
  .max(100, { error: 'identifiant de CPTS trop long (100 caractères au plus)' });

/** Data sources as a header value (JSON, non-ASCII characters escaped: header values are ASCII). */
export function setSourcesHeader(res: Response, sources: readonly DataSource[]): void {
  res.setHeader('X-Data-Sources', asciiJson(sources));
}

export interface FeatureText {
  /** GeoJSON geometry as PostGIS wrote it (ST_AsGeoJSON), or null. */
  geometry: string | null;
  properties: object;
}

/** Sends a FeatureCollection without parsing the geometries PostGIS already serialised. */
export function sendFeatureCollection(res: Response, features: readonly FeatureText[], members: Record<string, unknown> = {}): void {
  const parts = features.map((f) => `{"type":"Feature","geometry":${f.geometry ?? 'null'},"properties":${JSON.stringify(f.properties)}}`);
  const head = JSON.stringify({ type: 'FeatureCollection', ...members }).slice(0, -1);
  res.setHeader('Content-Type', 'application/geo+json; charset=utf-8');
  res.send(`${head},"features":[${parts.join(',')}]}`);
}

// OpenAPI fragments --------------------------------------------------------------------------

export const oaParam = {
  departement: {
    name: 'departement',
    in: 'query',
    required: false,
    description: 'Code COG du département (44, 2A, 971…) : ne garde que ce qui touche ce département',
    schema: { type: 'string', pattern: DEPARTEMENT_RE.source },
  },
  region: {
    name: 'region',
    in: 'query',
    required: false,
    description: 'Code COG de la région (52 pour les Pays de la Loire…)',
    schema: { type: 'string', pattern: REGION_RE.source },
  },
  cptsId: {
    name: 'id',
    in: 'path',
    required: true,
    description: 'Identifiant de la CPTS (numéro FINESS, sinon identifiant de la source)',
    schema: { type: 'string', maxLength: 100 },
  },
} as const;

export const oaBadRequest = { $ref: '#/components/responses/BadRequest' };
export const oaNotFound = { $ref: '#/components/responses/NotFound' };
export const oaSources = { type: 'array', items: { $ref: '#/components/schemas/DataSource' }, description: 'Fichiers importés dont la réponse est tirée' };
export const oaJson = (schema: object, description = 'OK') => ({ description, content: { 'application/json': { schema } } });
export const oaGeoJson = (description: string) => ({
  description,
  content: { 'application/geo+json': { schema: { type: 'object', description: 'FeatureCollection GeoJSON (WGS84, 6 décimales)' } } },
});
export const oaCsv = (description: string) => ({
  description: `${description} — CSV « ; », UTF-8 avec BOM, virgule décimale ; sources dans l’en-tête X-Data-Sources (JSON)`,
  headers: { 'X-Data-Sources': { description: 'Sources et dates d’import, en JSON', schema: { type: 'string' } } },
  content: { 'text/csv': { schema: { type: 'string' } } },
});
/** "< 6" under the statistical secrecy threshold, else the count; null when unknown. */
export const oaMaskedCount = {
  oneOf: [{ type: 'integer', minimum: 6 }, { type: 'string', enum: ['< 6'] }, { type: 'null' }],
  description: 'Effectif ; « < 6 » sous le seuil du secret statistique ; null si aucune donnée',
};
