// The map client's files (client/dist) and its page, which carries the data the map needs to be created (the
// configuration and the tile layers' description, as GET /api/config and GET /tiles/layers.json give them): the
// client creates the map as soon as its scripts have run, without a round trip. The page's head goes out at once, so
// that the browser fetches the scripts while the data is read; the data version is read for each page, which is
// revalidated on each visit (no-cache): it never carries stale tile URLs. The client's files are sent as the build
// compressed them (x.js.br, x.js.gz beside x.js: client/vite.config.ts) to a browser that accepts it, never compressed
// at each request.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Router, type Response } from 'express';
import expressStaticGzip from 'express-static-gzip';
import { BOOT_ELEMENT_ID, type AppConfig } from './contract/system.js';
import type { TileLayersResponse } from './contract/tiles.js';

/** The built map client (`npm run build:client`), served at `/` with the page for client-side views. */
const CLIENT_DIST = fileURLToPath(new URL('../../../client/dist/', import.meta.url));

/** Where the boot data goes in client/index.html; read by client/src/boot.ts. */
const ROOT_ELEMENT = '<div id="root"></div>';

export interface BootData {
  config: AppConfig;
  layers: TileLayersResponse;
}

/** JSON inside a <script> element: `<` escaped, so that no `</script>` or `<!--` in a value ends or changes it. */
const scriptJson = (data: unknown) => JSON.stringify(data).replace(/</g, '\\u003c');

/** Sends the head (set by the compression middleware, `flush` sends what it holds). */
const flush = (res: Response) => (res as Response & { flush?: () => void }).flush?.();

async function sendPage(res: Response, boot: () => Promise<BootData>): Promise<void> {
  const html = await readFile(CLIENT_DIST + 'index.html', 'utf8');
  const at = html.indexOf(ROOT_ELEMENT) + ROOT_ELEMENT.length;
  res.status(200).type('html').setHeader('Cache-Control', 'no-cache');
  if (at < ROOT_ELEMENT.length) {
    res.send(html);
    return;
  }
  const data = boot();
  res.write(html.slice(0, at));
  flush(res);
  // without the data (a database error), the client asks for it as another client would
  const json = await data.then(scriptJson, () => undefined);
  res.end(`${json ? `<script type="application/json" id="${BOOT_ELEMENT_ID}">${json}</script>` : ''}${html.slice(at)}`);
}

/** The client's files; the server's own paths (API, tiles, glyphs, basemap) are never answered with the page. */
export function pageRoutes(boot: () => Promise<BootData>): Router {
  const r = Router();
  r.use(
    expressStaticGzip(CLIENT_DIST, {
      // the page is sent below, with its boot data
      index: false,
      enableBrotli: true,
      orderPreference: ['br', 'gzip'],
      serveStatic: {
        setHeaders: (res, path) => {
          // hashed bundles never change; /index.html (without boot data) must be revalidated to pick up a new build
          res.setHeader('Cache-Control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
        },
      },
    }),
  );
  r.get(/^(?!\/(api|tiles|glyphs|fond-de-carte)(\/|$)).*/, async (req, res, next) => {
    if (!req.accepts('html')) return next();
    // a missing file (an old bundle name…) is a 404, not the page: only client views fall back to index.html
    if (/\.[A-Za-z0-9]+$/.test(req.path)) {
      res.status(404).type('text/plain; charset=utf-8').send(`Fichier introuvable : ${req.path}\n`);
      return;
    }
    if (!existsSync(CLIENT_DIST + 'index.html')) {
      res
        .status(503)
        .type('text/plain; charset=utf-8')
        .send('La carte n’est pas encore construite : lancez `npm run build:client`, puis rechargez cette page.\nL’API reste disponible sous /api (voir /api/openapi.json).\n');
      return;
    }
    await sendPage(res, boot);
  });
  return r;
}
