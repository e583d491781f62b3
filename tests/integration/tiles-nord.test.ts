// Differential test of the vector tiles on real outlines: every tile z5–z9 of département Nord (communes of
// many pieces, 647 communes) rendered on PGlite (in-process encoder) and on PostGIS (ST_AsMVT) must hold the same
// number of features in each polygon layer. The CPTS are made up so that overlaps abound: one per EPCI, one per
// canton and one per bassin de vie of Nord (INSEE 2024), so each commune is in three CPTS and the overlap layer
// unions hundreds of sets of communes per low-zoom tile (on PGlite a plain ST_Union of one of these sets aborted
// the whole overlap tile, which came out empty at z5–z8).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../server/src/db/port.js';
import { importCommunes } from '../../server/src/import/communes.js';
import { importCpts } from '../../server/src/import/cpts.js';
import { DATA_TILE_RANGES_SQL, dataTiles, findLayer } from '../../server/src/tiles/layers.js';
import { chooseRenderer } from '../../server/src/tiles/source.js';
import { backends } from '../helpers/db.js';
import { decodeTile } from '../helpers/mvt.js';
import { needsShared, sharedSource } from '../helpers/shared.js';

const NORD = sharedSource('communes-2018/communes-59-nord.geojson.gz');
const SUPRACOM = sharedSource('insee-supracom-2024/table_supracom_2024.csv.gz');
const shared = needsShared(NORD, SUPRACOM);
const both = backends.length === 2;
const LAYERS = ['communes', 'cpts', 'overlaps'] as const;
const PORTE_DU_HAINAUT = '200042190';

/** CPTS rows (id;name;status;commune;method): one CPTS per EPCI, canton and bassin de vie of Nord. */
function madeUpCpts(): string {
  const lines = gunzipSync(readFileSync(SUPRACOM)).toString('utf8').trim().split('\n').slice(1);
  const rows = ['cpts_id;cpts_nom;statut;code_insee;methode'];
  for (const line of lines) {
    const f = line.split(',').map((v) => v.replace(/"/g, ''));
    if (f[2] !== '59') continue;
    const groups: [string, string][] = [['EPCI', f[5]!], ['CANTON', f[8]!], ['BV', f[12]!]];
    for (const [kind, id] of groups) rows.push(`TEST-${kind}-${id};CPTS ${kind} ${id};projet;${f[0]};illustratif:proposition`);
  }
  return rows.join('\n') + '\n';
}

/** Features per tile and layer, keyed `layer/z/x/y`. */
async function featureCounts(db: Db): Promise<Map<string, number>> {
  const render = await chooseRenderer(db);
  const counts = new Map<string, number>();
  for (let z = 5; z <= 9; z++) {
    const tiles = dataTiles((await db.query<{ x0: number; x1: number; y0: number; y1: number }>(DATA_TILE_RANGES_SQL, [z])).rows);
    for (const id of LAYERS)
      for (const t of tiles) {
        const bytes = await render(db, findLayer(id)!, z, t.x, t.y);
        counts.set(`${id}/${z}/${t.x}/${t.y}`, bytes.length ? decodeTile(bytes).reduce((n, l) => n + l.features.length, 0) : 0);
      }
  }
  return counts;
}

const reason = !both ? ' [skipped: TEST_DATABASE_URL not set]' : '';
describe.skipIf(shared.skip || !both)(shared.title(`tiles z5–z9 of Nord: PGlite and PostGIS agree${reason}`), () => {
  const csv = join(tmpdir(), `cpts-nord-${process.pid}.csv`);
  const counts: Map<string, number>[] = [];
  let hainaut: string[] = [];

  beforeAll(async () => {
    writeFileSync(csv, madeUpCpts());
    for (const b of backends) {
      const { db, dispose } = await b.open();
      try {
        await importCommunes(db, [NORD]);
        await importCpts(db, csv);
        if (!hainaut.length) {
          hainaut = (await db.query<{ code: string }>(`SELECT commune_code AS code FROM cpts_commune WHERE cpts_id = $1`, [`TEST-EPCI-${PORTE_DU_HAINAUT}`])).rows.map((r) => r.code);
        }
        counts.push(await featureCounts(db));
      } finally {
        await dispose();
      }
    }
  }, 900_000);

  afterAll(() => rmSync(csv, { force: true }));

  it('the same number of features in every tile and layer on both backends', () => {
    expect(counts[0]!.size).toBeGreaterThan(50);
    expect(Object.fromEntries(counts[0]!)).toEqual(Object.fromEntries(counts[1]!));
  });

  it('every tile of the data holds communes, CPTS and overlaps (nothing silently empty)', () => {
    expect(hainaut).toHaveLength(47); // CA de la Porte du Hainaut, its communes in three CPTS each
    for (const [key, n] of counts[0]!) {
      const [layer, z] = key.split('/');
      // z9 tiles at the edge of the département may hold only communes of its rim, with no overlap
      if (Number(z) < 9 || layer !== 'overlaps') expect(n, key).toBeGreaterThan(0);
    }
  });
});
