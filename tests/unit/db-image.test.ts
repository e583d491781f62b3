// The prepared demo database (server/src/db/image.ts) is found only for the exact demo bundle it was built from:
// its hash follows every file the manifest lists and the manifest itself, and nothing else of the folder.
import { cp, mkdtemp, readFile, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imagePath, restoreImage, ROOT, seedHash } from '../../server/src/db/image.js';

describe('demo database image hash', () => {
  let dir: string;
  let base: string;
  let listed: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cpts-image-'));
    await cp(join(ROOT, 'geodata'), dir, { recursive: true });
    base = await seedHash(dir);
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { imports: { file?: string; files?: string[] }[] };
    listed = manifest.imports.flatMap((i) => i.files ?? (i.file ? [i.file] : []))[0]!;
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is stable, and names a folder of its own', async () => {
    expect(base).toMatch(/^[0-9a-f]{12}$/);
    expect(await seedHash(dir)).toBe(base);
    expect(imagePath(base)).toContain(`seeded-${base}`);
  });

  it('ignores files the manifest does not list', async () => {
    await writeFile(join(dir, 'NOTES-not-listed.txt'), 'x');
    expect(await seedHash(dir)).toBe(base);
  });

  it('changes with a listed file, and then finds no image', async () => {
    await appendFile(join(dir, listed), '\n');
    const changed = await seedHash(dir);
    expect(changed).not.toBe(base);
    const target = await mkdtemp(join(tmpdir(), 'cpts-image-target-'));
    try {
      expect(await restoreImage(dir, target)).toBe(false);
    } finally {
      await rm(target, { recursive: true, force: true });
    }
  });

  it('changes with the manifest', async () => {
    const before = await seedHash(dir);
    await appendFile(join(dir, 'manifest.json'), ' ');
    expect(await seedHash(dir)).not.toBe(before);
  });
});
