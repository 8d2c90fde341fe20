import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import './gradients.js';
import './wasm-kernels.js';
import './relaxed-simd.js';
import {
  activate,
  assertBackendName,
  BACKENDS,
  type BackendInfo,
  type BackendName,
} from './common.js';

export { BACKENDS, type BackendInfo, type BackendName, BROWSER_BACKENDS } from './common.js';
export { useLatentWasmGemm, type WasmGemm } from './gemm.js';
export { useFastWasmConv2DBackpropInput } from './wasm-kernels.js';

let wasmPathsSet = false;

/**
 * Starts a tfjs backend in Node: `wasm` (default) or `cpu`. Gradients are
 * registered on import, so training works with either.
 *
 * Node runs the wasm backend single-threaded (tfjs turns threads off there).
 * `webgl` and `webgpu` need a browser: asking for them here throws saying so.
 */
export async function initBackend(name: BackendName | string = 'wasm'): Promise<BackendInfo> {
  assertBackendName(name, BACKENDS, 'Node');
  if (name === 'wasm' && !wasmPathsSet) {
    // The .wasm binaries sit in the backend package's dist/ folder; Node needs a directory path.
    const require = createRequire(import.meta.url);
    const pkgJson = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
    setWasmPaths(`${join(dirname(pkgJson), 'dist')}/`);
    wasmPathsSet = true;
  }
  const info = await activate(name);
  // The cpu backend prints an advert for tfjs-node on first use; that package
  // cannot be installed offline and latent does not use it.
  if (name === 'cpu') (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
  return info;
}

/** Which backends can start here: in Node always wasm and cpu. */
export async function availableBackends(): Promise<BackendName[]> {
  return [...BACKENDS];
}
