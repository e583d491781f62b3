// The PostGIS extension bundle of PGlite, cut down to what the app uses.
//
// At every opening PGlite unpacks its extension bundle into memory and compiles every WebAssembly library in it.
// The published bundle holds PostGIS, PostGIS raster, PostGIS topology (48 MB of WebAssembly together) and 500
// upgrade scripts; the app uses PostGIS alone. The cut bundle keeps postgis-3.so, its control file and install
// script, and the PROJ data, which takes about 3 s of CPU off each opening. It is made once from the installed
// package (named after its version and size, so an upgrade makes a new one), next to the demo database image.
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Extension } from '@electric-sql/pglite';
import { postgis } from '@electric-sql/pglite-postgis';
import * as tar from 'tar';
import { IMAGE_DIR, ROOT } from './image.js';

const PACKAGE = join(ROOT, 'node_modules/@electric-sql/pglite-postgis');
const FULL_BUNDLE = join(PACKAGE, 'dist/postgis.tar.gz');

/** What the app needs of the bundle: PostGIS itself (no raster, topology, tiger, upgrade scripts) and PROJ's data. */
export const keepInBundle = (path: string): boolean =>
  path === 'lib/postgresql/postgis-3.so' ||
  path.startsWith('share/proj/') ||
  /^share\/postgresql\/extension\/postgis(\.control|--\d+(\.\d+)*\.sql)$/.test(path);

async function slimBundle(): Promise<string> {
  const { version } = JSON.parse(await readFile(join(PACKAGE, 'package.json'), 'utf8')) as { version: string };
  const file = join(IMAGE_DIR, `postgis-${version}-${statSync(FULL_BUNDLE).size}-slim.tar.gz`);
  if (existsSync(file)) return file;
  await mkdir(IMAGE_DIR, { recursive: true });
  const tmp = await mkdtemp(join(IMAGE_DIR, 'postgis-slim-'));
  try {
    await tar.x({ file: FULL_BUNDLE, cwd: tmp, filter: (p) => keepInBundle(p.replace(/^\.\//, '')) });
    // gzip level 1: PGlite gunzips the bundle at every opening, and a lightly packed one is the quickest to unpack
    await tar.c({ gzip: { level: 1 }, file: `${tmp}.tar.gz`, cwd: tmp, portable: true }, ['lib', 'share']);
    await rename(`${tmp}.tar.gz`, file); // atomic: another process building the same file meanwhile is harmless
  } finally {
    await rm(tmp, { recursive: true, force: true });
    await rm(`${tmp}.tar.gz`, { force: true });
  }
  return file;
}

/** PGlite's PostGIS extension on the cut bundle; the published one when the cut one cannot be made. */
export async function postgisExtension(): Promise<Extension> {
  let bundle: URL;
  try {
    bundle = pathToFileURL(await slimBundle());
  } catch {
    return postgis;
  }
  return {
    name: postgis.name,
    setup: async (pg, emscriptenOpts) => ({ ...(await postgis.setup(pg, emscriptenOpts)), bundlePath: bundle }),
  };
}
