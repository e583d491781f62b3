// Département and région outlines and the label points of communes (migration 040), rebuilt from the commune
// table after each communes import, in its transaction.
import type { Queryable } from '../db/port.js';

export interface OutlineCounts {
  departements: number;
  regions: number;
  communes: number;
}

/** Rebuilds them; an unexpected empty answer (PGlite may fail silently) is an error, and the import rolls back. */
export async function refreshAdminOutlines(tx: Queryable): Promise<OutlineCounts> {
  const r = await tx.query<OutlineCounts>('SELECT departements, regions, communes FROM refresh_contours_admin()');
  const got = r.rows[0];
  const want = await tx.query<{ communes: number; departements: number }>(
    'SELECT count(*)::int AS communes, count(DISTINCT departement)::int AS departements FROM commune WHERE geom_3857 IS NOT NULL',
  );
  const w = want.rows[0];
  if (!got || !w || got.communes !== w.communes || got.departements !== w.departements || (w.communes > 0 && got.regions === 0)) {
    throw new Error(
      `map outlines: ${got ? `${got.departements} départements, ${got.regions} régions, ${got.communes} label points` : 'no answer'} ` +
        `for ${w?.communes ?? '?'} communes with an outline in ${w?.departements ?? '?'} départements`,
    );
  }
  return got;
}
