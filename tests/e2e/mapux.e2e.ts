// Map usability (issue 10): « Vérifier un périmètre » opened from a link takes map clicks, fades the shading,
// numbers its separate parts, keeps an uploaded contour across a reload, exports CSV / GeoJSON / a printable
// sheet, and says distinctly why codes were set aside. Expected values come from the API.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Download, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  baseUrl,
  expectCleanRun,
  fillOpacity,
  hashParams,
  labelsNear,
  mapMarks,
  openJourney,
  pixelOffset,
  postApi,
  screenshot,
  settle,
  skipReason,
  squash,
  stableMapView,
  suiteTitle,
  type Journey,
} from './harness.js';

interface PerimeterCheck {
  population: number;
  nbCommunes: number;
  bande: string;
  contigu: boolean;
  parties: { numero: number; communes: string[] }[];
  communesIntrouvables: string[];
}
type Ring = [number, number][];
interface CommuneFc {
  features: { geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: Ring[] | Ring[][] } | null; properties: { code: string; partie?: number } }[];
}

/** Jans and Marsac-sur-Don (44): one group. With La Roche-sur-Yon and Aubigny-Les Clouzeaux (85): two parts. */
const GROUP_44 = ['44076', '44091'];
const GROUP_85 = ['85191', '85008'];

const inRing = ([x, y]: [number, number], ring: Ring) => {
  let inside = false;
  for (let i = 0, k = ring.length - 1; i < ring.length; k = i++) {
    const [xi, yi] = ring[i]!;
    const [xk, yk] = ring[k]!;
    if (yi > y !== yk > y && x < ((xk - xi) * (y - yi)) / (yk - yi) + xi) inside = !inside;
  }
  return inside;
};

/** A point well inside a commune's outline: the grid point of its largest polygon farthest from nothing fancy. */
async function pointIn(code: string): Promise<[number, number]> {
  const fc = await postApi<CommuneFc>('/api/perimeter/communes.geojson', { communes: [code] });
  const g = fc.features[0]!.geometry!;
  const polys = (g.type === 'Polygon' ? [g.coordinates] : g.coordinates) as Ring[][];
  const outer = polys.map((p) => p[0]!).sort((a, b) => b.length - a.length)[0]!;
  const xs = outer.map((p) => p[0]);
  const ys = outer.map((p) => p[1]);
  const [w, e, s, n] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  // the grid point inside the outline whose 4 neighbours at a tenth of the size are inside too
  const dx = (e - w) / 10;
  const dy = (n - s) / 10;
  for (let i = 5, t = 0; t < 10; t++, i = 5 + (t % 2 ? -1 : 1) * Math.ceil(t / 2)) {
    for (let k = 1; k < 10; k++) {
      const p: [number, number] = [w + i * dx, s + k * dy];
      const around: [number, number][] = [p, [p[0] + dx, p[1]], [p[0] - dx, p[1]], [p[0], p[1] + dy], [p[0], p[1] - dy]];
      if (around.every((q) => inRing(q, outer))) return p;
    }
  }
  throw new Error(`no inner point found for ${code}`);
}

/** Clicks the map at a longitude / latitude (the view read from the URL once the map has stopped). */
async function clickMapAt(page: Page, [lon, lat]: [number, number]): Promise<void> {
  await settle(page);
  const view = await stableMapView(page);
  const box = (await page.getByTestId('map').boundingBox())!;
  const { dx, dy } = pixelOffset(view, lon, lat);
  await page.mouse.click(box.x + box.width / 2 + dx, box.y + box.height / 2 + dy);
}

/** The text of a download (the browser is remote: saved to a local copy first). */
async function downloaded(d: Download): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'e2e-dl-')), d.suggestedFilename());
  await d.saveAs(path);
  return readFile(path, 'utf8');
}

const pcCodes = (page: Page) => (hashParams(page).get('pc') ?? '').split(',').filter(Boolean).sort();

