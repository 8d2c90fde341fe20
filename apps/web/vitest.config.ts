import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The test makes a real checkpoint in Node with the workspace packages' sources.
  resolve: { conditions: ['@latent/source'] },
  ssr: { resolve: { conditions: ['@latent/source'] } },
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    setupFiles: ['../../scripts/vitest-setup.ts'],
    // A production build, a browser and real training steps: minutes, not seconds.
    testTimeout: 240_000,
    hookTimeout: 240_000,
  },
});
