import * as tf from '@tensorflow/tfjs-core';
import './gemm-conv.js';
import './wasm-broadcast.js';
import './wasm-reductions.js';
import './wasm-unary.js';
import './wasm-masks.js';
import { type WasmGemm, wasmGemmOf } from './gemm.js';
import { registerFusedOptimizers } from './wasm-optimizers.js';

/**
 * The backends latent can start in Node. `wasm` is the default: ~30x the
 * pure-JS `cpu` on matmul. `webgpu` runs on Dawn and needs a Vulkan driver.
 */
export const BACKENDS = ['wasm', 'cpu', 'webgpu'] as const;
/**
 * The backends latent can start in a browser: the GPU ones need WebGL 2 or
 * WebGPU there (`availableBackends()` of the browser entry says which do).
 */
export const BROWSER_BACKENDS = ['wasm', 'webgl', 'webgpu', 'cpu'] as const;
export type BackendName = (typeof BROWSER_BACKENDS)[number];

export interface BackendInfo {
  /** The backend now active in tfjs-core. */
  name: BackendName;
  /** tfjs-core version: every backend is pinned to the same one. */
  tfjsVersion: string;
  /** Whether the wasm backend runs with threads (needs cross-origin isolation in a browser). */
  threads: boolean;
  /** Whether the wasm backend uses SIMD instructions. */
  simd: boolean;
  /** The GPU adapter a webgpu backend runs on, e.g. "SwiftShader driver 5.0.0" (a CPU emulation). */
  adapter?: string;
  /** The wasm backend's matrix-product kernel (see `WasmGemm`); absent on other backends. */
  gemm?: WasmGemm;
}

/** Throws naming the allowed backends unless `name` is one of `allowed`. */
export function assertBackendName(
  name: string,
  allowed: readonly BackendName[] = BACKENDS,
  where = 'Node',
): asserts name is BackendName {
  if ((allowed as readonly string[]).includes(name)) return;
  if ((BROWSER_BACKENDS as readonly string[]).includes(name)) {
    throw new Error(
      `The ${name} backend runs in a browser only; in ${where} choose one of: ${allowed.join(', ')}.`,
    );
  }
  throw new Error(`Unknown backend '${name}'. Choose one of: ${allowed.join(', ')}.`);
}

/** Activates an already-registered backend and reports what runs. */
export async function activate(name: BackendName): Promise<BackendInfo> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`The ${name} backend failed to start (tf.setBackend returned false).`);
  await tf.ready();
  const wasm = name === 'wasm';
  if (wasm) registerFusedOptimizers(tf.backend());
  return {
    name,
    tfjsVersion: tf.version_core,
    threads: wasm && tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT'),
    simd: wasm && tf.env().getBool('WASM_HAS_SIMD_SUPPORT'),
    ...(wasm ? { gemm: wasmGemmOf(tf.backend()) } : {}),
  };
}

/**
 * How many data-parallel replicas (worker threads, each with a backend of its
 * own) a run uses on `backend`: `requested`, or `fallback` when none was asked
 * for. On webgpu always one: a GPU device cannot be handed to another thread,
 * so N replicas would be N devices contending for one GPU with their gradients
 * summed through CPU memory every step, while one device already runs the
 * whole batch in parallel. Throws saying so when more are requested.
 */
export function replicaCount(
  backend: BackendName | string,
  requested: number | undefined,
  fallback: number,
): number {
  if (backend !== 'webgpu') return requested ?? fallback;
  if (requested !== undefined && requested > 1) {
    throw new Error(
      `--workers ${requested} does not apply to the webgpu backend: the replicas are threads with a backend each, ` +
        'and a GPU device cannot be shared between threads (there would be one device per thread contending for ' +
        'one GPU, with the gradients summed in CPU memory at every step). One device runs the whole batch in ' +
        'parallel already: use --workers 1 (the default on webgpu) and, to go faster, a larger --batch-size.',
    );
  }
  return 1;
}
