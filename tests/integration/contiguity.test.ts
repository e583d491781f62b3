// Contiguity of a proposed perimeter on commune adjacency: communes linked when their outlines share a border or
// overlap, one node per commune whatever its pieces. On the synthetic fixture, then on real outlines of ../shared.
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkPerimeter } from '../../server/src/analysis/perimeter.js';
import { importCommunes } from '../../server/src/import/communes.js';
import { describeEachBackend, freshDatabase } from '../helpers/db.js';
import { needsShared, sharedSource } from '../helpers/shared.js';

const SYNTHETIC = fileURLToPath(new URL('../fixtures/communes/synthetic-contiguity-85.geojson', import.meta.url));
const NORD = sharedSource('communes-2018/communes-59-nord.geojson.gz');
const MAINE_ET_LOIRE = sharedSource('communes-2018/communes-49-maine-et-loire.geojson.gz');
const real = needsShared(NORD, MAINE_ET_LOIRE);

describeEachBackend('perimeter contiguity', (backend) => {
  const db = freshDatabase(backend);
  beforeAll(async () => {
    await importCommunes(db(), [SYNTHETIC]);
  });

  const parts = async (communes: string[]) => {
    const r = await checkPerimeter(db(), { communes });
    expect(r.contigu).toBe(r.parties.length === 1);
    return r.parties.map((p) => p.communes);
  };

  describe('synthetic outlines', () => {
    it('a commune of two pieces is one node: its neighbour by the small piece joins it', async () => {
      expect(await parts(['85035', '85112'])).toEqual([['85035', '85112']]);
      expect(await parts(['85035'])).toEqual([['85035']]);
    });

    it('an enclave is contiguous with the commune around it', async () => {
      expect(await parts(['85243', '85035'])).toEqual([['85035', '85243']]);
      expect(await parts(['85035', '85112', '85243'])).toEqual([['85035', '85112', '85243']]);
    });

    it('a corner contact is no contact: « 2 parties »', async () => {
      const r = await checkPerimeter(db(), { communes: ['85112', '85214'] });
      expect(r.contigu).toBe(false);
      expect(r.parties.map((p) => p.communes)).toEqual([['85112'], ['85214']]);
      expect(r.avertissements.join(' ')).toMatch(/non contigu : 2 parties/);
      expect(await parts(['85243', '85214'])).toEqual([['85243'], ['85214']]);
      expect(await parts(['85035', '85112', '85214', '85243'])).toEqual([['85035', '85112', '85243'], ['85214']]);
    });
  });

  describe.skipIf(real.skip)(real.title('real outlines (COG 2018 simplified)'), () => {
    beforeAll(async () => {
      await importCommunes(db(), [NORD, MAINE_ET_LOIRE]);
    });

    it('Dunkerque (two pieces) and Loon-Plage share 7.9 km of border: contiguous', async () => {
      const pieces = await db().query<{ code: string; n: number }>(
        `SELECT code, ST_NumGeometries(geom) AS n FROM commune WHERE code IN ('59183', '59359') ORDER BY code`,
      );
      expect(pieces.rows).toEqual([{ code: '59183', n: 2 }, { code: '59359', n: 1 }]);
      const r = await checkPerimeter(db(), { communes: ['59359', '59183'] });
      expect(r).toMatchObject({ contigu: true, parties: [{ numero: 1, nbCommunes: 2, communes: ['59183', '59359'] }] });
      expect(r.avertissements.join(' ')).not.toMatch(/contigu/);
    });

    it('La Pellerine, an enclave in Noyant-Villages: contiguous', async () => {
      expect(await parts(['49237', '49228'])).toEqual([['49228', '49237']]);
    });

    it('Villeneuve-d’Ascq and Lesquin meet at one point: « 2 parties »; with Lezennes, which borders both, one', async () => {
      const r = await checkPerimeter(db(), { communes: ['59009', '59343'] });
      expect(r.contigu).toBe(false);
      expect(r.parties.map((p) => p.communes)).toEqual([['59009'], ['59343']]);
      expect(r.avertissements.join(' ')).toMatch(/non contigu : 2 parties/);
      expect(await parts(['59009', '59343', '59346'])).toEqual([['59009', '59343', '59346']]);
    });
  });
});
