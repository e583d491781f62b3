// Accounts, sessions, API tokens and the audit trail over HTTP: the append-only table, what each write records, the
// cookie's attributes, password change, token revocation, the login rate limit, and no secret in the logs.
import { Writable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse/sync';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { audited, CLI_ACTOR } from '../../server/src/auth/audit.js';
import type { Db } from '../../server/src/db/port.js';
import { call, createAccounts, OTHER, OWN, PASSWORD, signIn, tokenOf, type Account } from '../helpers/auth.js';
import { describeEachBackend } from '../helpers/db.js';
import { startServer, type TestServer } from '../helpers/http.js';

interface Entry {
  action: string;
  auteur: string;
  sessionId: number | null;
  jetonId: number | null;
  region: string | null;
  avant: unknown;
  apres: unknown;
}

describeEachBackend('accounts, sessions, tokens and audit', (backend) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let srv: TestServer;
  let accounts: Record<string, Account>;
  let logged = '';

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    accounts = await createAccounts(db);
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => ((logged += chunk.toString()), done()) });
    const log = pino({ level: 'debug', base: undefined }, sink);
    srv = await startServer(db, { log, config: { trustProxy: 1 } });
  });
  afterAll(async () => {
    await srv?.close();
    await dispose?.();
  });

  const auditOf = async (query = '') => {
    const admin = await tokenOf(db, accounts.admin!);
    const r = await call(srv, 'GET', `/api/audit${query}`, admin);
    return ((await r.json()) as { entrees: Entry[] }).entrees;
  };

  it('the audit table refuses UPDATE, DELETE and TRUNCATE, whoever asks', async () => {
    await db.query(`INSERT INTO audit (auteur, action, cible_type) VALUES ('test', 'essai', 'essai')`);
    await expect(db.query(`UPDATE audit SET auteur = 'autre'`)).rejects.toThrow(/append-only/);
    await expect(db.query('DELETE FROM audit')).rejects.toThrow(/append-only/);
    await expect(db.query('TRUNCATE audit')).rejects.toThrow(/append-only/);
    const grants = await db.query(`SELECT privilege_type FROM information_schema.role_table_grants WHERE table_name = 'audit' AND grantee = 'PUBLIC'`);
    expect(grants.rows).toEqual([]);
  });

  it('a write and its audit row are one transaction: a failure leaves neither', async () => {
    const before = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit')).rows[0]!.n;
    await expect(
      audited(db, CLI_ACTOR, async (tx, log) => {
        await tx.query(`INSERT INTO utilisateur (identifiant, nom, role) VALUES ('fantome', 'Fantôme', 'admin')`);
        await log({ action: 'utilisateur.creation', cibleType: 'utilisateur' });
        throw new Error('échec après écriture');
      }),
    ).rejects.toThrow('échec');
    expect((await db.query(`SELECT 1 FROM utilisateur WHERE identifiant = 'fantome'`)).rows).toEqual([]);
    expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit')).rows[0]!.n).toBe(before);
  });

  it('login: wrong password or unknown login 401 in the same words, recorded; success sets an HttpOnly SameSite cookie', async () => {
    const wrong = await srv.postJson('/api/session', { identifiant: 'ars-52', motDePasse: 'pas le bon mot de passe' });
    const unknown = await srv.postJson('/api/session', { identifiant: 'personne', motDePasse: PASSWORD });
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect(wrong.body.erreur).toBe(unknown.body.erreur);
    const r = await srv.fetch('/api/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ identifiant: 'ARS-52', motDePasse: PASSWORD }),
    });
    expect(r.status).toBe(200);
    const cookie = r.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^cpts_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toMatch(/Secure/);
    const body = (await r.json()) as { utilisateur: { identifiant: string; role: string; region: string } };
    expect(body.utilisateur).toMatchObject({ identifiant: 'ars-52', role: 'ars', region: OWN });
    const failures = await auditOf('?action=session.echec');
    expect(failures.map((e) => (e.apres as { identifiant: string }).identifiant).sort()).toEqual(['ars-52', 'personne']);
    expect((await auditOf('?action=session.ouverture'))[0]).toMatchObject({ auteur: 'ars-52', region: OWN });
  });

  it('behind an HTTPS proxy (trusted) the cookie is Secure', async () => {
    const r = await srv.fetch('/api/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
      body: JSON.stringify({ identifiant: 'urps-52', motDePasse: PASSWORD }),
    });
    expect(r.headers.get('set-cookie')).toMatch(/; Secure/);
  });

  it('GET /api/session: null for a reader, the user and the CSRF token once signed in; logout closes it', async () => {
    expect((await srv.getJson('/api/session')).body).toEqual({ utilisateur: null, jetonCsrf: null, oidc: false });
    const who = await signIn(srv, 'urps-93');
    const me = (await (await call(srv, 'GET', '/api/session', who)).json()) as { utilisateur: { region: string }; jetonCsrf: string };
    expect(me.utilisateur.region).toBe(OTHER);
    expect(me.jetonCsrf).toBe(who.headers['x-csrf-token']);
    const out = await call(srv, 'DELETE', '/api/session', who);
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/cpts_session=;/);
    expect((await (await call(srv, 'GET', '/api/session', who)).json()) as object).toMatchObject({ utilisateur: null });
  });

  it('password change: the current one is checked, the new one works, the old one and the other sessions no longer', async () => {
    const other = await signIn(srv, 'urps-52');
    const who = await signIn(srv, 'urps-52');
    const bad = await call(srv, 'PUT', '/api/moi/mot-de-passe', who, { actuel: 'faux mot de passe', nouveau: 'un nouveau mot de passe' });
    expect(bad.status).toBe(400);
    const short = await call(srv, 'PUT', '/api/moi/mot-de-passe', who, { actuel: PASSWORD, nouveau: 'court' });
    expect(((await short.json()) as { erreur: string }).erreur).toMatch(/au moins 12 caractères/);
    expect((await call(srv, 'PUT', '/api/moi/mot-de-passe', who, { actuel: PASSWORD, nouveau: 'un nouveau mot de passe' })).status).toBe(204);
    expect((await srv.postJson('/api/session', { identifiant: 'urps-52', motDePasse: PASSWORD })).status).toBe(401);
    expect((await call(srv, 'GET', '/api/jetons', other)).status).toBe(401);
    expect((await call(srv, 'GET', '/api/jetons', who)).status).toBe(200);
    const back = await signIn(srv, 'urps-52', 'un nouveau mot de passe');
    expect((await call(srv, 'PUT', '/api/moi/mot-de-passe', back, { actuel: 'un nouveau mot de passe', nouveau: PASSWORD })).status).toBe(204);
  });

  it('API tokens: the secret shown once, listed without it, usable as Bearer, revoked for good; each step audited', async () => {
    const who = await signIn(srv, 'ars-93');
    const created = await call(srv, 'POST', '/api/jetons', who, { nom: 'script de suivi' });
    expect(created.status).toBe(201);
    const { jeton, secret } = (await created.json()) as { jeton: { id: number; prefixe: string }; secret: string };
    expect(secret).toMatch(/^cpts_[A-Za-z0-9_-]{43}$/);
    expect(secret.startsWith(jeton.prefixe)).toBe(true);
    const list = await (await call(srv, 'GET', '/api/jetons', who)).text();
    expect(list).not.toContain(secret);
    const bearer = { headers: { authorization: `Bearer ${secret}` } };
    const me = (await (await call(srv, 'GET', '/api/session', bearer)).json()) as { utilisateur: { authentification: string } };
    expect(me.utilisateur.authentification).toBe('jeton');
    const past = await call(srv, 'POST', '/api/jetons', who, { nom: 'périmé', expireLe: '2020-01-01T00:00:00Z' });
    expect(((await past.json()) as { erreur: string }).erreur).toMatch(/expireLe doit être dans le futur/);
    const created2 = await call(srv, 'POST', '/api/jetons', bearer, { nom: 'fait par jeton, sans CSRF' });
    expect(created2.status).toBe(201);
    expect((await call(srv, 'DELETE', `/api/jetons/${jeton.id}`, who)).status).toBe(204);
    expect((await call(srv, 'GET', '/api/jetons', bearer)).status).toBe(401);
    const other = await signIn(srv, 'ars-52');
    expect((await call(srv, 'DELETE', `/api/jetons/${jeton.id}`, other)).status).toBe(404);
    const entries = await auditOf('?action=jeton');
    const byToken = entries.find((e) => (e.apres as { nom: string }).nom === 'fait par jeton, sans CSRF')!;
    expect(byToken).toMatchObject({ action: 'jeton.creation', auteur: 'ars-93', jetonId: jeton.id, sessionId: null });
    expect(entries.find((e) => e.action === 'jeton.revocation')!.sessionId).not.toBeNull();
    expect(JSON.stringify(entries)).not.toContain(secret);
  });

  it('accounts (admin): a login once, région by role, deactivation ends the sessions; before/after audited without the hash', async () => {
    const admin = await signIn(srv, 'admin');
    const body = { identifiant: 'Nouvelle.ARS', nom: 'Nouvelle ARS', role: 'ars', region: OTHER, motDePasse: PASSWORD };
    const created = await call(srv, 'POST', '/api/utilisateurs', admin, body);
    expect(created.status).toBe(201);
    const user = (await created.json()) as { id: number; identifiant: string };
    expect(user.identifiant).toBe('nouvelle.ars');
    expect((await call(srv, 'POST', '/api/utilisateurs', admin, { ...body, identifiant: 'NOUVELLE.ars' })).status).toBe(409);
    const noRegion = await call(srv, 'POST', '/api/utilisateurs', admin, { ...body, identifiant: 'sans-region', region: undefined });
    expect(noRegion.status).toBe(400);
    expect(((await noRegion.json()) as { erreur: string }).erreur).toMatch(/région/);
    const session = await signIn(srv, 'nouvelle.ars');
    const off = await call(srv, 'PATCH', `/api/utilisateurs/${user.id}`, admin, { actif: false, nom: 'Ancienne ARS' });
    expect(off.status).toBe(200);
    expect((await call(srv, 'GET', '/api/jetons', session)).status).toBe(401);
    expect((await srv.postJson('/api/session', { identifiant: 'nouvelle.ars', motDePasse: PASSWORD })).status).toBe(401);
    expect((await call(srv, 'PATCH', '/api/utilisateurs/999999', admin, { nom: 'x' })).status).toBe(404);
    // once régions are imported, a code none of them has is refused
    await db.query(`INSERT INTO region (code, nom) VALUES ('93', 'Provence-Alpes-Côte d’Azur')`);
    const unknownRegion = await call(srv, 'POST', '/api/utilisateurs', admin, { ...body, identifiant: 'region-inconnue', region: '99' });
    expect(((await unknownRegion.json()) as { erreur: string }).erreur).toMatch(/^Région inconnue : 99/);
    await db.query(`DELETE FROM region WHERE code = '93'`);
    const [change] = await auditOf('?action=utilisateur.modification');
    expect(change).toMatchObject({ auteur: 'admin', region: OTHER, avant: { nom: 'Nouvelle ARS', actif: true }, apres: { nom: 'Ancienne ARS', actif: false } });
    expect(change!.sessionId).not.toBeNull();
    expect(JSON.stringify(await auditOf())).not.toMatch(/argon2/);
  });

  it('the audit trail: filters, CSV, and an ARS user sees their région only', async () => {
    const ars = await tokenOf(db, accounts['ars-52']!);
    const mine = (await (await call(srv, 'GET', '/api/audit', ars)).json()) as { entrees: Entry[] };
    expect(mine.entrees.length).toBeGreaterThan(0);
    expect(new Set(mine.entrees.map((e) => e.region))).toEqual(new Set([OWN]));
    expect((await call(srv, 'GET', `/api/audit?region=${OTHER}`, ars)).status).toBe(403);
    expect((await call(srv, 'GET', '/api/audit?depuis=hier', ars)).status).toBe(400);
    const today = new Date().toISOString().slice(0, 10);
    const admin = await tokenOf(db, accounts.admin!);
    const csv = await call(srv, 'GET', `/api/audit.csv?depuis=${today}&jusqua=${today}&action=session`, admin);
    const rows = parseCsv((await csv.text()).replace(/^\uFEFF/, ''), { delimiter: ';' }) as string[][];
    expect(rows[0]).toEqual(['id', 'le', 'auteur', 'utilisateur', 'session', 'jeton', 'action', 'cible', 'cibleId', 'region', 'avant', 'apres']);
    expect(rows.length).toBeGreaterThan(3);
    expect(rows.slice(1).every((r) => r[6]!.startsWith('session.'))).toBe(true);
    expect((await call(srv, 'GET', '/api/audit?jusqua=2000-01-01', admin).then((r) => r.json())) as object).toEqual({ nombre: 0, entrees: [] });
  });

  it('nothing secret in the logs: no password, session cookie, CSRF token nor API token', async () => {
    const who = await signIn(srv, 'admin');
    const token = await call(srv, 'POST', '/api/jetons', who, { nom: 'pour les journaux' });
    const { secret } = (await token.json()) as { secret: string };
    await call(srv, 'GET', '/api/jetons', { headers: { authorization: `Bearer ${secret}` } });
    await call(srv, 'GET', '/api/jetons', { headers: { authorization: `Bearer ${secret}x` } });
    expect(logged).toContain('/api/session');
    for (const s of [PASSWORD, who.cookie!, who.headers['x-csrf-token']!, secret]) expect(logged).not.toContain(s);
  });
});

describeEachBackend('login rate limit', (backend) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let srv: TestServer;

  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    await createAccounts(db);
    srv = await startServer(db, { config: { rateLimits: { exportsPerMinute: 0, analysesPerMinute: 0, loginFailuresPerQuarter: 3 } } });
  });
  afterAll(async () => {
    await srv?.close();
    await dispose?.();
  });

  it('after 3 failed logins from an address, the 4th attempt is refused with 429 in French, even with the right password', async () => {
    expect((await srv.postJson('/api/session', { identifiant: 'admin', motDePasse: PASSWORD })).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await srv.postJson('/api/session', { identifiant: 'admin', motDePasse: 'faux' })).status).toBe(401);
    const r = await srv.postJson('/api/session', { identifiant: 'admin', motDePasse: PASSWORD });
    expect(r.status).toBe(429);
    expect(r.body.erreur).toMatch(/Trop d’essais de connexion/);
  });
});
