import * as tf from '@tensorflow/tfjs-core';
import './gemm-conv.js';
import './wasm-broadcast.js';
import { type WasmGemm, wasmGemmOf } from './gemm.js';

/** The backends latent can start in Node. `wasm` is the default: ~30x the pure-JS `cpu` on matmul. */
export const BACKENDS = ['wasm', 'cpu'] as const;
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
  return {
    name,
    tfjsVersion: tf.version_core,
    threads: wasm && tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT'),
    simd: wasm && tf.env().getBool('WASM_HAS_SIMD_SUPPORT'),
    ...(wasm ? { gemm: wasmGemmOf(tf.backend()) } : {}),
  };
}
