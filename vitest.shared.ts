import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests run against the TypeScript sources of the workspace packages (their `source` export
// condition), so no build is needed first. Workspace packages are symlinked into node_modules:
// inline them so the condition applies to them too (externalized, Node would load dist/).
// Test helpers other packages' tests share: workspace-only names (tsconfig.base.json's `paths` says the
// same to tsc), never package exports, so the published package.json names no file its tarball lacks.
const testHelper = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const TEST_HELPERS = {
  '@mmtok/core/test-support': testHelper('./packages/core/test/support.ts'),
  '@mmtok/hub/test-server': testHelper('./packages/hub/test/hub-server.ts'),
};

export default defineConfig({
  resolve: { conditions: ['source'], alias: TEST_HELPERS },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // Every random test prints its seed and replays from MMTOK_TEST_SEED.
    setupFiles: [fileURLToPath(new URL('./test/seeded-random.ts', import.meta.url))],
    server: { deps: { inline: [/@mmtok\//] } },
  },
});
