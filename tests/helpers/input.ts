// Shared by the parser tests: fixture paths and the issues of an expected ImportError.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { ImportError, type InputIssue } from '../../server/src/import/errors.js';

/** Path of tests/fixtures/<kind>/<name>, and its text. */
export const fixturePath = (kind: string, name: string) => fileURLToPath(new URL(`../fixtures/${kind}/${name}`, import.meta.url));
export const fixtureText = (kind: string, name: string) => readFileSync(fixturePath(kind, name), 'utf8');

/** Runs `fn`, which must throw an ImportError, and returns its issues. */
export function issuesOf(fn: () => unknown): InputIssue[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ImportError);
    return (e as ImportError).issues;
  }
  throw new Error('expected an ImportError');
}
