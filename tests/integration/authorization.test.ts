// Authorisation from the route table: every endpoint that writes or needs an account is called as an anonymous
// visitor, as every role, in its own région and in another, and must answer 401, 403 or 2xx as its declared access
// says. An endpoint without a sample call here fails the test: a new route cannot be added uncovered.
import cookieParser from 'cookie-parser';
import express, { Router } from 'express';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { endpoint, type EndpointDecl } from '../../server/src/api/contract/endpoint.js';
import { ENDPOINTS } from '../../server/src/api/contract/index.js';
import { importsIdle } from '../../server/src/api/imports.js';
import { serve } from '../../server/src/api/serve.js';
import { createToken } from '../../server/src/auth/sessions.js';
import type { Db } from '../../server/src/db/port.js';
import { ROLES, type Role } from '../../server/src/domain/roles.js';
import { dryRun } from '../../server/src/import/dry-run.js';
import { identify } from '../../server/src/http/auth.js';
import { errorHandler } from '../../server/src/http/errors.js';
import { createLogger } from '../../server/src/logger.js';
import { call, createAccounts, OTHER, OWN, PASSWORD, signIn, tokenOf, type Account, type Caller } from '../helpers/auth.js';
import { describeEachBackend } from '../helpers/db.js';
import { startServer, type TestServer } from '../helpers/http.js';
import { headNumber, loadRegisterFixture } from '../helpers/register.js';
import { pharmacyIn } from '../helpers/recruitment.js';

const key = (e: EndpointDecl) => `${e.method.toUpperCase()} ${e.path}`;

/** Writes anyone may call, each with its reason. */
const PUBLIC_WRITES: Record<string, string> = {
  'POST /api/session': 'the login itself',
  'POST /api/perimeter/check': 'a computation on a proposed perimeter: it stores nothing',
  'POST /api/perimeter/communes.geojson': 'the communes of a proposed perimeter as GeoJSON: it stores nothing',
};

interface Ctx {
  db: Db;
  accounts: Record<string, Account>;
  /** The caller's account (absent for an anonymous call). */
  as?: Account;
  /** The région the call concerns: the caller's own, or another. */
  region: string;
  n: number;
}

/** One call per endpoint that needs an account: what it sends, given the caller and the région it concerns. */
interface Sample {
  path: string;
  body?: unknown;
  /** Answers callers by cookie only (a token is refused with 400: it has no session to close). */
  sessionOnly?: boolean;
  /** A file sent as the raw body (web imports). */
  upload?: string;
}

/** One commune in each région of the test, for the CPTS files of the web-import samples. */
const COMMUNE_OF: Record<string, string> = { [OWN]: '85214', [OTHER]: '13001' };

async function seedCommunes(db: Db): Promise<void> {
  await db.query(`INSERT INTO region (code, nom) VALUES ($1, 'Région propre'), ($2, 'Autre région') ON CONFLICT DO NOTHING`, [OWN, OTHER]);
  await db.query(`INSERT INTO departement (code, nom, region) VALUES ('85', 'Vendée', $1), ('13', 'Bouches-du-Rhône', $2) ON CONFLICT DO NOTHING`, [OWN, OTHER]);
  await db.query(
    `INSERT INTO commune (code, nom, departement, region, source) VALUES ($1, 'Commune propre', '85', $2, 'test'), ($3, 'Commune autre', '13', $4, 'test')`,
    [COMMUNE_OF[OWN], OWN, COMMUNE_OF[OTHER], OTHER],
  );
}

/** A CPTS file of one commune of the région, its CPTS new each time. */
const cptsFile = (region: string, n: number) => `id;nom;statut;code_insee\nauth-${n};CPTS essai ${n};projet;${COMMUNE_OF[region]}\n`;

