// The real sources of ../shared/geodata-sources as published: the ARS PACA CPTS listing (January 2026), the national
// GP zoning file and the INSEE bassins de vie. Expected figures are counted here from the files themselves.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../server/src/db/port.js';
import { importBassins } from '../../server/src/import/bassins.js';
import { cog } from '../../server/src/import/cog.js';
import { importCommunes } from '../../server/src/import/communes.js';
import { importCpts } from '../../server/src/import/cpts.js';
import { importZoning } from '../../server/src/import/zoning.js';
import { describeEachBackend } from '../helpers/db.js';

const SHARED = fileURLToPath(new URL('../../../shared/geodata-sources/', import.meta.url));
const PACA_CSV = `${SHARED}cpts/paca-ars-2026-01/cpts-paca-communes.csv`;
const PACA_JSON = `${SHARED}cpts/paca-ars-2026-01/cpts-paca.json`;
const ZONING = `${SHARED}zonage/zonage-mg-par-commune.csv`;
const SUPRACOM = `${SHARED}insee-supracom-2024/`;
const PACA_DEPS = ['04-alpes-de-haute-provence', '05-hautes-alpes', '06-alpes-maritimes', '13-bouches-du-rhone', '83-var', '84-vaucluse'];
const ATTRIBUTION = 'ARS PACA, listing des CPTS, janvier 2026';

