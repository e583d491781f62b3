import { Router } from 'express';

/** An OpenAPI 3.1 paths object; each API module exports its own and they are merged here. */
export type OpenApiPaths = Record<string, Record<string, unknown>>;

export function openApiDocument(paths: OpenApiPaths[], components: Record<string, unknown> = {}): object {
  return {
    openapi: '3.1.0',
    info: {
      title: 'CPTS territoires — API',
      version: '0.1.0',
      description:
        'Territoires de CPTS, structures d’exercice coordonné (MSP, CSP, ESP), officines, offre de médecine générale et zonage, ' +
        'calculés dans PostGIS. JSON pour les données, GeoJSON pour les géométries, CSV (séparateur « ; », UTF-8 avec BOM) pour les tableaux. ' +
        'Chaque réponse issue de données importées indique sa source et sa date d’import (champ `sources`).',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    paths: Object.assign({}, ...paths),
    components: {
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: { error: { type: 'string', description: 'Message en français' }, details: {} },
        },
        DataSource: {
          type: 'object',
          properties: { kind: { type: 'string' }, file: { type: 'string' }, importedAt: { type: 'string', format: 'date-time' } },
        },
        ...components,
      },
      responses: {
        BadRequest: { description: 'Paramètre invalide', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        NotFound: { description: 'Ressource introuvable', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    },
  };
}

export function openApiRoutes(doc: object): Router {
  const r = Router();
  r.get('/api/openapi.json', (_req, res) => {
    res.json(doc);
  });
  return r;
}

export const healthPaths: OpenApiPaths = {
  '/api/health': {
    get: {
      summary: 'État du serveur : moteur de base, version de PostGIS, nombre de lignes par table, imports',
      responses: { '200': { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } } },
    },
  },
};
