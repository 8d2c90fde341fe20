import * as tf from '@tensorflow/tfjs-core';

/** The backends latent can start. `wasm` is the default: ~30x the pure-JS `cpu` on matmul. */
export const BACKENDS = ['wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface BackendInfo {
  /** The backend now active in tfjs-core. */
  name: BackendName;
  /** tfjs-core version: every backend is pinned to the same one. */
  tfjsVersion: string;
  /** Whether the wasm backend runs with threads (needs cross-origin isolation in a browser). */
  threads: boolean;
  /** Whether the wasm backend uses SIMD instructions. */
  simd: boolean;
}

export function assertBackendName(name: string): asserts name is BackendName {
  if (!(BACKENDS as readonly string[]).includes(name)) {
    throw new Error(`Unknown backend '${name}'. Choose one of: ${BACKENDS.join(', ')}.`);
  }
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
  };
}
