// Bundles the CLI into dist/ as plain-Node ESM, tfjs-core included from its ESM
// sources: exactly one tfjs-core, and no extension-less imports left for Node.
import { build } from 'esbuild';
import { nodeBundleOptions } from '../../scripts/node-bundle.mjs';

await build({
  ...nodeBundleOptions,
  entryPoints: ['src/latent.ts'],
  outdir: 'dist',
  sourcemap: true,
});
