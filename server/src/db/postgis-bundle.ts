// The PostGIS extension bundle of PGlite, cut down to what the app uses.
//
// At every opening PGlite unpacks its extension bundle into memory and compiles every WebAssembly library in it.
// The published bundle holds PostGIS, PostGIS raster, PostGIS topology (48 MB of WebAssembly together) and 500
// upgrade scripts; the app uses PostGIS alone. The cut bundle keeps postgis-3.so, its control file and install
// script, and the PROJ data, which takes about 3 s of CPU off each opening. It is made once from the installed
// package (named after its version and size, so an upgrade makes a new one), next to the demo database image.
//
// postgis-3.so also exports its 23,000 symbols (GEOS, PROJ, libxml2…), and Emscripten's loader pays for each one:
// at every opening it puts each exported function in the function table, and each dlsym (PostgreSQL's first call
// of each C function, two per function) lists all exports again (`Object.keys(exports)`, several ms each): about 1.5 s
// of CPU per warm start. The cut library keeps only what is looked up: the SQL-callable functions and their
// `pg_finfo_` records, the symbols the library imports from itself (GOT, env), and the loader's own entry points.
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Extension } from '@electric-sql/pglite';
import { postgis } from '@electric-sql/pglite-postgis';
import { IMAGE_DIR, ROOT } from './image.js';

const PACKAGE = join(ROOT, 'node_modules/@electric-sql/pglite-postgis');
const FULL_BUNDLE = join(PACKAGE, 'dist/postgis.tar.gz');

/** What the app needs of the bundle: PostGIS itself (no raster, topology, tiger, upgrade scripts) and PROJ's data. */
export const keepInBundle = (path: string): boolean =>
  path === 'lib/postgresql/postgis-3.so' ||
  path.startsWith('share/proj/') ||
  /^share\/postgresql\/extension\/postgis(\.control|--\d+(\.\d+)*\.sql)$/.test(path);

const SO = 'lib/postgresql/postgis-3.so';

/** A WebAssembly side module (Emscripten dylink) with only the exports that PostgreSQL or the loader look up. */
export function keepNeededExports(wasm: Uint8Array): Uint8Array {
  let o = 8; // magic and version
  const leb = () => {
    let r = 0;
    for (let shift = 0; ; shift += 7) {
      const x = wasm[o++]!;
      r += (x & 127) * 2 ** shift;
      if (!(x & 128)) return r;
    }
  };
  const name = () => {
    const n = leb();
    o += n;
    return Buffer.from(wasm.buffer, wasm.byteOffset + o - n, n).toString('utf8');
  };
  const sections: { id: number; start: number; end: number }[] = [];
  const imported = new Set<string>(); // the library's imports that it defines itself resolve to its own exports
  const exports: { name: string; start: number; end: number }[] = [];
  while (o < wasm.length) {
    const start = o;
    const id = wasm[o++]!;
    const size = leb();
    const section = { id, start, end: o + size };
    sections.push(section);
    if (id === 2) {
      for (let n = leb(); n > 0; n--) {
        const module = name();
        const field = name();
        if (module === 'GOT.func' || module === 'GOT.mem' || module === 'env') imported.add(field);
        const kind = wasm[o++]!;
        if (kind === 0) leb(); // function: type index
        else if (kind === 1) { // table: reftype, limits
          o++;
          if (wasm[o++]! & 1) leb();
          leb();
        } else if (kind === 2) { // memory: limits
          if (wasm[o++]! & 1) leb();
          leb();
        } else if (kind === 3) o += 2; // global: valtype, mutability
        else throw new Error(`unknown import kind ${kind}`);
      }
    } else if (id === 7) {
      for (let n = leb(); n > 0; n--) {
        const start = o;
        const e = name();
        o++;
        leb();
        exports.push({ name: e, start, end: o });
      }
    }
    o = section.end;
  }
  const names = new Set(exports.map((e) => e.name));
  // PostgreSQL calls a C function only with its V1 record, pg_finfo_<name>; the loader needs its own `__` symbols
  const sqlCallable = new Set([...names].filter((n) => n.startsWith('pg_finfo_')).map((n) => n.slice(9)));
  const keep = (n: string) =>
    imported.has(n) || sqlCallable.has(n) || n.startsWith('pg_finfo_') || n.startsWith('__') || ['_PG_init', '_PG_fini', 'Pg_magic_func'].includes(n);
  const kept = exports.filter((e) => keep(e.name));
  const uleb = (v: number) => {
    const out: number[] = [];
    do {
      let x = v % 128;
      v = Math.floor(v / 128);
      if (v) x |= 128;
      out.push(x);
    } while (v);
    return Buffer.from(out);
  };
  const body = Buffer.concat([uleb(kept.length), ...kept.map((e) => wasm.subarray(e.start, e.end))]);
  const exportSection = Buffer.concat([Buffer.from([7]), uleb(body.length), body]);
  return Buffer.concat([wasm.subarray(0, 8), ...sections.map((s) => (s.id === 7 ? exportSection : wasm.subarray(s.start, s.end)))]);
}

