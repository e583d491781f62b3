// Codes a user may give for a commune that are no longer current: a commune merged since keeps its former code
// in `commune.anciens_codes` (filled at import from the COG; GIN index, migration 007). Arrondissements
// municipaux are rows of `commune` themselves, so their codes need no mapping.
import type { Queryable } from '../db/port.js';
import { NotFoundError } from '../domain/errors.js';

/**
 * The current commune of each code found: itself when the code is a row, else the commune that absorbed it.
 * Codes matching nothing are absent from the map.
 */
export async function currentCommunes(db: Queryable, codes: readonly string[]): Promise<Map<string, string>> {
  const r = await db.query<{ code: string; actuel: string }>(
    `SELECT u.code, coalesce(c.code, a.code) AS actuel
       FROM unnest($1::text[]) AS u(code)
       LEFT JOIN commune c ON c.code = u.code
       LEFT JOIN LATERAL (SELECT a.code FROM commune a WHERE c.code IS NULL AND a.anciens_codes @> ARRAY[u.code]
                           ORDER BY a.code COLLATE "C" LIMIT 1) a ON true
      WHERE coalesce(c.code, a.code) IS NOT NULL`,
    [[...new Set(codes)]],
  );
  return new Map(r.rows.map((x) => [x.code, x.actuel]));
}

export async function currentCommune(db: Queryable, code: string): Promise<string | undefined> {
  return (await currentCommunes(db, [code])).get(code);
}

/** Throws a 404-kind error for a bassin de vie code the database does not hold (an empty answer would mislead). */
export async function assertBassinVie(db: Queryable, code: string | undefined): Promise<void> {
  if (!code) return;
  const r = await db.query('SELECT 1 FROM bassin_vie WHERE code = $1', [code]);
  if (r.rows.length === 0) throw new NotFoundError(`Bassin de vie « ${code} » introuvable (importer les bassins de vie INSEE)`);
}
