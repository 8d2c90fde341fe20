import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@latent/source'] },
  ssr: { resolve: { conditions: ['@latent/source'] } },
  test: {
    globalSetup: ['../../scripts/vitest-temp.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
