// Bundles the CLI into dist/ as plain-Node ESM, tfjs-core included from its ESM
// sources: exactly one tfjs-core, and no extension-less imports left for Node.
import { build } from 'esbuild';
import { nodeBundleOptions } from '../../scripts/node-bundle.mjs';

await build({
  ...nodeBundleOptions,
  // worker.js: the worker-thread replicas of `latent train --workers`.
  entryPoints: ['src/latent.ts', 'src/worker.ts'],
  outdir: 'dist',
  sourcemap: true,
});
