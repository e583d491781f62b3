// Secrets handed to a browser or a script (session cookies, API tokens): random from the system's CSPRNG, stored
// only as their sha256, so that a copy of the database opens no session. Passwords are hashed with argon2id.
import { createHash, randomBytes } from 'node:crypto';
import { hash, verify, type Algorithm } from '@node-rs/argon2';

/** 256 random bits, URL-safe. */
export const newSecret = (prefix = ''): string => prefix + randomBytes(32).toString('base64url');

export const sha256 = (secret: string): Buffer => createHash('sha256').update(secret, 'utf8').digest();

/** argon2id (Algorithm.Argon2id, a const enum) with OWASP's minimum parameters (19 MiB, 2 passes, 1 lane). */
const ARGON2 = { algorithm: 2 as Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string): Promise<string> => hash(password, ARGON2);

/** Checks a password against a stored PHC string; a malformed hash is a mismatch, not an error. */
export async function checkPassword(stored: string, password: string): Promise<boolean> {
  return verify(stored, password).catch(() => false);
}

/** Verified against when the login is unknown, so that an unknown login takes as long as a wrong password. */
let decoy: Promise<string> | undefined;
export const decoyHash = (): Promise<string> => (decoy ??= hashPassword(newSecret()));
