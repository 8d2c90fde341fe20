import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { latentModuleOf, type WasmBackend } from './gemm.js';
import { initBackend } from './node.js';
import { useLatentReductions } from './wasm-reductions.js';

// Values with ties, both zeros and NaNs, so that "the first of equal values"
// and NaN handling are exercised, not only distinct numbers.
function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const special = [0, -0, Number.NaN, 1, 1, -1];
  return Float32Array.from({ length: n }, () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s % 7 === 0 ? (special[s % special.length] as number) : Math.round(s / 2 ** 28) - 8;
  });
}

/** Max and ArgMax over the last axis (and, for the fallback, another axis) on the active backend. */
function reductions(shape: number[], seed: number): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor(values(tf.util.sizeFromShape(shape), seed), shape);
    const last = shape.length - 1;
    const out = [tf.max(x, -1), tf.max(x, last, true), tf.argMax(x, -1)];
    if (shape.length > 1) out.push(tf.max(x, 0), tf.argMax(x, 0));
    return out.map((t) => Float32Array.from(t.dataSync()));
  });
}

const SHAPES = [[1], [5], [3, 1], [7, 5], [4, 9, 5], [100, 240, 5], [2, 3, 4, 17]];

describe('Max and ArgMax over the last axis on wasm', () => {
  it("equal tfjs's wasm kernels bit for bit: ties, signed zeros and NaNs included", async () => {
    await initBackend('wasm');
    useLatentReductions(false);
    const want = SHAPES.map((s, i) => reductions(s, i + 1));
    useLatentReductions(true);
    const got = SHAPES.map((s, i) => reductions(s, i + 1));
    for (const [i, shape] of SHAPES.entries())
      for (const [j, w] of want[i]!.entries()) {
        const g = got[i]![j]!;
        expect(g.length, `${shape} output ${j}`).toBe(w.length);
        for (let k = 0; k < w.length; k++)
          expect(Object.is(g[k], w[k]), `${shape} output ${j}[${k}]: ${g[k]} vs ${w[k]}`).toBe(
            true,
          );
      }
  });

  it('run as latent module loops: the first of equal values wins, a NaN wins the max, not the index', async () => {
    await initBackend('wasm');
    const g = latentModuleOf(tf.backend() as unknown as WasmBackend);
    expect(g).not.toBeNull();
    const x = tf.tensor2d([3, 7, 7, 1, 2, Number.NaN, 9, 2, -0, 0, 0, -1], [3, 4]);
    const out = tf.zeros([3]);
    const index = tf.zeros([3], 'int32');
    const backend = tf.backend() as unknown as WasmBackend;
    const at = (t: tf.Tensor) => backend.dataIdMap.get(t.dataId)!.memoryOffset;
    g!.exports.maxRows(at(x), at(out), 3, 4);
    g!.exports.argMaxRows(at(x), at(index), 3, 4);
    expect(Array.from(out.dataSync())).toEqual([7, Number.NaN, -0]);
    expect(Object.is(out.dataSync()[2], -0)).toBe(true);
    expect(Array.from(index.dataSync())).toEqual([1, 2, 0]);
    tf.dispose([x, out, index]);
  });

  it('leaks no tensors', async () => {
    await initBackend('wasm');
    reductions([4, 9, 5], 3);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) reductions([4, 9, 5], 3);
    expect(tf.memory().numTensors).toBe(before);
  });
});