/** A web import previewed in the région (as its ARS user would have uploaded it), ready to confirm. */
async function previewIn(db: Db, region: string, n: number): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'cpts-auth-'));
  const bytes = cptsFile(region, n);
  try {
    await writeFile(join(dir, 'essai.csv'), bytes);
    const dry = await dryRun(db, 'cpts', [join(dir, 'essai.csv')], {});
    const apercu = { applicable: true, lignes: 1, tables: [], problemes: [], avertissements: [] };
    const r = await db.query<{ id: number }>(
      `INSERT INTO import_web (nature, fichier, sha256, taille, contenu, auteur, region, expire_le, etat, apercu, empreinte)
       VALUES ('cpts', 'essai.csv', encode(sha256($1::bytea), 'hex'), length($1::bytea), $1::bytea, 'test', $2, now() + interval '1 hour', 'apercu', $3, $4)
       RETURNING id`,
      [Buffer.from(bytes), region, JSON.stringify(apercu), dry.change.fingerprint],
    );
    return r.rows[0]!.id;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const SAMPLES: Record<string, (c: Ctx) => Promise<Sample> | Sample> = {
  'DELETE /api/session': () => ({ path: '/api/session', sessionOnly: true }),
  'PUT /api/moi/mot-de-passe': () => ({ path: '/api/moi/mot-de-passe', body: { actuel: PASSWORD, nouveau: PASSWORD } }),
  'GET /api/jetons': () => ({ path: '/api/jetons' }),
  'POST /api/jetons': () => ({ path: '/api/jetons', body: { nom: 'script' } }),
  'DELETE /api/jetons/{id}': async ({ db, as }) => {
    // a token of the caller's own (an anonymous caller gets some account's: it must not matter)
    const a = as ?? { id: 1, login: 'admin', role: 'admin' as Role, region: null };
    const actor = { utilisateur: a.id, auteur: a.login, role: a.role, region: a.region, sessionId: null, jetonId: null };
    const { token } = await createToken(db, actor, 'à révoquer', null);
    return { path: `/api/jetons/${token.id}` };
  },
  'GET /api/utilisateurs': () => ({ path: '/api/utilisateurs' }),
  'POST /api/utilisateurs': ({ region, n }) => ({
    path: '/api/utilisateurs',
    body: { identifiant: `nouveau-${n}`, nom: 'Nouveau compte', role: 'ars', region, motDePasse: PASSWORD },
  }),
  'PATCH /api/utilisateurs/{id}': ({ accounts, n }) => ({ path: `/api/utilisateurs/${accounts['urps-93']!.id}`, body: { nom: `Renommé ${n}` } }),
  'POST /api/overlaps/{a}/{b}/decisions': async ({ db, region, n }) => {
    const { a, b } = await disputedPair(db, region, n);
    return { path: `/api/overlaps/${b}/${a}/decisions`, body: { decision: 'en-conciliation', note: 'Réunion prévue' } };
  },
  'POST /api/overlaps/{a}/{b}/arbitrage': async ({ db, region, n }) => {
    const { a, b, shared } = await disputedPair(db, region, n);
    return { path: `/api/overlaps/${a}/${b}/arbitrage`, body: { attributions: { [shared]: b } } };
  },
  'GET /api/audit': ({ region }) => ({ path: `/api/audit?region=${region}` }),
  'GET /api/audit.csv': ({ region }) => ({ path: `/api/audit.csv?region=${region}` }),
  // CPTS perimeter versions: FIXT-C of région 52 (own), FIXT-P of région 93 (other); see tests/helpers/register.ts
  'POST /api/cpts': ({ region, n }) => ({ path: '/api/cpts', body: { nom: `CPTS essai ${n}`, communes: [region === OWN ? '44912' : '13902'] } }),
  'POST /api/cpts/{id}/versions': async ({ db, region }) => {
    const id = cptsOf(region);
    return { path: `/api/cpts/${id}/versions`, body: { communes: [region === OWN ? '44904' : '13901'], versionAttendue: await headNumber(db, id) } };
  },
  'GET /api/cpts/{id}/versions': ({ region }) => ({ path: `/api/cpts/${cptsOf(region)}/versions` }),
  'GET /api/cpts/{id}/versions/diff': ({ region }) => ({ path: `/api/cpts/${cptsOf(region)}/versions/diff?de=1&a=1` }),
  'GET /api/cpts/{id}/versions/diff.csv': ({ region }) => ({ path: `/api/cpts/${cptsOf(region)}/versions/diff.csv?de=1&a=1` }),
  'POST /api/cpts/{id}/versions/{numero}/retour': async ({ db, region }) => {
    const id = cptsOf(region);
    return { path: `/api/cpts/${id}/versions/1/retour`, body: { versionAttendue: await headNumber(db, id) } };
  },
  'POST /api/cpts/{id}/etapes': ({ region }) => ({ path: `/api/cpts/${cptsOf(region)}/etapes`, body: { etape: 'lettre-intention', le: '2025-01-15' } }),
  'GET /api/pharmacies/{finess}/recrutement': async ({ db, region }) => ({ path: `/api/pharmacies/${await pharmacyIn(db, region)}/recrutement` }),
  'POST /api/pharmacies/{finess}/recrutement': async ({ db, region, n }) => ({
    path: `/api/pharmacies/${await pharmacyIn(db, region)}/recrutement`,
    body: { etat: 'contactee', note: `Appel ${n}` },
  }),
  'POST /api/imports': ({ region, n }) => ({ path: '/api/imports?nature=cpts&fichier=essai.csv', upload: cptsFile(region, n) }),
  'GET /api/imports/{id}': async ({ db, region, n }) => ({ path: `/api/imports/${await previewIn(db, region, n)}` }),
  'GET /api/imports': ({ region }) => ({ path: `/api/imports?region=${region}` }),
  'POST /api/imports/{id}/confirmation': async ({ db, region, n }) => ({ path: `/api/imports/${await previewIn(db, region, n)}/confirmation` }),
};

/** Sends a sample: JSON, or a file as the raw body. */
function send(srv: TestServer, method: string, sample: Sample, who: Caller): Promise<Response> {
  if (sample.upload === undefined) return call(srv, method, sample.path, who, sample.body);
  return srv.fetch(sample.path, { method: method.toUpperCase(), headers: { ...who.headers, 'content-type': 'text/csv' }, body: sample.upload });
}

/**
 * Two CPTS of the région disputing one commune of it, new for each call; each keeps a commune of its own (shared by
 * all the pairs of the région, which does not matter here).
 */
async function disputedPair(db: Db, region: string, n: number): Promise<{ a: string; b: string; shared: string }> {
  const dep = region === OWN ? '44' : '13';
  // both régions at once: once any région is known, accounts may only name known ones (POST /api/utilisateurs)
  await db.query(`INSERT INTO region (code, nom) VALUES ($1, $1), ($2, $2) ON CONFLICT DO NOTHING`, [OWN, OTHER]);
  await db.query(`INSERT INTO departement (code, nom, region) VALUES ($1, $1, $2) ON CONFLICT DO NOTHING`, [dep, region]);
  const shared = `${dep}${String(n + 10).padStart(3, '0')}`;
  for (const code of [`${dep}001`, `${dep}002`, shared]) {
    await db.query(
      `INSERT INTO commune (code, nom, departement, region, population, population_annee, source) VALUES ($1, $1, $2, $3, 100, 2023, 'test')
       ON CONFLICT DO NOTHING`,
      [code, dep, region],
    );
  }
  const [a, b] = [`paire-${n}-a`, `paire-${n}-b`];
  for (const [id, own] of [[a, `${dep}001`], [b, `${dep}002`]] as const) {
    await db.query(`INSERT INTO cpts (id, nom, statut, source) VALUES ($1, $1, 'projet', 'test')`, [id]);
    await db.query(`INSERT INTO cpts_commune (cpts_id, commune_code, source) VALUES ($1, $2, 'test'), ($1, $3, 'test')`, [id, own, shared]);
  }
  return { a, b, shared };
}

function cptsOf(region: string): string {
  return region === OWN ? 'FIXT-C' : 'FIXT-P';
}

/** What the declared access says a caller gets. */
function expected(e: EndpointDecl, as: Account | undefined, region: string): 401 | 403 | '2xx' {
  if (e.access === 'public') return '2xx';
  if (!as) return 401;
  if (!e.access.roles.includes(as.role)) return 403;
  if (e.access.region === 'own' && as.role !== 'admin' && region !== as.region) return 403;
  return '2xx';
}

const guarded = ENDPOINTS.filter((e) => e.access !== 'public');
const writes = ENDPOINTS.filter((e) => e.method !== 'get');

describe('route table', () => {
  it('every write needs an account, or is a public write listed with its reason', () => {
    const publicWrites = writes.filter((e) => e.access === 'public').map(key);
    expect(publicWrites.sort()).toEqual(Object.keys(PUBLIC_WRITES).sort());
  });

  it('every endpoint that needs an account has a sample call in this test', () => {
    expect(guarded.map(key).filter((k) => !SAMPLES[k])).toEqual([]);
    expect(Object.keys(SAMPLES).filter((k) => !guarded.some((e) => key(e) === k))).toEqual([]);
  });
});

describeEachBackend('authorisation matrix', (backend) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let srv: TestServer;
  let accounts: Record<string, Account>;
  let n = 0;

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    accounts = await createAccounts(db);
    await loadRegisterFixture(db);
    await seedCommunes(db);
    srv = await startServer(db);
  });
  afterAll(async () => {
    await importsIdle();
    await srv?.close();
    await dispose?.();
  });

  /** Every caller: anonymous, then each role's account in région 52 (and the admin), by cookie and by token. */
  const callers = (): { label: string; as?: Account; who: (a: Account) => Promise<Caller> }[] => [
    { label: 'anonyme', who: () => Promise.resolve({ headers: {} }) },
    ...ROLES.map((role) => ({
      label: `${role} (session)`,
      as: Object.values(accounts).find((a) => a.role === role && (a.region === OWN || a.region === null)),
      who: (a: Account) => signIn(srv, a.login),
    })),
    ...ROLES.map((role) => ({
      label: `${role} (jeton)`,
      as: Object.values(accounts).find((a) => a.role === role && (a.region === OWN || a.region === null)),
      who: (a: Account) => tokenOf(db, a),
    })),
  ];

  for (const e of guarded) {
    it(`${key(e)}: 401 anonymous, 403 outside its roles${e.access !== 'public' && e.access.region ? ' or région' : ''}, 2xx otherwise`, async () => {
      const seen: string[] = [];
      const want: string[] = [];
      for (const c of callers()) {
        for (const region of [OWN, OTHER]) {
          const as = c.label === 'anonyme' ? undefined : c.as;
          const who = as ? await c.who(as) : { headers: {} };
          const sample = await SAMPLES[key(e)]!({ db, accounts, as, region, n: n++ });
          if (sample.sessionOnly && c.label.endsWith('(jeton)')) continue;
          const r = await send(srv, e.method, sample, who);
          const exp = expected(e, as, region);
          seen.push(`${c.label} ${region === OWN ? 'own' : 'other'}: ${r.status >= 200 && r.status < 300 ? '2xx' : r.status}`);
          want.push(`${c.label} ${region === OWN ? 'own' : 'other'}: ${exp}`);
        }
      }
      expect(seen).toEqual(want);
    });
  }

  it('a cookie-authenticated write without its CSRF token is refused (403); with a token header none is needed', async () => {
    for (const e of guarded.filter((x) => x.method !== 'get')) {
      const { headers } = await signIn(srv, 'admin');
      const sample = await SAMPLES[key(e)]!({ db, accounts, as: accounts.admin, region: OWN, n: n++ });
      const r = await send(srv, e.method, sample, { headers: { cookie: headers.cookie! } });
      expect(r.status, key(e)).toBe(403);
      expect(((await r.json()) as { erreur: string }).erreur).toMatch(/CSRF/);
      const wrong = await send(srv, e.method, sample, { headers: { ...headers, 'x-csrf-token': 'x'.repeat(64) } });
      expect(wrong.status, key(e)).toBe(403);
    }
  });

  it('an unknown, malformed or revoked token, or a closed session, is anonymous: 401', async () => {
    for (const authorization of ['Bearer cpts_inconnu0000000000000', 'Basic YWRtaW46YWRtaW4=', 'Bearer', 'Bearer a b']) {
      expect((await call(srv, 'GET', '/api/jetons', { headers: { authorization } })).status).toBe(401);
    }
    const admin = await signIn(srv, 'admin');
    expect((await call(srv, 'DELETE', '/api/session', admin)).status).toBe(204);
    expect((await call(srv, 'GET', '/api/jetons', admin)).status).toBe(401);
  });
});

