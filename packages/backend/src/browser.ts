import '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import './gradients.js';
import './wasm-kernels.js';
import { activate, assertBackendName, type BackendInfo, type BackendName } from './common.js';

export { BACKENDS, type BackendInfo, type BackendName } from './common.js';
export { useFastWasmConv2DBackpropInput } from './wasm-kernels.js';

let wasmPathsSet = false;

/**
 * Starts a tfjs backend in a browser page or worker: `wasm` (default) or `cpu`.
 * The three .wasm binaries are resolved as assets of this module, so a bundler
 * (Vite, webpack 5, Rollup) serves them with no configuration. Threads run only
 * when the page is cross-origin isolated (COOP/COEP headers).
 */
export async function initBackend(name: BackendName | string = 'wasm'): Promise<BackendInfo> {
  assertBackendName(name);
  if (name === 'wasm' && !wasmPathsSet) {
    setWasmPaths({
      'tfjs-backend-wasm.wasm': wasmUrl,
      'tfjs-backend-wasm-simd.wasm': simdUrl,
      'tfjs-backend-wasm-threaded-simd.wasm': threadedSimdUrl,
    });
    wasmPathsSet = true;
  }
  return activate(name);
}
