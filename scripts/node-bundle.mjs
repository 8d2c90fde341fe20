// esbuild options for bundling workspace TypeScript into one plain-Node ESM
// file: workspace packages from their sources, tfjs-core from its ESM files (so
// exactly one copy, and none of its extension-less imports left for Node).
// Used by the CLI's build and by scripts/run-ts.mjs.
export const nodeBundleOptions = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  conditions: ['@latent/source'],
  mainFields: ['module', 'main'],
  logLevel: 'warning',
  // Dawn's native binary (`webgpu`) is found beside its own index.js at run time.
  external: ['webgpu'],
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
};
