// Print (issue 10, item 6): the A4 CPTS sheet carries a picture of the map (the perimeter, its overlaps, its
// structures) however printing is started, and no page starts with an empty grey bar.
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseUrl, expectCleanRun, hashParams, openJourney, skipReason, suiteTitle, type Journey } from './harness.js';

const ANL = '440056653';

/** How many distinct colours the sheet's map picture holds (a blank or grey picture has a handful). */
const pictureColours = (page: Page) =>
  page.getByTestId('cpts-print-map').evaluate(async (img: HTMLImageElement) => {
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const g = c.getContext('2d')!;
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    const seen = new Set<number>();
    for (let i = 0; i < d.length; i += 4 * 7) seen.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
    return seen.size;
  });

/** Printed boxes that paint a background and hold no text: the empty bars a page could start with. */
const emptyPaintedBoxes = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('body *')]
      .filter((e) => {
        const s = getComputedStyle(e);
        const r = e.getBoundingClientRect();
        const painted = s.backgroundColor !== 'rgba(0, 0, 0, 0)' && s.backgroundColor !== 'rgb(255, 255, 255)';
        return painted && r.width > 50 && r.height > 4 && !(e as HTMLElement).innerText?.trim() && !e.querySelector('img, svg, canvas');
      })
      .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}`),
  );

describe.skipIf(skipReason !== null)(suiteTitle('e2e: fiche CPTS imprimée'), () => {
  let j: Journey;
  beforeAll(async () => {
    j = await openJourney();
    await j.page.setViewportSize({ width: 1440, height: 900 });
  });
  afterAll(async () => {
    await j?.page.emulateMedia({ media: 'screen' });
    await j?.close();
  });

  it('the sheet, opened from a link, prints with its map (Ctrl+P: no button pressed)', async () => {
    const { page } = j;
    // the overlaps and structures switched off on screen: the printed map shows them all the same
    await page.goto(`${baseUrl()}/#j=ars&tab=cpts&sel=cpts:${ANL}&calques=communes,cpts`);
    await page.getByTestId('cpts-sheet').waitFor();
    await page.getByTestId('cpts-print-map').waitFor({ state: 'attached', timeout: 30_000 });
    expect(await pictureColours(page)).toBeGreaterThan(20);
    // the screen keeps the user's layers
    expect(hashParams(page).get('calques')).toBe('communes,cpts');
    expect(await page.getByTestId('layer-overlaps').isChecked()).toBe(false);
    await page.emulateMedia({ media: 'print' });
    expect(await page.getByTestId('cpts-print-map').isVisible()).toBe(true);
    const box = (await page.getByTestId('cpts-print-map').boundingBox())!;
    expect(box.height).toBeGreaterThan(150);
    expect(await emptyPaintedBoxes(page)).toEqual([]);
    // table headers repeat at the top of each page: printed without a grey band
    const heads = await page.locator('th').evaluateAll((ths) => [...new Set(ths.map((t) => getComputedStyle(t).backgroundColor))]);
    expect(heads.filter((c) => c !== 'rgba(0, 0, 0, 0)')).toEqual([]);
  });

  it('prints to an A4 PDF of more than one page', async () => {
    const { page } = j;
    const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
    // kept for a look (tests/.cache is not tracked)
    const dir = fileURLToPath(new URL('../.cache/', import.meta.url));
    await mkdir(dir, { recursive: true });
    await writeFile(`${dir}fiche-cpts.pdf`, pdf);
    const text = pdf.toString('latin1');
    expect(Number(/\/Count (\d+)/.exec(text)?.[1])).toBeGreaterThanOrEqual(2);
    // A4: 595 × 842 points
    const [w, h] = /\/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]/.exec(text)!.slice(1).map(Number);
    expect(Math.round(w!)).toBe(595);
    expect(Math.round(h!)).toBe(842);
    await page.emulateMedia({ media: 'screen' });
  });

  it('made no request outside the test server and raised no page error', () => {
    expectCleanRun(j);
  });
});
