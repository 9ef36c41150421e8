import { mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

// The shared config runs tests against workspace sources; the global setup builds the app once.
export default mergeConfig(shared, {
  test: { globalSetup: ['test/global-setup.ts'], testTimeout: 120_000, hookTimeout: 180_000 },
});
