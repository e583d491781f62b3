// Issue 9, item 8, the ARS journey of perimeter versions in Chromium: an anonymous visitor sees no edit control; an
// ARS user of the région signs in, creates a CPTS dated in the past, edits its perimeter and sees the size band change
// live, saves a version, opens the history and the diff (map, CSV), meets a conflict that loses nothing, reverts,
// adds a dated step and views the map as of an earlier date; axe finds nothing serious; desktop and phone layouts.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, apiSession, apiWrite, axeViolations, baseUrl, bboxOf, E2E_ADMIN, expectCleanRun, expectFramed, fmtInt, hashParams, mapLayerIds, mapMarks, openJourney, postApi, renderedNames, screenshot, settle, skipReason, squash, stableMapView, suiteTitle, type CommunesFc, type Journey } from './harness.js';

const ARS = { identifiant: 'ars-versions', nom: 'Agent ARS Pays de la Loire', role: 'ars', region: '52', motDePasse: 'un mot de passe ARS e2e' };
const NAME = 'CPTS e2e des versions';
/** A CPTS of the demo (Loire-Atlantique). */
const ANL = '440056653';
/** Effective dates in the past, so that « Carte au » has something to show between them. */
const V1_DATE = '2025-01-15';
const V2_DATE = '2025-06-01';
const BETWEEN = '2025-03-01';

interface Check {
  population: number;
  bande: string;
  communes: { code: string; nom: string }[];
}
interface WhiteZones {
  communes: { code: string; nom: string; population: number | null }[];
}


/**
 * Three axe-core runs over whole pages, each after the map settles: 25 s on PGlite, 54 s on PostGIS (its server also
 * prerenders the low-zoom tiles after each write) at a load average near 18 on two cores, past the suite's 60 s once.
 */
const AXE_MS = 150_000;

/** What a user reads (innerText: table cells apart), spaces collapsed. */
const text = async (page: Page, testId: string) => squash(await page.getByTestId(testId).first().innerText());

