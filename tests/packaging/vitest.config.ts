import { defineConfig } from 'vitest/config';

// npm installs, a Vite build and Chromium: slow on a 2-core CI machine. Files
// run one after another so the installs do not compete for the cores.
export default defineConfig({
  test: {
    globalSetup: ['../../scripts/vitest-temp.ts'],
    testTimeout: 240_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
