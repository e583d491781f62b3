// The server as plain JavaScript, for `npm start` (scripts/start.js): two esbuild bundles (the server, and the
// embedded database's worker thread) of server/src beside the installed packages, rebuilt when a source is newer.
// Loading them takes no TypeScript loader: tsx resolves and transpiles every module through a loader thread of its
// own, in the process and again in the database worker, seconds of CPU at each start. The packages stay outside the
// bundles (they load from node_modules as they are), and each module keeps its own `import.meta.url`, so paths
// relative to a source file (migrations, client/dist, JSON data) resolve as from the sources.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BUNDLE_DIR = join(ROOT, 'node_modules/.cache/cpts-territoires/server');
export const SERVER_BUNDLE = join(BUNDLE_DIR, 'start.mjs');
const ENTRIES = { start: 'scripts/start.ts', 'pglite-thread-worker': 'server/src/db/pglite-thread-worker.ts' };
const SOURCES = ['server/src', 'scripts', 'tsconfig.json', 'package.json'];

function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let t = s.mtimeMs; // a file added or removed
  for (const e of readdirSync(path)) t = Math.max(t, newest(join(path, e)));
  return t;
}

/** True when the bundles are older than a source file (or missing). */
export function isStale() {
  if (!existsSync(SERVER_BUNDLE)) return true;
  const built = statSync(SERVER_BUNDLE).mtimeMs;
  return SOURCES.some((p) => newest(join(ROOT, p)) > built);
}

/**
 * Builds the bundles. The chunks have names of their content and are written first, the two entries last, each
 * renamed into place: a server starting meanwhile loads the old entries or the new ones, and one running meanwhile
 * still finds the chunks it loads late. Chunks of older builds are removed after a day.
 */
export async function buildServerBundle() {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: ENTRIES,
    outdir: BUNDLE_DIR,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true, // the modules main.ts imports late (the app, a backend) stay late
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    write: false,
    logLevel: 'error',
    // where the worker thread finds its bundle (server/src/db/pglite-thread.ts)
    banner: { js: 'globalThis.cptsServerBundle = import.meta.url;' },
    plugins: [
      {
        name: 'source-import-meta-url',
        setup(build) {
          build.onLoad({ filter: /\.ts$/ }, (args) => {
            const source = readFileSync(args.path, 'utf8');
            if (!source.includes('import.meta.url')) return undefined;
            const rel = relative(BUNDLE_DIR, args.path).split('\\').join('/');
            return { contents: source.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: 'ts' };
          });
        },
      },
    ],
  });
  await esbuild.stop(); // its service process would live as long as the server
  mkdirSync(BUNDLE_DIR, { recursive: true });
  const entries = new Set(Object.keys(ENTRIES).map((name) => join(BUNDLE_DIR, `${name}.mjs`)));
  const files = [...result.outputFiles].sort((a, b) => Number(entries.has(a.path)) - Number(entries.has(b.path)));
  for (const f of files) {
    const tmp = `${f.path}.tmp-${process.pid}`;
    writeFileSync(tmp, f.contents);
    renameSync(tmp, f.path);
  }
  const built = new Set(files.map((f) => f.path));
  for (const name of readdirSync(BUNDLE_DIR)) {
    const path = join(BUNDLE_DIR, name);
    if (!built.has(path) && Date.now() - statSync(path).mtimeMs > 86_400_000) rmSync(path, { force: true });
  }
}
