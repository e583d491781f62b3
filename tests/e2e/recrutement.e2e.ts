// Journey of a URPS user recruiting pharmacies (issue 9): signed in, they record a call with a note on a pharmacy
// of their région and find it after a reload; they mark it « adhérente » of its CPTS and it becomes « membre » for
// everyone, in the list filtered by state and in their CSV export (state, date, last note); a public reader sees
// neither the state nor the note; no serious accessibility violation on the view with its form.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PharmacyPage, PharmacyRow } from '../../server/src/api/contract/pharmacies.js';
import { RECRUTEMENT_ETAT_LIBELLES } from '../../server/src/domain/vocabulary.js';
import { api, axeViolations, baseUrl, createAccount, expectCleanRun, openJourney, screenshot, skipReason, squash, suiteTitle, type Journey } from './harness.js';

const DEP = '72'; // Sarthe, région 52: no other journey writes there
const URPS = { login: 'urps-pdl', nom: 'Chargée de mission URPS', password: 'un mot de passe URPS' };
/** A sign-in (argon2id), a reload and an axe run in one test: more than the default minute on a busy machine. */
const JOURNEY_MS = 150_000;
const NOTE = 'Appel e2e : titulaire intéressée, rappeler jeudi';


describe.skipIf(skipReason !== null)(suiteTitle('e2e: recrutement des officines (URPS)'), () => {
  let j: Journey;
  let target: PharmacyRow;
  beforeAll(async () => {
    j = await openJourney();
    expect((await createAccount({ identifiant: URPS.login, nom: URPS.nom, role: 'urps', region: '52', motDePasse: URPS.password })).status).toBe(201);
    // a pharmacy covered by a CPTS without membership: it can join that CPTS
    const page = await api<PharmacyPage>(`/api/pharmacies?departement=${DEP}&statut=couverte-sans-adhesion&limit=1000`);
    target = page.officines.find((o) => o.cpts.length > 0)!;
  });
  afterAll(async () => {
    await j?.close();
  });

  const detail = () => j.page.getByTestId('pharmacy-detail');

  it('a signed-in URPS user records a call with a note and sees it after a reload', async () => {
    const { page } = j;
    expect(target, `a pharmacy of ${DEP} covered without membership`).toBeDefined();
    await page.goto(`${baseUrl()}/#j=urps&dep=${DEP}&sel=pharmacie:${target.finess}`);
    await detail().waitFor();
    expect(await page.getByTestId('recruitment').count(), 'no recruitment for a public reader').toBe(0);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    const login = page.getByRole('form', { name: 'Connexion' });
    await login.getByLabel('Identifiant').fill(URPS.login);
    await login.getByLabel('Mot de passe').fill(URPS.password);
    await login.getByRole('button', { name: 'Se connecter' }).click();
    await expect.poll(async () => squash(await page.getByTestId('account-name').textContent().catch(() => ''))).toBe(URPS.nom);

    const form = page.getByRole('form', { name: 'Enregistrer un appel' });
    await form.waitFor();
    expect(squash(await page.getByTestId('recruitment-state').textContent())).toBe(RECRUTEMENT_ETAT_LIBELLES['a-contacter']);
    // by keyboard and labels: state, date (today by default), note
    await form.getByLabel('État').selectOption({ label: RECRUTEMENT_ETAT_LIBELLES.contactee });
    expect(await form.getByLabel('Date').inputValue()).toMatch(/^\d{4}-\d\d-\d\d$/);
    await form.getByLabel('Note').fill(NOTE);
    await form.getByLabel('Note').press('Tab');
    await page.keyboard.press('Enter');
    await expect.poll(async () => squash(await form.getByRole('status').textContent())).toBe(`Étape « ${RECRUTEMENT_ETAT_LIBELLES.contactee} » enregistrée.`);

    await page.reload();
    await detail().waitFor();
    await expect.poll(async () => squash(await page.getByTestId('recruitment-state').textContent().catch(() => ''))).toBe(RECRUTEMENT_ETAT_LIBELLES.contactee);
    const steps = page.getByTestId('recruitment-step');
    await expect.poll(() => steps.count()).toBe(1);
    expect(squash(await steps.first().textContent())).toContain(NOTE);
    expect(squash(await steps.first().textContent())).toContain(`par ${URPS.nom}`);
    expect(await axeViolations(page)).toEqual([]);
  }, JOURNEY_MS);

  it('« adhérente » of its CPTS: the pharmacy becomes « membre » for everyone; the state filter and the CSV carry it', async () => {
    const { page } = j;
    const form = page.getByRole('form', { name: 'Enregistrer un appel' });
    await form.getByLabel('État').selectOption({ label: RECRUTEMENT_ETAT_LIBELLES.adherente });
    await form.getByLabel('Adhésion à').selectOption({ label: `CPTS : ${target.cpts[0]!.nom}` });
    await form.getByRole('button', { name: 'Enregistrer' }).click();
    await expect.poll(async () => squash(await page.getByTestId('recruitment-state').textContent())).toBe(RECRUTEMENT_ETAT_LIBELLES.adherente);
    await expect.poll(() => page.getByTestId('recruitment-step').count()).toBe(2);
    expect(squash(await detail().textContent())).toContain(target.cpts[0]!.nom);

    // the public sees the membership, not the recruitment
    const pub = await api<PharmacyPage>(`/api/pharmacies?departement=${DEP}&q=${encodeURIComponent(target.nom)}&limit=1000`);
    const row = pub.officines.find((o) => o.finess === target.finess)!;
    expect(row.statut).toBe('membre');
    expect(row.recrutement).toBeUndefined();
    expect(JSON.stringify(pub)).not.toContain(NOTE);
    // and the map redraws the pharmacy as « membre », without a reload (tiles of the new data version)
    const drawnStatus = () =>
      page.evaluate((finess) => {
        const map = (document.querySelector('[data-testid="map"]') as HTMLElement & {
          maplibre?: { getLayer(id: string): unknown; queryRenderedFeatures(o: { layers: string[] }): { properties: Record<string, unknown> }[] };
        }).maplibre;
        if (!map?.getLayer('pharmacies')) return [];
        return map.queryRenderedFeatures({ layers: ['pharmacies'] }).filter((f) => f.properties.finess === finess).map((f) => f.properties.statut);
      }, target.finess);
    await expect.poll(drawnStatus, { timeout: 30_000 }).toContain('membre');

    await page.getByTestId(`filter-recruitment-adherente`).check();
    await expect
      .poll(() => page.getByTestId('pharmacy-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key'))))
      .toEqual([target.finess]);
    const href = (await page.getByTestId('pharmacies-csv').getAttribute('href'))!;
    expect(href).toContain('recrutement=adherente');
    const text = await page.evaluate(async (u) => (await fetch(u)).text(), href);
    const [header, line] = text.replace(/^\uFEFF/, '').split('\r\n');
    const cells = (s: string) => s.split(';').map((c) => c.replace(/^"|"$/g, ''));
    const record = Object.fromEntries(cells(header!).map((h, i) => [h, cells(line!)[i]]));
    expect(record).toMatchObject({ statut: 'membre', recrutement: RECRUTEMENT_ETAT_LIBELLES.adherente, 'dernière note recrutement': NOTE });
    expect(record['date recrutement']).toMatch(/^\d{4}-\d\d-\d\d$/);
    await screenshot(page, 'screenshot-recrutement');
    expect(await axeViolations(page)).toEqual([]);
    expectCleanRun(j);
  }, JOURNEY_MS);
});
