import { Router } from 'express';
import type { AppDeps } from '../app.js';

const TABLES = ['commune', 'cpts', 'cpts_commune', 'structure', 'pharmacie', 'adhesion_pharmacie', 'offre_mg', 'zonage', 'import_log'] as const;

export function healthRoutes({ db }: AppDeps): Router {
  const r = Router();
  r.get('/api/health', async (_req, res) => {
    const v = await db.query<{ postgis: string; postgres: string }>(
      "SELECT postgis_lib_version() AS postgis, current_setting('server_version') AS postgres",
    );
    const counts = await db.query<Record<string, number>>(
      `SELECT ${TABLES.map((t) => `(SELECT count(*)::int FROM ${t}) AS ${t}`).join(', ')}`,
    );
    const imports = await db.query<{ kind: string; file_name: string; rows: number; imported_at: Date }>(
      'SELECT kind, file_name, rows, imported_at FROM import_log ORDER BY id',
    );
    res.json({
      status: 'ok',
      backend: db.backend,
      postgres: v.rows[0]!.postgres,
      postgis: v.rows[0]!.postgis,
      counts: counts.rows[0],
      imports: imports.rows.map((i) => ({ kind: i.kind, file: i.file_name, rows: i.rows, importedAt: new Date(i.imported_at).toISOString() })),
    });
  });
  return r;
}
