// Phone and tablet (issue 10, item 7), in Chromium at 390×844: the map frames the data at first load, no view
// scrolls sideways, the header search stays on screen, wide tables scroll within themselves, the home text fits.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, baseUrl, bboxOf, expectCleanRun, expectFramed, expectPairNamed, openJourney, pixelOffset, screenshot, settle, skipReason, stableMapView, suiteTitle, type CommunesFc, type Journey } from './harness.js';

const PHONE = { width: 390, height: 844 };
/** A CPTS of the demo's overlapping pair (CPTS ANL, tests/e2e/ars.e2e.ts). */
const DEMO_PAIR_CPTS = '440056653';

/** Hash, name of the screenshot, and the table a screenshot scrolls the panel to (the README shows them). */
const VIEWS: [string, string, string?][] = [
  ['', 'accueil'],
  ['j=ars&tab=cpts', 'ars-cpts'],
  ['j=ars&tab=overlaps', 'ars-chevauchements', 'overlaps-table'],
  ['j=ars&tab=white', 'ars-zones-blanches'],
  ['j=ars&tab=coverage', 'ars-couverture'],
  ['j=ars&tab=perimeter&pc=44076,44091', 'ars-perimetre'],
  ['j=urps', 'urps', 'pharmacies-table'],
  ['j=pharmacien', 'pharmacien'],
  ['j=pharmacien&tab=guide', 'pharmacien-guide'],
];

/**
 * Elements that stick out of the window on the right and that no ancestor clips or scrolls: what would make the
 * page wider than the screen. Described by tag and class, for the failure message.
 */
