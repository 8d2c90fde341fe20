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
import { startNodeWebGpu } from './node-webgpu.js';

export {
  BACKENDS,
  type BackendInfo,
  type BackendName,
  BROWSER_BACKENDS,
  replicaCount,
} from './common.js';
export { useLatentWasmGemm, WASM_GEMMS, type WasmGemm } from './gemm.js';
export { GpuDeviceLostError } from './node-webgpu.js';
export { useFastWasmConv2DBackpropInput } from './wasm-kernels.js';
export { ADAM_KERNEL, SGD_MOMENTUM_KERNEL } from './wasm-optimizers.js';

let wasmPathsSet = false;

/**
 * Starts a tfjs backend in Node: `wasm` (default), `cpu` or `webgpu`.
 * Gradients are registered on import, so training works with each.
 *
 * Node runs the wasm backend single-threaded (tfjs turns threads off there).
 * `webgpu` runs on Dawn and needs a Vulkan driver (see node-webgpu.ts); without
 * an adapter it throws saying what to install. `webgl` needs a browser.
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
  const adapter = name === 'webgpu' ? await startNodeWebGpu() : undefined;
  const info = await activate(name);
  // The cpu backend prints an advert for tfjs-node on first use; that package
  // cannot be installed offline and latent does not use it.
  if (name === 'cpu') (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
  return adapter ? { ...info, adapter } : info;
}

/** Which backends can start here: in Node wasm and cpu, and webgpu where it finds an adapter. */
export async function availableBackends(): Promise<BackendName[]> {
  const gpu = await startNodeWebGpu().then(
    () => true,
    () => false,
  );
  return BACKENDS.filter((b) => b !== 'webgpu' || gpu);
}
