// The server itself: health, the map client's configuration.
import { Router } from 'express';
import type { TileSource } from '../tiles/source.js';
import { basemapStyle } from './contract/map-assets.js';
import * as api from './contract/system.js';
import type { AppConfig } from './contract/system.js';
import type { AppDeps } from './deps.js';
import { serve } from './serve.js';

const BASEMAP_STYLE_PATH = basemapStyle.path;

const TABLES = ['commune', 'cpts', 'cpts_commune', 'structure', 'pharmacie', 'adhesion_pharmacie', 'offre_mg', 'zonage', 'import_log'] as const;

/** The map client's configuration (GET /api/config, and the boot data of the page: server/src/api/page.ts). */
export const appConfig = ({ config, basemap }: Pick<AppDeps, 'config' | 'basemap'>): AppConfig => ({
  styleFondDeCarte: basemap ? BASEMAP_STYLE_PATH : (config.basemapStyleUrl ?? null),
});

export function systemRoutes({ db, config, basemap }: AppDeps, tiles: TileSource): Router {
  const r = Router();
  serve(r, api.health, async () => {
    const v = await db.query<{ postgis: string; postgres: string }>(
      "SELECT postgis_lib_version() AS postgis, current_setting('server_version') AS postgres",
    );
    const counts = await db.query<Record<string, number>>(`SELECT ${TABLES.map((t) => `(SELECT count(*)::int FROM ${t}) AS ${t}`).join(', ')}`);
    const imports = await db.query<{ kind: string; file_name: string; rows: number; imported_at: Date }>(
      'SELECT kind, file_name, rows, imported_at FROM import_log ORDER BY id',
    );
    return {
      etat: 'ok' as const,
      moteur: db.backend,
      postgres: v.rows[0]!.postgres,
      postgis: v.rows[0]!.postgis,
      lignes: counts.rows[0]!,
      imports: imports.rows.map((i) => ({ type: i.kind, fichier: i.file_name, lignes: i.rows, importeLe: new Date(i.imported_at).toISOString() })),
      prerenduTuiles: await tiles.prerendering(),
    };
  });
  serve(r, api.config, () => appConfig({ config, basemap }));
  return r;
}
