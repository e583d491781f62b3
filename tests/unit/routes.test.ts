// The express routes and the endpoint declarations (server/src/api/contract/) are the same set, and the OpenAPI
// document generated from the declarations describes each of them. No database is needed: no route is called.
import { describe, expect, it } from 'vitest';
import { createApp } from '../../server/src/app.js';
import { ENDPOINTS } from '../../server/src/api/contract/index.js';
import { openApiDocument } from '../../server/src/api/openapi.js';
import { expressPath } from '../../server/src/api/serve.js';
import type { Db } from '../../server/src/db/port.js';
import { createLogger } from '../../server/src/logger.js';

interface Layer {
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every route the express app has, as `METHOD path`, walking nested routers. Regular-expression routes apart. */
function expressRoutes(stack: Layer[], out = { routes: [] as string[], patterns: [] as string[] }) {
  for (const l of stack) {
    if (l.route) {
      const methods = Object.keys(l.route.methods).filter((m) => l.route!.methods[m]);
      for (const m of methods) {
        if (typeof l.route.path === 'string') out.routes.push(`${m.toUpperCase()} ${l.route.path}`);
        else out.patterns.push(`${m.toUpperCase()} ${String(l.route.path)}`);
      }
    } else if (l.handle?.stack) expressRoutes(l.handle.stack, out);
  }
  return out;
}

describe('routes', () => {
  const app = createApp({ db: {} as Db, log: createLogger('silent'), config: {} });
  const { routes, patterns } = expressRoutes((app as unknown as { router: { stack: Layer[] } }).router.stack);

  it('are exactly the declared endpoints, each once', () => {
    const declared = ENDPOINTS.map((e) => `${e.method.toUpperCase()} ${expressPath(e.path)}`);
    expect(new Set(declared).size).toBe(declared.length);
    expect([...routes].sort()).toEqual([...declared].sort());
  });

  it('besides the map client’s page, served for every path outside /api and /tiles', () => {
    expect(patterns).toHaveLength(1);
    expect(patterns[0]).toMatch(/^GET .*api\|tiles/);
  });
});

describe('OpenAPI document', () => {
  const doc = openApiDocument() as {
    openapi: string;
    paths: Record<string, Record<string, { summary: string; responses: Record<string, { content?: Record<string, { schema: object }> }> }>>;
    components: { schemas: Record<string, object> };
  };

  it('describes every declared endpoint with its summary, statuses and media types', () => {
    expect(doc.openapi).toBe('3.1.0');
    for (const e of ENDPOINTS) {
      const op = doc.paths[e.path]?.[e.method];
      expect(op, `${e.method} ${e.path}`).toBeDefined();
      expect(op!.summary).toBe(e.summary);
      for (const [status, r] of Object.entries(e.responses)) {
        expect(Object.keys(op!.responses[status]?.content ?? {}), `${e.path} ${status}`).toEqual(Object.keys(r!.content ?? {}));
      }
      expect(op!.responses['500']).toBeDefined();
    }
  });

  it('closes every response object: a key the schema does not declare is an error', () => {
    const open: string[] = [];
    const walk = (s: unknown, where: string): void => {
      if (Array.isArray(s)) return s.forEach((x, i) => walk(x, `${where}[${i}]`));
      if (typeof s !== 'object' || s === null) return;
      const o = s as Record<string, unknown>;
      if (o.type === 'object' && o.properties && o.additionalProperties !== false) open.push(where);
      for (const [k, v] of Object.entries(o)) walk(v, `${where}.${k}`);
    };
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops)) {
        if (path === '/api/openapi.json') continue; // the document itself is open by nature
        walk(op.responses, `${method} ${path}`);
      }
    walk(doc.components.schemas, 'components');
    expect(open).toEqual([]);
  });
});
