// Serves the real express app on an ephemeral port for HTTP tests. Every answer a test receives through it is
// checked against the endpoint's declaration (server/src/api/contract/) before the test sees it: a status the
// endpoint does not declare, a media type it does not declare, a body that does not match the declared schema
// (an undeclared key, a wrong type) or a declared header missing fails the test.
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import type { AppDeps } from '../../server/src/api/deps.js';
import { CSV_TYPE, declaredResponse, ErrorBody, JSON_TYPE, MVT_TYPE, PBF_TYPE, type EndpointDecl, type MediaType, type ResponseDecl } from '../../server/src/api/contract/endpoint.js';
import { ENDPOINTS } from '../../server/src/api/contract/index.js';
import { createApp } from '../../server/src/app.js';
import type { Db } from '../../server/src/db/port.js';
import { createLogger } from '../../server/src/logger.js';

const escape = (s: string) => s.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
const ROUTES = ENDPOINTS.map((e) => ({ e, re: new RegExp(`^${escape(e.path).replace(/\\?\{\w+\\?\}/g, '[^/]+')}$`) }));

/** The declaration of the endpoint answering `method path`, if any. */
export function endpointOf(method: string, path: string): EndpointDecl | undefined {
  const p = path.split('?')[0]!;
  return ROUTES.find((r) => r.e.method === method.toLowerCase() && r.re.test(p))?.e;
}

function decode(type: MediaType, body: Buffer): unknown {
  if (type === MVT_TYPE || type === PBF_TYPE) return new Uint8Array(body);
  const text = body.toString('utf8');
  return type === CSV_TYPE ? text : JSON.parse(text);
}

/**
 * Throws unless the answer is one its endpoint declares: status, media type, body schema, headers. A path no
 * endpoint declares must be the 404 of an unknown route.
 */
export function checkAnswer(method: string, path: string, status: number, header: (name: string) => string | undefined, body: Buffer): void {
  const where = `${method.toUpperCase()} ${path} → ${status}`;
  const e = endpointOf(method, path);
  const decl: ResponseDecl | undefined = e
    ? declaredResponse(e, status)
    : status === 404
      ? { description: 'route inconnue', content: { [JSON_TYPE]: ErrorBody } }
      : undefined;
  if (!decl) throw new Error(`${where}: status not declared${e ? ` by ${e.path}` : ' (no endpoint has this path)'}: ${body.toString('utf8').slice(0, 300)}`);
  const type = header('content-type')?.split(';')[0]?.trim() as MediaType | undefined;
  if (!decl.content) {
    if (body.length) throw new Error(`${where}: a body where the declaration has none`);
  } else {
    const schema = type ? decl.content[type] : undefined;
    if (!schema) throw new Error(`${where}: media type ${type ?? '(none)'} not declared (${Object.keys(decl.content).join(', ')})`);
    const r = schema.safeParse(decode(type!, body));
    if (!r.success) throw new Error(`${where} ${type}: the body does not match its declared schema:\n${z.prettifyError(r.error)}`);
  }
  if (decl.headers) {
    const values = Object.fromEntries(Object.keys(decl.headers.shape).map((k) => [k, header(k)]));
    const r = decl.headers.safeParse(values);
    if (!r.success) throw new Error(`${where}: declared headers missing or wrong:\n${z.prettifyError(r.error)}`);
  }
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The bytes as sent (still gzip-compressed if the server compressed them). */
  body: Buffer;
}

/** A GET with exactly the headers given, unchecked: the bytes as sent. */
export const rawGet = (url: string, headers: Record<string, string> = {}) =>
  new Promise<RawResponse>((resolve, reject) => {
    // a fresh connection each time: a kept-alive socket the server has just closed would reset the request
    const req = request(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });

export interface TestServer {
  url: string;
  /** fetch, the answer checked against its declaration. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  get(path: string): Promise<Response>;
  getJson<T = any>(path: string): Promise<{ status: number; body: T }>;
  postJson<T = any>(path: string, body: unknown): Promise<{ status: number; body: T }>;
  /** A GET with exactly the headers given (fetch would add Accept-Encoding and decompress), checked too. */
  raw(path: string, headers?: Record<string, string>): Promise<RawResponse>;
  close(): Promise<void>;
}

export async function startServer(db: Db, options: Partial<Pick<AppDeps, 'tiles' | 'config' | 'log' | 'basemap'>> = {}): Promise<TestServer> {
  const app = createApp({ db, log: createLogger('silent'), config: {}, ...options });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const checkedFetch = async (path: string, init: RequestInit = {}) => {
    const r = await fetch(url + path, init);
    const body = Buffer.from(await r.clone().arrayBuffer()); // fetch has decompressed it already
    checkAnswer(init.method ?? 'GET', path, r.status, (n) => (n === 'content-encoding' ? undefined : (r.headers.get(n) ?? undefined)), body);
    return r;
  };
  const json = async (r: Response) => ({ status: r.status, body: await r.json() });

  return {
    url,
    fetch: checkedFetch,
    get: (path) => checkedFetch(path),
    getJson: async (path) => json(await checkedFetch(path)),
    postJson: async (path, body) =>
      json(await checkedFetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })),
    raw: async (path, headers = {}) => {
      const r = await rawGet(url + path, headers);
      const plain = r.headers['content-encoding'] === 'gzip' ? gunzipSync(r.body) : r.body;
      checkAnswer('GET', path, r.status, (n) => [r.headers[n]].flat()[0], plain);
      return r;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
