// The OpenAPI 3.1 document, generated from the endpoint declarations (server/src/api/contract/) by zod-openapi,
// which renders zod 4 schemas with zod's own JSON Schema conversion: request parameters from the query and path
// schemas (their input side: what a client sends), responses from the output schemas.
import { Router } from 'express';
import { z } from 'zod';
import { createDocument, type CreateDocumentOptions, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import type { EndpointDecl, JsonOk } from './contract/endpoint.js';
import { addedResponses, JSON_TYPE, SERVER_ERRORS } from './contract/endpoint.js';
import { ENDPOINTS } from './contract/index.js';
import * as system from './contract/system.js';
import { serve } from './serve.js';

/**
 * A numeric parameter arrives as text and is parsed (`"12"` → 12): documented as the number it must be, with its
 * bounds, rather than as the string zod reads first.
 */
const numbersAsNumbers: NonNullable<CreateDocumentOptions['override']> = ({ jsonSchema, zodSchema, io }) => {
  const def = zodSchema._zod.def;
  if (io !== 'input' || def.type !== 'pipe') return;
  const out = (def as unknown as { out: z.ZodType }).out;
  if (out._zod.def.type !== 'number') return;
  const { $schema: _, ...number } = z.toJSONSchema(out);
  for (const k of Object.keys(jsonSchema)) if (k !== 'description') delete (jsonSchema as Record<string, unknown>)[k];
  Object.assign(jsonSchema, number);
};

function operation(e: EndpointDecl): ZodOpenApiOperationObject {
  const responses = Object.fromEntries(
    Object.entries({ ...e.responses, ...addedResponses(e), ...SERVER_ERRORS }).map(([status, r]) => [
      status,
      {
        description: r!.description,
        ...(r!.headers ? { headers: r!.headers } : {}),
        ...(r!.content ? { content: Object.fromEntries(Object.entries(r!.content).map(([type, schema]) => [type, { schema }])) } : {}),
      },
    ]),
  );
  return {
    operationId: `${e.method}${e.path.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`,
    tags: [e.tag],
    summary: e.summary,
    ...(e.description ? { description: e.description } : {}),
    ...(e.params || e.query ? { requestParams: { ...(e.params ? { path: e.params } : {}), ...(e.query ? { query: e.query } : {}) } } : {}),
    ...(e.body ? { requestBody: { required: true, content: { [JSON_TYPE]: { schema: e.body } } } } : {}),
    ...(e.upload
      ? { requestBody: { required: true, description: e.upload.description, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } } }
      : {}),
    responses,
    // who may call it: public (no account), or the roles and, with région scope, their own région only
    ...(e.access === 'public'
      ? { security: [], 'x-acces': 'public' }
      : { security: [{ session: [] }, { jeton: [] }], 'x-acces': { roles: [...e.access.roles], region: e.access.region ?? 'toutes' } }),
    // the same answer to every caller (or every caller without credentials), computed once per data version
    // (server/src/api/answers.ts)
    ...(e.cache ? { 'x-cache': e.cache === 'anonymous' ? 'version-des-donnees-sans-compte' : 'version-des-donnees' } : {}),
  };
}

export function openApiDocument(endpoints: readonly EndpointDecl[] = ENDPOINTS): object {
  const paths: ZodOpenApiPathsObject = {};
  for (const e of endpoints) paths[e.path] = { ...paths[e.path], [e.method]: operation(e) };
  return createDocument(
    {
      openapi: '3.1.0',
      info: {
        title: 'CPTS territoires — API',
        version: '0.1.0',
        description:
          'Territoires de CPTS, structures d’exercice coordonné (MSP, CSP, ESP), officines, offre de médecine générale et zonage, ' +
          'calculés dans PostGIS. JSON pour les données, GeoJSON pour les géométries, CSV (séparateur « ; », UTF-8 avec BOM) pour les tableaux. ' +
          'Chaque réponse issue de données importées indique sa source et sa date d’import (champ `sources` ou en-tête `X-Data-Sources`). ' +
          'Clés JSON et paramètres en français, en camelCase ; une erreur répond `{ "erreur": "…", "details": … }`.',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      paths,
      components: {
        securitySchemes: {
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: 'cpts_session',
            description: 'Session ouverte par POST /api/session ; chaque écriture envoie aussi l’en-tête X-CSRF-Token (GET /api/session)',
          },
          jeton: { type: 'http', scheme: 'bearer', description: 'Jeton d’API personnel (POST /api/jetons)' },
        },
      },
    },
    {
      // the binary tile body is a z.custom, drawn as { type: string, format: binary } by its metadata
      allowEmptySchema: { custom: true },
      override: numbersAsNumbers,
    },
  );
}

/** GET /api/openapi.json: the document, generated once. */
export function openApiRoutes(): Router {
  const r = Router();
  let doc: object | undefined;
  serve(r, system.openapi, () => (doc ??= openApiDocument()) as JsonOk<typeof system.openapi>);
  return r;
}
