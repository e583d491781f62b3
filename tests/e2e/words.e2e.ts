// Words (issue 10): no internal names, commands or English in the interface, and every figure rounded as the
// page says. Each view of each journey is read as a user sees it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseUrl, expectCleanRun, openJourney, settle, skipReason, suiteTitle, type Journey } from './harness.js';

/** What a user must never read: API keys, commands, zoom levels, English left by the importer or the browser. */
const JARGON = /nbCommunes|estProxy|cptsLimitrophes|partPopulationPct|npm |zoom \d|\bfiles?\)|Choose File|No file chosen|undefined|NaN/;

const VIEWS = [
  '',
  'j=ars&tab=cpts',
  'j=ars&tab=overlaps',
  'j=ars&tab=white',
  'j=ars&tab=coverage',
  'j=ars&tab=perimeter&pc=44076,44091',
  'j=urps',
  'j=pharmacien',
  'j=pharmacien&tab=guide',
];

describe.skipIf(skipReason !== null)(suiteTitle('e2e: les mots de l’interface'), () => {
  let j: Journey;
  beforeAll(async () => {
    j = await openJourney();
  });
  afterAll(async () => {
    await j?.close();
  });

  for (const v of VIEWS) {
    it(`no jargon on screen: ${v || 'accueil'}`, async () => {
      const { page } = j;
      await page.goto(`${baseUrl()}/#${v}`);
      await page.locator('.journey, .home').first().waitFor();
      await settle(page);
      await expect.poll(async () => page.locator('.state.loading').count()).toBe(0);
      const text = await page.locator('body').innerText();
      expect(text.match(JARGON)?.[0] ?? null).toBe(null);
    });
  }

  it('coverage shares are shown to the tenth, as the page says', async () => {
    const { page } = j;
    await page.goto(`${baseUrl()}/#j=ars&tab=coverage`);
    await page.getByTestId('coverage-departements').waitFor();
    expect(await page.locator('.notes').innerText()).toContain('arrondies au dixième');
    const shares = await page.getByTestId('coverage-departements').locator('td.num').allInnerTexts();
    const pcts = shares.filter((s) => s.includes('%'));
    expect(pcts.length).toBeGreaterThan(10);
    for (const s of pcts) expect(s.replace(/\s/g, ' ')).toMatch(/^\d{1,3},\d %$/);
  });

  it('made no request outside the test server and raised no page error', () => {
    expectCleanRun(j);
  });
});