describe.skipIf(skipReason !== null)(suiteTitle('e2e: carte — vérifier un périmètre'), () => {
  let j: Journey;
  beforeAll(async () => {
    j = await openJourney();
    // the print dialog is not opened by a test: counted instead
    await j.context.addInitScript(() => {
      (window as unknown as { printed: number }).printed = 0;
      window.print = () => {
        (window as unknown as { printed: number }).printed++;
      };
    });
  });
  afterAll(async () => {
    await j?.close();
  });

  it('opened from a link, map clicks remove and add communes (no popup), and the shading fades', async () => {
    const { page } = j;
    await page.goto(`${baseUrl()}/#j=ars&tab=perimeter&pc=${GROUP_44.join(',')}`);
    await page.getByTestId('perimeter-result').waitFor();
    await expect.poll(() => page.getByTestId('perimeter-commune-row').count()).toBe(2);
    expect(await page.getByTestId('map').getAttribute('data-checking')).toBe('');
    // one rule for what fades: the shading and the white zones' hatching alike, the proposal on top
    await expect.poll(() => fillOpacity(page, 'white-zones')).toBe(0.25);
    expect(await fillOpacity(page, 'communes-fill')).toBe(0.3);

    const jans = await pointIn('44076');
    await clickMapAt(page, jans);
    await expect.poll(() => pcCodes(page)).toEqual(['44091']);
    expect(await page.locator('.maplibregl-popup').count(), 'no popup in the perimeter check').toBe(0);
    await expect.poll(() => page.getByTestId('perimeter-commune-row').count()).toBe(1);
    await clickMapAt(page, jans);
    await expect.poll(() => pcCodes(page)).toEqual([...GROUP_44].sort());

    // after a reload too
    await page.reload();
    await page.getByTestId('perimeter-result').waitFor();
    await clickMapAt(page, jans);
    await expect.poll(() => pcCodes(page)).toEqual(['44091']);

    // leaving the tab restores the shading and the popups
    await page.getByTestId('tab-cpts').click();
    await expect.poll(() => page.getByTestId('map').getAttribute('data-checking')).toBe(null);
    await expect.poll(() => fillOpacity(page, 'white-zones')).toBe(1);
  });

  it('two separate parts: each numbered on the map and in the panel; the key names the proposal colour', async () => {
    const { page } = j;
    const codes = [...GROUP_44, ...GROUP_85];
    const expected = await postApi<PerimeterCheck>('/api/perimeter/check', { communes: codes });
    expect(expected.parties).toHaveLength(2);
    await page.goto(`${baseUrl()}/#j=ars&tab=perimeter&pc=${codes.join(',')}`);
    // opened anew (a change of hash alone keeps the map where it was): framed on both parts
    await page.reload();
    await page.getByTestId('perimeter-result').waitFor();
    await expect.poll(async () => (await mapMarks(page)).map((m) => m.texte).sort()).toEqual(['1', '2']);
    // no commune name under a part's number: the names give way to it
    await settle(page);
    // each number over a commune of its part (inside it, whatever its shape: tests/unit/geometry.test.ts)
    for (const mark of await mapMarks(page)) expect(expected.parties.find((p) => String(p.numero) === mark.texte)!.communes, `part ${mark.texte}`).toContain(mark.commune);
    for (const mark of await mapMarks(page)) expect(await labelsNear(page, 'etiquettes-communes', mark, 14), `names under part ${mark.texte}`).toEqual([]);
    expect(squash(await page.getByTestId('perimeter-key').textContent())).toContain('chaque partie séparée numérotée');
    // the proposal's colour is none of the legend's (shading, bands, structures, pharmacies, highlights)
    const proposal = await page.getByTestId('perimeter-key').locator('.sw').first().evaluate((e) => getComputedStyle(e).backgroundColor);
    const legend = await page.locator('.legend .sw').evaluateAll((els) => els.map((e) => getComputedStyle(e).backgroundColor));
    expect(legend.length).toBeGreaterThan(10);
    expect(legend).not.toContain(proposal);
    await screenshot(page, 'mapux-perimetre-parties');
  });

  it('exports the result as CSV (codes as text, figures), GeoJSON (one outline per commune) and a printable sheet with a map', async () => {
    const { page } = j;
    const codes = [...GROUP_44, ...GROUP_85];
    const expected = await postApi<PerimeterCheck>('/api/perimeter/check', { communes: codes });
    await page.goto(`${baseUrl()}/#j=ars&tab=perimeter&pc=${codes.join(',')}`);
    await page.getByTestId('export-csv').waitFor();

    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
    expect(csv.suggestedFilename()).toBe('perimetre.csv');
    const text = await downloaded(csv);
    expect(text.startsWith('\ufeffCode INSEE;Commune;')).toBe(true);
    for (const c of codes) expect(text).toContain(`"=""${c}"""`);
    expect(text).toContain(`Habitants;${expected.population}\r\n`);
    expect(text).toContain(`Taille ACI;${expected.bande}\r\n`);
    expect(text).toContain('Parties séparées;2\r\n');

    const [gj] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-geojson').click()]);
    expect(gj.suggestedFilename()).toBe('perimetre.geojson');
    const fc = JSON.parse(await downloaded(gj)) as CommuneFc;
    expect(fc.features.map((f) => f.properties.code).sort()).toEqual([...codes].sort());
    expect(fc.features.every((f) => f.geometry !== null)).toBe(true);
    expect(new Set(fc.features.map((f) => f.properties.partie))).toEqual(new Set([1, 2]));

    await page.getByTestId('print-perimeter').click();
    await expect.poll(() => page.evaluate(() => (window as unknown as { printed: number }).printed)).toBe(1);
    await page.emulateMedia({ media: 'print' });
    expect(await page.getByTestId('perimeter-print-map').isVisible()).toBe(true);
    expect(await page.getByTestId('perimeter-form').isVisible(), 'the form is not printed').toBe(false);
    expect(await page.locator('header.top').isVisible()).toBe(false);
    await page.emulateMedia({ media: 'screen' });
  });

  it('pasted codes: repeated ones, 4-digit ones and unknown ones each get their own message', async () => {
    const { page } = j;
    await page.goto(`${baseUrl()}/#j=ars&tab=perimeter&pc=44076`);
    await page.getByTestId('perimeter-result').waitFor();
    const outside = '75056'; // Paris: a real commune, outside the demo's départements
    const unknown = '44999';
    const check = await postApi<PerimeterCheck>('/api/perimeter/check', { communes: ['44076', outside, unknown] });
    expect(check.communesIntrouvables.sort()).toEqual([outside, unknown].sort());

    await page.getByTestId('perimeter-codes').fill(`44076 44091 44091 4109 ${outside} ${unknown}`);
    await page.getByTestId('perimeter-add-codes').click();
    const notice = page.getByTestId('perimeter-paste-notice');
    expect(squash(await notice.getByTestId('codes-repeated').textContent())).toBe('Déjà dans la liste, comptés une seule fois : 44076, 44091.');
    expect(squash(await notice.getByTestId('codes-four-digits').textContent())).toContain('Non ajoutés, car de 4 chiffres : 4109.');
    await expect.poll(() => pcCodes(page)).toEqual(['44076', '44091', outside, unknown].sort());
    const warnings = page.getByTestId('perimeter-warnings');
    await expect.poll(async () => squash(await warnings.getByTestId('codes-outside').textContent())).toContain(`Hors des données chargées : ${outside}`);
    expect(squash(await warnings.getByTestId('codes-unknown').textContent())).toContain(`le code ${unknown}`);
    const all = squash(await warnings.textContent());
    expect(all.split(unknown).length - 1, 'each code named once').toBe(1);
    expect(all.split(outside).length - 1).toBe(1);

    await notice.getByTestId('add-padded').click();
    await expect.poll(() => pcCodes(page)).toContain('04109');
  });

  it('an uploaded GeoJSON contour survives a reload', async () => {
    const { page } = j;
    await page.goto(`${baseUrl()}/#j=ars&tab=perimeter`);
    await page.getByTestId('perimeter-clear').click().catch(() => {});
    const square = { type: 'Polygon', coordinates: [[[-1.7, 47.5], [-1.55, 47.5], [-1.55, 47.6], [-1.7, 47.6], [-1.7, 47.5]]] };
    await page.getByTestId('perimeter-file').setInputFiles({ name: 'projet-nord.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(JSON.stringify(square)) });
    const title = page.getByTestId('perimeter-result').locator('h3').first();
    await expect.poll(async () => squash(await title.textContent())).toContain('Contour « projet-nord.geojson »');
    const before = squash(await title.textContent());
    await page.reload();
    await expect.poll(async () => squash(await page.getByTestId('perimeter-result').locator('h3').first().textContent())).toBe(before);
    await page.getByTestId('perimeter-clear').click();
    await page.reload();
    await page.getByTestId('perimeter-codes').waitFor();
    expect(await page.getByTestId('perimeter-result').count(), 'cleared: nothing comes back').toBe(0);
  });

  it('made no request outside the test server and raised no page error', () => {
    expectCleanRun(j);
  });
});
