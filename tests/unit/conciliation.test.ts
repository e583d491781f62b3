// The pair key of a conciliation: independent of the order the two CPTS are named in, in PostgreSQL's byte order.
import { describe, expect, it } from 'vitest';
import { byteOrder, pairId, pairOf, readsDecisionNotes } from '../../server/src/domain/conciliation.js';

describe('pair of CPTS', () => {
  it('is the same whichever order the two are given in; a CPTS with itself is no pair', () => {
    expect(pairOf('FIXT-B', 'FIXT-A')).toEqual({ a: 'FIXT-A', b: 'FIXT-B' });
    expect(pairOf('FIXT-A', 'FIXT-B')).toEqual({ a: 'FIXT-A', b: 'FIXT-B' });
    expect(pairOf('x', 'x')).toBeUndefined();
    expect(pairId({ a: '130001', b: '93-cpts-du-plateau' })).toBe('130001|93-cpts-du-plateau');
  });

  it('orders by code point like COLLATE "C" (UTF-8 bytes), not by locale nor by UTF-16 unit', () => {
    expect(['b', 'B', 'é', 'a', 'Z'].sort(byteOrder)).toEqual(['B', 'Z', 'a', 'b', 'é']);
    // U+FF5E (3 UTF-8 bytes) comes before U+1F600 (4 bytes), though its UTF-16 unit is larger than the surrogate's
    expect(byteOrder('\uff5e', '\u{1f600}')).toBeLessThan(0);
    expect(byteOrder('ab', 'abc')).toBeLessThan(0);
  });

  it('notes are read by ARS users and admins only', () => {
    expect([readsDecisionNotes('ars'), readsDecisionNotes('admin'), readsDecisionNotes('urps'), readsDecisionNotes(null)]).toEqual([true, true, false, false]);
  });
});
