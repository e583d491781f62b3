// End-to-end tests (`npm run test:e2e`): the real server on the demo bundle, driven through Debian's chromium
// with playwright-core. One vitest project per database backend, each with its own server, database and browser
// (tests/e2e/setup.ts); files run one after the other (two cores: the server, the tiles and swiftshader share
// them), one page per journey.
//  - pglite: every journey, on the embedded database (as `npm start` runs by default);
//  - postgis: the register journeys (issue 9: perimeter versions, overlap arbitration, recruitment, web imports,
//    accounts, and the anonymous visitor's refusals they check), on a fresh PostgreSQL + PostGIS database of
//    TEST_DATABASE_URL's server; without TEST_DATABASE_URL they are reported skipped, with the reason.
// `--project pglite` or `--project postgis` runs one of them.
import { defineConfig } from 'vitest/config';
import type { E2eBackend } from './tests/e2e/harness.js';

const REGISTER_JOURNEYS = ['versions', 'conciliation', 'recrutement', 'imports', 'compte'].map((f) => `tests/e2e/${f}.e2e.ts`);

const project = (backend: E2eBackend, include: string[]) => ({
  test: {
    name: backend,
    include,
    env: { E2E_BACKEND: backend }, // read by tests/e2e/harness.ts (`backend`); setup.ts reads the project's name
    globalSetup: ['tests/e2e/setup.ts'],
    pool: 'forks' as const,
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll waits for what the page shows after a request (1 s by default: too short on a busy machine)
    expect: { poll: { timeout: 15_000, interval: 100 }, requireAssertions: true },
  },
});

export default defineConfig({
  test: {
    fileParallelism: false,
    projects: [project('pglite', ['tests/e2e/**/*.e2e.ts']), project('postgis', REGISTER_JOURNEYS)],
  },
});
