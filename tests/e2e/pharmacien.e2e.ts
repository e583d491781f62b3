// Journey of a pharmacist: find my pharmacy with the search box (keyboard ↓ + Enter), then the covering CPTS,
// the nearest MSP / CSP / ESP with their distances, the missions (pharmacien correspondant by zoning) and whom to
// contact, all as /api/nearby says; a pharmacy in a commune outside any CPTS; the ESP/MSP/CSP/CPTS guide.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CPTS_STATUT_LIBELLES, SITE_TYPES, STRUCTURE_TYPE_LIBELLES, type CptsStatut } from '../../server/src/domain/vocabulary.js';
import {
  api,
  baseUrl,
  expectCleanRun,
  expectMapShown,
  fmtInt,
  fmtKm,
  hashParams,
  openJourney,
  screenshot,
  skipReason,
  squash,
  suiteTitle,
  type Journey,
  VIEWPORT,
} from './harness.js';

interface Hit {
  type: 'commune' | 'cpts' | 'structure' | 'pharmacie';
  id: string;
  libelle: string;
}
interface Site {
  finess: string;
  nom: string;
  distanceM: number;
}
interface Mission {
  id: string;
  titre: string;
  zonagesEligibles: string[] | null;
  eligibleIci?: string;
}
interface Nearby {
  commune: { code: string; nom: string; population: number | null };
  cpts: { id: string; nom: string }[];
  zonage: { zone: string } | null;
  plusProches: Record<'msp' | 'csp' | 'esp', Site[]>;
  pharmacie: { finess: string; nom: string; statut: string } | null;
  missions: Mission[];
  contacts: { nom: string }[];
}
interface Guide {
  structures: { id: string; sigle: string; nom: string }[];
  rubriques: { id: string; libelle: string }[];
}

/** The pill the panel shows for each answer of the API (client/src/pharmacien/PharmacistPanel.tsx). */
const PILL: Record<string, string> = { oui: 'accessible ici', non: 'pas dans cette zone', 'zonage inconnu': 'selon le zonage (inconnu)' };

/** Types `text` in the pharmacist's search box and moves with ↓ to the hit `id`, then Enter; returns the ↓ presses. */
async function pickWithKeyboard(page: Page, text: string, want: Hit): Promise<number> {
  const all = (await api<{ resultats: Hit[] }>(`/api/search?q=${encodeURIComponent(text)}&limit=15`)).resultats;
  const hits = all.filter((h) => h.type === 'pharmacie' || h.type === 'commune');
  const index = hits.findIndex((h) => h.type === want.type && h.id === want.id);
  expect(index, `${want.libelle} among the results for « ${text} »`).toBeGreaterThanOrEqual(0);

  const input = page.getByTestId('pharmacist-search-input');
  await input.fill(text);
  const options = page.getByTestId('pharmacist-search-result');
  // the list of this query (not the previous one still on screen while it loads)
  await expect.poll(async () => (await options.locator('.search-label').allTextContents()).map(squash)).toEqual(hits.map((h) => squash(h.libelle)));
  expect(await options.nth(0).getAttribute('aria-selected')).toBe('true');
  for (let i = 0; i < index; i++) await input.press('ArrowDown');
  const active = page.locator('[data-testid="pharmacist-search-result"][aria-selected="true"]');
  expect(squash(await active.locator('.search-label').textContent())).toBe(squash(want.libelle));
  expect(await input.getAttribute('aria-activedescendant')).toBe(await active.getAttribute('id'));
  await input.press('Enter');
  await expect.poll(() => hashParams(page).get('sel')).toBe(`${want.type}:${want.id}`);
  return index;
}

