// The answers of the endpoints declared `cache: 'data-version'` (server/src/api/contract/endpoint.ts), computed once
// per data version and per normalised input, kept in memory (least recently used first out, bounded by bytes).
//
// The data version is the tiles' (tiles/cache.ts: imports, the register's and every audited write, from any process),
// read at most once a second and shared with the tile cache; the day in Paris is part of it, for answers "as of
// today". A new version empties the cache; an answer computed while the version changed is served but not kept;
// concurrent requests for the same missing answer share one computation; an error (4xx included) is never kept.
// A request that carries credentials (a session cookie or an Authorization header) reads the version fresh: its
// caller may just have written, through this process or another worker, and must read what it wrote; so does the
// first request after a write through this process. Otherwise an answer may be up to a second older than a commit
// (an import by the command line, a write through another worker by someone else).
// An answer is kept gzip-compressed, compressed once when computed: sent as it is to a client that accepts gzip
// (the compression middleware leaves an encoded body alone), decompressed for one that does not.
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzipSync, gzip } from 'node:zlib';
import type { Request, Response } from 'express';
import { today } from '../domain/versions.js';
import { SESSION_COOKIE } from '../http/auth.js';
import { ByteLru } from '../tiles/cache.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** The process's answer cache (apiRoutes), absent when API_CACHE_MB=0. */
    answers?: AnswerCache;
  }
}

export interface Answer {
  /** The JSON body, serialised once; gzip-compressed when `gzip`. */
  body: Buffer;
  gzip: boolean;
  /** The tag of the JSON body, whatever its encoding. */
  etag: string;
}

export type AnswerStatus = 'hit' | 'miss';

/** Bytes an answer costs: its body, its key and a fixed overhead for the bookkeeping. */
const answerCost = (key: string, a: Answer) => a.body.length + key.length * 2 + 160;

/** Smaller bodies are sent as they are, by the compression middleware (app.ts) too: gzip would save little. */
export const GZIP_MIN_BYTES = 1024;
const compress = promisify(gzip);

/** Serialises and compresses an answer, in the thread pool: a large one would hold the event loop for milliseconds. */
async function pack(value: unknown): Promise<Answer> {
  const json = Buffer.from(JSON.stringify(value));
  const etag = `"${createHash('sha256').update(json).digest('base64url').slice(0, 27)}"`;
  return json.length < GZIP_MIN_BYTES ? { body: json, gzip: false, etag } : { body: await compress(json), gzip: true, etag };
}

export class AnswerCache {
  readonly lru: ByteLru<Answer>;
  private version: string | undefined;
  /** A write went through this process since the last read of the version: read it now, not up to a second ago. */
  private written = false;
  private readonly inflight = new Map<string, Promise<Answer>>();

  constructor(
    /** The data version, read at most a second ago, or now with `fresh`. */
    private readonly dataVersion: (fresh: boolean) => Promise<string>,
    maxBytes: number,
  ) {
    this.lru = new ByteLru(maxBytes, answerCost);
  }

  /** Called once a write through this process committed, before its answer is sent. */
  wrote(): void {
    this.written = true;
  }

  /** The answer of `key` at the current version, computed by `compute` if missing; `fresh`: read the version now. */
  async get(key: string, fresh: boolean, compute: () => Promise<unknown>): Promise<{ answer: Answer; status: AnswerStatus }> {
    const now = fresh || this.written;
    this.written = false;
    const version = `${await this.dataVersion(now)}@${today()}`;
    if (version !== this.version) {
      this.lru.clear();
      this.inflight.clear();
      this.version = version;
    }
    const hit = this.lru.get(key);
    if (hit) return { answer: hit, status: 'hit' };
    const vkey = `${version}|${key}`;
    let p = this.inflight.get(vkey);
    if (!p) {
      p = compute().then(pack);
      this.inflight.set(vkey, p);
      const done = () => {
        if (this.inflight.get(vkey) === p) this.inflight.delete(vkey);
      };
      p.then((a) => {
        done();
        if (this.version === version) this.lru.set(key, a);
      }, done);
    }
    return { answer: await p, status: 'miss' };
  }
}

/** Whether the request may come from a caller who writes: it carries a session cookie or an API token. */
export const carriesCredentials = (req: Request): boolean =>
  req.headers.authorization !== undefined || (req.cookies as Record<string, unknown> | undefined)?.[SESSION_COOKIE] !== undefined;

/** Key/value pairs in key order, at every depth: two spellings of one input are one key. */
const sorted = (v: unknown): unknown =>
  v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(
        Object.entries(v)
          .filter(([, x]) => x !== undefined)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([k, x]) => [k, sorted(x)]),
      )
    : v;

/** The cache key of an endpoint's parsed input: its path template and its parameters, defaults applied. */
export const answerKey = (path: string, input: unknown) => `${path} ${JSON.stringify(sorted(input))}`;

/**
 * The tag is computed once per answer (express would hash the body at each request); a request that has it gets a
 * 304. The gzip-encoded form has a tag of its own, as the tiles' (two representations, one strong tag each).
 */
export function sendAnswer(req: Request, res: Response, { answer, status }: { answer: Answer; status: AnswerStatus }): void {
  res.setHeader('X-Api-Cache', status);
  res.type('application/json');
  if (!answer.gzip) {
    res.setHeader('ETag', answer.etag);
    res.send(answer.body);
    return;
  }
  const gzip = req.acceptsEncodings('gzip') === 'gzip';
  res.vary('Accept-Encoding');
  res.setHeader('ETag', gzip ? answer.etag.replace(/"$/, '-gz"') : answer.etag);
  if (req.fresh) res.status(304).end();
  else if (!gzip) res.send(gunzipSync(answer.body));
  else {
    // the length set here: the compression middleware, which wraps end(), sends the head before node would set it
    res.setHeader('Content-Encoding', 'gzip').setHeader('Content-Length', answer.body.length).end(answer.body);
  }
}
