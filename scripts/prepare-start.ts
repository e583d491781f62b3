// `npm install` runs this (postinstall) so that the first `npm start` is quick: it builds the map client when it is
// missing or stale, and the seeded embedded database image of the demo bundle (server/src/db/image.ts), which the
// first start copies instead of creating the database. A failure here never fails the install: the start then
// does the same work itself.
import { loadConfig } from '../server/src/config.js';
import { buildImage } from '../server/src/db/image.js';
import { migrate } from '../server/src/db/migrate.js';
import { openPglite } from '../server/src/db/pglite.js';
import { createLogger } from '../server/src/logger.js';
import { seedIfEmpty } from '../server/src/seed.js';
import { storeLowZoomTiles } from '../server/src/tiles/source.js';

/** The image carries the demo's tiles up to this zoom, those of the first views (server/src/tiles/store.ts). */
const IMAGE_TILES_MAX_ZOOM = 8;

async function main(): Promise<void> {
  await import('./ensure-client-build.js').catch((e: unknown) => {
    // e.g. an install without devDependencies: the database image is still worth making
    console.warn(`the map client could not be built (npm start will try again): ${e instanceof Error ? e.message : String(e)}`);
  });
  const { geodataDir } = loadConfig();
  const t0 = Date.now();
  console.log('preparing the demo database for the first start (once per demo bundle)…');
  const { dir, built } = await buildImage(geodataDir, async (tmp) => {
    const db = await openPglite(tmp);
    try {
      await migrate(db);
      await seedIfEmpty(db, geodataDir, createLogger('warn'));
      const t1 = Date.now();
      const n = await storeLowZoomTiles(db, tmp, IMAGE_TILES_MAX_ZOOM);
      console.log(`${n} tiles up to z${IMAGE_TILES_MAX_ZOOM} kept with it (${((Date.now() - t1) / 1000).toFixed(1)} s)`);
    } finally {
      await db.close();
    }
  });
  console.log(`${built ? 'built' : 'already there'}: ${dir} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

main().catch((e: unknown) => {
  console.warn(`the demo database could not be prepared (npm start will create it): ${e instanceof Error ? e.message : String(e)}`);
});
