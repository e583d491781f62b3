// End-to-end tests (`npm run test:e2e`): the real server on the demo bundle, driven through Debian's chromium
// with playwright-core. One server and one browser for the run (tests/e2e/setup.ts); files run one after the
// other (two cores: the server, the tiles and swiftshader share them), one page per journey.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.e2e.ts'],
    globalSetup: ['tests/e2e/setup.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll waits for what the page shows after a request (1 s by default: too short on a busy machine)
    expect: { poll: { timeout: 15_000, interval: 100 }, requireAssertions: true },
  },
});
