// One search box for the map: GET /api/search?q=…
import { Router } from 'express';
import type { AppDeps } from '../app.js';
import { HIT_TYPES, search } from '../analysis/search.js';
import { parse } from '../http/validate.js';
import type { OpenApiPaths } from './openapi.js';
import type { SearchResponse } from './responses.js';
import { intParam, queryObject, textParam } from './query-params.js';
import { dataSources } from './sources.js';

const searchQuery = queryObject({ q: textParam('q'), limit: intParam('limit', 1, 50).optional() });

export function searchRoutes({ db }: AppDeps): Router {
  const r = Router();
  r.get('/api/search', async (req, res) => {
    const { q, limit = 10 } = parse(searchQuery, req.query);
    const hits = await search(db, q, limit);
    res.json({ q, hits, sources: await dataSources(db, ['communes', 'cpts', 'finess']) } satisfies SearchResponse);
  });
  return r;
}

export const searchPaths: OpenApiPaths = {
  '/api/search': {
    get: {
      summary: 'Recherche : communes (nom, code INSEE, code postal), CPTS (nom, identifiant), structures et officines (nom, FINESS)',
      description:
        'Sans tenir compte des accents ni de la casse. Classement : code exact, nom exact, début du nom (ou du code), début d’un mot du nom, ' +
        'nom contenant la recherche ; puis noms les plus courts, communes les plus peuplées. Chaque résultat donne un point et, pour les communes ' +
        'et CPTS, l’emprise [ouest, sud, est, nord] pour la carte.',
      parameters: [
        { name: 'q', in: 'query', required: true, schema: { type: 'string', minLength: 2, maxLength: 100 }, description: 'Texte recherché (2 à 100 caractères).' },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 50, default: 10 }, description: 'Nombre maximal de résultats.' },
      ],
      responses: {
        '200': {
          description: 'Résultats classés',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  q: { type: 'string' },
                  hits: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: {
                        type: { type: 'string', enum: [...HIT_TYPES] },
                        id: { type: 'string' },
                        label: { type: 'string' },
                        sublabel: { type: 'string' },
                        rang: { type: 'integer', description: '0 code exact, 1 nom exact, 2 début, 3 début de mot, 4 contient' },
                        point: { type: ['object', 'null'], properties: { lon: { type: 'number' }, lat: { type: 'number' } } },
                        bbox: { type: ['array', 'null'], items: { type: 'number' }, minItems: 4, maxItems: 4 },
                      },
                    },
                  },
                  sources: { type: 'array', items: { $ref: '#/components/schemas/DataSource' } },
                },
              },
            },
          },
        },
        '400': { $ref: '#/components/responses/BadRequest' },
      },
    },
  },
};
