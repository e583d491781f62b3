// Map usability (issue 10): the map frames the answer — the data set at home clear of the legend, a pharmacy with
// its CPTS and every structure listed, a white zone with the nearest CPTS its row names, an overlap pair with A and
// B told apart (and named in the table), a URPS row with its surroundings. Expected values come from the API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, baseUrl, bboxOf, expectCleanRun, expectFramed, openJourney, skipReason, squash, stableMapView, suiteTitle, type Journey } from './harness.js';

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

/** The perimeters of CPTS (their own geometry: some member communes have no outline). */
async function cptsPerimeters(ids: string[]): Promise<Fc['features']> {
  const all = await api<Fc>('/api/cpts.geojson');
  return all.features.filter((f) => ids.includes(String(f.properties.id)));
}

/** Points as a feature, to frame them with outlines. */
const pointsOf = (points: Lonlat[]) => ({ geometry: { coordinates: points.map((p) => [p.lon, p.lat]) } });

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
    await expectFramed(page, [w, s, e, n], 'the data set');
  });

  it('a pharmacy: its CPTS and every structure the panel lists are in view', async () => {
    const { page } = j;
    const list = await api<{ officines: PharmacyRow[] }>('/api/pharmacies?statut=couverte-sans-adhesion&limit=1');
    const ph = list.officines[0]!;
    const near = await api<Nearby>(`/api/nearby?finess=${ph.finess}&k=3`);
    expect(near.cpts.length).toBeGreaterThan(0);
    const sites = [...near.plusProches.msp, ...near.plusProches.csp, ...near.plusProches.esp];
    const cpts = await cptsPerimeters(near.cpts.map((c) => c.id));
    await page.goto(`${baseUrl()}/#j=pharmacien&sel=pharmacie:${ph.finess}`);
    await page.getByTestId('nearby').waitFor();
    const points = pointsOf([ph.position!, ...sites.map((s) => s.position)]);
    await expectFramed(page, bboxOf([points, ...cpts]), 'the pharmacy, its CPTS and the structures listed');
  });

  it('a white zone: the commune and the nearest CPTS its row names are in view', async () => {
    const { page } = j;
    const fc = await api<Fc>('/api/white-zones.geojson?limit=20');
    const row = fc.features.find((f) => f.properties.cptsLaPlusProche && f.geometry)!;
    const nearest = (row.properties.cptsLaPlusProche as { id: string }).id;
    const cpts = await cptsPerimeters([nearest]);
    await page.goto(`${baseUrl()}/#j=ars&tab=white&sel=commune:${String(row.properties.code)}`);
    await page.getByTestId('white-zones-count').waitFor();
    await expectFramed(page, bboxOf([row, ...cpts]), 'the white zone and the nearest CPTS');
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
    await expectFramed(page, bboxOf(await cptsPerimeters([p.a.id, p.b.id])), 'the pair');
  });

  it('a URPS row: the map zooms out to the pharmacy’s surroundings, not onto a lone dot', async () => {
    const { page } = j;
    const list = await api<{ officines: PharmacyRow[] }>('/api/pharmacies?limit=1');
    const ph = list.officines[0]!;
    await page.goto(`${baseUrl()}/#j=urps&m=16/${ph.position!.lat}/${ph.position!.lon}`);
    await page.getByTestId('pharmacy-row').first().click();
    await expect.poll(async () => (await stableMapView(page)).zoom).toBeLessThanOrEqual(12.01);
    await expectFramed(page, bboxOf([pointsOf([ph.position!])]), 'the pharmacy');
  });

  it('made no request outside the test server and raised no page error', () => {
    expectCleanRun(j);
  });
});
