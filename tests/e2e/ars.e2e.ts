// Journey of the ARS planner, from the home screen: the overlap table (the demo's one overlapping pair),
// sorting, selecting the pair (URL, detail, map framing), white zones, coverage per département, a CPTS sheet,
// and « Vérifier un périmètre » with two separate groups of communes. Expected values come from the API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  baseUrl,
  bboxOf,
  dateFieldParts,
  digits,
  expectCleanRun,
  expectFramed,
  expectMapShown,
  fmtDec,
  fmtInt,
  hashParams,
  expectPairNamed,
  frenchControlsSkipReason,
  openJourney,
  postApi,
  screenshot,
  settle,
  skipReason,
  squash,
  stableMapView,
  suiteTitle,
  type CommunesFc,
  type Journey,
} from './harness.js';

interface Side {
  id: string;
  nom: string;
  perimetre: string;
  population: number;
}
interface Pair {
  a: Side;
  b: Side;
  nbCommunes: number;
  population: number;
  communes: { code: string; nom: string }[];
}
interface CptsSummary {
  id: string;
  nom: string;
  population: number;
  bande: string;
  perimetre: string;
}
interface Coverage {
  departements: { code: string; nom: string; partPopulationPct: number | null }[];
}
interface WhiteZones {
  total: number;
  populationTotale: number;
  communes: { code: string; nom: string; population: number | null }[];
}
interface PerimeterCheck {
  population: number;
  bande: string;
  nbCommunes: number;
  contigu: boolean;
  parties: { numero: number; communes: string[]; population: number }[];
  chevauchements: { id: string; nom: string; nbCommunes: number }[];
  zonesBlanches: { nbCommunes: number; population: number };
}

/** The demo's overlapping pair (geodata/README.md): a made-up proposal drawn over 4 communes of CPTS ANL. */
const ANL = '440056653';
const PROPOSAL = 'ILLUSTR-44-NOZAY';
/** Two groups of communes far apart: Jans + Marsac-sur-Don (44, in both CPTS above), La Roche-sur-Yon + Aubigny-Les Clouzeaux (85). */
const PERIMETER_GROUPS = ['44076 44091', '85191 85008'];

