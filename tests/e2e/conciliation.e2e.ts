// Journey of overlap conciliation: an anonymous visitor sees the decision of a pair and no edit control; an ARS
// user of the région of its disputed communes records « en conciliation » with a note, then arbitrates: each shared
// commune to one side, a summary, confirm; the pair leaves the table and the API shows both perimeters changed.
// The pair arbitrated is the demo's smallest one that no other journey names (ars.e2e.ts and frame.e2e.ts use the
// demo proposal over ANL and the largest pair), and every commune stays in a CPTS, so coverage is unchanged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, baseUrl, createAccount, expectCleanRun, openJourney, screenshot, skipReason, squash, suiteTitle, type Journey } from './harness.js';

interface Pair {
  a: { id: string; nom: string };
  b: { id: string; nom: string };
  communes: { code: string; nom: string }[];
}

const ARS = { login: 'ars-conciliation', password: 'mot de passe ARS e2e' };


const communesOf = async (id: string) =>
  (await api<{ communes: { code: string }[] }>(`/api/cpts/${encodeURIComponent(id)}`)).communes.map((c) => c.code).sort();

describe.skipIf(skipReason !== null)(suiteTitle('e2e: conciliation des chevauchements'), () => {
  let j: Journey;
  let pair: Pair;
  let key: string;
  beforeAll(async () => {
    j = await openJourney();
    const { paires } = await api<{ paires: Pair[] }>('/api/overlaps');
    const others = new Set(['440056653', 'ILLUSTR-44-NOZAY', paires[0]?.a.id, paires[0]?.b.id]);
    pair = [...paires].reverse().find((p) => !others.has(p.a.id) && !others.has(p.b.id))!;
    expect(pair, 'a demo pair no other journey names').toBeDefined();
    key = `${pair.a.id}|${pair.b.id}`;
    const { regions } = await api<{ regions: string[] }>(`/api/overlaps/${pair.a.id}/${pair.b.id}/decisions`);
    expect(regions).toHaveLength(1);
    expect((await createAccount({ identifiant: ARS.login, nom: 'Agent ARS conciliation', role: 'ars', region: regions[0]!, motDePasse: ARS.password })).status).toBe(201);
  });
  afterAll(async () => {
    await j?.close();
  });

  const open = async () => {
    await j.page.goto(`${baseUrl()}/#j=ars&tab=overlaps&sel=paire:${key}`);
    await j.page.getByTestId('pair-key').waitFor();
    await j.page.getByTestId('decision-current').waitFor();
  };

  it('an anonymous visitor sees the decision (« À examiner ») and no edit control', async () => {
    await open();
    expect(squash(await j.page.getByTestId('decision-current').textContent())).toBe('Décision : À examiner');
    expect(squash(await j.page.locator(`[data-testid="overlap-row"][data-key="${key}"] [data-testid="overlap-decision"]`).textContent())).toBe('À examiner');
    expect(await j.page.getByTestId('decision-form').count()).toBe(0);
    expect(await j.page.getByTestId('arbitration-open').count()).toBe(0);
  });

  it('the ARS user of the région records « En conciliation » with a note; the table shows it', async () => {
    const { page } = j;
    await page.getByRole('button', { name: 'Se connecter' }).click();
    const login = page.getByRole('form', { name: 'Connexion' });
    await login.getByLabel('Identifiant').fill(ARS.login);
    await login.getByLabel('Mot de passe').fill(ARS.password);
    await login.getByRole('button', { name: 'Se connecter' }).click();
    const form = page.getByRole('form', { name: 'Enregistrer une décision' });
    await form.waitFor();
    await form.getByRole('combobox', { name: /^Décision/ }).selectOption({ label: 'En conciliation' });
    await form.getByLabel(/^Note/).fill('Réunion des deux CPTS prévue.');
    await form.getByRole('button', { name: 'Enregistrer la décision' }).click();
    await expect.poll(async () => squash(await page.getByTestId('conciliation-notice').textContent().catch(() => ''))).toBe('Décision enregistrée : En conciliation.');
    const current = page.getByTestId('decision-current');
    await expect.poll(async () => squash(await current.textContent())).toMatch(/^Décision : En conciliation le \d\d\/\d\d\/\d{4} — ars-conciliation/);
    expect(squash(await current.getByTestId('decision-note').textContent())).toBe('Réunion des deux CPTS prévue.');
    const cell = page.locator(`[data-testid="overlap-row"][data-key="${key}"] [data-testid="overlap-decision"]`);
    await expect.poll(async () => squash(await cell.textContent())).toBe('En conciliation');
  });

  it('arbitrates: each shared commune to one side, a summary, confirm; both perimeters change and the pair leaves the table', async () => {
    const { page } = j;
    const [before, beforeB] = [await communesOf(pair.a.id), await communesOf(pair.b.id)];
    // every shared commune to the side that keeps a commune of its own either way
    const keeper = beforeB.length > pair.communes.length ? pair.a : pair.b;
    await page.getByTestId('arbitration-open').click();
    const form = page.getByRole('form', { name: 'Arbitrage' });
    for (const c of pair.communes) {
      await form.getByRole('group', { name: new RegExp(`^${c.nom} \\(${c.code}\\)`) }).getByLabel(new RegExp(`: ${keeper.nom}$`)).check();
    }
    await form.getByRole('button', { name: 'Vérifier l’arbitrage' }).click();
    const summary = page.getByTestId('arbitration-confirm');
    await summary.waitFor();
    expect(squash(await summary.locator('p').textContent())).toContain(`${keeper.nom} garde toutes ses communes`);
    await screenshot(page, 'screenshot-ars-arbitrage');
    // prepared on the perimeters' current versions (read as the signed-in user): a change meanwhile would be a 409
    const head = (id: string) =>
      page.evaluate(
        async (p) => Math.max(...((await (await fetch(p)).json()) as { versions: { numero: number }[] }).versions.map((v) => v.numero)),
        `/api/cpts/${encodeURIComponent(id)}/versions`,
      );
    const expected = { [pair.a.id]: await head(pair.a.id), [pair.b.id]: await head(pair.b.id) };
    const sent = page.waitForRequest((r) => r.url().endsWith('/arbitrage') && r.method() === 'POST');
    await summary.getByRole('button', { name: 'Confirmer l’arbitrage' }).click();
    expect((await sent).postDataJSON().versionsAttendues).toEqual(expected);
    await expect.poll(async () => squash(await page.getByTestId('conciliation-notice').textContent().catch(() => ''))).toMatch(/^Arbitrage enregistré/);
    await expect.poll(() => page.locator(`[data-testid="overlap-row"][data-key="${key}"]`).count()).toBe(0);
    const shared = pair.communes.map((c) => c.code);
    const loser = keeper === pair.a ? pair.b : pair.a;
    expect(await communesOf(keeper.id)).toEqual(keeper === pair.a ? before : beforeB);
    expect(await communesOf(loser.id)).toEqual((loser === pair.a ? before : beforeB).filter((c) => !shared.includes(c)));
    const h = await api<{ actuelle: { decision: string } }>(`/api/overlaps/${pair.a.id}/${pair.b.id}/decisions`);
    expect(h.actuelle.decision).toBe('arbitre');
    expectCleanRun(j);
  });
});
