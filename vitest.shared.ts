import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests run against the TypeScript sources of the workspace packages (their `source` export
// condition), so no build is needed first. Workspace packages are symlinked into node_modules:
// inline them so the condition applies to them too (externalized, Node would load dist/).
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // Every random test prints its seed and replays from MMTOK_TEST_SEED.
    setupFiles: [fileURLToPath(new URL('./test/seeded-random.ts', import.meta.url))],
    server: { deps: { inline: [/@mmtok\//] } },
  },
});
