// Journey of the URPS pharmaciens: filter by département and status, counts per status as /api/pharmacies gives
// them, the CSV export holding exactly the filtered rows, and the list and the map selecting each other.
import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FinessChangesResponse } from '../../server/src/api/contract/finess.js';
import type { PharmacyPage, PharmacyRow } from '../../server/src/api/contract/pharmacies.js';
import { PHARMACY_STATUS_LIBELLES, ZONE_LIBELLES, type PharmacyStatus } from '../../server/src/domain/vocabulary.js';
import {
  api,
  baseUrl,
  digits,
  expectCleanRun,
  expectMapShown,
  hashParams,
  openJourney,
  pixelOffset,
  screenshot,
  settle,
  skipReason,
  squash,
  stableMapView,
  suiteTitle,
  type Journey,
} from './harness.js';

type Status = PharmacyStatus;

const DEP = '53';
const STATUS: Status = 'zone-blanche';

/** A code cell as the CSV writes it (="01234", kept as text by spreadsheets), read back. */
const codeText = (cell: string) => cell.replace(/^="([0-9A-Za-z]+)"$/, '$1');

/** The filtered list as the API gives it (one page: the demo's filtered lists stay under 1,000 rows). */
const expected = () => api<PharmacyPage>(`/api/pharmacies?departement=${DEP}&statut=${STATUS}&limit=1000`);

async function selectedRowKey(page: Page): Promise<string | null> {
  return page.locator('[data-testid="pharmacy-row"][aria-selected="true"]').getAttribute('data-key', { timeout: 5000 });
}

