// Single sign-on against a real OpenID provider started by the test (oidc-provider, its development login pages):
// the authorisation code flow with PKCE, state and nonce, the role mapping table, the session it opens, the refusals.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../server/src/app.js';
import { CLI_ACTOR } from '../../server/src/auth/audit.js';
import { setOidcRole } from '../../server/src/auth/oidc-roles.js';
import type { Db } from '../../server/src/db/port.js';
import { createLogger } from '../../server/src/logger.js';
import { describeEachBackend } from '../helpers/db.js';
import { checkAnswer } from '../helpers/http.js';

const listen = async (s: Server) => {
  s.listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
};

/** The identities the provider knows, by login: ProConnect's claims. */
const PEOPLE: Record<string, Record<string, string>> = {
  agnes: { email: 'agnes.martin@ars.sante.fr', given_name: 'Agnès', usual_name: 'Martin', siret: '13000000000001' },
  inconnu: { email: 'quelquun@exemple.fr', given_name: 'Quelqu’un', usual_name: 'Inconnu', siret: '99999999999999' },
};

describeEachBackend('single sign-on (OpenID Connect)', (backend) => {
  let db: Db;
  let dispose: () => Promise<void>;
  const idp = createServer();
  const web = createServer();
  let issuer: string;
  let app: string;

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    issuer = await listen(idp);
    app = await listen(web);
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: 'cpts-territoires',
          client_secret: 'un secret de client de test',
          redirect_uris: [`${app}/api/session/oidc/retour`],
          grant_types: ['authorization_code'],
          response_types: ['code'],
        },
      ],
      claims: { openid: ['sub'], email: ['email'], given_name: ['given_name'], usual_name: ['usual_name'], siret: ['siret'] },
      findAccount: (_ctx, id) => (PEOPLE[id] ? { accountId: id, claims: () => ({ sub: id, ...PEOPLE[id] }) } : undefined),
      cookies: { keys: ['une clé de cookie de test'] },
    });
    idp.on('request', provider.callback());
    const config = {
      oidc: {
        issuer,
        clientId: 'cpts-territoires',
        clientSecret: 'un secret de client de test',
        redirectUri: `${app}/api/session/oidc/retour`,
        scopes: 'openid email given_name usual_name siret',
      },
    };
    web.on('request', createApp({ db, log: createLogger('silent'), config }));
    await setOidcRole(db, CLI_ACTOR, 'domaine', 'ars.sante.fr', { role: 'ars', region: '93' });
  });
  afterAll(async () => {
    idp.close();
    web.close();
    await dispose?.();
  });

  /** A request to the app, checked against its declaration. */
  const appFetch = async (path: string, cookie = '') => {
    const r = await fetch(app + path, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    checkAnswer('GET', path, r.status, (n) => r.headers.get(n) ?? undefined, Buffer.from(await r.clone().arrayBuffer()));
    return r;
  };

  /** A browser going through the provider's login and consent pages as `login`, up to the app's callback. */
  async function throughProvider(start: string, login: string): Promise<string> {
    const jar = new Map<string, string>();
    let url = start;
    let init: RequestInit = {};
    for (let hop = 0; hop < 20; hop++) {
      if (url.startsWith(app)) return url;
      const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
      const r = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers ?? {}), cookie } });
      for (const c of r.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const i = pair!.indexOf('=');
        jar.set(pair!.slice(0, i), pair!.slice(i + 1));
      }
      init = {};
      const location = r.headers.get('location');
      if (location) {
        url = new URL(location, url).href;
        continue;
      }
      const html = await r.text();
      const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
      if (!action) throw new Error(`provider page without a form (${r.status}): ${html.slice(0, 300)}`);
      const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
      const form = new URLSearchParams(prompt === 'login' ? { prompt, login, password: 'x' } : { prompt: prompt ?? 'consent' });
      url = new URL(action, url).href;
      init = { method: 'POST', body: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
    }
    throw new Error('too many redirections');
  }

  async function signOn(login: string) {
    const start = await appFetch('/api/session/oidc');
    expect(start.status).toBe(302);
    const flowCookie = /cpts_oidc=[^;]+/.exec(start.headers.get('set-cookie') ?? '')![0];
    expect(start.headers.get('set-cookie')).toMatch(/HttpOnly/);
    const authorize = new URL(start.headers.get('location')!);
    expect(authorize.origin).toBe(issuer);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    const callback = await throughProvider(authorize.href, login);
    return { callback: callback.slice(app.length), flowCookie };
  }

  it('an identity whose e-mail domain is mapped gets an ARS account in its région and a session', async () => {
    const { callback, flowCookie } = await signOn('agnes');
    const back = await appFetch(callback, flowCookie);
    expect(back.status).toBe(302);
    expect(back.headers.get('location')).toBe('/');
    const session = /cpts_session=[^;]+/.exec(back.headers.get('set-cookie') ?? '')![0];
    const me = (await (await appFetch('/api/session', session)).json()) as { utilisateur: Record<string, unknown> };
    expect(me.utilisateur).toMatchObject({ identifiant: 'agnes.martin@ars.sante.fr', nom: 'Agnès Martin', role: 'ars', region: '93' });
    const rows = await db.query<{ action: string; auteur: string }>(`SELECT action, auteur FROM audit WHERE action IN ('utilisateur.creation', 'session.ouverture') ORDER BY id`);
    expect(rows.rows).toEqual([
      { action: 'utilisateur.creation', auteur: 'oidc' },
      { action: 'session.ouverture', auteur: 'agnes.martin@ars.sante.fr' },
    ]);
    // a second sign-on finds the same account
    const again = await signOn('agnes');
    expect((await appFetch(again.callback, again.flowCookie)).status).toBe(302);
    expect((await db.query(`SELECT 1 FROM utilisateur WHERE oidc_sujet IS NOT NULL`)).rows).toHaveLength(1);
  });

  it('an identity no row of the mapping matches is refused (401 in French), and no account is made', async () => {
    const { callback, flowCookie } = await signOn('inconnu');
    const back = await appFetch(callback, flowCookie);
    expect(back.status).toBe(401);
    expect(((await back.json()) as { erreur: string }).erreur).toMatch(/Aucun rôle/);
    expect((await db.query(`SELECT 1 FROM utilisateur WHERE identifiant = 'quelquun@exemple.fr'`)).rows).toEqual([]);
  });

  it('a callback without the browser’s flow cookie, or with a forged state, is refused (401)', async () => {
    const { callback, flowCookie } = await signOn('agnes');
    expect((await appFetch(callback)).status).toBe(401);
    const forged = callback.replace(/state=[^&]+/, 'state=forge');
    expect((await appFetch(forged, flowCookie)).status).toBe(401);
  });

  it('without OIDC settings the sign-on routes are 404', async () => {
    const plain = createServer(createApp({ db, log: createLogger('silent'), config: {} }));
    const url = await listen(plain);
    const r = await fetch(`${url}/api/session/oidc`, { redirect: 'manual' });
    expect(r.status).toBe(404);
    plain.close();
  });
});