// A région-scoped write, declared and served like the real ones: the same generated check on a route of its own.
const scoped = endpoint({
  method: 'post',
  path: '/api/essai/{region}',
  tag: 'Essai',
  access: { roles: ['ars', 'urps', 'admin'], region: 'own' },
  summary: 'Écriture d’essai dans une région',
  params: z.strictObject({ region: z.string() }),
  responses: { 204: { description: 'Écrit' } },
});

describeEachBackend('région scope of a declared write', (backend) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let srv: TestServer;
  let url: string;
  let close: () => void;
  let accounts: Record<string, Account>;

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    accounts = await createAccounts(db);
    srv = await startServer(db);
    const app = express();
    const r = Router();
    serve(r, scoped, (_input, res) => void res.status(204).end(), { regionOf: ({ params }) => [params.region] });
    app.use(express.json(), cookieParser(), identify(db), r, errorHandler(createLogger('silent')));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((res) => server.once('listening', res));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
  });
  afterAll(async () => {
    close?.();
    await srv?.close();
    await dispose?.();
  });

  it('own région 2xx, another 403, anonymous 401, admin anywhere', async () => {
    const post = async (who: Caller, region: string) => (await fetch(`${url}/api/essai/${region}`, { method: 'POST', headers: who.headers })).status;
    for (const login of ['ars-52', 'urps-52']) {
      const who = await tokenOf(db, accounts[login]!);
      expect([await post(who, OWN), await post(who, OTHER)], login).toEqual([204, 403]);
    }
    const admin = await signIn(srv, 'admin');
    expect([await post(admin, OWN), await post(admin, OTHER)]).toEqual([204, 204]);
    expect(await post({ headers: {} }, OWN)).toBe(401);
  });

  it('a région-scoped endpoint served without saying which régions its input concerns does not start', () => {
    expect(() => serve(Router(), scoped, () => undefined)).toThrow(/regionOf/);
  });
});
