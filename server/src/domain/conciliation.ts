// Conciliation of overlapping CPTS (issue 9, item 3): how a pair is keyed, who reads the notes. Pure.
import type { Role } from './roles.js';

/** An unordered pair of CPTS, keyed with its ids in byte order (a < b), as the overlap matrix and its SQL order them. */
export interface PairKey {
  a: string;
  b: string;
}

/** Byte order of the UTF-8 encodings (PostgreSQL's COLLATE "C"), which is the order of the code points. */
export function byteOrder(x: string, y: string): number {
  const xs = [...x];
  const ys = [...y];
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
    const d = xs[i]!.codePointAt(0)! - ys[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return xs.length - ys.length;
}

/** The pair of two distinct CPTS, whichever order they are given in; undefined for a CPTS paired with itself. */
export function pairOf(x: string, y: string): PairKey | undefined {
  const d = byteOrder(x, y);
  if (d === 0) return undefined;
  return d < 0 ? { a: x, b: y } : { a: y, b: x };
}

export const pairId = (p: PairKey): string => `${p.a}|${p.b}`;

/**
 * The decision itself and its date are public (a settled overlap is no secret); its note and its author are read by
 * ARS users (any région: overlaps cross régions) and admins only: notes record negotiations between named projects.
 */
export const readsDecisionNotes = (role: Role | null | undefined): boolean => role === 'ars' || role === 'admin';