// The whole suite is skipped, with the reason in its title, when Debian's chromium is not installed.
describe.skipIf(skipReason !== null)(suiteTitle('e2e: URPS pharmaciens'), () => {
  let j: Journey;
  beforeAll(async () => {
    j = await openJourney();
  });
  afterAll(async () => {
    await j?.close();
  });

  it('filters by département and status; the counts per status are those of /api/pharmacies', async () => {
    const { page } = j;
    await page.goto(baseUrl() + '/');
    await page.getByTestId('journey-urps').click();
    await page.getByTestId('journey-urps-panel').waitFor();
    await expectMapShown(page);

    await page.getByTestId('filter-departement').selectOption(DEP);
    await expect.poll(() => hashParams(page).get('dep')).toBe(DEP);
    await page.getByTestId(`filter-status-${STATUS}`).check();
    await expect.poll(() => hashParams(page).get('statut')).toBe(STATUS);

    const exp = await expected();
    expect(exp.total).toBeGreaterThan(0);
    expect(exp.total).toBe(exp.parStatut[STATUS]);
    await expect.poll(async () => Number(await page.getByTestId('pharmacy-total').getAttribute('data-count'))).toBe(exp.total);
    expect(digits(await page.getByTestId('pharmacy-total').locator('strong').textContent())).toBe(exp.total);
    for (const s of ['membre', 'couverte-sans-adhesion', 'zone-blanche'] as const) {
      const li = page.getByTestId(`count-${s}`);
      expect(Number(await li.getAttribute('data-count')), s).toBe(exp.parStatut[s]);
      expect(digits(await li.locator('strong').textContent()), s).toBe(exp.parStatut[s]);
    }
    expect(await page.getByTestId(`count-${STATUS}`).getByRole('button').getAttribute('aria-pressed')).toBe('true');

    const keys = await page.getByTestId('pharmacy-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key')));
    expect(keys).toEqual(exp.officines.map((r) => r.finess));
    const shown = (await page.getByTestId('pharmacy-row').first().locator('td').allTextContents()).map(squash);
    expect(shown[0]).toBe(squash(exp.officines[0]!.nom));
    expect(shown[2]).toContain(PHARMACY_STATUS_LIBELLES['zone-blanche']);
    // the fourth column is a distance, and says so (as the CSV's « distance structure (m) »)
    expect((await page.getByTestId('pharmacies-table').locator('thead th').allTextContents()).map(squash).slice(0, 4)).toEqual([
      'Officine',
      'Commune',
      'Statut',
      'Distance structure',
    ]);
  });

  it('the CSV export downloads exactly the filtered rows, with a BOM and « ; »', async () => {
    const { page } = j;
    const exp = await expected();
    const link = page.getByTestId('pharmacies-csv');
    const href = await link.getAttribute('href');
    const q = new URLSearchParams(href!.split('?')[1]);
    expect(q.get('departement')).toBe(DEP);
    expect(q.get('statut')).toBe(STATUS);

    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe(`officines-${DEP}-${STATUS}.csv`);
    const stream = await download.createReadStream(); // the browser is remote: read the file through the connection
    const chunks: Buffer[] = [];
    for await (const c of Readable.from(stream)) chunks.push(c as Buffer);
    const bytes = Buffer.concat(chunks);
    expect([...bytes.subarray(0, 3)], 'UTF-8 BOM').toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString('utf8');
    const header = text.split(/\r?\n/, 1)[0]!;
    expect(header.split(';').length).toBeGreaterThan(10);
    const records = (parse(text, { delimiter: ';', columns: true, skip_empty_lines: true }) as Record<string, string>[]).map(
      (r): Record<string, string> => ({ ...r, FINESS: codeText(r.FINESS!), 'département': codeText(r['département']!) }), // codes written ="…": text in a spreadsheet
    );
    expect(records.every((r) => r['téléphone'] !== undefined && r['adresse complète'] !== undefined)).toBe(true);
    expect(records.map((r) => r.FINESS).sort()).toEqual(exp.officines.map((r) => r.finess).sort());
    expect(new Set(records.map((r) => r.statut))).toEqual(new Set(['zone blanche']));
    expect(new Set(records.map((r) => r['département']))).toEqual(new Set([DEP]));
    // the same set as the list on screen
    const keys = await page.getByTestId('pharmacy-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key')));
    expect(records.map((r) => r.FINESS).sort()).toEqual([...keys].sort());
  });

  it('a row of the list selects the pharmacy: URL, detail, and the map flies to it', async () => {
    const { page } = j;
    const exp = await expected();
    // the pharmacy with the most listed neighbours 0.3 to 3 km away: the next test clicks one of them on the map
    const located = exp.officines.filter((r) => r.position);
    const km = (a: PharmacyRow, b: PharmacyRow) =>
      Math.hypot((a.position!.lon - b.position!.lon) * 111 * Math.cos((a.position!.lat * Math.PI) / 180), (a.position!.lat - b.position!.lat) * 111);
    const neighbours = (r: PharmacyRow) => located.filter((o) => o !== r && km(r, o) > 0.3 && km(r, o) < 3).length;
    const target = [...located].sort((a, b) => neighbours(b) - neighbours(a))[0]!;
    expect(neighbours(target)).toBeGreaterThan(0);
    await page.locator(`[data-testid="pharmacy-row"][data-key="${target.finess}"]`).click();
    await expect.poll(() => hashParams(page).get('sel')).toBe(`pharmacie:${target.finess}`);
    expect(await selectedRowKey(page)).toBe(target.finess);
    const detail = page.getByTestId('pharmacy-detail');
    await detail.waitFor();
    expect(squash(await detail.getByRole('heading').textContent())).toBe(squash(target.nom));
    expect(squash(await detail.textContent())).toContain(`FINESS ${target.finess}`);
    // the zoning in words, as the pharmacist's view says it (« Zone d’intervention prioritaire (ZIP) », not « ZIP »)
    expect(target.zonage).not.toBeNull();
    expect(squash(await detail.locator('dd').nth(4).textContent())).toBe(squash(ZONE_LIBELLES[target.zonage!]));
    // the address as the CSV's « adresse complète » writes it: « 12 R X, 53000 Laval »
    expect(squash(await detail.textContent())).toContain(squash(`${target.adresse}, ${target.codePostal} ${target.commune.nom}`));
    await expect
      .poll(async () => {
        const v = await stableMapView(page);
        return Math.abs(v.lon - target.position!.lon) < 2e-3 && Math.abs(v.lat - target.position!.lat) < 2e-3 && v.zoom >= 11.9;
      })
      .toBe(true);
  });

  it('a pharmacy clicked on the map selects its row in the list', async () => {
    const { page } = j;
    const exp = await expected();
    await settle(page);
    const view = await stableMapView(page);
    const map = (await page.getByTestId('map').boundingBox())!;
    const legend = (await page.getByTestId('legend').boundingBox())!;
    const current = hashParams(page).get('sel');
    // another listed pharmacy on screen, clear of the legend, the controls and its neighbours
    const onScreen = exp.officines
      .filter((r) => r.position && `pharmacie:${r.finess}` !== current)
      .map((r) => {
        const { dx, dy } = pixelOffset(view, r.position!.lon, r.position!.lat);
        return { r, x: map.x + map.width / 2 + dx, y: map.y + map.height / 2 + dy };
      });
    const all = exp.officines
      .filter((r) => r.position)
      .map((r) => pixelOffset(view, r.position!.lon, r.position!.lat))
      .map(({ dx, dy }) => ({ x: map.x + map.width / 2 + dx, y: map.y + map.height / 2 + dy }));
    const target = onScreen.find(
      (p) =>
        p.x > map.x + 40 &&
        p.x < legend.x - 20 &&
        p.y > map.y + 40 &&
        p.y < map.y + map.height - 60 &&
        all.filter((o) => Math.hypot(o.x - p.x, o.y - p.y) < 16).length === 1,
    );
    expect(target, 'a pharmacy of the list drawn in the free part of the map').toBeDefined();
    const filtersAt = (await page.getByTestId('filter-cpts').boundingBox())!.y;
    await page.mouse.click(target!.x, target!.y);
    await expect.poll(() => hashParams(page).get('sel')).toBe(`pharmacie:${target!.r.finess}`);
    expect(await selectedRowKey(page)).toBe(target!.r.finess);
    expect(squash(await page.getByTestId('pharmacy-detail').getByRole('heading').textContent())).toBe(squash(target!.r.nom));
    // the row is scrolled into the list's view, below its sticky header
    await page.waitForTimeout(300);
    const row = (await page.locator(`[data-testid="pharmacy-row"][data-key="${target!.r.finess}"]`).boundingBox())!;
    const wrap = (await page.locator('.table-wrap', { has: page.getByTestId('pharmacies-table') }).boundingBox())!;
    const head = (await page.getByTestId('pharmacies-table').locator('thead th').first().boundingBox())!; // sticky cells, not the thead
    expect(row.y).toBeGreaterThanOrEqual(head.y + head.height - 1);
    expect(row.y + row.height).toBeLessThanOrEqual(wrap.y + wrap.height + 1);
    expect((await page.getByTestId('filter-cpts').boundingBox())!.y, 'the list scrolls, not the panel with its filters').toBe(filtersAt);
    const values = await page.getByTestId('pharmacy-detail').locator('dl.kv dd').evaluateAll((dds) => dds.map((d) => d.getBoundingClientRect().width));
    expect(Math.min(...values), 'each value of the detail has room beside its term').toBeGreaterThan(120);
    // the README's picture: from the counts down, the selected row and its detail (no filter cut in half at the top)
    await page.getByTestId('pharmacy-counts').evaluate((e) => e.scrollIntoView({ block: 'start' }));
    await screenshot(page, 'screenshot-urps');
  });

  it('a reload of the copied URL reopens the same filters and selection', async () => {
    const { page } = j;
    const copied = page.url();
    const sel = hashParams(page).get('sel');
    await page.goto('about:blank');
    await page.goto(copied);
    await page.getByTestId('pharmacy-detail').waitFor();
    expect(await page.getByTestId('filter-departement').inputValue()).toBe(DEP);
    expect(await page.getByTestId(`filter-status-${STATUS}`).isChecked()).toBe(true);
    expect(`pharmacie:${await selectedRowKey(page)}`).toBe(sel);
    expect(Number(await page.getByTestId('pharmacy-total').getAttribute('data-count'))).toBe((await expected()).total);
  });

  it('several statuses at once, « adhésion probable », a commune, a sort by name: the list and counts are the API’s', async () => {
    const { page } = j;
    await page.getByTestId('filter-status-couverte-sans-adhesion').check();
    await expect.poll(() => hashParams(page).get('statut')).toBe('couverte-sans-adhesion,zone-blanche');
    const both = await api<PharmacyPage>(`/api/pharmacies?departement=${DEP}&statut=couverte-sans-adhesion,zone-blanche&limit=1000`);
    expect(both.total).toBe(both.parStatut['couverte-sans-adhesion'] + both.parStatut['zone-blanche']);
    await expect.poll(async () => Number(await page.getByTestId('pharmacy-total').getAttribute('data-count'))).toBe(both.total);

    await page.getByTestId('filter-probable').check();
    await expect.poll(() => hashParams(page).get('probable')).toBe('1');
    const probable = await api<PharmacyPage>(`/api/pharmacies?departement=${DEP}&statut=couverte-sans-adhesion,zone-blanche&adhesionProbable=true&limit=1000`);
    expect(probable.officines.every((r) => r.adhesionProbable)).toBe(true);
    await expect.poll(async () => Number(await page.getByTestId('pharmacy-total').getAttribute('data-count'))).toBe(probable.total);
    await page.getByTestId('filter-probable').uncheck();

    // a commune with several pharmacies of these statuses, sorted by name
    const perCommune = new Map<string, number>();
    for (const r of both.officines) perCommune.set(r.commune.code, (perCommune.get(r.commune.code) ?? 0) + 1);
    const commune = [...perCommune].sort((a, b) => b[1] - a[1])[0]![0];
    await page.getByTestId('filter-commune').fill(commune);
    await page.getByTestId('filter-commune').press('Enter');
    await page.getByTestId('sort').selectOption('nom');
    await expect.poll(() => hashParams(page).get('tri')).toBe('nom');
    const inCommune = await api<PharmacyPage>(
      `/api/pharmacies?departement=${DEP}&statut=couverte-sans-adhesion,zone-blanche&commune=${commune}&tri=nom&limit=1000`,
    );
    expect(inCommune.total).toBe(perCommune.get(commune));
    await expect
      .poll(() => page.getByTestId('pharmacy-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key'))))
      .toEqual(inCommune.officines.map((r) => r.finess));
    const href = new URLSearchParams((await page.getByTestId('pharmacies-csv').getAttribute('href'))!.split('?')[1]);
    expect(Object.fromEntries(href)).toMatchObject({ statut: 'couverte-sans-adhesion,zone-blanche', commune, tri: 'nom' });
  });

  it('« nouvelles officines » and « officines fermées » since the previous stock are those of /api/finess/changes', async () => {
    const { page } = j;
    const changes = await api<FinessChangesResponse>(`/api/finess/changes?departement=${DEP}&etablissements=officines&changement=ouverture,fermeture`);
    const section = page.getByTestId('pharmacy-changes');
    await section.waitFor();
    if (!changes.stockPrecedent) {
      // the demo bundle holds one FINESS stock: no change is known, and the view says why rather than « 0 »
      expect(changes.changements).toEqual([]);
      expect(squash(await page.getByTestId('changes-none').textContent())).toContain('Un seul stock FINESS chargé');
      return;
    }
    for (const [k, id] of [['ouverture', 'changes-opened'], ['fermeture', 'changes-closed']] as const) {
      const want = changes.changements.filter((c) => c.changement === k).map((c) => c.finess);
      await expect.poll(async () => Number(await page.getByTestId(id).getAttribute('data-count'))).toBe(want.length);
      expect(await page.getByTestId(id).getByTestId('change-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key')))).toEqual(want);
    }
  });

  it('made no request outside the test server and raised no page error', () => {
    expectCleanRun(j);
  });
});
