// A FINESS stock is a snapshot: two stocks derived here from the demo bundle's FINESS file (some establishments
// removed, added, moved, renamed, recategorised), imported in turn; the recorded changes must be exactly those made.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db } from '../../server/src/db/port.js';
import { importFiness } from '../../server/src/import/finess.js';
import { describeEachBackend } from '../helpers/db.js';
import { startServer } from '../helpers/http.js';

const GEODATA = fileURLToPath(new URL('../../geodata/', import.meta.url));

interface Stock {
  header: string[];
  structures: Map<string, string[]>;
  geolocs: Map<string, string[]>;
}

async function readBundleStock(): Promise<Stock> {
  const manifest = JSON.parse(await readFile(join(GEODATA, 'manifest.json'), 'utf8')) as { imports: { kind: string; file?: string }[] };
  const file = manifest.imports.find((i) => i.kind === 'finess')!.file!;
  const lines = gunzipSync(await readFile(join(GEODATA, file))).toString('utf8').trim().split('\n');
  const stock: Stock = { header: lines[0]!.split(';'), structures: new Map(), geolocs: new Map() };
  for (const l of lines.slice(1)) {
    const f = l.split(';');
    (f[0] === 'structureet' ? stock.structures : stock.geolocs).set(f[1]!, f);
  }
  return stock;
}

function write(stock: Stock, date: string): string {
  const body = [...stock.structures.values(), ...stock.geolocs.values()].map((f) => f.join(';'));
  return [['finess', 'etalab', String(stock.structures.size), date].join(';'), ...body].join('\n') + '\n';
}

const clone = (s: Stock): Stock => ({
  header: s.header,
  structures: new Map([...s.structures].map(([k, v]) => [k, [...v]])),
  geolocs: new Map([...s.geolocs].map(([k, v]) => [k, [...v]])),
});

