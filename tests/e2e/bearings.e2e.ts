// Bearings on the map, with the network cut: names of communes, CPTS, départements and régions and their outlines,
// drawn from the app's own tiles with the glyphs it serves; MapLibre's controls in French. What is asserted is what
// MapLibre has drawn (queryRenderedFeatures: a symbol is returned only once placed on screen), not pixels.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseUrl, expectCleanRun, openJourney, screenshot, settle, skipReason, suiteTitle, type Journey } from './harness.js';

/** Names drawn by a label layer in the current view. */
function drawn(page: Page, layer: string): Promise<string[]> {
  return page.evaluate((id) => {
    const map = (document.querySelector('[data-testid="map"]') as HTMLElement & {
      maplibre?: { getLayer(id: string): unknown; queryRenderedFeatures(o: { layers: string[] }): { properties: Record<string, unknown> }[] };
    }).maplibre;
    // before the style has loaded, the layer is not there yet: nothing drawn
    if (!map?.getLayer(id)) return [];
    return map.queryRenderedFeatures({ layers: [id] }).map((f) => String(f.properties.nom ?? f.properties.id));
  }, layer);
}

describe.skipIf(skipReason !== null)(suiteTitle('e2e: repères sur la carte'), () => {
  let j: Journey;
  const glyphs: { url: string; status: number }[] = [];
  beforeAll(async () => {
    j = await openJourney();
    j.page.on('response', (r) => {
      if (r.url().includes('/glyphs/')) glyphs.push({ url: r.url(), status: r.status() });
    });
  });
  afterAll(async () => {
    await j?.close();
  });

  it('names communes, CPTS and the département at zoom 9, with its outline, from the app’s glyphs', async () => {
    const { page } = j;
    await page.goto(`${baseUrl()}/#m=9.00/47.2200/-1.5500`);
    // the first view renders some sixty tiles one after the other on the embedded database: a wide bound
    await expect.poll(() => drawn(page, 'etiquettes-communes'), { timeout: 90_000 }).toContain('Nantes');
    await settle(page);
    const communes = await drawn(page, 'etiquettes-communes');
    expect(communes).toEqual(expect.arrayContaining(['Nantes', 'Saint-Nazaire']));
    expect(communes.length).toBeGreaterThan(10);
    expect((await drawn(page, 'etiquettes-cpts')).length).toBeGreaterThan(0);
    expect(await drawn(page, 'etiquettes-departements')).toContain('Loire-Atlantique');
    expect(await drawn(page, 'limites-departements')).toContain('Loire-Atlantique');
    expect(glyphs.length).toBeGreaterThan(0);
    expect(glyphs.filter((g) => g.status !== 200)).toEqual([]);
    expect(glyphs.every((g) => g.url.startsWith(`${baseUrl()}/glyphs/Noto%20Sans%20`))).toBe(true);
    await screenshot(page, 'screenshot-reperes');
    expectCleanRun(j);
  }, 120_000);

  it('names régions at a national view, and outlines them', async () => {
    const { page } = j;
    await page.goto(`${baseUrl()}/#m=6.00/45.6000/2.0000`);
    await expect.poll(() => drawn(page, 'etiquettes-regions'), { timeout: 60_000 }).toEqual(expect.arrayContaining(['Pays de la Loire', 'Provence-Alpes-Côte d\'Azur']));
    expect(await drawn(page, 'limites-regions')).toEqual(expect.arrayContaining(['Pays de la Loire']));
    expect(await drawn(page, 'etiquettes-communes')).toContain('Marseille');
    expectCleanRun(j);
  }, 90_000);

  it('labels MapLibre’s controls in French', async () => {
    const { page } = j;
    for (const name of ['Zoomer', 'Dézoomer']) await expect.poll(() => page.getByRole('button', { name, exact: true }).count()).toBe(1);
    expect(await page.locator('.maplibregl-ctrl-attrib-button').getAttribute('title')).toBe('Afficher ou masquer les sources');
    expect(await page.locator('[aria-label="Zoom in"], [aria-label="Zoom out"], [title="Toggle attribution"]').count()).toBe(0);
    expectCleanRun(j);
  });
});