describe.skipIf(!existsSync(PACA_CSV))('real sources (skipped without ../shared/geodata-sources)', () => {
  describeEachBackend('PACA CPTS, national zoning, bassins de vie', (backend) => {
    let db: Db;
    let dispose: () => Promise<void>;
    beforeAll(async () => {
      ({ db, dispose } = await backend.open());
      await importCommunes(db, PACA_DEPS.map((d) => `${SHARED}communes-2018/communes-${d}.geojson.gz`));
    });
    afterAll(async () => {
      await dispose?.();
    });

    it('the 70 CPTS of the ARS PACA listing: stable ids, Marseille by arrondissement, Nice and Toulon claimed whole by several', async () => {
      const report = await importCpts(db, PACA_CSV, { status: 'non renseigné', source: ATTRIBUTION });
      const listing = JSON.parse(readFileSync(PACA_JSON, 'utf8')) as { nom: string; communes: string[]; arrondissements?: string[] }[];
      expect(report.counts).toMatchObject({ cpts: listing.length, created: 70 });
      const rows = (await db.query<{ id: string; nom: string; statut: string; source: string; n: number; outline: boolean }>(
        `SELECT k.id, k.nom, k.statut, k.source, count(cc.*)::int n, k.geom IS NOT NULL AS outline
           FROM cpts k JOIN cpts_commune cc ON cc.cpts_id = k.id GROUP BY k.id ORDER BY k.nom`,
      )).rows;
      expect(rows.map((r) => r.nom)).toEqual(listing.map((c) => c.nom).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      expect(rows.every((r) => r.statut === 'non-renseigne' && r.source === ATTRIBUTION && r.outline && r.id.startsWith('93-'))).toBe(true);
      // Each CPTS's units, derived from the JSON listing: its communes (05120 Ristolas is part of 05001), Marseille by arrondissement.
      const c = cog();
      for (const cpts of listing) {
        const units = new Set(cpts.arrondissements ?? cpts.communes.map((x) => c.toCurrent(x)!));
        const got = await db.query<{ code: string }>('SELECT commune_code AS code FROM cpts_commune cc JOIN cpts k ON k.id = cc.cpts_id WHERE k.nom = $1 ORDER BY 1', [cpts.nom]);
        expect(got.rows.map((r) => r.code), cpts.nom).toEqual([...units].sort());
      }
      const marseille = await db.query<{ code: string; n: number }>(
        `SELECT c.code, count(cc.cpts_id)::int n FROM commune c LEFT JOIN cpts_commune cc ON cc.commune_code = c.code
          WHERE c.parent = '13055' GROUP BY c.code ORDER BY c.code`,
      );
      expect(marseille.rows.find((r) => r.code === '13201')!.n).toBe(0); // the 1st arrondissement: in no CPTS of the listing
      expect(marseille.rows.filter((r) => r.n > 0)).toHaveLength(15);
      expect((await db.query("SELECT count(*)::int n FROM cpts_commune WHERE commune_code = '13055'")).rows).toEqual([{ n: 0 }]);
      const shared = await db.query<{ code: string; n: number }>(
        `SELECT commune_code code, count(*)::int n FROM cpts_commune WHERE commune_code IN ('06088', '83137') GROUP BY 1 ORDER BY 1`,
      );
      const claims = (code: string) => listing.filter((x) => x.communes.includes(code)).length;
      expect(shared.rows).toEqual([
        { code: '06088', n: claims('06088') },
        { code: '83137', n: claims('83137') },
      ]);
      expect(claims('06088')).toBe(3);
      // Importing the listing again changes no id.
      const again = await importCpts(db, PACA_CSV, { status: 'non renseigné', source: ATTRIBUTION });
      expect(again.counts).toMatchObject({ created: 0, updated: 70 });
    });

    it('national GP zoning: counts per value equal the file’s, « non disponible » kept, labelled unofficial', async () => {
      const source = 'Zonage médecins généralistes (github.com/Alternantsauvage/ZonageMed), source non officielle';
      const report = await importZoning(db, ZONING, { source, unofficial: true, vintage: '2022–2024 (estimé)' });
      const file: Record<string, number> = {};
      for (const line of readFileSync(ZONING, 'utf8').trim().split('\n').slice(1)) {
        const v = line.split(',')[3]!;
        file[v] = (file[v] ?? 0) + 1;
      }
      const db_ = await db.query<{ valeur_source: string; zone: string | null; n: number }>(
        'SELECT valeur_source, zone, count(*)::int n FROM zonage GROUP BY 1, 2 ORDER BY 1',
      );
      expect(Object.fromEntries(db_.rows.map((r) => [r.valeur_source, r.n]))).toEqual(file);
      expect(db_.rows.map((r) => [r.valeur_source, r.zone])).toEqual([
        ['1_ZIP', 'ZIP'],
        ['2_ZAC', 'ZAC'],
        ['3_HZ', 'HZ'],
        ['4_ZAR', 'ZAR'],
        ['N/A - résultat non disponible', null],
      ]);
      expect(report.counts).toMatchObject({ ZIP: file['1_ZIP'], ZAC: file['2_ZAC'], HZ: file['3_HZ'], ZAR: file['4_ZAR'], nonDisponible: file['N/A - résultat non disponible'] });
      expect((await db.query('SELECT DISTINCT officiel, millesime, source FROM zonage')).rows).toEqual([{ officiel: false, millesime: '2022–2024 (estimé)', source }]);
      // Arrondissements municipaux keep their own zone.
      expect((await db.query("SELECT count(*)::int n FROM zonage WHERE commune_code LIKE '132%' OR commune_code LIKE '751%'")).rows).toEqual([{ n: 36 }]);
    });

    it('bassins de vie and zones d’emploi per commune, with the ODbL attribution; arrondissements take their commune’s', async () => {
      const report = await importBassins(db, [SUPRACOM]);
      const table = gunzipSync(readFileSync(`${SUPRACOM}table_supracom_2024.csv.gz`)).toString('utf8').trim().split('\n').slice(1);
      const bvs = new Set(table.map((l) => l.split(',')[12]));
      expect(report.counts).toMatchObject({ bassinsDeVie: bvs.size });
      const r = await db.query(
        `SELECT cb.commune_code, cb.bassin_vie, bv.nom AS bv_nom, bv.millesime, cb.zone_emploi, ze.millesime AS ze_millesime
           FROM commune_bassin cb JOIN bassin_vie bv ON bv.code = cb.bassin_vie JOIN zone_emploi ze ON ze.code = cb.zone_emploi
          WHERE cb.commune_code IN ('13055', '13207', '06088') ORDER BY 1`,
      );
      expect(r.rows).toEqual([
        { commune_code: '06088', bassin_vie: '06088', bv_nom: 'Nice', millesime: 2022, zone_emploi: '9315', ze_millesime: 2020 },
        { commune_code: '13055', bassin_vie: '13055', bv_nom: 'Marseille', millesime: 2022, zone_emploi: '9312', ze_millesime: 2020 },
        { commune_code: '13207', bassin_vie: '13055', bv_nom: 'Marseille', millesime: 2022, zone_emploi: '9312', ze_millesime: 2020 },
      ]);
      expect((await db.query('SELECT DISTINCT source FROM commune_bassin')).rows[0]).toEqual({ source: expect.stringContaining('COGugaison') });
    });
  });
});
