// The cache of public API answers (server/src/api/answers.ts) over real HTTP on both backends: which endpoints it
// serves, its key, its encoding, and the writes that empty it (through the API, and an import from outside the server). The
// data version's clock is the test's: the version is read again only when a test moves it, or fresh.
import zlib from 'node:zlib';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { ENDPOINTS } from '../../server/src/api/contract/index.js';
import type { Db } from '../../server/src/db/port.js';
import { logImport } from '../../server/src/import/log.js';
import { call, createAccounts, signIn, tokenOf, type Caller } from '../helpers/auth.js';
import { describeEachBackend } from '../helpers/db.js';
import { startServer, type TestServer } from '../helpers/http.js';
import { loadRegisterFixture } from '../helpers/register.js';

const SEARCH = '/api/search?q=Commune&limit=5';

describeEachBackend('API answer cache', (backend) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let srv: TestServer;
  let ars: Caller;
  let token: Caller;
  let clock = 0;

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    const accounts = await createAccounts(db);
    await loadRegisterFixture(db);
    await db.query('SELECT cpts_version_initiale(id) FROM cpts');
    srv = await startServer(db, { tiles: { versionTtlMs: 1000, now: () => clock } });
    ars = await signIn(srv, 'ars-52');
    token = await tokenOf(db, accounts['ars-52']!);
  });
  afterAll(async () => {
    await srv?.close();
    await dispose?.();
  });

  const get = async (path: string, headers: Record<string, string> = {}) => {
    const r = await srv.fetch(path, { headers });
    return { status: r.status, cache: r.headers.get('x-api-cache'), etag: r.headers.get('etag'), body: await r.json() };
  };

  it('computes an answer once per data version and input, with an ETag answered 304', async () => {
    clock += 1001;
    const first = await get(SEARCH);
    const second = await get(SEARCH);
    expect([first.cache, second.cache]).toEqual(['miss', 'hit']);
    expect(second.body).toEqual(first.body);
    expect(second.etag).toBe(first.etag);
    // fetch() asked for gzip: the tag is the gzip form's
    expect((await srv.raw(SEARCH, { 'accept-encoding': 'gzip', 'if-none-match': first.etag! })).status).toBe(304);
  });

  it('keeps a large answer gzip-compressed once: the same bytes to every client that accepts gzip, plain to one that does not', async () => {
    clock += 1001;
    const compressions = [vi.spyOn(zlib, 'createGzip'), vi.spyOn(zlib, 'createBrotliCompress'), vi.spyOn(zlib, 'createDeflate')];
    const gzip = { 'accept-encoding': 'gzip, deflate, br' };
    const miss = await srv.raw('/api/cpts', gzip);
    const hit = await srv.raw('/api/cpts', gzip);
    const plain = await srv.raw('/api/cpts', { 'accept-encoding': 'identity' });
    expect([miss, hit, plain].map((r) => r.headers['x-api-cache'])).toEqual(['miss', 'hit', 'hit']);
    for (const r of [miss, hit]) expect(r.headers['content-encoding']).toBe('gzip');
    expect(hit.body.equals(miss.body)).toBe(true);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.length).toBeGreaterThan(1024);
    expect(zlib.gunzipSync(hit.body).equals(plain.body)).toBe(true);
    for (const r of [miss, hit, plain]) {
      expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(r.headers.vary).toMatch(/Accept-Encoding/);
      expect(Number(r.headers['content-length'])).toBe(r.body.length);
    }
    // one strong tag per representation: the gzip bytes and the plain bytes
    expect(hit.headers.etag).toBe(miss.headers.etag);
    expect(hit.headers.etag).toBe((plain.headers.etag as string).replace(/"$/, '-gz"'));
    for (const [headers, etag] of [[gzip, hit.headers.etag], [{ 'accept-encoding': 'identity' }, plain.headers.etag]] as const) {
      const r = await srv.raw('/api/cpts', { ...headers, 'if-none-match': etag as string });
      expect([r.status, r.body.length]).toEqual([304, 0]);
    }
    // compressed at the miss, in the thread pool: the middleware compressed none of these answers
    for (const c of compressions) expect(c).not.toHaveBeenCalled();
    vi.restoreAllMocks();
  });

  it('keys on the whole normalised query: the order of the parameters is one key, any other value another', async () => {
    clock += 1001;
    await get(SEARCH);
    expect((await get('/api/search?limit=5&q=Commune')).cache).toBe('hit');
    const other = await get('/api/search?q=Commune&limit=1');
    expect(other.cache).toBe('miss');
    expect(other.body.resultats).toHaveLength(1);
    expect((await get('/api/search?q=Commune%202&limit=5')).cache).toBe('miss');
    // an invalid input is a 400, never kept
    expect((await get('/api/search?q=Commune&limit=0')).status).toBe(400);
    expect((await get('/api/search?q=Commune&limit=0')).status).toBe(400);
  });

  it('never caches an endpoint whose answer depends on the caller, nor a non-public or non-GET one', async () => {
    const cached = ENDPOINTS.filter((e) => e.cache === 'data-version');
    expect(cached.map((e) => e.path).sort()).toEqual(['/api/coverage', '/api/cpts', '/api/cpts/{id}', '/api/finess/changes', '/api/nearby', '/api/search', '/api/white-zones']);
    const anonymous = ENDPOINTS.filter((e) => e.cache === 'anonymous');
    expect(anonymous.map((e) => e.path).sort()).toEqual(['/api/overlaps', '/api/pharmacies']);
    for (const e of [...cached, ...anonymous]) expect([e.access, e.method]).toEqual(['public', 'get']);
  });

  it('caches the overlaps and the pharmacies for callers without credentials only: an account gets its notes and recruitment', async () => {
    clock += 1001;
    for (const path of ['/api/overlaps', '/api/pharmacies?limit=5']) {
      expect((await call(srv, 'GET', path, null)).headers.get('x-api-cache')).toBe('miss');
      for (const who of [null, ars, token, null]) {
        const r = await call(srv, 'GET', path, who);
        expect(r.status).toBe(200);
        expect(r.headers.get('x-api-cache')).toBe(who ? null : 'hit');
        // a shared HTTP cache must not serve one caller's answer to another
        expect(r.headers.get('vary')).toMatch(/Cookie.*Authorization/);
      }
    }
  });

  it('shows a write through the API to the next read, anonymous or not, within the version’s read interval', async () => {
    clock += 1001;
    const sheet = '/api/cpts/FIXT-A';
    const before = await get(sheet);
    expect((await get(sheet)).cache).toBe('hit');
    const r = await call(srv, 'POST', '/api/cpts/FIXT-A/etapes', ars, { etape: 'lettre-intention', le: '2024-02-01' });
    expect(r.status, await r.text()).toBe(201);
    // the clock has not moved: the write itself makes the next read of the version fresh
    const after = await get(sheet);
    expect(after.cache).toBe('miss');
    expect(after.body).not.toEqual(before.body);
    expect(after.etag).not.toBe(before.etag);
  });

  it('shows an import from outside the server (the command line) within the read interval, at once to a caller with credentials', async () => {
    clock += 1001;
    const before = await get(SEARCH);
    expect((await get(SEARCH)).cache).toBe('hit');
    await logImport(db, 'communes', { fileName: 'communes-2.csv', checksum: 'test' }, 1);
    // within the interval, an anonymous reader may still get the answer of before
    expect((await get(SEARCH)).cache).toBe('hit');
    // a caller who may have written reads the version fresh
    const signedIn = await get(SEARCH, token.headers);
    expect(signedIn.cache).toBe('miss');
    expect(signedIn.body.sources).not.toEqual(before.body.sources);
    expect(signedIn.body.sources).toContainEqual(expect.objectContaining({ type: 'communes', fichier: 'communes-2.csv' }));
    await logImport(db, 'communes', { fileName: 'communes-3.csv', checksum: 'test' }, 1);
    clock += 1001;
    const anonymous = await get(SEARCH);
    expect(anonymous.cache).toBe('miss');
    expect(anonymous.body.sources).toContainEqual(expect.objectContaining({ type: 'communes', fichier: 'communes-3.csv' }));
  });
});

describeEachBackend('API answer cache off (API_CACHE_MB=0)', (backend) => {
  let dispose: () => Promise<void>;
  let srv: TestServer;

  beforeAll(async () => {
    let db: Db;
    ({ db, dispose } = await backend.open());
    await loadRegisterFixture(db);
    srv = await startServer(db, { config: { apiCacheBytes: 0 } });
  });
  afterAll(async () => {
    await srv?.close();
    await dispose?.();
  });

  it('computes every answer', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await srv.get(SEARCH);
      expect(r.status).toBe(200);
      expect(r.headers.get('x-api-cache')).toBeNull();
    }
  });
});
