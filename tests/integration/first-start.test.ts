// The first `npm start` on an empty data folder copies the demo database prepared at install
// (server/src/db/image.ts) instead of creating it: the server says so, and serves the whole demo bundle,
// one import per manifest entry.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from '../../server/src/db/image.js';
import { createLogger } from '../../server/src/logger.js';
import { seedImage } from '../../server/src/seed-image.js';
import { ROOT, startServerProcess, stopProcess } from '../helpers/processes.js';

const GEODATA = join(ROOT, 'geodata');

describe('first start from the prepared demo database', () => {
  let dir: string;

  beforeAll(async () => {
    // `npm install` made it already; built here otherwise, as scripts/prepare-start.ts does
    await buildImage(GEODATA, async (tmp) => void (await seedImage(tmp, GEODATA, createLogger('silent'))));
    dir = await mkdtemp(join(tmpdir(), 'cpts-first-'));
  }, 600_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('copies it, then serves the demo bundle', async () => {
    const server = await startServerProcess({ DATA_DIR: join(dir, 'data'), SEED_DEMO: 'true', LOG_LEVEL: 'info', GEODATA_DIR: GEODATA });
    try {
      const health = (await (await fetch(`${server.url}/api/health`)).json()) as { lignes: Record<string, number>; imports: unknown[] };
      const manifest = JSON.parse(await readFile(join(GEODATA, 'manifest.json'), 'utf8')) as { imports: unknown[] };
      expect(health.imports).toHaveLength(manifest.imports.length);
      expect(health.lignes.commune).toBeGreaterThan(1000);
      expect(health.lignes.cpts).toBeGreaterThan(10);
      expect(health.lignes.pharmacie).toBeGreaterThan(500);
      expect(server.output()).toMatch(/first start: copied the prepared demo database/);
      expect(server.output()).not.toMatch(/empty database: loading the demo bundle/);
    } finally {
      expect((await stopProcess(server)).code).toBe(0);
    }
  }, 300_000);
});