/** The cut bundle (made once, see above). */
export async function slimBundle(): Promise<string> {
  const { version } = JSON.parse(await readFile(join(PACKAGE, 'package.json'), 'utf8')) as { version: string };
  const file = join(IMAGE_DIR, `postgis-${version}-${statSync(FULL_BUNDLE).size}-slim3.tar.gz`);
  if (existsSync(file)) return file;
  await mkdir(IMAGE_DIR, { recursive: true });
  const tar = await import('tar'); // only here: not loaded at each opening
  const tmp = await mkdtemp(join(IMAGE_DIR, 'postgis-slim-'));
  try {
    await tar.x({ file: FULL_BUNDLE, cwd: tmp, filter: (p) => keepInBundle(p.replace(/^\.\//, '')) });
    await writeFile(join(tmp, SO), keepNeededExports(await readFile(join(tmp, SO))));
    // gzip level 0 (stored): PGlite gunzips the bundle at every opening, and a stored one is the quickest to unpack
    await tar.c({ gzip: { level: 0 }, file: `${tmp}.tar.gz`, cwd: tmp, portable: true }, ['lib', 'share']);
    await rename(`${tmp}.tar.gz`, file); // atomic: another process building the same file meanwhile is harmless
    for (const e of await readdir(IMAGE_DIR)) if (/^postgis-.*\.tar\.gz$/.test(e) && join(IMAGE_DIR, e) !== file) await rm(join(IMAGE_DIR, e), { force: true });
  } finally {
    await rm(tmp, { recursive: true, force: true });
    await rm(`${tmp}.tar.gz`, { force: true });
  }
  return file;
}

/**
 * PGlite's PostGIS extension on the cut bundle; the published one when the cut one cannot be made. The bundle's
 * bytes are handed to PGlite already read: given a path, PGlite reads it through a stream into a Blob and reads the
 * Blob back (Node 20: ~1 s of CPU for these 33 MB at each opening, --cpu-prof: Blob readNext, concat); read here in
 * one piece and gunzipped (stored, level 0) at once, while PGlite compiles its own module. They go where PGlite
 * collects each extension's bundle (the module's pg_extensions, read after preRun: @electric-sql/pglite 0.5.8).
 */
export async function postgisExtension(): Promise<Extension> {
  let file: string;
  try {
    file = await slimBundle();
  } catch {
    return postgis;
  }
  return {
    name: postgis.name,
    setup: async (pg, emscriptenOpts) => {
      const { bundlePath: _published, ...setup } = await postgis.setup(pg, emscriptenOpts);
      const opts = (setup.emscriptenOpts ?? emscriptenOpts) as { preRun?: ((mod: ModuleWithBundles) => void)[] };
      const bytes = readFile(file).then((gz) => {
        const b = gunzipSync(gz);
        return { arrayBuffer: async () => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) };
      });
      bytes.catch(() => {}); // reported by PGlite, which awaits it
      const preRun = [...(opts.preRun ?? []), (mod: ModuleWithBundles) => void (mod.pg_extensions[postgis.name] = bytes)];
      return { ...setup, emscriptenOpts: { ...opts, preRun } };
    },
  };
}

/** What PGlite's module holds of the extensions' bundles, by their key in PGliteOptions.extensions (createPglite: `postgis`). */
interface ModuleWithBundles {
  pg_extensions: Record<string, Promise<{ arrayBuffer(): Promise<ArrayBuffer> }>>;
}
