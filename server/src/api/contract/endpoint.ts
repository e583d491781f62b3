// How an endpoint is declared: once, as data. Method, path, French summary, who may call it, zod schemas of its
// path parameters, query and body, and of the body of each status and media type it answers. The express routes
// (server/src/api/serve.ts), the OpenAPI document (server/src/api/openapi.ts), the client's types (`z.infer`) and the
// tests' response checks (tests/helpers/http.ts) all read these declarations.
//
// The modules of server/src/api/contract/ import zod and server/src/domain/ only: the map client imports their
// types, and its type check must not reach the server's runtime modules (checked by .dependency-cruiser.cjs).
import { z } from 'zod';
import type { Role } from '../../domain/roles.js';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export const JSON_TYPE = 'application/json';
export const GEOJSON_TYPE = 'application/geo+json';
export const CSV_TYPE = 'text/csv';
export const MVT_TYPE = 'application/vnd.mapbox-vector-tile';
/** Glyphs of the map labels (MapLibre's SDF font ranges). */
export const PBF_TYPE = 'application/x-protobuf';
export type MediaType = typeof JSON_TYPE | typeof GEOJSON_TYPE | typeof CSV_TYPE | typeof MVT_TYPE | typeof PBF_TYPE;

/**
 * Who may call the endpoint: anyone (`'public'`: reading needs no account), or a signed-in user of one of `roles`.
 * With `region: 'own'`, an ARS or URPS user may only act on their own région: the route names the régions an input
 * concerns (server/src/api/serve.ts), an admin acts anywhere. The router enforces it before the handler runs, the
 * OpenAPI document shows it (`security`, `x-acces`), and tests/integration/authorization.test.ts calls every
 * non-public route as every role, in and out of its région, and anonymously.
 */
export type Access = 'public' | { roles: readonly Role[]; region?: 'own' };

export interface ResponseDecl {
  /** French description of the answer. */
  description: string;
  /** The body per media type; no content: an empty body (204, 304). */
  content?: Partial<Record<MediaType, z.ZodType>>;
  /** Response headers the client may read (names in lower case), as string schemas with a description. */
  headers?: z.ZodObject;
}

export interface EndpointDecl {
  method: Method;
  /** OpenAPI path template: `/api/cpts/{id}`. */
  path: string;
  /** One French sentence: what the endpoint answers. */
  summary: string;
  description?: string;
  /** OpenAPI tag (French): groups endpoints in the document. */
  tag: string;
  access: Access;
  /**
   * `'data-version'`: the answer depends on the parsed input and the data only (not on the caller, their session,
   * role or région, a cookie or a header, nor the date beyond the day), so it is computed once per data version
   * and input and served from memory (server/src/api/answers.ts). Only for a public GET whose handler returns its
   * JSON body and reads nothing but its input.
   * `'anonymous'`: the same for the callers without credentials (no session cookie, no API token), whose answer
   * depends on the input and the data only; a signed-in caller may be answered more (notes, recruitment): computed
   * for them each time. Both sorts of answer vary by Cookie and Authorization.
   */
  cache?: 'data-version' | 'anonymous';
  params?: z.ZodObject;
  /** Query parameters. Without it, the endpoint takes none and refuses any (a typo is never silently ignored). */
  query?: z.ZodObject;
  /** The JSON request body. */
  body?: z.ZodType;
  /** A file sent as the raw request body (any type but JSON), read by the handler itself. */
  upload?: { description: string };
  responses: Partial<Record<number, ResponseDecl>>;
}

/** Declares an endpoint; `const` keeps its literal path, schemas and statuses for the types derived from it. */
export const endpoint = <const E extends EndpointDecl>(e: E): E => e;

// --- Common schemas -------------------------------------------------------------------------------------------

/** The error envelope of every 4xx and 5xx answer. */
export const ErrorBody = z
  .strictObject({
    erreur: z.string().meta({ description: 'Ce qui ne va pas, en français' }),
    details: z.unknown().optional().meta({ description: 'Précisions (par exemple les problèmes d’un fichier, avec ligne et champ)' }),
  })
  .meta({ id: 'Erreur' });
export type ErrorBody = z.infer<typeof ErrorBody>;

/** One imported file an answer is built on. */
export const DataSource = z
  .strictObject({
    type: z.string().meta({ description: 'Nature de l’import (communes, finess, cpts, gp, zoning, memberships…)' }),
    fichier: z.string().meta({ description: 'Nom du fichier importé' }),
    importeLe: z.iso.datetime().meta({ description: 'Date et heure de l’import' }),
  })
  .meta({ id: 'Source' });
export type DataSource = z.infer<typeof DataSource>;

export const sources = z.array(DataSource).meta({ description: 'Dernier import de chaque nature dont la réponse est tirée' });

export const error = (description: string) => ({ description, content: { [JSON_TYPE]: ErrorBody } }) as const;

/** The error answers an endpoint declares, by status. */
export const ERRORS = {
  400: error('Paramètre ou corps de requête invalide (message en français)'),
  404: error('Ressource introuvable'),
  409: error('Conflit avec l’état enregistré (identifiant déjà pris…)'),
  413: error('Requête trop volumineuse'),
  415: error('Type de contenu non pris en charge'),
} as const;

/** What every endpoint that needs an account may answer, added like SERVER_ERRORS below. */
export const ACCESS_ERRORS: Record<401 | 403, ResponseDecl> = {
  401: error('Connexion requise : session ou jeton d’API absent, expiré ou révoqué'),
  403: error('Accès refusé : rôle ou région sans ce droit, ou jeton CSRF manquant'),
};

