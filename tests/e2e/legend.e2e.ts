// Map usability (issue 10): legible encodings — the ARS view without the density shading by default (size bands
// readable), CPTS statuses by clearly different line patterns, pharmacy statuses by mark as well as colour and in
// hues no structure uses, and a collapsible legend that never scrolls on a 900-pixel-high screen.
import { CPTS_STATUTS, PHARMACY_STATUS_DEFINITIONS } from '../../server/src/domain/vocabulary.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseUrl, expectCleanRun, squash, hashParams, openJourney, screenshot, settle, skipReason, suiteTitle, type Journey } from './harness.js';

const ALL_LAYERS = 'calques=communes,cpts,overlaps,whiteZones,structures,pharmacies';

describe.skipIf(skipReason !== null)(suiteTitle('e2e: carte — légende lisible'), () => {
  let j: Journey;
  beforeAll(async () => {
    j = await openJourney();
    await j.page.setViewportSize({ width: 1440, height: 900 });
  });
  afterAll(async () => {
    await j?.close();
  });

  it('the ARS view opens without the density shading (bands readable); the user may switch it on; other views keep it', async () => {
    const { page } = j;
    await page.goto(`${baseUrl()}/#j=ars`);
    await page.getByTestId('shading-none').waitFor();
    expect(await page.getByTestId('shading-none').isChecked()).toBe(true);
    expect(await page.getByTestId('legend').textContent()).not.toContain('Généralistes pour 10 000 habitants');
    await page.getByTestId('shading-density').check();
    await expect.poll(() => hashParams(page).get('fond')).toBe('density');
    expect(await page.getByTestId('legend').textContent()).toContain('Généralistes pour 10 000 habitants');
    await page.goto(`${baseUrl()}/#j=pharmacien`);
    await page.getByTestId('shading-density').waitFor();
    expect(await page.getByTestId('shading-density').isChecked()).toBe(true);
  });

  it('CPTS statuses differ by pattern and width; pharmacy statuses by mark, in colours no structure uses', async () => {
    const { page } = j;
    await page.goto(`${baseUrl()}/#j=pharmacien`);
    const lines = await page
      .getByTestId('legend-cpts-statuses')
      .locator('svg')
      .evaluateAll((els) => els.map((e) => ({ dash: e.getAttribute('data-dash')!, width: Number(e.getAttribute('data-width')) })));
    expect(lines).toHaveLength(CPTS_STATUTS.length);
    expect(new Set(lines.map((l) => l.dash)).size, 'a different dash pattern per status').toBe(CPTS_STATUTS.length);
    // « ACI signé » and « en fonctionnement » (both drawn, both common) differ by more than a pixel of width too
    const widthOf = (id: (typeof CPTS_STATUTS)[number]) => lines[CPTS_STATUTS.indexOf(id)]!.width;
    expect(Math.abs(widthOf('aci-signe') - widthOf('en-fonctionnement'))).toBeGreaterThanOrEqual(1);

    const marks = await page
      .getByTestId('legend-pharmacies')
      .locator('svg')
      .evaluateAll((els) => els.map((e) => ({ mark: e.getAttribute('data-mark'), colors: [...e.querySelectorAll('circle')].flatMap((c) => [c.getAttribute('fill'), c.getAttribute('stroke')]) })));
    expect(new Set(marks.map((m) => m.mark)).size, 'three different marks').toBe(3);
    const structures = await page
      .getByTestId('legend-structures')
      .locator('.sw')
      .evaluateAll((els) => els.map((e) => getComputedStyle(e).backgroundColor));
    const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;
    const pharmacyColours = marks.flatMap((m) => m.colors).filter((c): c is string => !!c && c.length === 7 && c !== '#ffffff' && c !== '#111111');
    expect(pharmacyColours.length).toBeGreaterThanOrEqual(3);
    for (const c of pharmacyColours) expect(structures, `${c} is a structure colour`).not.toContain(rgb(c));
    // every status also has its words in the legend
    const text = (await page.getByTestId('legend-pharmacies').textContent()) ?? '';
    for (const id of ['membre', 'couverte-sans-adhesion', 'zone-blanche'] as const) expect(squash(text)).toContain(squash(PHARMACY_STATUS_DEFINITIONS[id]));
  });

  for (const journey of ['', 'ars', 'urps', 'pharmacien']) {
    it(`the legend, every layer on, fits a 1440×900 screen without scrolling (${journey || 'accueil'}) and folds`, async () => {
      const { page } = j;
      await page.goto(`${baseUrl()}/#${journey ? `j=${journey}&` : ''}fond=density&${ALL_LAYERS}`);
      const legend = page.getByTestId('legend');
      await legend.locator('.legend-body').waitFor();
      await settle(page);
      const { scroll, client } = await legend.evaluate((e) => ({ scroll: e.scrollHeight, client: e.clientHeight }));
      expect(scroll, 'legend content taller than its box').toBeLessThanOrEqual(client + 1);
      if (journey === 'ars') await screenshot(page, 'mapux-legende-1440');
      await legend.locator('.legend-toggle').click();
      expect(await legend.locator('.legend-toggle').getAttribute('aria-expanded')).toBe('false');
      expect(await legend.locator('.legend-body').count()).toBe(0);
      await legend.locator('.legend-toggle').click();
    });
  }

  it('made no request outside the test server and raised no page error', () => {
    expectCleanRun(j);
  });
});
