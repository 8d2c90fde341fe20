import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The test makes a real checkpoint in Node with the workspace packages' sources.
  resolve: { conditions: ['@latent/source'] },
  ssr: { resolve: { conditions: ['@latent/source'] } },
  test: {
    environment: 'node',
    // `pnpm bench` runs the speed measurement instead of the tests.
    include: process.env.LATENT_WEB_BENCH ? ['bench/**/*.bench.ts'] : ['test/**/*.test.ts'],
    setupFiles: ['../../scripts/vitest-setup.ts'],
    globalSetup: ['../../scripts/vitest-temp.ts'],
    // A production build, a browser and real training steps: minutes, not seconds.
    testTimeout: process.env.LATENT_WEB_BENCH ? 3_600_000 : 240_000,
    hookTimeout: 240_000,
  },
});