/** The panel agrees with /api/nearby: title, CPTS, nearest sites and distances, missions, contacts. */
async function expectNearbyShown(page: Page, n: Nearby): Promise<void> {
  const title = page.getByTestId('nearby-title');
  await expect.poll(async () => squash(await title.textContent())).toBe(squash(n.pharmacie!.nom));

  const cpts = page.getByTestId('nearby-cpts');
  if (n.cpts.length === 0) {
    expect(squash(await cpts.locator('.warn').textContent())).toContain('Aucune CPTS ne couvre cette commune');
  } else {
    const names = (await cpts.locator('ul.plain > li button').allTextContents()).map(squash);
    expect(names).toEqual(n.cpts.map((c) => squash(c.nom)));
  }

  const structures = page.getByTestId('nearby-structures');
  for (const t of SITE_TYPES) {
    const label = STRUCTURE_TYPE_LIBELLES[t].replace(/[()]/g, '\\$&');
    const block = structures.locator('div', { has: page.locator('h4', { hasText: new RegExp(`^${label}$`) }) });
    const items = (await block.locator('li').allTextContents()).map(squash);
    if (n.plusProches[t].length === 0) expect(squash(await block.textContent())).toContain('Aucune enregistrée');
    else {
      expect(items).toHaveLength(n.plusProches[t].length);
      n.plusProches[t].forEach((s, i) => expect(items[i]!.startsWith(squash(`${s.nom} — ${fmtKm(s.distanceM)}`)), items[i]).toBe(true));
    }
  }

  const missions = page.getByTestId('nearby-missions').locator('ul.missions > li');
  expect(await missions.count()).toBe(n.missions.length);
  for (const [i, m] of n.missions.entries()) {
    expect(squash(await missions.nth(i).locator('strong').first().textContent())).toBe(squash(m.titre));
    expect(squash(await missions.nth(i).locator('.pill').textContent())).toBe(PILL[m.eligibleIci ?? '']);
  }

  const contacts = (await page.getByTestId('nearby-contacts').locator('li > strong').allTextContents()).map(squash);
  expect(contacts).toEqual(n.contacts.map((c) => squash(c.nom)));
}

/** Pharmacien correspondant: open only in the zones the mission lists (ZIP/ZAC), unknown when the commune has none. */
function expectCorrespondentMatchesZoning(n: Nearby): Mission {
  const m = n.missions.find((x) => x.id === 'pharmacien-correspondant');
  expect(m, 'the « pharmacien correspondant » mission').toBeDefined();
  expect(m!.zonagesEligibles?.length).toBeGreaterThan(0);
  const want = n.zonage === null ? 'zonage inconnu' : m!.zonagesEligibles!.includes(n.zonage.zone) ? 'oui' : 'non';
  expect(m!.eligibleIci).toBe(want);
  return m!;
}

