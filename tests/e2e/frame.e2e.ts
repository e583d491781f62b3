// Map usability (issue 10): the map frames the answer — the data set at home clear of the legend, a pharmacy with
// its CPTS and every structure listed, a white zone with the nearest CPTS its row names, an overlap pair with A and
// B told apart (and named in the table), a URPS row with its surroundings. Expected values come from the API.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, baseUrl, bboxOf, expectCleanRun, openJourney, pixelOffset, settle, skipReason, squash, stableMapView, suiteTitle, type Journey } from './harness.js';

type Lonlat = { lon: number; lat: number };
type Fc = { features: { geometry: { coordinates: unknown } | null; properties: Record<string, unknown> }[] };
interface Nearby {
  cpts: { id: string; nom: string }[];
  plusProches: Record<'msp' | 'csp' | 'esp', { finess: string; position: Lonlat }[]>;
}
interface PharmacyRow {
  finess: string;
  statut: string;
  position: Lonlat | null;
}

/** Points outside the visible map (the legend, over the map's right side, hides what is under it). */
async function outOfView(page: Page, points: [number, number][]): Promise<[number, number][]> {
  await settle(page);
  const view = await stableMapView(page);
  const box = (await page.getByTestId('map').boundingBox())!;
  const legend = await page.locator('.legend').boundingBox();
  const right = legend ? legend.x - box.x : box.width;
  return points.filter(([lon, lat]) => {
    const { dx, dy } = pixelOffset(view, lon, lat);
    const x = box.width / 2 + dx;
    const y = box.height / 2 + dy;
    return x < 0 || y < 0 || y > box.height || x > right;
  });
}

/** The corners of CPTS perimeters (their own geometry: some member communes have no outline). */
async function cptsCorners(ids: string[]): Promise<[number, number][]> {
  const all = await api<Fc>('/api/cpts.geojson');
  return ids.flatMap((id) => corners({ features: all.features.filter((f) => f.properties.id === id) }));
}

const corners = (fc: Fc): [number, number][] => {
  const [w, s, e, n] = bboxOf(fc.features);
  return [
    [w, s],
    [e, n],
  ];
};

describe.skipIf(skipReason !== null)(suiteTitle('e2e: carte — cadrer la réponse'), () => {
  let j: Journey;
  beforeAll(async () => {
    j = await openJourney();
  });
  afterAll(async () => {
    await j?.close();
  });

  it('home: the whole data set in view, clear of the open legend', async () => {
    const { page } = j;
    const { couches } = await api<{ couches: { id: string; bounds?: [number, number, number, number] }[] }>('/tiles/layers.json');
    const [w, s, e, n] = couches.find((l) => l.id === 'communes')!.bounds!;
    await page.goto(`${baseUrl()}/`);
    await page.locator('.home').waitFor();
    expect(await page.locator('.legend-body').isVisible(), 'the legend opens on a desk').toBe(true);
    expect(await outOfView(page, [[w, s], [e, n]])).toEqual([]);
  });

  it('a pharmacy: its CPTS and every structure the panel lists are in view', async () => {
    const { page } = j;
    const list = await api<{ officines: PharmacyRow[] }>('/api/pharmacies?statut=couverte-sans-adhesion&limit=1');
    const ph = list.officines[0]!;
    const near = await api<Nearby>(`/api/nearby?finess=${ph.finess}&k=3`);
    expect(near.cpts.length).toBeGreaterThan(0);
    const sites = [...near.plusProches.msp, ...near.plusProches.csp, ...near.plusProches.esp];
    const cpts = await cptsCorners(near.cpts.map((c) => c.id));
    await page.goto(`${baseUrl()}/#j=pharmacien&sel=pharmacie:${ph.finess}`);
    await page.getByTestId('nearby').waitFor();
    const expected: [number, number][] = [[ph.position!.lon, ph.position!.lat], ...sites.map((s): [number, number] => [s.position.lon, s.position.lat]), ...cpts];
    await expect.poll(() => outOfView(page, expected), { timeout: 30_000 }).toEqual([]);
  });

  it('a white zone: the commune and the nearest CPTS its row names are in view', async () => {
    const { page } = j;
    const fc = await api<Fc>('/api/white-zones.geojson?limit=20');
    const row = fc.features.find((f) => f.properties.cptsLaPlusProche && f.geometry)!;
    const nearest = (row.properties.cptsLaPlusProche as { id: string }).id;
    const cpts = await cptsCorners([nearest]);
    await page.goto(`${baseUrl()}/#j=ars&tab=white&sel=commune:${String(row.properties.code)}`);
    await page.getByTestId('white-zones-count').waitFor();
    await expect.poll(() => outOfView(page, [...corners({ features: [row] }), ...cpts]), { timeout: 30_000 }).toEqual([]);
  });

  it('an overlap pair: A and B in two styles, named in the table and in the detail', async () => {
    const { page } = j;
    const { paires } = await api<{ paires: { a: { id: string; nom: string }; b: { id: string; nom: string } }[] }>('/api/overlaps');
    const p = paires[0]!;
    await page.goto(`${baseUrl()}/#j=ars&tab=overlaps&sel=paire:${p.a.id}|${p.b.id}`);
    await page.getByTestId('pair-key').waitFor();
    const heads = (await page.getByTestId('overlaps-table').locator('th').allTextContents()).map(squash);
    expect(heads[0]).toContain('CPTS A (trait noir)');
    expect(heads[1]).toContain('CPTS B (tirets bleus)');
    const key = (await page.getByTestId('pair-key').locator('li').allTextContents()).map(squash);
    expect(key).toEqual([`A : ${p.a.nom}, trait noir sur la carte`, `B : ${p.b.nom}, tirets bleus sur la carte`]);
    const ab = await cptsCorners([p.a.id, p.b.id]);
    await expect.poll(() => outOfView(page, ab), { timeout: 30_000 }).toEqual([]);
  });

  it('a URPS row: the map zooms out to the pharmacy’s surroundings, not onto a lone dot', async () => {
    const { page } = j;
    const list = await api<{ officines: PharmacyRow[] }>('/api/pharmacies?limit=1');
    const ph = list.officines[0]!;
    await page.goto(`${baseUrl()}/#j=urps&m=16/${ph.position!.lat}/${ph.position!.lon}`);
    await page.getByTestId('pharmacy-row').first().click();
    await expect.poll(async () => (await stableMapView(page)).zoom).toBeLessThanOrEqual(12.01);
    expect(await outOfView(page, [[ph.position!.lon, ph.position!.lat]])).toEqual([]);
  });

  it('made no request outside the test server and raised no page error', () => {
    expectCleanRun(j);
  });
});
