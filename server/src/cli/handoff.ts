// An import into an embedded data folder that a running server holds (issue 11): instead of being refused, the file
// is handed to that server's web import (POST /api/imports, then its confirmation), with an API token given in
// CPTS_API_TOKEN (an environment variable, so that it shows in no process list). The server writes where it
// listens next to its lock (`server.json`); the preview's problems are printed like the command line's own.
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ImportWeb } from '../api/contract/imports.js';
import { IMPORT_OPTION_NAMES } from '../api/imports.js';
import type { ErrorBody } from '../api/contract/endpoint.js';
import { ImportError } from '../import/errors.js';
import { kebab } from '../import/index.js';
import type { ImportKind } from '../import/log.js';

export const TOKEN_VARIABLE = 'CPTS_API_TOKEN';
const SERVER_FILE = 'server.json';

/** Where the server holding `dataDir` listens, written once it listens (read by a CLI import handing a file over). */
export const serverFile = (dataDir: string) => join(dataDir, SERVER_FILE);

export class HandoffError extends Error {
  override name = 'HandoffError';
}

async function serverUrl(dataDir: string): Promise<string> {
  try {
    const s = JSON.parse(await readFile(serverFile(dataDir), 'utf8')) as { url?: unknown; pid?: unknown };
    process.kill(Number(s.pid), 0); // throws if that process is gone
    if (typeof s.url === 'string') return s.url;
  } catch {
    // fall through: no server that says where it listens
  }
  throw new HandoffError(`the process holding ${dataDir} does not say where it listens (is it a server started by npm start?)`);
}

/** The command line's options as the web import's query; an option it has no parameter for cannot be handed over. */
function asQuery(options: Record<string, unknown>): Record<string, string> {
  const french = new Map(Object.entries(IMPORT_OPTION_NAMES).map(([fr, name]) => [name, fr]));
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(options)) {
    if (v === undefined) continue;
    const fr = french.get(name);
    if (!fr) throw new HandoffError(`the option --${kebab(name)} cannot be handed to the running server`);
    out[fr] = String(v);
  }
  return out;
}

async function call(url: string, token: string, init: RequestInit = {}): Promise<ImportWeb> {
  const r = await fetch(url, { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` } });
  const body = (await r.json()) as ImportWeb | ErrorBody;
  if (!r.ok) throw new HandoffError(`the running server refused the import (${r.status}): ${(body as ErrorBody).erreur}`);
  return body as ImportWeb;
}

/**
 * Imports `file` through the server that holds `dataDir`: preview, then (if the file has no problem) confirmation,
 * followed until it ends. Throws the preview's problems as an ImportError, like a refused import.
 */
export async function handOff(dataDir: string, token: string, kind: ImportKind, files: string[], options: Record<string, unknown>, progress: (line: string) => void): Promise<ImportWeb> {
  if (files.length !== 1) throw new HandoffError(`"${kind}" with ${files.length} files or a folder cannot be handed to the running server: give one file`);
  const base = await serverUrl(dataDir);
  const query = new URLSearchParams({ nature: kind, fichier: basename(files[0]!), ...asQuery(options) });
  const body = new Uint8Array(await readFile(files[0]!));
  const preview = await call(`${base}/api/imports?${query}`, token, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body });
  if (!preview.apercu.applicable) {
    throw new ImportError(preview.apercu.problemes.map((p) => ({ file: p.fichier, line: p.ligne ?? undefined, field: p.champ ?? undefined, message: p.message })));
  }
  progress(`handed to the server at ${base}: import ${preview.id} previewed, applying`);
  let job = await call(`${base}/api/imports/${preview.id}/confirmation`, token, { method: 'POST' });
  while (job.etat === 'en-cours') {
    await new Promise((r) => setTimeout(r, 300));
    job = await call(`${base}/api/imports/${preview.id}`, token);
  }
  if (job.etat !== 'applique') throw new HandoffError(job.resultat?.erreur ?? job.etatLibelle);
  return job;
}