describe.skipIf(skipReason !== null)(suiteTitle('e2e: versions des périmètres de CPTS'), () => {
  let j: Journey;
  let admin: { cookie: string; csrf: string };
  /**
   * The two communes of version 1 (white zones of the Sarthe: away from the Loire-Atlantique the bearings journey
   * reads the names of, as this CPTS's own name stays on the map for the suites after this one) and the big one the
   * edit adds.
   */
  let v1: string[];
  let added: { code: string; nom: string };
  let id = '';
  beforeAll(async () => {
    j = await openJourney();
    await j.page.setViewportSize({ width: 1440, height: 900 });
    // the conflict step gets its 409 on purpose
    j.allow.push(/Failed to load resource: the server responded with a status of 409/);
    admin = await apiSession(E2E_ADMIN.login, E2E_ADMIN.password);
    expect((await apiWrite(admin, '/api/utilisateurs', ARS)).status).toBe(201);
    const wz = await api<WhiteZones>('/api/white-zones?departement=72&limit=50');
    const small = wz.communes.filter((c) => (c.population ?? 0) > 0 && (c.population ?? 0) < 15_000);
    v1 = small.slice(0, 2).map((c) => c.code);
    expect(v1.length).toBe(2);
    added = { code: '44109', nom: 'Nantes' };
  });
  afterAll(async () => {
    await j?.close();
    // the suites after this one share the database: the CPTS goes back to its two small communes of the Sarthe (a
    // new version, nothing is deleted), so that no label of it covers Nantes
    if (!id) return;
    const cookie = { cookie: admin.cookie };
    const h = (await (await fetch(`${baseUrl()}/api/cpts/${encodeURIComponent(id)}/versions`, { headers: cookie })).json()) as { versions: { numero: number }[] };
    const head = Math.max(...h.versions.map((v) => v.numero));
    expect((await apiWrite(admin, `/api/cpts/${encodeURIComponent(id)}/versions/1/retour`, { versionAttendue: head })).status).toBe(201);
  });

  it('an anonymous visitor sees no edit control: no « Créer », no « Modifier », no history, no save form', async () => {
    const { page } = j;
    await page.goto(`${baseUrl()}/#j=ars&tab=cpts`);
    await page.getByTestId('cpts-table').waitFor();
    expect(await page.getByTestId('cpts-create').count()).toBe(0);
    await page.goto('about:blank');
    await page.goto(`${baseUrl()}/#j=ars&tab=cpts&sel=cpts:${ANL}`);
    await page.getByTestId('cpts-sheet').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('print-sheet').count()).toBe(1);
    expect(await page.getByTestId('cpts-edit').count()).toBe(0);
    expect(await page.getByTestId('cpts-history').count()).toBe(0);
    // a link that asks for the editor opens the plain check
    await page.goto(`${baseUrl()}/#j=ars&tab=perimeter&edit=${ANL}&pc=${v1.join(',')}`);
    await page.getByTestId('perimeter-result').waitFor();
    expect(await page.getByTestId('edit-head').count()).toBe(0);
    expect(await page.getByTestId('save-form').count()).toBe(0);
    expect(await page.getByRole('button', { name: /Enregistrer/ }).count()).toBe(0);
  }, 150_000); // three page loads, the first of the run's CPTS sheets (up to 60 s on a loaded machine)

  it('the ARS user signs in and creates a CPTS from two communes, effective in the past', async () => {
    const { page } = j;
    await page.goto(`${baseUrl()}/#j=ars&tab=cpts`);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    const form = page.getByRole('form', { name: 'Connexion' });
    await form.getByLabel('Identifiant').fill(ARS.identifiant);
    await form.getByLabel('Mot de passe').fill(ARS.motDePasse);
    await form.getByRole('button', { name: 'Se connecter' }).click();
    await expect.poll(() => text(page, 'account-role').catch(() => '')).toBe('ARS · région 52');

    await page.getByTestId('cpts-create').click();
    await expect.poll(() => hashParams(page).get('edit')).toBe('nouvelle');
    await page.getByTestId('perimeter-codes').fill(v1.join(' '));
    await page.getByTestId('perimeter-add-codes').click();
    await expect.poll(() => page.getByTestId('perimeter-commune-row').count()).toBe(2);
    await page.getByTestId('create-name').fill(NAME);
    await page.getByTestId('save-date').fill(V1_DATE);
    await page.getByTestId('save-comment').fill('Lettre d’intention reçue');
    await page.getByTestId('create-save').click();
    await page.getByTestId('cpts-sheet').waitFor();
    id = hashParams(page).get('sel')!.replace(/^cpts:/, '');
    expect(await text(page, 'cpts-notice')).toMatch(/^CPTS « CPTS e2e des versions » créée : version 1, 2 communes/);
    await expect.poll(() => page.getByTestId('version-row').count()).toBe(1);
  });

  it('edits the perimeter: adding a city changes the size band live, against the saved version', async () => {
    const { page } = j;
    const before = await postApi<Check>('/api/perimeter/check', { communes: v1 });
    const after = await postApi<Check>('/api/perimeter/check', { communes: [...v1, added.code] });
    expect(after.bande).not.toBe(before.bande);

    await page.getByTestId('cpts-edit').click();
    await expect.poll(() => hashParams(page).get('edit')).toBe(id);
    await page.getByTestId('edit-box').waitFor();
    expect(await text(page, 'edit-band')).toBe(`Taille ACI ${before.bande} ${before.bande}`);
    await page.getByTestId('perimeter-codes').fill(added.code);
    await page.getByTestId('perimeter-add-codes').click();
    await expect.poll(() => text(page, 'edit-band-change').catch(() => '')).toBe(`${after.bande} : change de taille`);
    expect(await text(page, 'edit-population')).toBe(squash(`${fmtInt(after.population)} (+${fmtInt(after.population - before.population)})`));
    expect(await text(page, 'edit-changes')).toContain(`Ajoutées : ${added.nom}`);
    // the city added, a separate part of the perimeter: its number on the map, and its name beside it, not hidden
    await expect.poll(async () => (await mapMarks(page)).map((m) => m.texte).sort()).toEqual(['1', '2', '3']);
    await settle(page);
    expect(await renderedNames(page, 'diff-added-label')).toContain(added.nom);
    await page.locator('#contenu').evaluate((e) => e.scrollTo(0, 0));
    await screenshot(page, 'screenshot-ars-version-edit');
  });

  it('saves a new version with its date and comment; the sheet shows the history and the diff, the CSV downloads', async () => {
    const { page } = j;
    await page.getByTestId('save-date').fill(V2_DATE);
    await page.getByTestId('save-comment').fill('Extension à la ville-centre');
    await page.getByTestId('save-version').click();
    await page.getByTestId('cpts-sheet').waitFor();
    expect(await text(page, 'cpts-notice')).toMatch(/^Version 2 enregistrée : 3 communes/);
    await expect.poll(() => page.getByTestId('version-row').count()).toBe(2);
    const row = squash(await page.locator('[data-testid="version-row"][data-numero="2"]').textContent());
    expect(row).toContain('1 juin 2025');
    expect(row).toContain(ARS.identifiant);
    expect(row).toContain('Extension à la ville-centre');
    // the diff of the save: URL, lists, band, map filter, CSV
    expect(hashParams(page).get('diff')).toBe('1-2');
    const diff = page.getByTestId('version-diff');
    await diff.waitFor();
    expect(squash(await diff.getByTestId('diff-added').textContent())).toContain(`${added.nom} (${added.code})`);
    expect(await text(page, 'diff-band')).toMatch(/→ .* : changement de taille$/);
    const drawn = await page.evaluate(() => {
      const m = (document.querySelector('[data-testid="map"]') as HTMLElement & { maplibre: { getFilter: (l: string) => unknown } }).maplibre;
      return JSON.stringify(m.getFilter('diff-added-label'));
    });
    expect(drawn).toContain(added.code);
    // drawn over the structure and pharmacy dots, which at région zoom would bury it
    const layers = await mapLayerIds(page);
    const dots = Math.max(layers.indexOf('structures'), layers.indexOf('pharmacies'));
    expect(Math.min(layers.indexOf('structures'), layers.indexOf('pharmacies'))).toBeGreaterThanOrEqual(0);
    for (const l of ['diff-added', 'diff-added-line', 'diff-removed', 'diff-removed-line']) expect(layers.indexOf(l), `${l} over the dots`).toBeGreaterThan(dots);
    const csv = await page.request.get(baseUrl() + (await page.getByTestId('diff-csv').getAttribute('href'))!);
    expect(csv.status()).toBe(200);
    const body = await csv.text();
    expect(body).toContain('ajoutée');
    expect(body).toContain(added.code);
    // the history at the top of the panel, the diff below it: no block cut in half above
    await page.getByTestId('cpts-history').evaluate((e) => e.scrollIntoView({ block: 'start' }));
    await screenshot(page, 'screenshot-ars-version-diff');
  });

  it('a save conflicting with another user’s is refused with a clear message; the edit is kept and saved after', async () => {
    const { page } = j;
    await page.getByTestId('cpts-edit').click();
    await page.getByTestId('edit-box').waitFor();
    await page.getByRole('button', { name: `Retirer ${added.nom}` }).click();
    await expect.poll(() => page.getByTestId('perimeter-commune-row').count()).toBe(2);
    // meanwhile, the admin saves a version of the same CPTS
    const other = await apiWrite(admin, `/api/cpts/${encodeURIComponent(id)}/versions`, { communes: [...v1, added.code], commentaire: 'Version concurrente', versionAttendue: 2 });
    expect(other.status).toBe(201);
    await page.getByTestId('save-comment').fill('Retrait de la ville-centre');
    await page.getByTestId('save-version').click();
    const conflict = page.getByTestId('save-conflict');
    await conflict.waitFor();
    expect(squash(await conflict.textContent())).toMatch(/^Votre version n’a pas été enregistrée\. .*Votre modification est conservée/);
    expect(await page.getByTestId('perimeter-commune-row').count()).toBe(2);
    await screenshot(page, 'screenshot-ars-version-conflict');
    await page.getByTestId('conflict-keep-mine').click();
    await expect.poll(async () => squash(await page.getByTestId('edit-head').textContent()).includes('Version 3')).toBe(true);
    expect(await page.getByTestId('perimeter-commune-row').count()).toBe(2);
    await page.getByTestId('save-version').click();
    await page.getByTestId('cpts-sheet').waitFor();
    expect(await text(page, 'cpts-notice')).toMatch(/^Version 4 enregistrée : 2 communes/);
  });

  it('a diff is framed on the change: the city removed, away from the perimeter, in view with it', async () => {
    const { page } = j;
    await page.goto(`${baseUrl()}/#j=ars&tab=cpts&sel=cpts:${id}&diff=2-4`);
    await page.getByTestId('version-diff').waitFor();
    expect(squash(await page.getByTestId('diff-removed').textContent())).toContain(`${added.nom} (${added.code})`);
    const outlines = await postApi<CommunesFc>('/api/perimeter/communes.geojson', { communes: [...v1, added.code] });
    await expectFramed(page, bboxOf(outlines.features), 'the perimeter and the city removed');
    // on a phone too, below its folded legend
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.getByTestId('version-diff').waitFor();
    await expectFramed(page, bboxOf(outlines.features), 'the perimeter and the city removed, on a phone');
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  it('closing the diff frames the CPTS again, as its sheet opened', async () => {
    const { page } = j;
    await page.goto(`${baseUrl()}/#j=ars&tab=cpts&sel=cpts:${id}`);
    await page.reload();
    await page.getByTestId('diff-picker').waitFor();
    await settle(page);
    const sheet = await stableMapView(page);
    // the last two versions: the city removed, away from the perimeter, widens the view
    await page.getByTestId('diff-show').click();
    await page.getByTestId('version-diff').waitFor();
    await settle(page);
    expect((await stableMapView(page)).zoom).toBeLessThan(sheet.zoom - 0.5);
    await page.getByRole('button', { name: 'Fermer la comparaison' }).click();
    await expect.poll(() => hashParams(page).get('diff')).toBe(null);
    await settle(page);
    const closed = await stableMapView(page);
    expect(closed.zoom).toBeCloseTo(sheet.zoom, 1);
    expect(closed.lat).toBeCloseTo(sheet.lat, 2);
    expect(closed.lon).toBeCloseTo(sheet.lon, 2);
  });

  it('reverts to version 2 through a confirm dialog: a new version 5 copies it', async () => {
    const { page } = j;
    await expect.poll(() => page.getByTestId('version-row').count()).toBe(4);
    await page.locator('[data-testid="version-row"][data-numero="2"]').getByTestId('revert-version').click();
    const dialog = page.getByTestId('revert-dialog');
    await dialog.waitFor();
    expect(squash(await dialog.getByRole('heading').textContent())).toBe('Rétablir la version 2 ?');
    await dialog.getByTestId('revert-confirm').click();
    await expect.poll(() => page.getByTestId('version-row').count()).toBe(5);
    const row = squash(await page.locator('[data-testid="version-row"][data-numero="5"]').textContent());
    expect(row).toContain('Retour à la version 2');
    expect(row).toContain('en vigueur');
    const sheet = await api<{ nbCommunes: number }>(`/api/cpts/${encodeURIComponent(id)}`);
    expect(sheet.nbCommunes).toBe(3);
  });

  it('adds a dated step of the CPTS’s life', async () => {
    const { page } = j;
    const form = page.getByTestId('step-form');
    await form.getByRole('combobox').selectOption('projet-sante-valide');
    await form.locator('input[type="date"]').fill('2025-09-01');
    await form.getByRole('button', { name: 'Ajouter l’étape' }).click();
    await expect.poll(async () => squash(await page.getByTestId('steps-list').textContent().catch(() => ''))).toContain('1 septembre 2025 — Projet de santé validé');
  });

  it('the map as of an earlier date: banner, URL, dated tiles, and the sheet of that day', async () => {
    const { page } = j;
    const tiles: string[] = [];
    page.on('request', (r) => r.url().includes('/tiles/cpts/') && tiles.push(r.url()));
    await page.getByTestId('as-of-date').fill(BETWEEN);
    await expect.poll(() => hashParams(page).get('date')).toBe(BETWEEN);
    expect(await text(page, 'as-of-banner')).toMatch(/^Carte au 1 mars 2025 : /);
    expect(await text(page, 'map-as-of')).toBe('Carte au 1 mars 2025');
    await expect.poll(() => tiles.some((u) => u.includes(`date=${BETWEEN}`))).toBe(true);
    // no edit control on a past day; the sheet answers with version 1 (2 communes)
    expect(await page.getByTestId('cpts-edit').count()).toBe(0);
    const dated = await api<{ nbCommunes: number }>(`/api/cpts/${encodeURIComponent(id)}?date=${BETWEEN}`);
    expect(dated.nbCommunes).toBe(2);
    await expect.poll(() => text(page, 'cpts-figures').catch(() => '')).toContain('2 communes');
    await screenshot(page, 'screenshot-ars-carte-au');
    await page.getByTestId('as-of-today').click();
    await expect.poll(() => hashParams(page).get('date')).toBe(null);
    expect(await page.getByTestId('as-of-banner').count()).toBe(0);
  });

  it('axe-core: no serious or critical violation on the sheet with its history, the editor and the dialog', async () => {
    const { page } = j;
    await page.goto(`${baseUrl()}/#j=ars&tab=cpts&sel=cpts:${id}&diff=1-2`);
    await page.getByTestId('version-diff').waitFor();
    await settle(page);
    expect(await axeViolations(page)).toEqual([]);
    await page.getByTestId('cpts-edit').click();
    await page.getByTestId('edit-box').locator('table').waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.goto(`${baseUrl()}/#j=ars&tab=cpts&sel=cpts:${id}`);
    await page.locator('[data-testid="version-row"][data-numero="1"]').getByTestId('revert-version').click();
    await page.getByTestId('revert-dialog').waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('revert-dialog').count()).toBe(0);
  }, AXE_MS);

  it('on a phone (390×844) the editor and the history fit the width', async () => {
    const { page } = j;
    await page.setViewportSize({ width: 390, height: 844 });
    // the page's width past the window, and what sticks out (outside the tables, which scroll within themselves)
    const wide = () =>
      page.evaluate(() => {
        const w = window.innerWidth;
        const out = [...document.body.querySelectorAll('*')].filter((e) => e.getBoundingClientRect().right > w + 1 && !e.closest('.table-wrap'));
        return { extra: document.documentElement.scrollWidth - w, out: out.slice(0, 5).map((e) => `${e.tagName}.${e.className}`) };
      });
    const fits = { extra: 0, out: [] };
    await page.goto(`${baseUrl()}/#j=ars&tab=cpts&sel=cpts:${id}&diff=1-2`);
    await page.getByTestId('version-diff').waitFor();
    await settle(page);
    await expect.poll(wide).toEqual(fits);
    await screenshot(page, 'screenshot-ars-versions-phone');
    await page.getByTestId('cpts-edit').click();
    await page.getByTestId('edit-box').locator('table').waitFor();
    await settle(page);
    await expect.poll(wide).toEqual(fits);
    await screenshot(page, 'screenshot-ars-version-edit-phone');
    await page.setViewportSize({ width: 1440, height: 900 });
    expectCleanRun(j);
  });
});
