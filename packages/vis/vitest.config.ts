import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@latent/source'] },
  ssr: { resolve: { conditions: ['@latent/source'] } },
  test: {
    globalSetup: ['../../scripts/vitest-temp.ts'],
    setupFiles: ['../../scripts/vitest-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
