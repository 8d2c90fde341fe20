// Builds one library package: each entry in src/ becomes an ESM file in dist/,
// with every dependency left external, then tsc writes the .d.ts files.
//
// Usage (from a package folder): node ../../scripts/build-package.mjs src/index.ts [src/node.ts ...]
//
// Two build-time fixes make dist/ loadable by plain `node` and by any bundler
// (see docs/ARCHITECTURE.md, "Plain Node and tfjs-core's ESM layout"):
// - `@tensorflow/tfjs-core/dist/register_all_gradients` is bundled in (its
//   dist/*.js use extension-less imports that Node's ESM loader rejects). The
//   copied gradient code reaches the one engine and gradient registry that
//   tfjs-core keeps on a global, exactly as the official `@tensorflow/tfjs`
//   Node bundle does.
// - `./x.wasm?url` imports (a Vite convention used in source) are rewritten to
//   `new URL('./wasm/x.wasm', import.meta.url)` and the files are copied beside
//   the output, which every modern bundler and browser understands.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { build } from 'esbuild';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const entries = process.argv.slice(2);
if (entries.length === 0)
  throw new Error('build-package: name at least one entry, e.g. src/index.ts');

const deps = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})];
const require = createRequire(join(process.cwd(), 'package.json'));
const GRADIENTS = '@tensorflow/tfjs-core/dist/register_all_gradients';

const externals = {
  name: 'externals',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path === GRADIENTS) return undefined; // bundle it (see above)
      if (args.path.endsWith('?url')) return undefined;
      if (args.path.startsWith('node:') || builtinModules.includes(args.path)) {
        return { path: args.path, external: true };
      }
      // tfjs-core's own relative imports inside the bundled gradient code stay bundled.
      if (args.importer.includes('/node_modules/')) return undefined;
      const name = args.path.startsWith('@')
        ? args.path.split('/').slice(0, 2).join('/')
        : args.path.split('/')[0];
      if (deps.includes(name)) return { path: args.path, external: true };
      throw new Error(`${pkg.name}: imports '${args.path}', which is not a dependency`);
    });
  },
};

const wasmUrls = {
  name: 'wasm-urls',
  setup(b) {
    b.onResolve({ filter: /\.wasm\?url$/ }, (args) => {
      const spec = args.path.slice(0, -'?url'.length);
      return { path: require.resolve(spec), namespace: 'wasm-url' };
    });
    b.onLoad({ filter: /.*/, namespace: 'wasm-url' }, (args) => {
      mkdirSync('dist/wasm', { recursive: true });
      copyFileSync(args.path, join('dist/wasm', basename(args.path)));
      const rel = `./wasm/${basename(args.path)}`;
      return {
        contents: `export default new URL(${JSON.stringify(rel)}, import.meta.url).href;`,
        loader: 'js',
      };
    });
  },
};

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: entries,
  outdir: 'dist',
  outbase: 'src',
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  mainFields: ['module', 'main'],
  sourcemap: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
  plugins: [externals, wasmUrls],
});
execFileSync(
  process.execPath,
  [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
  {
    stdio: 'inherit',
  },
);
