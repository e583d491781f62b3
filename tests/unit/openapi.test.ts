// Every route the server declares is described in the OpenAPI document, with its method.
import { readFileSync, readdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../server/src/app.js';
import type { Db } from '../../server/src/db/port.js';
import { createLogger } from '../../server/src/logger.js';

const SERVER = fileURLToPath(new URL('../../server/src/', import.meta.url));

function declaredRoutes(): { method: string; path: string }[] {
  const files = readdirSync(SERVER, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  const routes = files.flatMap((f) =>
    [...readFileSync(join(SERVER, f), 'utf8').matchAll(/\br\.(get|post|put|delete)\(\s*'([^']+)'/g)].map((m) => ({
      method: m[1]!,
      path: m[2]!.replace(/:(\w+)/g, '{$1}'),
    })),
  );
  return routes.filter((r) => r.path !== '/api/openapi.json');
}

describe('OpenAPI document', () => {
  it('describes every declared route', async () => {
    // The document is static: no route is called, so no database is needed.
    const app = createApp({ db: {} as Db, log: createLogger('silent'), config: {} });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/openapi.json`);
      const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
      expect(doc.openapi).toBe('3.1.0');
      const routes = declaredRoutes();
      expect(routes.length).toBeGreaterThan(20);
      for (const r of routes) expect(doc.paths[r.path]?.[r.method], `${r.method.toUpperCase()} ${r.path}`).toBeDefined();
    } finally {
      server.close();
    }
  });
});
