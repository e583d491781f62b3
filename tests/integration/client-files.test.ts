// The map client's files over real HTTP: sent as the build compressed them (brotli and gzip copies beside each file:
// client/vite.config.ts), never compressed at a request; plain to a client that accepts neither. No database is needed.
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Db } from '../../server/src/db/port.js';
import { rawGet, startServer, type TestServer } from '../helpers/http.js';

const ASSETS = fileURLToPath(new URL('../../client/dist/assets/', import.meta.url));
const built = existsSync(ASSETS) ? readdirSync(ASSETS) : [];
/** The largest script and the style sheet of the build (hashed names). */
const FILES = ['maplibre-', 'index-'].flatMap((prefix) => built.filter((f) => f.startsWith(prefix) && /\.(js|css)$/.test(f)));

describe.skipIf(!built.some((f) => f.endsWith('.js.gz')))('client files (npm run build:client)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({} as Db);
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await server?.close();
  });

  it('are sent as the build compressed them, brotli first, with the plain file’s type, a tag and a year of cache', async () => {
    const compressions = [vi.spyOn(zlib, 'createGzip'), vi.spyOn(zlib, 'createBrotliCompress'), vi.spyOn(zlib, 'createDeflate')];
    for (const file of FILES) {
      const url = `${server.url}/assets/${file}`;
      const plain = await rawGet(url, { 'accept-encoding': 'identity' });
      expect(plain.status).toBe(200);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.body.equals(await readFile(ASSETS + file))).toBe(true);
      const served = [
        ['gzip, deflate, br, zstd', 'br', zlib.brotliDecompressSync],
        ['gzip', 'gzip', zlib.gunzipSync],
      ] as const;
      for (const [accept, encoding, decode] of served) {
        const r = await rawGet(url, { 'accept-encoding': accept });
        expect(r.status).toBe(200);
        expect(r.headers['content-encoding'], `${file} ${accept}`).toBe(encoding);
        expect(r.body.equals(await readFile(`${ASSETS}${file}.${encoding === 'br' ? 'br' : 'gz'}`))).toBe(true);
        expect(decode(r.body).equals(plain.body)).toBe(true);
        // the charset's name is case-insensitive: the plain file's is spelt utf-8, the compressed ones' UTF-8
        expect(String(r.headers['content-type']).toLowerCase()).toBe(String(plain.headers['content-type']).toLowerCase());
        expect(r.headers.vary).toMatch(/Accept-Encoding/);
        expect(r.headers['cache-control']).toBe('public, max-age=31536000, immutable');
        expect(r.headers.etag).toBeDefined();
        expect(r.headers.etag).not.toBe(plain.headers.etag);
        expect((await rawGet(url, { 'accept-encoding': accept, 'if-none-match': r.headers.etag as string })).status).toBe(304);
      }
    }
    expect(FILES.length).toBeGreaterThanOrEqual(3);
    for (const c of compressions) expect(c).not.toHaveBeenCalled();
    // the spies do count the middleware's work: the API's description is compressed at each request
    await rawGet(`${server.url}/api/openapi.json`, { 'accept-encoding': 'gzip' });
    expect(compressions[0]).toHaveBeenCalledTimes(1);
  });
});
