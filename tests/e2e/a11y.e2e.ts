// Accessibility (issue 10): tabs move with the arrow keys, a skip link reaches the panel, landmarks have distinct
// names, and axe-core (injected into the page from node_modules) finds no serious or critical violation on any
// view of any journey.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, baseUrl, expectCleanRun, hashParams, openJourney, settle, skipReason, suiteTitle, type Journey } from './harness.js';

const VIEWS = [
  '',
  'j=ars&tab=cpts',
  'j=ars&tab=overlaps',
  'j=ars&tab=white',
  'j=ars&tab=coverage',
  'j=ars&tab=perimeter&pc=44076,44091,85191',
  'j=urps',
  'j=pharmacien&sel=commune:44109',
  'j=pharmacien&tab=guide',
];

describe.skipIf(skipReason !== null)(suiteTitle('e2e: accessibilité'), () => {
  let j: Journey;
  beforeAll(async () => {
    j = await openJourney();
  });
  afterAll(async () => {
    await j?.close();
  });

  it('tabs move with the arrow keys (and Home / End); only the open tab is in the Tab order', async () => {
    const { page } = j;
    await page.goto(`${baseUrl()}/#j=ars&tab=cpts`);
    const tabs = page.getByRole('tablist', { name: 'Vues du planificateur' }).getByRole('tab');
    await tabs.first().waitFor();
    expect(await tabs.evaluateAll((els) => els.map((e) => e.getAttribute('tabindex')))).toEqual(['0', '-1', '-1', '-1', '-1']);
    await tabs.first().focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => hashParams(page).get('tab')).toBe('overlaps');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('tab-overlaps');
    await page.keyboard.press('End');
    await expect.poll(() => hashParams(page).get('tab')).toBe('perimeter');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => hashParams(page).get('tab')).toBe('cpts');
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => hashParams(page).get('tab')).toBe('perimeter');
  });

  it('the skip link is the first stop of the keyboard and moves the focus to the panel, the URL untouched', async () => {
    const { page } = j;
    await page.goto(`${baseUrl()}/#j=urps`);
    await page.reload(); // a fresh document: the keyboard starts from its top
    await page.getByTestId('journey-urps-panel').waitFor();
    const before = page.url();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('skip-link');
    expect(await page.getByTestId('skip-link').isVisible()).toBe(true);
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('contenu');
    expect(page.url()).toBe(before);
  });

  it('landmarks have distinct names', async () => {
    const { page } = j;
    await page.goto(`${baseUrl()}/#j=pharmacien`);
    await page.getByTestId('journey-pharmacien-panel').waitFor();
    const names = await page
      .locator('main, nav, aside, header, footer, [role="search"], section[aria-label], [role="region"]')
      .evaluateAll((els) => els.filter((e) => e.getAttribute('aria-label')).map((e) => `${e.getAttribute('role') ?? e.tagName.toLowerCase()}:${e.getAttribute('aria-label')}`));
    expect(names.length).toBeGreaterThanOrEqual(5);
    expect(new Set(names).size, names.join(' | ')).toBe(names.length);
  });

  for (const v of VIEWS) {
    it(`axe-core: no serious or critical violation (${v || 'accueil'})`, async () => {
      const { page } = j;
      await page.goto(`${baseUrl()}/#${v}`);
      await page.locator('.journey, .home').first().waitFor();
      await settle(page);
      await expect.poll(async () => page.locator('.state.loading').count()).toBe(0);
      expect(await axeViolations(page)).toEqual([]);
    });
  }

  it('made no request outside the test server and raised no page error', () => {
    expectCleanRun(j);
  });
});
