// Serves the real express app on an ephemeral port for HTTP tests.
import type { AddressInfo } from 'node:net';
import { createApp } from '../../server/src/app.js';
import type { Db } from '../../server/src/db/port.js';
import { createLogger } from '../../server/src/logger.js';

export interface TestServer {
  url: string;
  get(path: string): Promise<Response>;
  getJson<T = any>(path: string): Promise<{ status: number; body: T }>;
  postJson<T = any>(path: string, body: unknown): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

export async function startServer(db: Db): Promise<TestServer> {
  const app = createApp({ db, log: createLogger('silent'), config: {} });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const get = (path: string) => fetch(url + path);
  return {
    url,
    get,
    async getJson(path) {
      const r = await get(path);
      return { status: r.status, body: await r.json() };
    },
    async postJson(path, body) {
      const r = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: r.status, body: await r.json() };
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
