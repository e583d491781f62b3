// The answer cache's rules, with a data version the test sets: its memory bound, one computation for concurrent
// misses, errors never kept, large answers kept compressed, an answer computed across a version change served but not kept, the key.
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { AnswerCache, answerKey } from '../../server/src/api/answers.js';

/** A cache whose data version is `v.now`; `reads` counts the version reads, `fresh` the fresh ones. */
function cacheAt(maxBytes = 1 << 20) {
  const v = { now: '1', reads: 0, fresh: 0 };
  const cache = new AnswerCache(async (fresh) => {
    v.reads++;
    if (fresh) v.fresh++;
    return v.now;
  }, maxBytes);
  return { cache, v };
}

const value = (n: number) => async () => ({ n, filler: 'x'.repeat(200) });

describe('answer cache', () => {
  it('keeps at most its bytes, dropping the least recently used answers first', async () => {
    const { cache } = cacheAt(4000);
    for (let i = 0; i < 40; i++) await cache.get(`k${i}`, false, value(i));
    expect(cache.lru.bytes).toBeLessThanOrEqual(4000);
    expect(cache.lru.size).toBeGreaterThan(5);
    expect(cache.lru.size).toBeLessThan(40);
    expect((await cache.get('k39', false, value(-1))).status).toBe('hit');
    expect((await cache.get('k0', false, value(0))).status).toBe('miss');
    // an answer larger than the whole cache, even compressed, is served, not kept
    const noise = randomBytes(6000).toString('base64');
    const huge = await cache.get('huge', false, async () => noise);
    expect(huge.answer.body.length).toBeGreaterThan(5000);
    expect((await cache.get('huge', false, async () => noise)).status).toBe('miss');
  });

  it('keeps a large answer gzip-compressed, and counts the compressed bytes', async () => {
    const { cache } = cacheAt(4000);
    const big = { rows: Array.from({ length: 2000 }, () => ({ nom: 'Commune', code: '52121' })) };
    const miss = await cache.get('big', false, async () => big);
    expect(miss.answer.gzip).toBe(true);
    expect(JSON.parse(gunzipSync(miss.answer.body).toString())).toEqual(big);
    const hit = await cache.get('big', false, async () => big);
    expect(hit.status).toBe('hit');
    expect(hit.answer.body).toBe(miss.answer.body);
    expect(cache.lru.bytes).toBeLessThan(4000);
    // a small one is kept as it is
    expect((await cache.get('small', false, value(1))).answer.gzip).toBe(false);
  });

  it('computes concurrent misses of one key once', async () => {
    const { cache } = cacheAt();
    let computed = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const compute = async () => {
      computed++;
      await gate;
      return { ok: true };
    };
    const all = Promise.all(Array.from({ length: 5 }, () => cache.get('k', false, compute)));
    await new Promise((r) => setTimeout(r, 0));
    release();
    const answers = await all;
    expect(computed).toBe(1);
    expect(new Set(answers.map((a) => a.answer.etag)).size).toBe(1);
    expect((await cache.get('k', false, compute)).status).toBe('hit');
  });

  it('keeps no error: the next request computes again', async () => {
    const { cache } = cacheAt();
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new Error('400');
    };
    await expect(cache.get('k', false, failing)).rejects.toThrow('400');
    await expect(cache.get('k', false, failing)).rejects.toThrow('400');
    expect(calls).toBe(2);
    expect(cache.lru.size).toBe(0);
  });

  it('empties itself on a new version, and keeps no answer computed while the version changed', async () => {
    const { cache, v } = cacheAt();
    await cache.get('a', false, value(1));
    expect((await cache.get('a', false, value(1))).status).toBe('hit');
    v.now = '2';
    expect((await cache.get('a', false, value(2))).status).toBe('miss');
    // a computation begun at version 2, during which a request sees version 3
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = cache.get('b', false, async () => {
      await gate;
      return 'old';
    });
    await new Promise((r) => setTimeout(r, 0));
    v.now = '3';
    await cache.get('c', false, value(3));
    release();
    expect(JSON.parse((await slow).answer.body.toString())).toBe('old');
    expect((await cache.get('b', false, async () => 'new')).status).toBe('miss');
  });

  it('reads the version fresh when asked, and once after a write through the process', async () => {
    const { cache, v } = cacheAt();
    await cache.get('a', false, value(1));
    await cache.get('a', true, value(1));
    expect(v.fresh).toBe(1);
    cache.wrote();
    await cache.get('a', false, value(1));
    await cache.get('a', false, value(1));
    expect(v.fresh).toBe(2);
  });

  it('keys on the path and every parameter, in any order, defaults included once parsed', () => {
    expect(answerKey('/api/search', { query: { q: 'a', limit: 5 }, params: {} })).toBe(answerKey('/api/search', { params: {}, query: { limit: 5, q: 'a' } }));
    expect(answerKey('/api/search', { query: { q: 'a', limit: 5 } })).not.toBe(answerKey('/api/search', { query: { q: 'a', limit: 6 } }));
    expect(answerKey('/api/search', { query: { q: 'a' } })).not.toBe(answerKey('/api/nearby', { query: { q: 'a' } }));
    expect(answerKey('/api/x', { query: { s: ['a', 'b'] } })).not.toBe(answerKey('/api/x', { query: { s: ['a'] } }));
  });
});
