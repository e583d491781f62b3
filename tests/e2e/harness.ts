// Shared by the end-to-end tests: the browser (launched once by tests/e2e/setup.ts, Debian's chromium, never a
// downloaded one), one page per journey with the network cut to the test server's origin, the API for expected
// values, screenshots (the README's into docs/), and a few text helpers.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Map as MlMap } from 'maplibre-gl';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect, inject } from 'vitest';
import { testDatabaseUrl } from '../helpers/db-config.js';
import { checkAnswer } from '../helpers/http.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** http://127.0.0.1:<port> of the project's server, started by setup.ts ('' when the suite is skipped). */
    e2eBaseUrl: string;
    /** WebSocket endpoint of the chromium of the project ('' when the suite is skipped). */
    e2eWsEndpoint: string;
  }
}

export const CHROMIUM = '/usr/bin/chromium';

/** The admin account setup.ts creates with `npm run user -- add` before the server starts. */
export const E2E_ADMIN = { login: 'admin-e2e', nom: 'Administratrice e2e', password: 'mot de passe de test e2e' } as const;
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--lang=fr-FR',
];

/**
 * How the tests and benches launch chromium: its own controls in French too (a date field reads jj/mm/aaaa), which
 * the page's locale does not change. On Linux chromium takes its language from LANGUAGE, not --lang, and has it only
 * with Debian's chromium-l10n installed (without it, English controls: the README's pictures would show mm/dd/yyyy).
 */
export const CHROMIUM_LAUNCH = { executablePath: CHROMIUM, args: CHROMIUM_ARGS, env: { ...process.env, LANGUAGE: 'fr' } };

/** Why chromium's own controls cannot be in French here, or null. */
export const frenchControlsSkipReason = existsSync('/usr/lib/chromium/locales/fr.pak')
  ? null
  : 'SKIPPED: chromium without its French interface (apt-get install chromium-l10n)';

/**
 * The database the test server runs on. One vitest project per backend (vitest.e2e.config.ts), named after it:
 * `pglite` (every journey, the embedded database) and `postgis` (the register journeys, on a PostgreSQL server).
 */
export const E2E_BACKENDS = ['pglite', 'postgis'] as const;
export type E2eBackend = (typeof E2E_BACKENDS)[number];

/** The backend of this test file's project (the project sets E2E_BACKEND in its `env`). */
export const backend: E2eBackend = process.env.E2E_BACKEND === 'postgis' ? 'postgis' : 'pglite';

