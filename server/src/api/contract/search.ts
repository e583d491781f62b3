// One search box for the map.
import { z } from 'zod';
import { HIT_TYPES } from '../../domain/vocabulary.js';
import { ERRORS, endpoint, json, sources, type Body } from './endpoint.js';
import { intParam, queryObject, textParam } from './params.js';
import { lonLat } from './shared.js';

export const SearchHit = z
  .strictObject({
    type: z.enum(HIT_TYPES),
    id: z.string(),
    libelle: z.string(),
    sousLibelle: z.string(),
    rang: z.int().min(0).max(4).meta({ description: '0 code exact, 1 nom exact, 2 début, 3 début de mot, 4 contient' }),
    point: lonLat.nullable().meta({ description: 'Un point où centrer la carte' }),
    emprise: z
      .tuple([z.number(), z.number(), z.number(), z.number()])
      .nullable()
      .meta({ description: '[ouest, sud, est, nord] des communes et CPTS ; null pour un site' }),
  })
  .meta({ id: 'ResultatDeRecherche' });
export type SearchHit = z.infer<typeof SearchHit>;

export const search = endpoint({
  method: 'get',
  path: '/api/search',
  tag: 'Recherche',
  access: 'public',
  cache: 'data-version',
  summary: 'Recherche : communes (nom, code INSEE, code postal), CPTS (nom, identifiant), structures et officines (nom, FINESS)',
  description:
    'Sans tenir compte des accents ni de la casse. Classement : code exact, nom exact, début du nom (ou du code), début d’un mot du nom, ' +
    'nom contenant la recherche ; puis noms les plus courts, communes les plus peuplées.',
  query: queryObject({
    q: textParam('q').meta({ description: 'Texte recherché (2 à 100 caractères)' }),
    limit: intParam('limit', 1, 50).optional().meta({ description: 'Nombre maximal de résultats (10 par défaut)' }),
  }),
  responses: {
    200: json('Résultats classés', z.strictObject({ q: z.string(), resultats: z.array(SearchHit), sources })),
    400: ERRORS[400],
  },
});

export type SearchResponse = Body<typeof search>;
