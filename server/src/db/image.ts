// The seeded embedded database as a ready-made image, so that a first `npm start` copies a folder instead of
// creating the database and loading the demo bundle (which takes tens of seconds).
//
// The image is built from the repository as it is (`npm install` runs scripts/prepare-start.ts), never by hand:
// its name carries a hash of everything its content derives from — the migrations, the demo bundle (the manifest
// and every file it lists), the importers, the seed and the PGlite build — so a change to any of them makes the
// start-up look for another image, and without one it creates the database as before.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCK_FILE } from './lock.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Images live beside the installed packages: `npm ci` wipes them with node_modules and its postinstall rebuilds. */
export const IMAGE_DIR = join(ROOT, 'node_modules/.cache/cpts-territoires');

export async function filesUnder(dir: string, keep: (name: string) => boolean): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && keep(e.name)).map((e) => join(e.parentPath, e.name));
}

const code = join(ROOT, 'server/src');
const sources = (n: string) => n.endsWith('.ts') || n.endsWith('.json');

/**
 * What a vector tile derives from besides the data: the tile code, the rules and the SQL functions it reads, the
 * encoder and the database engine (server/src/tiles/store.ts keys its tiles by their hash).
 */
export async function tileCodeFiles(): Promise<string[]> {
  return [
    ...(await filesUnder(join(ROOT, 'migrations'), (n) => n.endsWith('.sql'))),
    ...(await filesUnder(join(code, 'domain'), sources)),
    ...(await filesUnder(join(code, 'tiles'), sources)),
    join(ROOT, 'node_modules/@maplibre/vt-pbf/package.json'),
    join(ROOT, 'node_modules/@electric-sql/pglite/package.json'),
    join(ROOT, 'node_modules/@electric-sql/pglite-postgis/package.json'),
  ];
}

/** The hash of these files' paths and contents (12 hex digits). */
export async function hashFiles(files: readonly string[]): Promise<string> {
  const h = createHash('sha256');
  for (const f of [...new Set(files)].sort()) h.update(relative(ROOT, f)).update('\0').update(await readFile(f)).update('\0');
  return h.digest('hex').slice(0, 12);
}

/**
 * The hash of everything a seeded database derives from (12 hex digits); the image also carries the demo's
 * low-zoom tiles (scripts/prepare-start.ts), hence the tile code.
 */
export async function seedHash(geodataDir: string): Promise<string> {
  const manifest = JSON.parse(await readFile(join(geodataDir, 'manifest.json'), 'utf8')) as { imports: { file?: string; files?: string[] }[] };
  return hashFiles([
    join(geodataDir, 'manifest.json'),
    ...manifest.imports.flatMap((i) => i.files ?? (i.file ? [i.file] : [])).map((f) => join(geodataDir, f)),
    ...(await filesUnder(join(code, 'import'), sources)),
    join(code, 'seed.ts'),
    join(code, 'seed-image.ts'),
    ...(await tileCodeFiles()),
  ]);
}

export const imagePath = (hash: string) => join(IMAGE_DIR, `seeded-${hash}`);

/** True when `dataDir` holds a database (an empty or absent folder does not). */
export const hasDatabase = (dataDir: string) => existsSync(join(dataDir, 'PG_VERSION'));

/**
 * Copies the image matching the demo bundle into `dataDir` (locked by the caller, holding no database yet).
 * Returns false when there is no such image.
 */
export async function restoreImage(geodataDir: string, dataDir: string): Promise<boolean> {
  const image = imagePath(await seedHash(geodataDir));
  if (!existsSync(join(image, 'PG_VERSION'))) return false;
  await cp(image, dataDir, { recursive: true, filter: (src) => !src.endsWith(LOCK_FILE) });
  return true;
}

/**
 * Builds the image with `seed` (which creates, migrates and seeds a database in the folder it is given), unless
 * it exists. Older images are removed. Returns the image's folder.
 */
export async function buildImage(geodataDir: string, seed: (dir: string) => Promise<void>): Promise<{ dir: string; built: boolean }> {
  const dir = imagePath(await seedHash(geodataDir));
  if (existsSync(join(dir, 'PG_VERSION'))) return { dir, built: false };
  await mkdir(IMAGE_DIR, { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await seed(tmp);
  await rm(join(tmp, LOCK_FILE), { force: true });
  for (const e of await readdir(IMAGE_DIR)) if (/^seeded-[0-9a-f]{12}$/.test(e)) await rm(join(IMAGE_DIR, e), { recursive: true, force: true });
  await rename(tmp, dir);
  return { dir, built: true };
}