/** Why a backend's journeys cannot run here, or null: they are SKIPPED (and say so), never downloaded for. */
export function skipReasonFor(b: E2eBackend): string | null {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} not found (apt-get install chromium)`;
  if (b === 'postgis' && !testDatabaseUrl()) return 'TEST_DATABASE_URL not set';
  return null;
}

export const skipReason: string | null = skipReasonFor(backend);

/** A describe title that names the backend and carries the skip reason, so the report says where and why. */
export const suiteTitle = (name: string) => `${name} [${backend}${skipReason ? `: SKIPPED, ${skipReason}` : ''}]`;

/**
 * Screenshots go to tests/.cache/screenshots/ (the PostGIS project's to tests/.cache/screenshots/postgis/). With
 * `SCREENSHOTS=docs npm run test:e2e`, the PGlite run writes the ones README.md shows (`docs/<name>.png`) into docs/
 * instead: the README alone decides which are published, so docs/ holds no picture it does not show, and a plain test
 * run leaves the tracked files as they were.
 */
const CACHE_DIR = fileURLToPath(new URL(`../.cache/screenshots/${backend === 'pglite' ? '' : `${backend}/`}`, import.meta.url));
const README_DOCS_DIR = fileURLToPath(new URL('../../docs/', import.meta.url));
const README_PICTURES = new Set(
  process.env.SCREENSHOTS === 'docs' && backend === 'pglite'
    ? [...readFileSync(new URL('../../README.md', import.meta.url), 'utf8').matchAll(/\(docs\/([\w-]+)\.png\)/g)].map((m) => m[1])
    : [],
);
/** Where the screenshot `name` is written. */
const screenshotPath = (name: string) => `${README_PICTURES.has(name) ? README_DOCS_DIR : CACHE_DIR}${name}.png`;
export const VIEWPORT = { width: 1440, height: 900 };

export const baseUrl = (): string => inject('e2eBaseUrl');

/** GET a JSON document from the test server (the expected values of the assertions), checked against its declaration. */
export async function api<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(baseUrl() + path, init);
  checkAnswer(init?.method ?? 'GET', path, res.status, (n) => res.headers.get(n) ?? undefined, Buffer.from(await res.clone().arrayBuffer()));
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export const postApi = <T>(path: string, body: unknown) =>
  api<T>(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

export interface Journey {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Requests to any other origin than the test server's: aborted, and the test fails on them. */
  foreign: string[];
  /** Uncaught exceptions and console errors of the page. */
  errors: string[];
  /** Console errors to tolerate (e.g. the 404 an error-state test provokes on purpose). */
  allow: RegExp[];
  close: () => Promise<void>;
}

/**
 * A page in a fresh context of the shared browser, 1440×900 (the issue's desk size), French, with every request
 * that does not go to the test server aborted and recorded: the app must work with the network cut.
 */
export async function openJourney(): Promise<Journey> {
  const browser = await chromium.connect(inject('e2eWsEndpoint'));
  const context = await browser.newContext({ viewport: VIEWPORT, locale: 'fr-FR', timezoneId: 'Europe/Paris', acceptDownloads: true });
  const origin = new URL(baseUrl()).origin;
  const foreign: string[] = [];
  const errors: string[] = [];
  const allow: RegExp[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    foreign.push(url);
    return route.abort('internetdisconnected');
  });
  // requests the router does not see (data:, blob: and worker fetches): recorded too
  context.on('request', (r) => {
    const url = r.url();
    if (/^(data|blob):/.test(url)) return;
    if (new URL(url).origin !== origin && !foreign.includes(url)) foreign.push(url);
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(`exception: ${e.message}`));
  page.on('console', (m) => {
    // a failed request's message names no URL: its location does
    if (m.type() === 'error' && !allow.some((re) => re.test(m.text()))) errors.push(`console: ${m.text()} (${m.location().url})`);
  });
  return {
    browser,
    context,
    page,
    foreign,
    errors,
    allow,
    close: async () => {
      await context.close();
      await browser.close(); // a connected browser: closes this connection, not the shared chromium
    },
  };
}

/** What every journey must end with: no request left the test server, no script error. */
export function expectCleanRun(j: Journey): void {
  expect(j.foreign, 'requests outside the test server').toEqual([]);
  expect(j.errors, 'page errors').toEqual([]);
}

/** The page's URL hash as parameters (the app keeps its view there). */
export const hashParams = (page: Page) => new URLSearchParams(new URL(page.url()).hash.replace(/^#/, ''));

/** The digits of a number shown in French (thin spaces as thousands separators): « 6 350 » → 6350. */
export const digits = (text: string | null) => Number((text ?? '').replace(/[^\d,-]/g, '').replace(',', '.'));

/** The client's formats (client/src/format.ts), with Node's ICU: same rules as the browser's. */
export const fmtInt = (n: number) => new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 }).format(n);
export const fmtDec = (n: number) => new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1, minimumFractionDigits: 1 }).format(n);
export const fmtKm = (m: number) => (m < 1000 ? `${fmtInt(m)}\u00a0m` : `${fmtDec(m / 1000)}\u00a0km`);
/** Collapses every kind of space, for comparing displayed text. */
export const squash = (s: string | null) => (s ?? '').replace(/[\s\u00a0\u202f]+/g, ' ').trim();

/**
 * Waits until the page has had no request in flight for `quietMs` (tiles loaded, the map's fly/fit animations
 * over), then one more frame. Used before screenshots and map clicks.
 */
export async function settle(page: Page, quietMs = 700, timeoutMs = 20_000): Promise<void> {
  const t0 = Date.now();
  let inflight = 0;
  let last = Date.now();
  const up = () => {
    inflight++;
    last = Date.now();
  };
  const down = () => {
    inflight = Math.max(0, inflight - 1);
    last = Date.now();
  };
  page.on('request', up);
  page.on('requestfinished', down);
  page.on('requestfailed', down);
  try {
    while (Date.now() - t0 < timeoutMs) {
      await page.waitForTimeout(100);
      if (inflight === 0 && Date.now() - last >= quietMs) break;
    }
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  } finally {
    page.off('request', up);
    page.off('requestfinished', down);
    page.off('requestfailed', down);
  }
}

/**
 * A screenshot of the whole window into screenshotPath(name) (overwritten each run), after the map has settled and
 * drawn, and after checking that the text on screen holds no "undefined", "NaN" or "[object Object]".
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  await settle(page);
  // and the map has its tiles (MapLibre's loaded()) and stands still: the worker may still be parsing them when the
  // network falls quiet, on a busy machine (a README picture with half its map blank)
  await expect
    .poll(
      () =>
        page.evaluate(() => {
          const m = (document.querySelector('[data-testid="map"]') as (HTMLElement & { maplibre?: { loaded(): boolean; isMoving(): boolean } }) | null)?.maplibre;
          return !m || (m.loaded() && !m.isMoving());
        }),
      { timeout: 30_000, message: 'the map has drawn its tiles' },
    )
    .toBe(true);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await expectNoJunkText(page);
  const path = screenshotPath(name);
  await mkdir(dirname(path), { recursive: true });
  await page.screenshot({ path });
}

export async function expectNoJunkText(page: Page): Promise<void> {
  const text = await page.locator('body').innerText();
  expect(text).not.toMatch(/\bundefined\b|\bNaN\b|\[object Object\]/);
}

/** The map canvas is there and has a size (its content is not asserted: no pixel checks). */
export async function expectMapShown(page: Page): Promise<void> {
  const box = await page.locator('[data-testid="map"] canvas.maplibregl-canvas').boundingBox();
  expect(box?.width ?? 0).toBeGreaterThan(300);
  expect(box?.height ?? 0).toBeGreaterThan(300);
}

/** The map view of the URL (`m=zoom/lat/lon`), or undefined. */
export function mapView(page: Page): { zoom: number; lat: number; lon: number } | undefined {
  const m = hashParams(page).get('m');
  if (!m) return undefined;
  const [zoom, lat, lon] = m.split('/').map(Number);
  return zoom === undefined || lat === undefined || lon === undefined ? undefined : { zoom, lat, lon };
}

/** Waits for the map view in the URL to stop changing (an animation has ended), and returns it. */
export async function stableMapView(page: Page, timeoutMs = 10_000): Promise<{ zoom: number; lat: number; lon: number }> {
  const t0 = Date.now();
  let prev = '';
  let same = 0;
  while (Date.now() - t0 < timeoutMs) {
    const m = hashParams(page).get('m') ?? '';
    same = m && m === prev ? same + 1 : 0;
    if (same >= 4) break;
    prev = m;
    await page.waitForTimeout(150);
  }
  const v = mapView(page);
  if (!v) throw new Error('no map view in the URL');
  return v;
}

/** The map's MapLibre instance, as the page exposes it to the tests (client/src/map.ts). */
type MapElement = HTMLElement & { maplibre: MlMap };

/**
 * The marks drawn on the map (a disc with a part's number or a pair's letter, and a name): their text, name, place
 * on the page, and the commune drawn under each.
 */
export async function mapMarks(page: Page): Promise<{ texte: string; nom?: string; x: number; y: number; commune?: string }[]> {
  return page.evaluate(() => {
    const m = (document.querySelector('[data-testid="map"]') as MapElement).maplibre;
    if (!m.getLayer('marks')) return [];
    const r = m.getCanvas().getBoundingClientRect();
    return m.queryRenderedFeatures({ layers: ['marks'] }).map((f) => {
      const p = m.project((f.geometry as GeoJSON.Point).coordinates as [number, number]);
      const under = m.queryRenderedFeatures(p, { layers: ['communes-fill'] })[0]?.properties.code;
      const { texte, nom } = f.properties as { texte: string; nom?: string };
      return { texte, nom, x: r.left + p.x, y: r.top + p.y, commune: under === undefined ? undefined : String(under) };
    });
  });
}

/** The names of a map label layer drawn within `px` of a point of the page (symbols are returned once placed). */
export async function labelsNear(page: Page, layer: string, at: { x: number; y: number }, px: number): Promise<string[]> {
  return page.evaluate(
    ({ layer, at, px }) => {
      const m = (document.querySelector('[data-testid="map"]') as MapElement).maplibre;
      const r = m.getCanvas().getBoundingClientRect();
      const [x, y] = [at.x - r.left, at.y - r.top];
      return m.queryRenderedFeatures([[x - px, y - px], [x + px, y + px]], { layers: [layer] }).map((f) => String(f.properties.nom));
    },
    { layer, at, px },
  );
}

/** The names of the features a map symbol layer has drawn on screen (symbols are returned once placed). */
export const renderedNames = (page: Page, layer: string) =>
  page.evaluate(
    (layer) => (document.querySelector('[data-testid="map"]') as MapElement).maplibre.queryRenderedFeatures({ layers: [layer] }).map((f) => String(f.properties.nom)),
    layer,
  );

/** The ids of the map's layers, from the bottom up. */
export const mapLayerIds = (page: Page) =>
  page.evaluate(() => (document.querySelector('[data-testid="map"]') as MapElement).maplibre.getStyle().layers.map((l) => l.id));

/** The fill opacity of a layer of the map, as set now (undefined: the style's default, 1). */
export const fillOpacity = (page: Page, layer: string) =>
  page.evaluate((layer) => (document.querySelector('[data-testid="map"]') as MapElement).maplibre.getPaintProperty(layer, 'fill-opacity'), layer);

/**
 * Checks that [west, south, east, north] lies whole in the settled map view, clear of the open legend (a folded
 * legend hides nothing): computed from the view in the URL, as MapLibre projects it.
 */
export async function expectFramed(page: Page, [w, s, e, n]: [number, number, number, number], what: string): Promise<void> {
  // the requests the framing waits for answered, and its move begun: then the view it ends on
  await settle(page);
  const v = await stableMapView(page);
  const map = (await page.getByTestId('map').boundingBox())!;
  const clear = await mapClearBox(page);
  const at = (lon: number, lat: number) => {
    const { dx, dy } = pixelOffset(v, lon, lat);
    return { x: map.x + map.width / 2 + dx, y: map.y + map.height / 2 + dy };
  };
  const [sw, ne] = [at(w, s), at(e, n)];
  expect(sw.x, `${what}: west edge in the map`).toBeGreaterThanOrEqual(clear.left);
  expect(ne.x, `${what}: east edge left of the legend`).toBeLessThanOrEqual(clear.right);
  expect(ne.y, `${what}: north edge in the map`).toBeGreaterThanOrEqual(clear.top);
  expect(sw.y, `${what}: south edge in the map`).toBeLessThanOrEqual(clear.bottom);
}

/**
 * The part of the page where the map shows what it frames: the map's box left of the open legend, or below the
 * folded legend's bar (a phone's).
 */
export async function mapClearBox(page: Page): Promise<{ left: number; top: number; right: number; bottom: number }> {
  const map = (await page.getByTestId('map').boundingBox())!;
  const legend = (await page.getByTestId('legend').boundingBox())!;
  const open = (await page.locator('.legend-body').count()) > 0;
  const [top, right] = open ? [map.y, legend.x] : [Math.max(map.y, legend.y + legend.height), map.x + map.width];
  return { left: map.x, top, right, bottom: map.y + map.height };
}

/**
 * The parts of the page's date fields (« Jour », « Mois », « Année »), in the order chromium shows them: its own
 * controls, which follow its interface language, not the page's (read from its accessibility tree).
 */
export async function dateFieldParts(page: Page): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: { role?: { value: string }; name?: { value: string } }[] };
  await cdp.detach();
  return nodes.filter((x) => x.role?.value === 'spinbutton').map((x) => String(x.name?.value));
}

export type CommunesFc = { features: { geometry: { coordinates: unknown } | null; properties: { code: string } }[] };

/**
 * The pair's letters on the map, « A » and « B » as the table's header names them, each with its CPTS's name, in the
 * map's view clear of the legend, each over a commune of its own CPTS that the other does not share.
 */
export async function expectPairNamed(
  page: Page,
  pair: { a: { nom: string }; b: { nom: string }; communes: { code: string }[] },
  fcs: CommunesFc[],
): Promise<void> {
  await expect.poll(async () => (await mapMarks(page)).map((m) => `${m.texte} ${m.nom}`).sort()).toEqual([`A ${pair.a.nom}`, `B ${pair.b.nom}`]);
  const clear = await mapClearBox(page);
  const shared = new Set(pair.communes.map((c) => c.code));
  for (const [i, mark] of (await mapMarks(page)).sort((x, y) => x.texte.localeCompare(y.texte)).entries()) {
    expect(mark.x, `${mark.texte} in the map, left of the legend`).toBeGreaterThan(clear.left);
    expect(mark.x).toBeLessThan(clear.right);
    expect(mark.y, `${mark.texte} in the map`).toBeGreaterThan(clear.top);
    expect(mark.y).toBeLessThan(clear.bottom);
    expect(fcs[i]!.features.map((f) => f.properties.code), `${mark.texte} over its own CPTS`).toContain(mark.commune);
    expect(shared.has(mark.commune!), `${mark.texte} over a commune not shared`).toBe(false);
  }
}

/** [west, south, east, north] of GeoJSON features. */
export function bboxOf(features: { geometry: { coordinates: unknown } | null }[]): [number, number, number, number] {
  const b: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') {
      const [x, y] = c as [number, number];
      b[0] = Math.min(b[0], x);
      b[1] = Math.min(b[1], y);
      b[2] = Math.max(b[2], x);
      b[3] = Math.max(b[3], y);
    } else if (Array.isArray(c)) c.forEach(walk);
  };
  for (const f of features) walk(f.geometry?.coordinates);
  return b;
}

/** Web Mercator pixel offset of (lon, lat) from the map centre, at MapLibre's 512-pixel tiles. */
export function pixelOffset(view: { zoom: number; lat: number; lon: number }, lon: number, lat: number): { dx: number; dy: number } {
  const world = 512 * 2 ** view.zoom;
  const x = (l: number) => ((l + 180) / 360) * world;
  const y = (φ: number) => {
    const r = (φ * Math.PI) / 180;
    return ((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * world;
  };
  return { dx: x(lon) - x(view.lon), dy: y(lat) - y(view.lat) };
}

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

interface AxeResult {
  violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
}

/** Serious and critical violations of the page, as « rule: help (first targets) ». */
/** A cookie session and its CSRF token, for writes made behind the browser's back (as a script would). */
export async function apiSession(identifiant: string, motDePasse: string): Promise<{ cookie: string; csrf: string }> {
  const r = await fetch(baseUrl() + '/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identifiant, motDePasse }) });
  const cookie = /cpts_session=[^;]+/.exec(r.headers.get('set-cookie') ?? '')![0];
  return { cookie, csrf: ((await r.json()) as { jetonCsrf: string }).jetonCsrf };
}

/** A JSON POST in such a session. */
export const apiWrite = (s: { cookie: string; csrf: string }, path: string, body: unknown) =>
  fetch(baseUrl() + path, { method: 'POST', headers: { 'content-type': 'application/json', cookie: s.cookie, 'x-csrf-token': s.csrf }, body: JSON.stringify(body) });

/** An account made by the e2e admin through the API; the answer's status is the caller's to check. */
export const createAccount = async (account: { identifiant: string; nom: string; role: string; region: string; motDePasse: string }) =>
  apiWrite(await apiSession(E2E_ADMIN.login, E2E_ADMIN.password), '/api/utilisateurs', account);

export async function axeViolations(page: Page): Promise<string[]> {
  // evaluated, not added as a <script>: the app's Content-Security-Policy forbids inline scripts
  await page.evaluate(await readFile(AXE, 'utf8'));
  const r = await page.evaluate(async () => (await (window as unknown as { axe: { run: (o: object) => Promise<AxeResult> } }).axe.run({ resultTypes: ['violations'] })) as AxeResult);
  return r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')})`);
}
