// Binds a declared endpoint (server/src/api/contract/) to its handler on an express router: the path parameters,
// the query and the body are parsed with the declaration's schemas (a mismatch is a 400 in French) before the
// handler runs; a handler of a JSON endpoint returns the body, typed by the declaration's 200 schema. An endpoint
// that needs an account is authorised first (server/src/http/auth.ts): 401, then 403 for a role, a missing CSRF
// token or, once the input is parsed, a région that is not the user's.
import type { Request, Response, Router } from 'express';
import type { z } from 'zod';
import { authorize, checkRegions } from '../http/auth.js';
import { answerKey, carriesCredentials, sendAnswer } from './answers.js';
import { parse } from '../http/validate.js';
import type { EndpointDecl, Input, JsonOk } from './contract/endpoint.js';
import { queryObject } from './contract/params.js';

/** A JSON endpoint's handler returns its body; others (CSV, GeoJSON, tiles) write the response and return nothing. */
type Result<E extends EndpointDecl> = [JsonOk<E>] extends [never] ? void : JsonOk<E>;

export type Handler<E extends EndpointDecl> = (input: Input<E>, res: Response, req: Request) => Promise<Result<E>> | Result<E>;

/** `/api/cpts/{id}` → `/api/cpts/:id` */
export const expressPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

const NO_QUERY = queryObject({});

export interface ServeOptions<E extends EndpointDecl> {
  /**
   * For an endpoint declared `region: 'own'`: the régions its input concerns (a CPTS's, a pharmacy's…). A user who
   * is not an admin must belong to every one of them.
   */
  regionOf?: (input: Input<E>, req: Request) => Promise<readonly string[]> | readonly string[];
}

export function serve<E extends EndpointDecl>(router: Router, e: E, handler: Handler<E>, options: ServeOptions<E> = {}): void {
  const access = e.access === 'public' ? undefined : e.access;
  const { regionOf } = options;
  if (access?.region === 'own' && !regionOf) throw new Error(`${e.method} ${e.path}: declared region: 'own' but served without regionOf`);
  if (e.cache && (access || e.method !== 'get')) throw new Error(`${e.method} ${e.path}: only a public GET may be cached`);
  router[e.method](expressPath(e.path), async (req, res) => {
    const auth = access && (await authorize(req, access));
    const input = {
      params: e.params ? parse(e.params, req.params, 'Paramètre') : {},
      query: parse(e.query ?? NO_QUERY, req.query, 'Paramètre'),
      body: e.body ? parse(e.body as z.ZodType, req.body, 'Corps de requête') : undefined,
    } as Input<E>;
    if (auth && access?.region === 'own') checkRegions(auth, await regionOf!(input, req));
    if (e.cache === 'anonymous') res.vary('Cookie').vary('Authorization');
    const credentials = carriesCredentials(req);
    if (e.cache && req.answers && !(e.cache === 'anonymous' && credentials)) {
      const compute = async () => {
        const out = await handler(input, res, req);
        if (out === undefined) throw new Error(`${e.method} ${e.path}: declared cached, but its handler returned no body`);
        return out;
      };
      return sendAnswer(req, res, await req.answers.get(answerKey(e.path, input), credentials, compute));
    }
    const out = await handler(input, res, req);
    if (e.method !== 'get') req.answers?.wrote();
    if (out !== undefined) res.json(out);
  });
}