const uncutOverflow = (page: Page) =>
  page.evaluate(() => {
    const w = window.innerWidth;
    const clipped = (e: Element): boolean => {
      for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
        if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(a).overflowX) && a.getBoundingClientRect().right <= w + 1) return true;
      }
      return false;
    };
    return [...document.body.querySelectorAll('*')]
      .filter((e) => {
        const r = e.getBoundingClientRect();
        return r.width > 0 && r.right > w + 1 && !clipped(e);
      })
      .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}`)
      .slice(0, 10);
  });

describe.skipIf(skipReason !== null)(suiteTitle('e2e: téléphone 390×844'), () => {
  let j: Journey;
  beforeAll(async () => {
    j = await openJourney();
    await j.page.setViewportSize(PHONE);
  });
  afterAll(async () => {
    await j?.close();
  });

  it('at first load the map frames the whole data set, not a desktop padding that pushes it off a phone', async () => {
    const { page } = j;
    const { couches } = await api<{ couches: { id: string; bounds?: [number, number, number, number] }[] }>('/tiles/layers.json');
    const [w, s, e, n] = couches.find((l) => l.id === 'communes')!.bounds!;
    await page.goto(`${baseUrl()}/`);
    await page.locator('.home').waitFor();
    await settle(page);
    const view = await stableMapView(page);
    const box = (await page.getByTestId('map').boundingBox())!;
    const outside = [
      [w, s],
      [e, n],
    ].filter(([lon, lat]) => {
      const { dx, dy } = pixelOffset(view, lon!, lat!);
      return Math.abs(dx) > box.width / 2 || Math.abs(dy) > box.height / 2;
    });
    expect(outside, 'corners of the data out of the map').toEqual([]);
    // and the data fills a fair part of the map, not a dot in its middle
    const { dx } = pixelOffset(view, e, n);
    const { dx: dx0 } = pixelOffset(view, w, s);
    expect(dx - dx0).toBeGreaterThan(box.width * 0.4);
  });

  it('the map credits start folded over a phone map, and one tap unfolds them (their licences require them)', async () => {
    const { page } = j;
    await page.goto(`${baseUrl()}/`);
    await page.locator('.home').waitFor();
    const credits = page.locator('.maplibregl-ctrl-attrib-inner');
    await expect.poll(() => credits.isVisible()).toBe(false);
    await page.locator('.maplibregl-ctrl-attrib-button').click();
    await expect.poll(() => credits.isVisible()).toBe(true);
    expect(await credits.textContent()).toContain('INSEE');
    await page.locator('.maplibregl-ctrl-attrib-button').click();
    await expect.poll(() => credits.isVisible(), { message: 'folded again' }).toBe(false);
  });

  for (const [hash, name, table] of VIEWS) {
    it(`nothing scrolls sideways, the search is on screen: ${name}`, async () => {
      const { page } = j;
      // a page of its own, as a link opens it: not the map view the previous view left
      await page.goto('about:blank');
      await page.goto(`${baseUrl()}/#${hash}`);
      await page.locator('.journey, .home').first().waitFor();
      await expect.poll(async () => page.locator('.state.loading').count()).toBe(0);
      await settle(page);
      await expect.poll(() => uncutOverflow(page)).toEqual([]);
      const { scroll, inner } = await page.evaluate(() => ({ scroll: document.scrollingElement!.scrollWidth, inner: window.innerWidth }));
      expect(scroll).toBeLessThanOrEqual(inner);
      const search = (await page.getByTestId('search-input').boundingBox())!;
      expect(search.x).toBeGreaterThanOrEqual(0);
      expect(search.x + search.width).toBeLessThanOrEqual(PHONE.width);
      expect(search.width, 'a search box one can type in').toBeGreaterThanOrEqual(120);
      expect(search.y + search.height).toBeLessThanOrEqual(PHONE.height);
      if (table) await page.getByTestId(table).evaluate((t) => t.closest('.table-wrap')!.scrollIntoView({ block: 'start' }));
      await screenshot(page, `screenshot-phone-${name}`);
    });
  }

  it('the overlap table and the URPS list scroll within themselves', async () => {
    const { page } = j;
    for (const [hash, testId] of [
      ['j=ars&tab=overlaps', 'overlaps-table'],
      ['j=urps', 'pharmacies-table'],
    ] as const) {
      await page.goto(`${baseUrl()}/#${hash}`);
      const table = page.getByTestId(testId);
      await table.waitFor();
      const fit = await table.evaluate((t) => {
        const host = t.closest('.table-wrap')!;
        return { host: !!host, right: host?.getBoundingClientRect().right ?? Infinity, w: window.innerWidth, scrolls: getComputedStyle(host).overflowX };
      });
      expect(fit.host, `${testId} in a scrolling box`).toBe(true);
      expect(['auto', 'scroll']).toContain(fit.scrolls);
      expect(fit.right).toBeLessThanOrEqual(fit.w);
    }
  });

  it('an overlap pair selected on a phone: both CPTS framed below the folded legend, named A and B on the map', async () => {
    const { page } = j;
    const { paires } = await api<{ paires: { a: { id: string; nom: string }; b: { id: string; nom: string }; communes: { code: string }[] }[] }>('/api/overlaps');
    const pair = paires.find((p) => [p.a.id, p.b.id].includes(DEMO_PAIR_CPTS))!;
    await page.goto(`${baseUrl()}/#j=ars&tab=overlaps&sel=paire:${pair.a.id}|${pair.b.id}`);
    await page.getByTestId('overlap-detail').waitFor();
    const fcs = await Promise.all([pair.a.id, pair.b.id].map((id) => api<CommunesFc>(`/api/cpts/${encodeURIComponent(id)}/communes.geojson`)));
    await expectFramed(page, bboxOf(fcs.flatMap((f) => f.features)), 'the pair');
    await expectPairNamed(page, pair, fcs);
    await screenshot(page, 'phone-ars-paire');
  });

  it('the home text speaks of the map where a phone shows it and fits its panel', async () => {
    const { page } = j;
    await page.goto(`${baseUrl()}/`);
    const home = page.locator('.home');
    await home.waitFor();
    expect(await home.innerText()).not.toMatch(/à droite|à gauche/);
    const { scroll, client } = await home.evaluate((e) => ({ scroll: e.scrollWidth, client: e.clientWidth }));
    expect(scroll).toBeLessThanOrEqual(client);
  });

  it('made no request outside the test server and raised no page error', () => {
    expectCleanRun(j);
  });
});