// The whole suite is skipped, with the reason in its title, when Debian's chromium is not installed.
describe.skipIf(skipReason !== null)(suiteTitle('e2e: Pharmacien'), () => {
  let j: Journey;
  beforeAll(async () => {
    j = await openJourney();
  });
  afterAll(async () => {
    await j?.close();
  });

  it('finds « PHARMACIE DE DERVAL » with ↓ + Enter and shows its CPTS, nearest structures, missions and contacts', async () => {
    const { page } = j;
    await page.goto(baseUrl() + '/');
    await page.getByTestId('nav-pharmacien').click();
    await page.getByTestId('journey-pharmacien-panel').waitFor();
    await expectMapShown(page);

    const hit = (await api<{ resultats: Hit[] }>('/api/search?q=PHARMACIE%20DE%20DERVAL')).resultats.find((h) => h.type === 'pharmacie')!;
    expect(hit.libelle).toBe('PHARMACIE DE DERVAL');
    // « Derval » lists the commune first, the pharmacy next: one ↓ then Enter
    const presses = await pickWithKeyboard(page, 'Derval', hit);
    expect(presses).toBe(1);
    expect(hashParams(page).get('j')).toBe('pharmacien');

    const n = await api<Nearby>(`/api/nearby?finess=${hit.id}&k=3`);
    // what the demo data say about this pharmacy: in CPTS ANL, in a ZIP (GP zoning of the demo, unofficial source)
    expect(n.cpts.map((c) => c.id)).toContain('440056653');
    expect(n.zonage?.zone).toBe('ZIP');
    expect(expectCorrespondentMatchesZoning(n).eligibleIci).toBe('oui');
    await expectNearbyShown(page, n);
    const panel = squash(await page.getByTestId('nearby-cpts').textContent());
    expect(panel).toContain('ZIP');
    expect(squash(await page.getByTestId('nearby').textContent())).toContain(`${squash(fmtInt(n.commune.population!))} habitants`);
    await screenshot(page, 'screenshot-pharmacien');
  });

  it('a reload of the copied URL reopens the same pharmacy', async () => {
    const { page } = j;
    const copied = page.url();
    await page.goto('about:blank');
    await page.goto(copied);
    await page.getByTestId('nearby').waitFor();
    expect(squash(await page.getByTestId('nearby-title').textContent())).toBe('PHARMACIE DE DERVAL');
    expect(await page.getByTestId('tab-ici').getAttribute('aria-selected')).toBe('true');
  });

  it('on a phone (390×844) my pharmacy shows under the map, nothing scrolls sideways', async () => {
    const { page } = j;
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.reload(); // as a phone opens the link: the map's credits folded, the map sized for it
      await page.getByTestId('nearby').waitFor();
      const { scroll, inner } = await page.evaluate(() => ({ scroll: document.scrollingElement!.scrollWidth, inner: window.innerWidth }));
      expect(scroll).toBeLessThanOrEqual(inner);
      expect(squash(await page.getByTestId('nearby-title').textContent())).toBe('PHARMACIE DE DERVAL');
      await screenshot(page, 'screenshot-phone-pharmacien-officine');
    } finally {
      await page.setViewportSize(VIEWPORT);
    }
  });

  it('a pharmacy found by its FINESS number in a commune outside any CPTS: « aucune CPTS », the mission as its zoning says', async () => {
    const { page } = j;
    // a zone-blanche pharmacy (in Mayenne, where no CPTS is recorded); the demo's zoning covers every commune
    const list = await api<{ officines: { finess: string; nom: string; zonage: string | null }[] }>(
      '/api/pharmacies?departement=53&statut=zone-blanche&limit=1000',
    );
    const p = list.officines.find((r) => r.zonage === 'HZ') ?? list.officines[0]!;
    expect(p).toBeDefined();
    await pickWithKeyboard(page, p.finess, { type: 'pharmacie', id: p.finess, libelle: p.nom });
    const n = await api<Nearby>(`/api/nearby?finess=${p.finess}&k=3`);
    expect(n.cpts).toEqual([]);
    expect(n.pharmacie?.statut).toBe('zone-blanche');
    expectCorrespondentMatchesZoning(n);
    await expectNearbyShown(page, n);
    const shown = squash(await page.getByTestId('nearby-cpts').textContent());
    if (n.zonage) expect(shown).not.toContain('Zonage médecins (ARS) : non renseigné');
    else expect(shown).toContain('Zonage médecins (ARS) : non renseigné');
  });

  it('words the covering CPTS’s status in French (« Statut non renseigné par la source », not its code) and the address as a letter does', async () => {
    const { page } = j;
    // a pharmacy of the Hautes-Alpes: its CPTS comes from the ARS PACA listing, which gives no status
    const finess = '050005313';
    const n = await api<{ cpts: { statut: CptsStatut }[]; commune: { nom: string }; pharmacie: { adresse: string; codePostal: string } }>(
      `/api/nearby?finess=${finess}&k=3`,
    );
    expect(n.cpts.map((c) => c.statut)).toEqual(['non-renseigne']);
    await page.goto(`${baseUrl()}/#j=pharmacien&sel=pharmacie:${finess}`);
    const item = page.getByTestId('nearby-cpts').locator('ul.plain > li');
    await expect.poll(async () => squash(await item.textContent())).toContain(`— ${CPTS_STATUT_LIBELLES['non-renseigne']}`);
    // « PL JEAN LEA, 05470 Aiguilles », as the URPS CSV writes it (no comma between postal code and town)
    const address = `${n.pharmacie.adresse}, ${n.pharmacie.codePostal} ${n.commune.nom}`;
    expect(squash(await page.getByTestId('nearby').locator('section').first().textContent())).toContain(squash(address));
  });

  it('on a phone (390×844) the guide’s panel spans the screen, as the other views’ do', async () => {
    const { page } = j;
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.goto(`${baseUrl()}/#j=pharmacien&tab=guide`);
      await page.getByTestId('guide-table').waitFor();
      const { panel, inner } = await page.evaluate(() => ({ panel: document.querySelector('.panel')!.getBoundingClientRect().width, inner: window.innerWidth }));
      expect(panel).toBe(inner);
    } finally {
      await page.setViewportSize(VIEWPORT);
    }
  });

  it('the guide compares ESP, MSP, CSP and CPTS', async () => {
    const { page } = j;
    const g = await api<Guide>('/api/guide');
    expect(g.structures.map((s) => s.sigle)).toEqual(['ESP', 'MSP', 'CSP', 'CPTS']);
    await page.getByTestId('tab-guide').click();
    await expect.poll(() => hashParams(page).get('tab')).toBe('guide');
    const table = page.getByTestId('guide-table');
    await table.waitFor();
    const heads = (await table.locator('thead th').allTextContents()).map(squash).slice(1);
    expect(heads).toEqual(g.structures.map((s) => squash(`${s.sigle}${s.nom}`)));
    const rows = (await table.locator('tbody th[scope="row"]').allTextContents()).map(squash);
    expect(rows).toEqual(g.rubriques.map((r) => squash(r.libelle)));
    expect(await table.locator('tbody tr').first().locator('td').count()).toBe(4);
  });

  it('made no request outside the test server and raised no page error', () => {
    expectCleanRun(j);
  });
});