/** What a cached endpoint (`cache`) answers to the ETag of its current answer. */
export const NOT_MODIFIED: ResponseDecl = { description: 'Réponse inchangée depuis l’ETag fourni (If-None-Match)' };

/** The answers added to an endpoint's own by its declaration: access errors, 304 of a cached answer. */
export const addedResponses = (e: EndpointDecl): Partial<Record<number, ResponseDecl>> => ({
  ...(e.access === 'public' ? {} : ACCESS_ERRORS),
  ...(e.cache ? { 304: NOT_MODIFIED } : {}),
});

/** The answer an endpoint declares for a status, including those added to every endpoint (access, server errors). */
export function declaredResponse(e: EndpointDecl, status: number): ResponseDecl | undefined {
  const added: Partial<Record<number, ResponseDecl>> = { ...addedResponses(e), 503: SERVER_ERRORS[503], 504: SERVER_ERRORS[504] };
  return e.responses[status] ?? added[status];
}

/**
 * What any endpoint may answer whatever its input, added to every declaration by the OpenAPI document and accepted
 * by the tests' checks: the database unavailable for a moment (503) or a request over its time bound (504). A 500
 * is documented too, but no test accepts one: it is always a bug.
 */
export const SERVER_ERRORS: Record<500 | 503 | 504, ResponseDecl> = {
  500: error('Erreur interne du serveur'),
  503: error('Base de données momentanément indisponible : réessayer (en-tête Retry-After)'),
  504: error('Requête trop longue, interrompue'),
};

export const sourcesHeader = z
  .string()
  .meta({ description: 'Sources et dates d’import, en JSON ([{type, fichier, importeLe}], caractères non ASCII échappés en \\uXXXX)' });

/** A JSON answer (200). */
export const json = <S extends z.ZodType>(description: string, schema: S) => ({ description, content: { [JSON_TYPE]: schema } }) as const;

/** A CSV answer (200): `;`-separated, UTF-8 with BOM, decimal comma; sources in the X-Data-Sources header. */
export const csv = (description: string) =>
  ({
    description: `${description} — CSV « ; », UTF-8 avec BOM, virgule décimale ; sources dans l’en-tête X-Data-Sources (JSON)`,
    content: { [CSV_TYPE]: z.string() },
    headers: z.object({ 'x-data-sources': sourcesHeader }),
  }) as const;

/** A full-list CSV answer (200) that also says how many data rows it holds (X-Row-Count). */
export const csvWithRowCount = (description: string) =>
  ({
    description,
    content: { [CSV_TYPE]: z.string() },
    headers: z.object({ 'x-data-sources': sourcesHeader, 'x-row-count': z.string().meta({ description: 'Nombre de lignes de données' }) }),
  }) as const;

// --- GeoJSON --------------------------------------------------------------------------------------------------

const position = z.tuple([z.number(), z.number()]);
const ring = z.array(position);

/** A polygonal GeoJSON geometry as PostGIS writes it (WGS84, 6 decimals). */
export const PolygonalGeometry = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('Polygon'), coordinates: z.array(ring) }),
    z.strictObject({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(ring)) }),
  ])
  .meta({ id: 'GeometriePolygonale', description: 'Polygon ou MultiPolygon GeoJSON en WGS84 (EPSG:4326), 6 décimales' });

/** A GeoJSON FeatureCollection of polygons whose properties follow `properties`, with other members beside `features`. */
export function featureCollection<P extends z.ZodType, M extends z.ZodRawShape = Record<never, never>>(
  properties: P,
  members?: M,
) {
  return z.strictObject({
    type: z.literal('FeatureCollection'),
    ...((members ?? {}) as M),
    features: z.array(
      z.strictObject({ type: z.literal('Feature'), geometry: PolygonalGeometry.nullable(), properties }),
    ),
  });
}

/** A GeoJSON answer (200), sources in the X-Data-Sources header too. */
export const geojson = <S extends z.ZodType>(description: string, schema: S) =>
  ({
    description,
    content: { [GEOJSON_TYPE]: schema },
    headers: z.object({ 'x-data-sources': sourcesHeader }),
  }) as const;

// --- Types derived from a declaration ---------------------------------------------------------------------------

type Schema<T> = T extends z.ZodType ? T : never;

/** What a handler receives: parsed path parameters, query and body. */
export interface Input<E extends EndpointDecl> {
  params: E['params'] extends z.ZodType ? z.output<E['params']> : Record<string, never>;
  query: E['query'] extends z.ZodType ? z.output<E['query']> : Record<string, never>;
  body: E['body'] extends z.ZodType ? z.output<E['body']> : undefined;
}

type JsonOf<R> = R extends { content: { [JSON_TYPE]: infer S } } ? z.input<Schema<S>> : never;

/** The JSON body of an endpoint's 200 (or 201, created) answer, as its handler returns it. */
export type JsonOk<E extends EndpointDecl> = [JsonOf<E['responses'][200]>] extends [never]
  ? [JsonOf<E['responses'][201]>] extends [never]
    ? JsonOf<E['responses'][202]>
    : JsonOf<E['responses'][201]>
  : JsonOf<E['responses'][200]>;

/** The body of a status and media type, as a client reads it. */
export type Body<E extends EndpointDecl, Status extends keyof E['responses'] = 200, M extends MediaType = typeof JSON_TYPE> =
  E['responses'][Status] extends { content: { [K in M]: infer S } } ? z.output<Schema<S>> : never;
