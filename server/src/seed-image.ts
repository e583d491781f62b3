// What the seeded demo image holds (server/src/db/image.ts): the migrated database with the demo bundle, and the
// demo's low-zoom tiles in its tile store (server/src/tiles/store.ts), so that the first views of a first start
// are served without rendering. Built by scripts/prepare-start.ts (and by the first-start test, the same way).
import { migrate } from './db/migrate.js';
import { openPglite } from './db/pglite.js';
import type { Logger } from './logger.js';
import { seedIfEmpty } from './seed.js';
import { storeLowZoomTiles } from './tiles/source.js';

/** The image carries the demo's tiles up to this zoom: those of the first views (z4–z6), and a few zooms in. */
export const IMAGE_TILES_MAX_ZOOM = 8;

/** Creates, migrates and seeds the database in `dir`, then renders its low-zoom tiles; returns how many were kept. */
export async function seedImage(dir: string, geodataDir: string, log: Logger): Promise<number> {
  const db = await openPglite(dir);
  try {
    await migrate(db);
    await seedIfEmpty(db, geodataDir, log);
    return await storeLowZoomTiles(db, dir, IMAGE_TILES_MAX_ZOOM);
  } finally {
    await db.close();
  }
}
