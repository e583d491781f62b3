// The cut PostGIS bundle (server/src/db/postgis-bundle.ts): its postgis-3.so keeps every C function that the
// extension's SQL functions name, with its V1 record, so that no function fails with "could not find function".
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { describe, expect, it } from 'vitest';
import { createPglite } from '../../server/src/db/pglite.js';
import { slimBundle } from '../../server/src/db/postgis-bundle.js';

describe('cut PostGIS bundle', () => {
  it('exports every C function of the extension', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cpts-postgis-bundle-'));
    const pg = await createPglite();
    try {
      await tar.x({ file: await slimBundle(), cwd: dir, filter: (p) => p.endsWith('postgis-3.so') });
      const lib = new WebAssembly.Module(await readFile(join(dir, 'lib/postgresql/postgis-3.so')));
      const exported = new Set(WebAssembly.Module.exports(lib).map((e) => e.name));
      const { rows } = await pg.query<{ prosrc: string }>(`SELECT DISTINCT prosrc FROM pg_proc WHERE probin LIKE '%postgis-3%'`);
      expect(rows.length).toBeGreaterThan(400);
      expect(rows.filter((r) => !exported.has(r.prosrc) || !exported.has(`pg_finfo_${r.prosrc}`))).toEqual([]);
      // and the library runs: a reprojection goes through PROJ, geometry output through liblwgeom
      const { rows: p } = await pg.query<{ t: string }>(`SELECT ST_AsText(ST_SnapToGrid(ST_Transform(ST_SetSRID(ST_MakePoint(2, 48), 4326), 2154), 1)) AS t`);
      expect(p[0]!.t).toMatch(/^POINT\(\d+ \d+\)$/);
    } finally {
      await pg.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