describeEachBackend('FINESS updates: a newer stock closes, opens, moves, renames', (backend) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let dir: string;
  const files: Record<'a' | 'b', string> = { a: '', b: '' };
  const picked: Record<string, string> = {};
  /** Pharmacies (category 620) listed by each stock, counted here from the files' records. */
  const pharmaciesIn: Record<'a' | 'b', Set<string>> = { a: new Set(), b: new Set() };
  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    dir = await mkdtemp(join(tmpdir(), 'finess-updates-'));
    const base = await readBundleStock();
    const located = (cat: string) =>
      [...base.structures.values()].filter((f) => f[18] === cat && base.geolocs.get(f[1]!)?.[2]).map((f) => f[1]!).sort();
    const ph = located('620');
    const [added1, added2, removed1, removed2, removed3, moved, nudged, renamed, leaves] = ph;
    const msp = located('603')[0]!;
    const csp = located('124')[0]!;
    Object.assign(picked, { added1, added2, removed1, removed2, removed3, moved, nudged, renamed, leaves, msp, csp });

    // Stock A (2021-01-08): the bundle without the two pharmacies B adds.
    const a = clone(base);
    for (const id of [added1!, added2!]) {
      a.structures.delete(id);
      a.geolocs.delete(id);
    }
    // Stock B (2022-01-08): three pharmacies and an MSP gone; two pharmacies new; one moved 300 m east, one 20 m
    // (under the 50 m threshold); one renamed; a centre de santé now an MSP; a pharmacy now category 355 (not kept).
    const b = clone(base);
    for (const id of [removed1!, removed2!, removed3!, msp]) {
      b.structures.delete(id);
      b.geolocs.delete(id);
    }
    b.geolocs.get(moved!)![2] = String(Number(b.geolocs.get(moved!)![2]) + 300);
    b.geolocs.get(nudged!)![2] = String(Number(b.geolocs.get(nudged!)![2]) + 20);
    b.structures.get(renamed!)![3] = 'PHARMACIE RENOMMEE POUR LE TEST';
    Object.assign(b.structures.get(csp)!, { 18: '603', 19: 'Maison de santé (L.6223-3)' });
    Object.assign(b.structures.get(leaves!)!, { 18: '355', 19: 'Centre Hospitalier (C.H.)' });
    for (const [k, st] of [['a', a], ['b', b]] as const) for (const f of st.structures.values()) if (f[18] === '620') pharmaciesIn[k].add(f[1]!);
    files.a = join(dir, 'stock-a.csv');
    files.b = join(dir, 'stock-b.csv');
    await writeFile(files.a, write(a, '2021-01-08'));
    await writeFile(files.b, write(b, '2022-01-08'));
  });
  afterAll(async () => {
    await dispose?.();
    await rm(dir, { recursive: true, force: true });
  });

  const changes = async (importId: number) =>
    (
      await db.query<{ finess: string; changement: string; avant: string | null; apres: string | null; distance_m: number | null }>(
        'SELECT finess, changement, avant, apres, distance_m FROM finess_changement WHERE import_id = $1 ORDER BY finess, changement',
        [importId],
      )
    ).rows;
  const sortRows = <T extends { finess: string; changement: string }>(rows: T[]) =>
    [...rows].sort((x, y) => (x.finess + x.changement < y.finess + y.changement ? -1 : 1));

  it('first stock: everything open, nothing to compare with', async () => {
    const r = await importFiness(db, files.a);
    expect(r.counts).toMatchObject({ closed_now: 0 });
    expect(Object.keys(r.counts).some((k) => k.startsWith('changes_'))).toBe(false);
    expect(await changes(r.importId)).toEqual([]);
    // A membership of a pharmacy B removes: kept and flagged.
    await db.query(`INSERT INTO adhesion_pharmacie (pharmacie_finess, structure_finess, source) VALUES ($1, $2, 'test')`, [picked.removed1, picked.csp]);
  });

  it('newer stock: the exact changes, closed rows kept with the stock date, memberships flagged', async () => {
    const r = await importFiness(db, files.b);
    const p = picked;
    const got = await changes(r.importId);
    const moved = got.find((c) => c.changement === 'deplacement')!;
    expect(moved.distance_m!).toBeGreaterThan(295); // 300 m in Lambert-93, whose scale factor is within 0.1 % of 1 here
    expect(moved.distance_m!).toBeLessThan(305);
    expect(got.map(({ distance_m: _, avant, apres, ...c }) => ({ ...c, avant: c.changement === 'deplacement' ? '(wkt)' : avant, apres: c.changement === 'deplacement' ? '(wkt)' : apres }))).toEqual(
      sortRows([
        { finess: p.added1!, changement: 'ouverture', avant: null, apres: expect.any(String) },
        { finess: p.added2!, changement: 'ouverture', avant: null, apres: expect.any(String) },
        { finess: p.removed1!, changement: 'fermeture', avant: expect.any(String), apres: null },
        { finess: p.removed2!, changement: 'fermeture', avant: expect.any(String), apres: null },
        { finess: p.removed3!, changement: 'fermeture', avant: expect.any(String), apres: null },
        { finess: p.msp!, changement: 'fermeture', avant: expect.any(String), apres: null },
        { finess: p.moved!, changement: 'deplacement', avant: '(wkt)', apres: '(wkt)' },
        { finess: p.renamed!, changement: 'renommage', avant: expect.any(String), apres: 'PHARMACIE RENOMMEE POUR LE TEST' },
        { finess: p.csp!, changement: 'categorie', avant: '124', apres: '603' },
        { finess: p.leaves!, changement: 'categorie', avant: '620', apres: '355' },
        { finess: p.leaves!, changement: 'fermeture', avant: expect.any(String), apres: null },
      ]),
    );
    expect(r.counts).toMatchObject({ changes_ouverture: 2, changes_fermeture: 5, changes_deplacement: 1, changes_renommage: 1, changes_categorie: 2, changes_reouverture: 0, closed_now: 5 });
    const closed = await db.query(
      `SELECT finess, ferme_le::text FROM pharmacie WHERE ferme_le IS NOT NULL
       UNION ALL SELECT finess, ferme_le::text FROM structure WHERE ferme_le IS NOT NULL ORDER BY 1`,
    );
    expect(closed.rows).toEqual([p.removed1, p.removed2, p.removed3, p.leaves, p.msp].sort().map((f) => ({ finess: f, ferme_le: '2022-01-08' })));
    expect((await db.query('SELECT type, sous_type FROM structure WHERE finess = $1', [p.csp])).rows).toEqual([{ type: 'msp', sous_type: null }]);
    const flagged = await db.query('SELECT pharmacie_finess, pharmacie_fermee_le::text, fermee FROM adhesion_pharmacie_etat');
    expect(flagged.rows).toEqual([{ pharmacie_finess: p.removed1, pharmacie_fermee_le: '2022-01-08', fermee: true }]);
  });

  it('GET /api/finess/changes: « nouvelles officines » and « officines fermées » since the previous stock, JSON and CSV', async () => {
    const srv = await startServer(db);
    try {
      const p = picked;
      const ids = async (q: string) => ((await srv.getJson(`/api/finess/changes?${q}`)).body.changements as { finess: string }[]).map((c) => c.finess).sort();
      const { body } = await srv.getJson('/api/finess/changes');
      expect(body).toMatchObject({ stock: { date: '2022-01-08' }, stockPrecedent: { date: '2021-01-08' }, depuis: '2021-01-08', nombre: 11 });
      expect(body.parChangement).toEqual({ ouverture: 2, fermeture: 5, reouverture: 0, deplacement: 1, renommage: 1, categorie: 2 });
      // new pharmacies: in B, not in A; closed pharmacies: in A, not in B (the one now category 355 included)
      const opened = [...pharmaciesIn.b].filter((f) => !pharmaciesIn.a.has(f)).sort();
      const closed = [...pharmaciesIn.a].filter((f) => !pharmaciesIn.b.has(f)).sort();
      expect(opened).toEqual([p.added1, p.added2].sort());
      expect(await ids('changement=ouverture&etablissements=officines')).toEqual(opened);
      expect(await ids('changement=fermeture&etablissements=officines')).toEqual(closed);
      expect(await ids('changement=fermeture&etablissements=structures')).toEqual([p.msp]);
      expect(await ids('depuis=2022-01-08')).toEqual([]);
      // CSV: the same rows, codes as text (="…", quoted)
      const res = await srv.get('/api/finess/changes.csv?changement=ouverture,fermeture&etablissements=officines');
      expect(res.status).toBe(200);
      const text = await res.text();
      const lines = text.replace(/^\uFEFF/, '').trim().split('\r\n');
      expect(lines[0]).toMatch(/^"date du stock";"changement";"FINESS"/);
      expect(lines.length - 1).toBe(opened.length + closed.length);
      expect(res.headers.get('x-row-count')).toBe(String(opened.length + closed.length));
      for (const f of [...opened, ...closed]) expect(text).toContain(`"=""${f}"""`);
      // phone numbers too (« 0492… » would read 492…)
      expect(text).toMatch(/;"=""0\d{9}""";/);
      expect(text).not.toMatch(/;"0\d{9}";/);
      // closed pharmacies leave the list and its counts unless asked for
      const total = async (q: string) => (await srv.getJson(`/api/pharmacies?limit=1${q}`)).body.total as number;
      expect(await total('')).toBe(pharmaciesIn.b.size);
      expect(await total('&inclureFermes=true')).toBe(new Set([...pharmaciesIn.a, ...pharmaciesIn.b]).size);
      expect((await srv.getJson('/api/finess/changes?changement=partout')).status).toBe(400);
    } finally {
      await srv.close();
    }
  });

  it('an older stock is refused unless forced; forced, it reopens what it lists', async () => {
    await expect(importFiness(db, files.a)).rejects.toThrow(/stock \(2021-01-08\) is older than the one loaded \(2022-01-08\)/);
    const r = await importFiness(db, files.a, { force: true });
    const p = picked;
    const got = (await changes(r.importId)).map((c) => [c.finess, c.changement]);
    expect(got).toEqual(
      sortRows([
        { finess: p.added1!, changement: 'fermeture' },
        { finess: p.added2!, changement: 'fermeture' },
        { finess: p.removed1!, changement: 'reouverture' },
        { finess: p.removed2!, changement: 'reouverture' },
        { finess: p.removed3!, changement: 'reouverture' },
        { finess: p.msp!, changement: 'reouverture' },
        { finess: p.leaves!, changement: 'reouverture' },
        { finess: p.moved!, changement: 'deplacement' },
        { finess: p.renamed!, changement: 'renommage' },
        { finess: p.csp!, changement: 'categorie' },
      ]).map((c) => [c.finess, c.changement]),
    );
    const open = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pharmacie WHERE ferme_le IS NULL AND finess = ANY($1::text[])',
      [[p.removed1, p.removed2, p.removed3, p.leaves]],
    );
    expect(open.rows[0]!.n).toBe(4);
    // The centre de santé is a centre again.
    expect((await db.query('SELECT type, ferme_le FROM structure WHERE finess = $1', [p.csp])).rows).toEqual([{ type: 'csp', ferme_le: null }]);
  });
});
