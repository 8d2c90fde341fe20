import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    // A production build, a browser and real training steps: minutes, not seconds.
    testTimeout: 240_000,
    hookTimeout: 240_000,
  },
});