// The whole suite is skipped, with the reason in its title, when Debian's chromium is not installed.
describe.skipIf(skipReason !== null)(suiteTitle('e2e: Planificateur ARS'), () => {
  let j: Journey;
  beforeAll(async () => {
    j = await openJourney();
  });
  afterAll(async () => {
    await j?.close();
  });

  it('opens the planner from the home screen', async () => {
    const { page } = j;
    await page.goto(baseUrl() + '/');
    await page.getByTestId('journey-ars').click();
    await expect.poll(() => hashParams(page).get('j')).toBe('ars');
    await expect(page.getByTestId('journey-ars-panel').getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Planificateur ARS');
    await expectMapShown(page);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('fr');
  });

  it.skipIf(frenchControlsSkipReason !== null)(
    `shows chromium's own date field (« Carte au ») in French, as the README's pictures show it${frenchControlsSkipReason ? ` — ${frenchControlsSkipReason}` : ''}`,
    async () => {
      expect(await dateFieldParts(j.page)).toEqual([expect.stringMatching(/^Jour/), expect.stringMatching(/^Mois/), expect.stringMatching(/^Année/)]);
    },
  );

  it('lists the overlapping pair with the shared communes of /api/overlaps; sorting works', async () => {
    const { page } = j;
    const expected = await api<{ nombre: number; paires: Pair[] }>('/api/overlaps');
    const pair = expected.paires.find((p) => [p.a.id, p.b.id].sort().join() === [ANL, PROPOSAL].sort().join());
    expect(pair, 'the demo pair in /api/overlaps').toBeDefined();
    expect(pair!.nbCommunes).toBe(4);

    await page.getByTestId('tab-overlaps').click();
    await expect.poll(() => hashParams(page).get('tab')).toBe('overlaps');
    const count = page.getByTestId('overlaps-count');
    await count.waitFor();
    expect(Number(await count.getAttribute('data-count'))).toBe(expected.nombre);
    expect(digits(await count.locator('strong').textContent())).toBe(expected.nombre);

    const rows = page.getByTestId('overlap-row');
    expect(await rows.count()).toBe(expected.nombre);
    const row = rows.and(page.locator(`[data-key="${pair!.a.id}|${pair!.b.id}"]`));
    const cells = await row.locator('td').allTextContents();
    expect(squash(cells[0] ?? '')).toContain(pair!.a.nom);
    expect(squash(cells[1] ?? '')).toContain(pair!.b.nom);
    expect(digits(cells[2] ?? null), 'shared communes shown').toBe(pair!.nbCommunes);
    expect(digits(cells[3] ?? null), 'shared population shown').toBe(pair!.population);

    // sorting: the header's state follows the clicks (one pair only: the order itself is checked on the CPTS list)
    const header = page.locator('[data-testid="overlaps-table"] th', { hasText: 'Comm.' });
    expect(await header.getAttribute('aria-sort')).toBe('none');
    await header.getByRole('button').click();
    await expect.poll(() => header.getAttribute('aria-sort')).toBe('descending');
    await header.getByRole('button').click();
    await expect.poll(() => header.getAttribute('aria-sort')).toBe('ascending');
    expect(await rows.count()).toBe(expected.nombre);
  });

  it('selecting the pair puts it in the URL, details it and frames it on the map', async () => {
    const { page } = j;
    const { paires } = await api<{ paires: Pair[] }>('/api/overlaps');
    const pair = paires.find((p) => [p.a.id, p.b.id].includes(ANL) && [p.a.id, p.b.id].includes(PROPOSAL))!;
    await settle(page);
    const before = hashParams(page).get('m');

    await page.locator(`[data-testid="overlap-row"][data-key="${pair.a.id}|${pair.b.id}"]`).click();
    await expect.poll(() => hashParams(page).get('sel')).toBe(`paire:${pair.a.id}|${pair.b.id}`);
    const detail = page.getByTestId('overlap-detail');
    await detail.waitFor();
    expect(squash(await detail.getByRole('heading', { level: 3 }).textContent())).toBe(`${pair.a.nom} × ${pair.b.nom}`);
    const listed = (await detail.locator('ul.plain li').allTextContents()).map(squash);
    expect(listed).toEqual(pair.communes.map((c) => expect.stringContaining(`${c.nom} (${c.code})`)));
    expect(await page.locator(`[data-testid="overlap-row"][data-key="${pair.a.id}|${pair.b.id}"]`).getAttribute('aria-selected')).toBe('true');

    // the map flies to the two CPTS: their communes' extent ends whole in the map, left of the legend (the view's
    // centre, in the URL, need not fall inside it: the framing keeps clear of the legend)
    const fcs = await Promise.all([pair.a.id, pair.b.id].map((id) => api<CommunesFc>(`/api/cpts/${encodeURIComponent(id)}/communes.geojson`)));
    await expect.poll(() => hashParams(page).get('m')).not.toBe(before);
    await expectFramed(page, bboxOf(fcs.flatMap((f) => f.features)), 'the pair');
    expect((await stableMapView(page)).zoom).toBeGreaterThan(8);
    await expectPairNamed(page, pair, fcs);
    // the panel from its top, as the journey opens (the clicks above scrolled it): its seven columns and the selected row fit a desk
    await page.locator('#contenu').evaluate((e) => e.scrollTo(0, 0));
    await screenshot(page, 'screenshot-ars-overlaps');
  });

  it('a reload of the copied URL reopens the same tab, pair and map view', async () => {
    const { page } = j;
    const copied = page.url();
    const view = await stableMapView(page);
    await page.goto('about:blank');
    await page.goto(copied);
    const detail = page.getByTestId('overlap-detail');
    await detail.waitFor();
    expect(squash(await detail.getByRole('heading', { level: 3 }).textContent())).toContain('×');
    expect(await page.getByTestId('tab-overlaps').getAttribute('aria-selected')).toBe('true');
    expect(hashParams(page).get('sel')).toBe(new URLSearchParams(new URL(copied).hash.slice(1)).get('sel'));
    const again = await stableMapView(page);
    expect(again.zoom).toBeCloseTo(view.zoom, 1);
    expect(again.lat).toBeCloseTo(view.lat, 2);
    expect(again.lon).toBeCloseTo(view.lon, 2);
  });

  it('white zones: the communes outside any CPTS, most populated first, with their population', async () => {
    const { page } = j;
    const expected = await api<WhiteZones>('/api/white-zones?limit=100');
    await page.getByTestId('tab-white').click();
    const count = page.getByTestId('white-zones-count');
    await count.waitFor();
    expect(Number(await count.getAttribute('data-count'))).toBe(expected.total);
    const rows = page.getByTestId('white-zone-row');
    expect(await rows.count()).toBe(Math.min(100, expected.total));
    const byPop = [...expected.communes].sort((a, b) => (b.population ?? -1) - (a.population ?? -1));
    for (const [i, w] of byPop.slice(0, 5).entries()) {
      const cells = await rows.nth(i).locator('td').allTextContents();
      expect(squash(cells[0] ?? '')).toBe(`${w.nom} (${w.code})`);
      expect(digits(cells[1] ?? null)).toBe(w.population);
    }
    // white zones are drawn while their tab is open
    await expect.poll(() => page.getByTestId('layer-whiteZones').isChecked()).toBe(true);
  });

  it('coverage per département shows the 11 départements of the demo with their covered share', async () => {
    const { page } = j;
    const expected = await api<Coverage>('/api/coverage');
    expect(expected.departements.map((d) => d.code).sort()).toEqual(['04', '05', '06', '13', '44', '49', '53', '72', '83', '84', '85']);
    await page.getByTestId('tab-coverage').click();
    const rows = page.locator('[data-testid="coverage-departements"] [data-testid="coverage-row"]');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(expected.departements.length);
    for (const d of expected.departements) {
      const cells = (await rows.and(page.locator(`[data-key="${d.code}"]`)).locator('td').allTextContents()).map(squash);
      expect(cells[0]).toBe(`${d.nom} (${d.code})`);
      expect(cells[1]).toBe(d.partPopulationPct === null ? '—' : squash(`${fmtDec(d.partPopulationPct)} %`));
    }
  });

  it('the CPTS list sorts by population; a CPTS sheet shows the band and the population of /api/cpts/{id}', async () => {
    const { page } = j;
    const { cpts } = await api<{ cpts: CptsSummary[] }>('/api/cpts');
    await page.getByTestId('tab-cpts').click();
    const rows = page.getByTestId('cpts-row');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(cpts.length);
    const byPop = [...cpts].sort((a, b) => b.population - a.population);
    const pop = page.locator('[data-testid="cpts-table"] th', { hasText: 'Habitants' }).getByRole('button');
    await pop.click();
    await expect.poll(() => rows.first().getAttribute('data-key')).toBe(byPop[0]!.id);
    expect(await rows.last().getAttribute('data-key')).toBe(byPop.at(-1)!.id);
    await pop.click();
    await expect.poll(() => rows.first().getAttribute('data-key')).toBe(byPop.at(-1)!.id);

    const sheet = await api<CptsSummary & { nbCommunes: number }>(`/api/cpts/${ANL}`);
    await rows.and(page.locator(`[data-key="${ANL}"]`)).click();
    await expect.poll(() => hashParams(page).get('sel')).toBe(`cpts:${ANL}`);
    const article = page.getByTestId('cpts-sheet');
    await article.waitFor();
    expect(squash(await article.getByRole('heading', { level: 2 }).textContent())).toBe(sheet.nom);
    expect(digits(await page.getByTestId('cpts-population').textContent())).toBe(sheet.population);
    expect(squash(await page.getByTestId('cpts-band').textContent())).toBe(sheet.bande);
    expect(await page.getByTestId('cpts-communes').getByTestId('cpts-commune-row').count()).toBe(sheet.nbCommunes);
    // the demo perimeters are approximations: the sheet says so
    expect(sheet.perimetre).toBe('approximatif');
    expect(squash(await page.getByTestId('perimeter-warning').textContent())).toMatch(/approximati/i);
  });

  it('« Vérifier un périmètre »: two pasted groups of communes → population, band, overlaps and 2 separate parts, as the API says', async () => {
    const { page } = j;
    const codes = PERIMETER_GROUPS.join(' ').split(' ');
    const expected = await postApi<PerimeterCheck>('/api/perimeter/check', { communes: codes });
    expect(expected.contigu).toBe(false);
    expect(expected.parties).toHaveLength(2);

    await page.getByTestId('tab-perimeter').click();
    const input = page.getByTestId('perimeter-codes');
    await input.fill(PERIMETER_GROUPS.join('\n'));
    expect(squash(await page.getByTestId('perimeter-add-codes').textContent())).toBe(`Ajouter ${codes.length} code${codes.length > 1 ? 's' : ''}`);
    await page.getByTestId('perimeter-add-codes').click();
    await expect.poll(() => hashParams(page).get('pc')?.split(',').sort()).toEqual([...codes].sort());

    const result = page.getByTestId('perimeter-result');
    await result.waitFor();
    await expect.poll(async () => page.getByTestId('perimeter-commune-row').count()).toBe(codes.length);
    expect(digits(await page.getByTestId('perimeter-population').textContent())).toBe(expected.population);
    expect(squash(await page.getByTestId('perimeter-band').textContent())).toBe(expected.bande);
    expect(squash(await page.getByTestId('perimeter-parts').textContent())).toBe('2');
    expect(squash(await result.locator('.figure', { has: page.getByTestId('perimeter-parts') }).textContent())).toContain('parties séparées');
    const parts = (await result.locator('h3:has-text("Parties séparées") + ul li').allTextContents()).map(squash);
    expect(parts).toEqual(
      expected.parties.map((p) => `Partie ${p.numero} : ${p.communes.length} commune${p.communes.length > 1 ? 's' : ''}, ${squash(fmtInt(p.population))} hab.`),
    );
    const overlaps = (await page.getByTestId('perimeter-overlaps').locator('li').allTextContents()).map(squash);
    expect(overlaps).toHaveLength(expected.chevauchements.length);
    for (const [i, o] of expected.chevauchements.entries()) {
      expect(overlaps[i]).toContain(o.nom);
      expect(overlaps[i]).toContain(`${o.nbCommunes} commune${o.nbCommunes > 1 ? 's' : ''},`);
    }
    expect(expected.chevauchements.map((o) => o.id).sort()).toEqual([ANL, PROPOSAL].sort());
    expect(squash(await result.textContent())).toContain(
      `Communes hors CPTS reprises : ${expected.zonesBlanches.nbCommunes} (${squash(fmtInt(expected.zonesBlanches.population))} hab.)`,
    );
    expect(squash(await page.getByTestId('perimeter-warnings').textContent())).toContain('2 parties séparées');
    await screenshot(page, 'screenshot-ars-perimetre');

    // removing a commune from the table re-checks the rest
    await page.getByRole('button', { name: /^Retirer La Roche-sur-Yon/ }).click();
    await expect.poll(() => hashParams(page).get('pc')?.split(',').length).toBe(codes.length - 1);
    const rest = codes.filter((c) => c !== '85191');
    const again = await postApi<PerimeterCheck>('/api/perimeter/check', { communes: rest });
    await expect.poll(async () => digits(await page.getByTestId('perimeter-population').textContent())).toBe(again.population);
  });

  it('made no request outside the test server and raised no page error', () => {
    expectCleanRun(j);
  });
});
