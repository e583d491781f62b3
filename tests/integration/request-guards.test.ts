// Bad text is a 400 on both backends, expensive endpoints are rate-limited with standard headers, HSTS goes
// only over HTTPS, and database faults map to 503 / 504 with a French message (never a 500).
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/src/app.js';
import { DbInputError, DbTimeoutError, DbUnavailableError, type Db } from '../../server/src/db/port.js';
import { errorHandler } from '../../server/src/http/errors.js';
import { createLogger } from '../../server/src/logger.js';
import { describeEachBackend } from '../helpers/db.js';
import { loadFixtureCare, loadFixtureTerritory } from '../helpers/fixture-territory.js';
import { startServer, type TestServer } from '../helpers/http.js';

/** Serves an express app on a free port for the length of `fn`. */
async function serve<T>(app: express.Express, fn: (url: string) => Promise<T>): Promise<T> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    return await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    await new Promise((r) => server.close(r));
  }
}

const errorMessage = (body: Record<string, unknown>) => String(body.erreur ?? body.error);

describeEachBackend('invalid text in a request', (backend) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let srv: TestServer;

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    await loadFixtureTerritory(db);
    await loadFixtureCare(db);
    srv = await startServer(db);
  });
  afterAll(async () => {
    await srv?.close();
    await dispose?.();
  });

  it.each([
    '/api/search?q=%00',
    '/api/search?q=ab%00cd',
    '/api/pharmacies?cpts=%00',
    '/api/pharmacies.csv?cpts=FIXT%00A',
    '/api/white-zones?departement=4%004',
    '/api/cpts/%00',
    '/api/cpts/FIXT-A%00',
    '/api/cpts/%00/communes.geojson',
    '/api/nearby?commune=%00',
    '/api/search?q=%ED%A0%80', // an encoded lone surrogate
    '/api/cpts/%E0%A4%A',
    '/tiles/communes/5/15/%00.mvt',
  ])('GET %s → 400', async (path) => {
    const r = await srv.get(path);
    expect(r.status).toBe(400);
    expect(errorMessage(await r.json())).toMatch(/^(Texte invalide|Requête invalide|Paramètre invalide)/);
  });

  it('a NUL byte or a lone surrogate in a JSON body → 400', async () => {
    for (const body of [{ codes: ['44901\u0000'] }, { codes: ['\ud800'] }, { ['co\u0000des']: [] }]) {
      const r = await srv.postJson('/api/perimeter/check', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(errorMessage(r.body)).toMatch(/^Texte invalide dans le corps/);
    }
  });

  it('the database itself refusing text is a 400 too (safety net behind the guard)', async () => {
    const e = await db.query("SELECT convert_from('\\x00'::bytea, 'UTF8')").then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(DbInputError);
  });
});

describe('rate limits on expensive endpoints', () => {
  it('per client: exports and analyses counted apart, standard headers, French 429; the rest unlimited', async () => {
    const db = { backend: 'pglite' } as unknown as Db; // the limiter answers before any query
    const app = createApp({ db, log: createLogger('silent'), config: { rateLimits: { exportsPerMinute: 2, analysesPerMinute: 3 } } });
    await serve(app, async (url) => {
      const get = (p: string) => fetch(url + p);
      const blocked = async (p: string, n: number) => {
        for (let i = 0; i < n; i++) await get(p);
        return get(p);
      };
      const r = await blocked('/api/white-zones.csv', 2);
      expect(r.status).toBe(429);
      expect(r.headers.get('ratelimit-policy')).toMatch(/q=2; w=60/);
      expect(r.headers.get('ratelimit')).toMatch(/r=0/);
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(errorMessage(await r.json())).toBe('Trop de requêtes : 2 exports par minute au plus ; réessayez dans une minute.');
      expect((await get('/api/overlaps.csv')).status).toBe(429); // one budget for every export
      const a = await fetch(`${url}/api/perimeter/check`, { method: 'POST' });
      expect(a.status).not.toBe(429);
      expect((await blocked('/api/coverage', 2)).status).toBe(429);
      expect((await get('/api/guide')).status).toBe(200);
    });
  });
});

describe('HSTS', () => {
  const app = (trustProxy: boolean) => createApp({ db: {} as Db, log: createLogger('silent'), config: { trustProxy } });

  it('not over plain HTTP, even when a client claims HTTPS without a trusted proxy', async () => {
    await serve(app(false), async (url) => {
      expect((await fetch(`${url}/api/guide`)).headers.get('strict-transport-security')).toBeNull();
      const spoofed = await fetch(`${url}/api/guide`, { headers: { 'x-forwarded-proto': 'https' } });
      expect(spoofed.headers.get('strict-transport-security')).toBeNull();
    });
  });

  it('over HTTPS as reported by a trusted proxy', async () => {
    await serve(app(true), async (url) => {
      const r = await fetch(`${url}/api/guide`, { headers: { 'x-forwarded-proto': 'https' } });
      expect(r.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect((await fetch(`${url}/api/guide`)).headers.get('strict-transport-security')).toBeNull();
    });
  });
});

describe('database faults over HTTP', () => {
  it('unavailable → 503 with Retry-After, timeout → 504, refused text → 400, all in French', async () => {
    const app = express();
    const faults: Record<string, Error> = {
      unavailable: new DbUnavailableError('database unavailable: connect ECONNREFUSED'),
      timeout: new DbTimeoutError(30_000),
      input: new DbInputError('invalid byte sequence for encoding "UTF8": 0x00'),
    };
    app.get('/:fault', (req) => {
      throw faults[req.params.fault!];
    });
    app.use(errorHandler(createLogger('silent')));
    await serve(app, async (url) => {
      const u = await fetch(`${url}/unavailable`);
      expect(u.status).toBe(503);
      expect(u.headers.get('retry-after')).toBe('5');
      expect(errorMessage(await u.json())).toMatch(/^La base de données est momentanément indisponible/);
      const t = await fetch(`${url}/timeout`);
      expect(t.status).toBe(504);
      expect(errorMessage(await t.json())).toMatch(/^La requête a dépassé la durée maximale de 30 s/);
      const i = await fetch(`${url}/input`);
      expect(i.status).toBe(400);
      expect(JSON.stringify(await i.json())).not.toMatch(/0x00|UTF8/); // the database's words stay in the log
    });
  });
});
