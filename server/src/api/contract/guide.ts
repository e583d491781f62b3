// The structures guide for the client's guide page (static, sourced data).
import { z } from 'zod';
import { GuideFields } from '../../domain/structures-guide.js';
import { endpoint, json, type Body } from './endpoint.js';
import { Mission } from './nearby.js';

export const guide = endpoint({
  method: 'get',
  path: '/api/guide',
  tag: 'Guide',
  access: 'public',
  summary: 'Guide : comparaison ESP, MSP, centre de santé, CPTS, et missions qu’ouvre l’exercice coordonné',
  description:
    'Pour chaque forme : texte fondateur, texte officiel, forme juridique, composition, création, missions du pharmacien, financements, ' +
    'avantages et limites, avec le document source et sa date ; puis les missions (rémunérations, conditions, sources).',
  responses: { 200: json('Le guide', z.strictObject({ ...GuideFields, missions: z.array(Mission) })) },
});

export type GuideResponse = Body<typeof guide>;
