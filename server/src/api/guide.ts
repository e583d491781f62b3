// The structures guide for the client's guide page: GET /api/guide (static, sourced data).
import { Router } from 'express';
import { missionsData } from '../domain/missions.js';
import { structuresGuide } from '../domain/structures-guide.js';
import type { OpenApiPaths } from './openapi.js';
import type { GuideResponse } from './responses.js';

export function guideRoutes(): Router {
  const r = Router();
  r.get('/api/guide', (_req, res) => {
    const m = missionsData();
    res.json({
      ...structuresGuide(),
      // every mission cites a known source (checked when missions.json is read)
      missions: m.missions.map((x) => ({ ...x, source: m.sources[x.source]! })),
    } satisfies GuideResponse);
  });
  return r;
}

export const guidePaths: OpenApiPaths = {
  '/api/guide': {
    get: {
      summary: 'Guide : comparaison ESP, MSP, centre de santé, CPTS, et missions qu’ouvre l’exercice coordonné',
      description:
        'Pour chaque forme : texte fondateur, texte officiel, forme juridique, composition, création, missions du pharmacien, financements, ' +
        'avantages et limites, avec le document source et sa date ; puis les missions (rémunérations, conditions, sources).',
      responses: {
        '200': {
          description: 'Le guide',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  titre: { type: 'string' },
                  introduction: { type: 'string' },
                  sources: { type: 'object' },
                  rubriques: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, libelle: { type: 'string' } } } },
                  structures: { type: 'array', items: { type: 'object' } },
                  missions: { type: 'array', items: { type: 'object' } },
                },
              },
            },
          },
        },
      },
    },
  },
};
