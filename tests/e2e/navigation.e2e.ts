// The home screen, the header search, and what a user sees when a link names something that does not exist or a
// filter matches nothing: a French message in the panel, never a blank page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  baseUrl,
  digits,
  expectCleanRun,
  expectMapShown,
  hashParams,
  openJourney,
  screenshot,
  skipReason,
  squash,
  suiteTitle,
  type Journey,
} from './harness.js';

interface Hit {
  type: string;
  id: string;
  libelle: string;
}

// The whole suite is skipped, with the reason in its title, when Debian's chromium is not installed.
describe.skipIf(skipReason !== null)(suiteTitle('e2e: accueil, recherche, erreurs'), () => {
  let j: Journey;
  beforeAll(async () => {
    j = await openJourney();
    // the error-state tests provoke these on purpose (the API answers 404 with a French message)
    j.allow.push(/Failed to load resource: the server responded with a status of 404/);
  });
  afterAll(async () => {
    await j?.close();
  });

  it('the home screen offers the three journeys over the map', async () => {
    const { page } = j;
    await page.goto(baseUrl() + '/');
    expect(squash(await page.getByRole('heading', { level: 1 }).textContent())).toBe('Exercice coordonné : CPTS, maisons de santé et officines');
    const titles = (await page.locator('.choice-title').allTextContents()).map(squash);
    expect(titles).toEqual(['Planificateur ARS', 'URPS pharmaciens', 'Pharmacien']);
    expect(await page.title()).toBe('CPTS territoires');
    await expectMapShown(page);
    await page.getByTestId('legend').waitFor();
    expect(await page.getByTestId('layer-cpts').isChecked()).toBe(true);
    await screenshot(page, 'screenshot-accueil');
  });

  it('the header search opens a CPTS sheet (keyboard: Enter on the first result)', async () => {
    const { page } = j;
    const hits = (await api<{ resultats: Hit[] }>('/api/search?q=CPTS%20ANL&limit=15')).resultats;
    expect(hits[0]).toMatchObject({ type: 'cpts', id: '440056653' });
    const sheet = await api<{ nom: string; population: number; bande: string }>('/api/cpts/440056653');
    const input = page.getByTestId('search-input');
    await input.fill('CPTS ANL');
    await expect.poll(() => page.getByTestId('search-result').count()).toBe(hits.length);
    await input.press('Enter');
    await expect.poll(() => hashParams(page).get('sel')).toBe('cpts:440056653');
    expect(hashParams(page).get('j')).toBe('ars');
    await page.getByTestId('cpts-sheet').waitFor();
    expect(squash(await page.getByTestId('cpts-sheet').getByRole('heading', { level: 2 }).textContent())).toBe(sheet.nom);
    expect(digits(await page.getByTestId('cpts-population').textContent())).toBe(sheet.population);
    expect(await page.title()).toBe('Planificateur ARS — CPTS territoires');
  });

  it('an unknown CPTS in the URL: a French error in the panel, the app still around it', async () => {
    const { page } = j;
    await page.goto(`${baseUrl()}/#j=ars&tab=cpts&sel=cpts:INCONNU-999`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const res = await fetch(`${baseUrl()}/api/cpts/INCONNU-999`);
    expect(res.status).toBe(404);
    const { erreur } = (await res.json()) as { erreur: string };
    expect(squash(await alert.textContent())).toBe(squash(erreur));
    expect(erreur).toMatch(/introuvable/);
    expect(await page.getByTestId('journey-ars-panel').getByRole('heading', { level: 1 }).textContent()).toBe('Planificateur ARS');
    expect(await page.getByRole('button', { name: '← Toutes les CPTS' }).isVisible()).toBe(true);
    await expectMapShown(page);
    // going back to the list works
    await page.getByRole('button', { name: '← Toutes les CPTS' }).click();
    await page.getByTestId('cpts-table').waitFor();
    expect(hashParams(page).get('sel')).toBeNull();
  });

  it('an unknown pharmacy in the URL: a French error in the pharmacist panel', async () => {
    const { page } = j;
    await page.goto(`${baseUrl()}/#j=pharmacien&sel=pharmacie:999999999`);
    const alert = page.getByTestId('journey-pharmacien-panel').getByRole('alert');
    await alert.waitFor();
    expect(squash(await alert.textContent())).toBe('Aucune officine n’a le numéro FINESS 999999999');
    expect(await page.getByTestId('pharmacist-search-input').isVisible()).toBe(true);
  });

  it('filters that match nothing say so', async () => {
    const { page } = j;
    const none = await api<{ total: number }>('/api/pharmacies?departement=53&statut=couverte-sans-adhesion&limit=1');
    expect(none.total).toBe(0);
    await page.goto(`${baseUrl()}/#j=urps&dep=53&statut=couverte-sans-adhesion`);
    await page.getByTestId('pharmacy-total').waitFor();
    expect(Number(await page.getByTestId('pharmacy-total').getAttribute('data-count'))).toBe(0);
    expect(squash(await page.getByTestId('journey-urps-panel').textContent())).toContain('Aucune officine ne correspond à ces filtres.');
    expect(await page.getByTestId('pharmacy-row').count()).toBe(0);

    const overlaps53 = await api<{ nombre: number }>('/api/overlaps?departement=53');
    expect(overlaps53.nombre).toBe(0);
    await page.goto(`${baseUrl()}/#j=ars&tab=overlaps&dep=53`);
    await expect
      .poll(async () => squash(await page.getByTestId('journey-ars-panel').textContent()))
      .toContain('Aucune paire de CPTS ne partage de commune sur ce territoire');
  });

  it('a perimeter of unknown INSEE codes only: the codes are named, no figures for an empty perimeter', async () => {
    const { page } = j;
    await page.goto(`${baseUrl()}/#j=ars&tab=perimeter`);
    await page.getByTestId('perimeter-codes').fill('99999');
    await page.getByTestId('perimeter-add-codes').click();
    const result = page.getByTestId('perimeter-result');
    await result.waitFor();
    await expect.poll(async () => squash(await result.textContent())).toContain('introuvable');
    expect(squash(await page.getByTestId('perimeter-warnings').textContent())).toContain('99999');
    expect(await page.getByTestId('perimeter-band').count(), 'no ACI band for an empty perimeter').toBe(0);
    expect(await page.getByTestId('perimeter-communes').count()).toBe(0);
  });

  it('an unknown journey or path falls back to the home screen', async () => {
    const { page } = j;
    await page.goto(`${baseUrl()}/quelque/part#j=nimportequoi`);
    await page.getByTestId('journey-ars').waitFor();
    expect(await page.locator('.choice').count()).toBe(3);
  });

  it('the network guard records a request that leaves the test server (so the last check can fail)', async () => {
    const { page } = j;
    const url = 'https://example.invalid/guard.css'; // style-src allows https: the page would fetch it
    await page.evaluate((href) => {
      const l = document.createElement('link');
      l.rel = 'stylesheet';
      l.href = href;
      document.head.append(l);
    }, url);
    await expect.poll(() => j.foreign.includes(url)).toBe(true);
    // forget this provoked request and the console error of its aborted load
    await page.waitForTimeout(200);
    j.foreign.splice(0, j.foreign.length, ...j.foreign.filter((u) => u !== url));
    j.errors.splice(0, j.errors.length, ...j.errors.filter((e) => !/ERR_INTERNET_DISCONNECTED/.test(e)));
  });

  it('made no request outside the test server and raised no page error', () => {
    expectCleanRun(j);
  });
});
