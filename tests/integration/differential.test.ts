// Differential test: the same demo bundle loaded into PGlite and into PostGIS must give the same answers,
// endpoint by endpoint (JSON compared whole; only import timestamps differ).
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../server/src/logger.js';
import { seedIfEmpty } from '../../server/src/seed.js';
import { backends } from '../helpers/db.js';
import { startServer, type TestServer } from '../helpers/http.js';

const GEODATA = fileURLToPath(new URL('../../geodata/', import.meta.url));
const both = backends.length === 2;

/** Drops what legitimately differs between two loads: the import timestamps. */
function withoutTimestamps(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutTimestamps);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'importeLe').map(([k, x]) => [k, withoutTimestamps(x)]));
  }
  return v;
}

// Needs both backends at once: skipped, with this reason in its title, when no PostGIS server is configured.
describe.skipIf(!both)(`PGlite and PostGIS agree on the demo bundle${both ? '' : ' [skipped: TEST_DATABASE_URL not set]'}`, () => {
  const servers: TestServer[] = [];
  const disposers: (() => Promise<void>)[] = [];
  let pharmacies: string[] = [];
  let cptsIds: string[] = [];

  beforeAll(async () => {
    for (const b of backends) {
      const { db, dispose } = await b.open();
      disposers.push(dispose);
      await seedIfEmpty(db, GEODATA, createLogger('silent'));
      servers.push(await startServer(db));
    }
    const list = await servers[0]!.getJson('/api/pharmacies?limit=1000');
    // a spread of pharmacies: every 50th of the list, whatever their status
    pharmacies = list.body.officines.filter((_: unknown, i: number) => i % 50 === 0).map((p: { finess: string }) => p.finess);
    cptsIds = (await servers[0]!.getJson('/api/cpts')).body.cpts.map((c: { id: string }) => c.id);
  }, 600_000);

  afterAll(async () => {
    for (const s of servers) await s.close();
    for (const d of disposers) await d();
  });

  async function same(path: string, body?: unknown): Promise<unknown> {
    const answers = await Promise.all(servers.map((s) => (body === undefined ? s.getJson(path) : s.postJson(path, body))));
    expect(answers[0]!.status, path).toBe(200);
    expect(withoutTimestamps(answers[1]!.body), path).toEqual(withoutTimestamps(answers[0]!.body));
    return answers[0]!.body;
  }

  it('overlap matrix and overlap geometry', async () => {
    const pairs = (await same('/api/overlaps')) as { paires?: unknown[]; pairs?: unknown[] };
    expect(JSON.stringify(pairs)).toContain('ILLUSTR-44-NOZAY');
    await same('/api/overlaps.geojson');
  });

  it('coverage and white zones', async () => {
    await same('/api/coverage');
    await same('/api/white-zones?limit=1000');
    await same('/api/white-zones?departement=53&limit=1000');
  });

  it('CPTS list and every CPTS sheet', async () => {
    await same('/api/cpts');
    expect(cptsIds.length).toBe(81); // 10 approximate (Pays de la Loire), 1 illustrative proposal, 70 of the ARS PACA listing
    for (const id of cptsIds) await same(`/api/cpts/${id}`);
  });

  it('pharmacy status, whole region and filtered, JSON and CSV', async () => {
    await same('/api/pharmacies?limit=1000');
    await same('/api/pharmacies?limit=1000&offset=1000');
    await same('/api/pharmacies?departement=85&statut=zone-blanche&limit=1000');
    const csv = await Promise.all(servers.map(async (s) => (await s.get('/api/pharmacies.csv?departement=44')).text()));
    expect(csv[1]).toBe(csv[0]);
  });

  it('nearby structures of a spread of pharmacies, of a commune and of a point', async () => {
    expect(pharmacies.length).toBeGreaterThan(15);
    for (const f of pharmacies) await same(`/api/nearby?finess=${f}`);
    await same('/api/nearby?commune=53097');
    await same('/api/nearby?lon=-1.5536&lat=47.2184');
  });

  it('perimeter check and search', async () => {
    await same('/api/perimeter/check', { communes: ['44109', '44143', '44020', '53130', '53097'] });
    await same('/api/search?q=nantes');
    await same('/api/search?q=pharmacie%20du%20centre');
  });
});
