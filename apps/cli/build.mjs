// Bundles the CLI into dist/ as plain-Node ESM. Everything, tfjs-core included,
// is bundled from its ESM sources: that gives exactly one tfjs-core and sidesteps
// its extension-less ESM imports, which plain `node` cannot load.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/latent.ts'],
  outdir: 'dist',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  conditions: ['@latent/source'],
  mainFields: ['module', 'main'],
  sourcemap: true,
  logLevel: 'warning',
  // tfjs and the emscripten glue of the wasm backend use require/__dirname in Node.
  banner: {
    js: [
      "import { createRequire as __latentCreateRequire } from 'node:module';",
      "import { fileURLToPath as __latentFileURLToPath } from 'node:url';",
      "import { dirname as __latentDirname } from 'node:path';",
      'const require = __latentCreateRequire(import.meta.url);',
      'const __filename = __latentFileURLToPath(import.meta.url);',
      'const __dirname = __latentDirname(__filename);',
    ].join('\n'),
  },
});
