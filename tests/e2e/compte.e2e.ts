// Accounts in the browser: a public reader sees « Se connecter » and no account; a wrong password is refused in
// French; the admin made by `npm run user -- add` (tests/e2e/setup.ts) signs in, sees their name and role, and
// signs out; an ARS account the admin creates signs in with its région; the API refuses the anonymous writes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseUrl, createAccount, E2E_ADMIN, expectCleanRun, openJourney, skipReason, squash, suiteTitle, type Journey } from './harness.js';

describe.skipIf(skipReason !== null)(suiteTitle('e2e: connexion et déconnexion'), () => {
  let j: Journey;
  beforeAll(async () => {
    j = await openJourney();
    // the wrong-password step gets its 401 on purpose
    j.allow.push(/Failed to load resource: the server responded with a status of 401/);
  });
  afterAll(async () => {
    await j?.close();
  });

  const signIn = async (login: string, password: string) => {
    const { page } = j;
    await page.getByRole('button', { name: 'Se connecter' }).click();
    const form = page.getByRole('form', { name: 'Connexion' });
    await form.getByLabel('Identifiant').fill(login);
    await form.getByLabel('Mot de passe').fill(password);
    await form.getByRole('button', { name: 'Se connecter' }).click();
  };

  it('a public reader sees « Se connecter » and no account; a wrong password is refused in French', async () => {
    const { page } = j;
    await page.goto(baseUrl() + '/');
    await expect.poll(() => page.getByRole('button', { name: 'Se connecter' }).count()).toBe(1);
    expect(await page.getByTestId('account').count()).toBe(0);
    await signIn(E2E_ADMIN.login, 'pas le bon mot de passe');
    await expect.poll(async () => squash(await page.getByRole('alert').textContent().catch(() => ''))).toBe('Identifiant ou mot de passe incorrect');
    expect(await page.getByTestId('account').count()).toBe(0);
  });

  it('the admin signs in, sees their name and role, keeps the session on reload, and signs out', async () => {
    const { page } = j;
    await page.getByRole('form', { name: 'Connexion' }).getByLabel('Mot de passe').fill(E2E_ADMIN.password);
    await page.getByRole('form', { name: 'Connexion' }).getByRole('button', { name: 'Se connecter' }).click();
    await expect.poll(async () => squash(await page.getByTestId('account-name').textContent().catch(() => ''))).toBe(E2E_ADMIN.nom);
    expect(squash(await page.getByTestId('account-role').textContent())).toBe('Administrateur');
    const cookies = await j.context.cookies();
    expect(cookies.find((c) => c.name === 'cpts_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    await page.reload();
    await expect.poll(async () => squash(await page.getByTestId('account-name').textContent().catch(() => ''))).toBe(E2E_ADMIN.nom);
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Se connecter' }).count()).toBe(1);
    expect(await page.getByTestId('account').count()).toBe(0);
    await page.reload();
    await expect.poll(() => page.getByRole('button', { name: 'Se connecter' }).count()).toBe(1);
  });

  it('an ARS account created by the admin signs in with its région; the API refuses an anonymous write (401)', async () => {
    const { page } = j;
    // the admin creates it through the API, as a script with a personal token would
    const created = await createAccount({ identifiant: 'ars-paca', nom: 'Agente ARS PACA', role: 'ars', region: '93', motDePasse: 'un mot de passe ARS' });
    expect(created.status).toBe(201);
    await signIn('ars-paca', 'un mot de passe ARS');
    await expect.poll(async () => squash(await page.getByTestId('account-role').textContent().catch(() => ''))).toBe('ARS · région 93');
    const anonymous = await fetch(baseUrl() + '/api/jetons', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"nom":"x"}' });
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { erreur: string }).erreur).toMatch(/^Connexion requise/);
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Se connecter' }).count()).toBe(1);
    expectCleanRun(j);
  });
});
