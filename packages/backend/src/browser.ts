import '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import './gradients.js';
import './wasm-kernels.js';
import {
  activate,
  assertBackendName,
  type BackendInfo,
  type BackendName,
  BROWSER_BACKENDS,
} from './common.js';

export { type BackendInfo, type BackendName, BROWSER_BACKENDS } from './common.js';
export { useLatentWasmGemm, WASM_GEMMS, type WasmGemm } from './gemm.js';
export { useFastWasmConv2DBackpropInput } from './wasm-kernels.js';
export { ADAM_KERNEL, SGD_MOMENTUM_KERNEL } from './wasm-optimizers.js';
/** The backends this entry can start (a browser's: wasm, webgl, webgpu, cpu). */
export const BACKENDS = BROWSER_BACKENDS;

let wasmPathsSet = false;

/** What the GPU backends need, checked before tfjs tries them (it would only log a warning). */
async function unavailable(name: BackendName): Promise<string | undefined> {
  if (name === 'webgl') {
    const canvas =
      typeof OffscreenCanvas !== 'undefined'
        ? new OffscreenCanvas(1, 1)
        : typeof document !== 'undefined'
          ? document.createElement('canvas')
          : undefined;
    if (!canvas) return 'this context has neither OffscreenCanvas nor a document to draw on';
    const gl = canvas.getContext('webgl2') ?? canvas.getContext('webgl');
    if (!gl) return 'this browser gives no WebGL context (GPU blocked or disabled?)';
    (gl as WebGLRenderingContext).getExtension('WEBGL_lose_context')?.loseContext();
    return undefined;
  }
  if (name === 'webgpu') {
    const gpu = (globalThis.navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
    if (!gpu)
      return 'this browser has no WebGPU (navigator.gpu is missing; it needs a secure context)';
    const adapter = await gpu.requestAdapter().catch(() => null);
    if (!adapter) return 'WebGPU found no adapter (no usable GPU)';
  }
  return undefined;
}

/**
 * Which of `BROWSER_BACKENDS` can start here: wasm and cpu always, webgl
 * with a WebGL context, webgpu with a WebGPU adapter. Starts nothing.
 */
export async function availableBackends(): Promise<BackendName[]> {
  const ok = await Promise.all(BROWSER_BACKENDS.map(async (b) => !(await unavailable(b))));
  return BROWSER_BACKENDS.filter((_, i) => ok[i]);
}

/**
 * Starts a tfjs backend in a browser page or worker: `wasm` (default),
 * `webgl`, `webgpu` or `cpu`. The three .wasm binaries are resolved as assets
 * of this module, so a bundler (Vite, webpack 5, Rollup) serves them with no
 * configuration. Threads run only when the page is cross-origin isolated
 * (COOP/COEP headers). Throws saying why when the browser lacks WebGL or
 * WebGPU for those backends.
 */
export async function initBackend(name: BackendName | string = 'wasm'): Promise<BackendInfo> {
  assertBackendName(name, BROWSER_BACKENDS, 'a browser');
  const why = await unavailable(name);
  if (why) throw new Error(`The ${name} backend is not available: ${why}.`);
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
