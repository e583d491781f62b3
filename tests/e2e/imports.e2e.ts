// Web imports in the browser: the admin signs in, opens « Imports », uploads a small CPTS file (a demo CPTS with
// another status), sees the preview (one CPTS changed, nothing written yet), applies it, follows it to its result,
// and the API shows the new status; the list of past imports shows it at the top. The demo data is restored afterwards (same file, original status) for the
// suites that run after this one.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, axeViolations, baseUrl, E2E_ADMIN, expectCleanRun, openJourney, screenshot, skipReason, squash, suiteTitle, type Journey } from './harness.js';

const FILE = 'cpts-proposition-illustrative.csv';
const CPTS = 'ILLUSTR-44-NOZAY';

/** The demo file's rows of one CPTS, with its status replaced. */
async function cptsFile(statut: string): Promise<string> {
  const text = await readFile(fileURLToPath(new URL(`../../geodata/${FILE}`, import.meta.url)), 'utf8');
  const [head, ...rows] = text.trim().split('\n');
  return [head, ...rows.filter((r) => r.startsWith(`${CPTS};`)).map((r) => r.replace(/;projet;/, `;${statut};`))].join('\n') + '\n';
}

/** Imports a file through the API as the admin (a script would do the same with a token). */
async function importByApi(body: string): Promise<void> {
  const s = await fetch(baseUrl() + '/api/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ identifiant: E2E_ADMIN.login, motDePasse: E2E_ADMIN.password }),
  });
  const headers = { cookie: /cpts_session=[^;]+/.exec(s.headers.get('set-cookie') ?? '')![0], 'x-csrf-token': ((await s.json()) as { jetonCsrf: string }).jetonCsrf };
  const up = (await (await fetch(`${baseUrl()}/api/imports?nature=cpts&fichier=${FILE}&perimetre=illustratif`, { method: 'POST', headers, body })).json()) as { id: number };
  await fetch(`${baseUrl()}/api/imports/${up.id}/confirmation`, { method: 'POST', headers });
  // outside a test (afterAll): a plain wait for the end of the apply
  for (let i = 0; i < 150; i++) {
    const { etat } = (await (await fetch(`${baseUrl()}/api/imports/${up.id}`, { headers })).json()) as { etat: string };
    if (etat !== 'en-cours') return void expect(etat).toBe('applique');
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`web import ${up.id} still running`);
}

describe.skipIf(skipReason !== null)(suiteTitle('e2e: imports web'), () => {
  let j: Journey;
  beforeAll(async () => {
    j = await openJourney();
  });
  afterAll(async () => {
    await j?.close();
    if (!skipReason) await importByApi(await cptsFile('projet'));
  });

  it('the admin previews a CPTS file, applies it, and sees the result', async () => {
    const { page } = j;
    await page.goto(baseUrl() + '/#j=ars');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    const form = page.getByRole('form', { name: 'Connexion' });
    await form.getByLabel('Identifiant').fill(E2E_ADMIN.login);
    await form.getByLabel('Mot de passe').fill(E2E_ADMIN.password);
    await form.getByRole('button', { name: 'Se connecter' }).click();
    await expect.poll(async () => squash(await page.getByTestId('account-name').textContent().catch(() => ''))).toBe(E2E_ADMIN.nom);
    await page.getByTestId('tab-imports').click();

    await page.getByTestId('import-file').setInputFiles({ name: FILE, mimeType: 'text/csv', buffer: Buffer.from(await cptsFile('pré-projet')) });
    await page.getByTestId('import-perimetre').selectOption('illustratif');
    await page.getByTestId('import-preview').click();
    const changes = page.getByTestId('import-changes');
    await changes.waitFor();
    const row = (label: string) => changes.getByRole('row', { name: new RegExp(`^${label} `) }).getByRole('cell');
    expect(await row('CPTS').allTextContents()).toEqual(['0', '1', '0']);
    expect(await row('Communes des CPTS').allTextContents()).toEqual(['0', '0', '0']);
    expect(squash(await page.getByTestId('import-state').textContent())).toMatch(/^Aperçu \(rien n’est encore appliqué\)/);
    expect((await api<{ statut: string }>(`/api/cpts/${CPTS}`)).statut).toBe('projet');
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'screenshot-imports-apercu');

    await page.getByTestId('import-confirm').click();
    await expect.poll(async () => squash(await page.getByTestId('import-result').textContent().catch(() => '')), { timeout: 30_000 }).toMatch(/^Import appliqué/);
    expect(squash(await page.getByTestId('import-state').textContent())).toMatch(/^Appliqué/);
    expect((await api<{ statut: string }>(`/api/cpts/${CPTS}`)).statut).toBe('pre-projet');
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'screenshot-imports-resultat');

    // the list of past imports, newest first: this one at the top, applied, with what it changed
    const top = page.getByTestId('imports-list').getByTestId('imports-list-row').first();
    await expect.poll(async () => squash(await top.getByTestId('imports-list-state').textContent().catch(() => '')), { timeout: 30_000 }).toBe('Appliqué');
    expect(await top.getByTestId('imports-list-file').textContent()).toBe(FILE);
    expect((await top.getByRole('cell').allTextContents()).slice(3, 6)).toEqual(['0', '1', '0']);
    expect(await axeViolations(page)).toEqual([]);
    await top.scrollIntoViewIfNeeded();
    await screenshot(page, 'screenshot-imports-liste');
    expectCleanRun(j);
  }, 240_000); // two imports on a cold embedded database, on a shared machine
});
