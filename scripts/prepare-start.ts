// `npm install` runs this (postinstall) so that the first `npm start` is quick: it builds the map client when it is
// missing or stale, the server's JavaScript bundle (server-bundle.js), and the seeded embedded database image of the
// demo bundle (server/src/db/image.ts), which the first start copies instead of creating the database. A failure here never fails the install: the start then
// does the same work itself.
import { loadConfig } from '../server/src/config.js';
import { buildImage } from '../server/src/db/image.js';
import { createLogger } from '../server/src/logger.js';
import { IMAGE_TILES_MAX_ZOOM, seedImage } from '../server/src/seed-image.js';
import { buildServerBundle } from './server-bundle.js';

async function main(): Promise<void> {
  await import('./ensure-client-build.js').catch((e: unknown) => {
    // e.g. an install without devDependencies: the database image is still worth making
    console.warn(`the map client could not be built (npm start will try again): ${e instanceof Error ? e.message : String(e)}`);
  });
  // the server's plain JavaScript bundle, which `npm start` runs (it rebuilds it too when a source is newer)
  await buildServerBundle().catch((e: unknown) => {
    console.warn(`the server could not be bundled (npm start will try again): ${e instanceof Error ? e.message : String(e)}`);
  });
  const { geodataDir } = loadConfig();
  const t0 = Date.now();
  console.log('preparing the demo database for the first start (once per demo bundle)…');
  const { dir, built } = await buildImage(geodataDir, async (tmp) => {
    const n = await seedImage(tmp, geodataDir, createLogger('warn'));
    console.log(`${n} tiles up to z${IMAGE_TILES_MAX_ZOOM} kept with it`);
  });
  console.log(`${built ? 'built' : 'already there'}: ${dir} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

main().catch((e: unknown) => {
  console.warn(`the demo database could not be prepared (npm start will create it): ${e instanceof Error ? e.message : String(e)}`);
});
