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

/** Every output of every shape equal bit for bit (Object.is: -0 and NaN count). */
function expectBitIdentical(shapes: number[][], got: Float32Array[][], want: Float32Array[][]) {
  for (const [i, shape] of shapes.entries())
    for (const [j, w] of want[i]!.entries()) {
      const g = got[i]![j]!;
      expect(g.length, `${shape} output ${j}`).toBe(w.length);
      for (let k = 0; k < w.length; k++)
        expect(Object.is(g[k], w[k]), `${shape} output ${j}[${k}]: ${g[k]} vs ${w[k]}`).toBe(true);
    }
}

const SHAPES = [[1], [5], [3, 1], [7, 5], [4, 9, 5], [100, 240, 5], [2, 3, 4, 17]];

describe('Max and ArgMax over the last axis on wasm', () => {
  it("equal tfjs's wasm kernels bit for bit: ties, signed zeros and NaNs included", async () => {
    await initBackend('wasm');
    useLatentReductions(false);
    const want = SHAPES.map((s, i) => reductions(s, i + 1));
    useLatentReductions(true);
    const got = SHAPES.map((s, i) => reductions(s, i + 1));
    expectBitIdentical(SHAPES, got, want);
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

/** Sum and Mean over leading axes (and, for the fallbacks, other axes and narrow rows) on the active backend. */
function leadingSums(shape: number[], seed: number): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor(
      values(tf.util.sizeFromShape(shape), seed).map((v, i) => v + Math.sin(i) / 3),
      shape,
    );
    const out = [tf.sum(x, 0), tf.mean(x, 0, true), tf.sum(x, -1)];
    if (shape.length > 2) out.push(tf.mean(x, [1, 0]), tf.sum(x, [0, 1], true), tf.mean(x, [0, 2]));
    return out.map((t) => Float32Array.from(t.dataSync()));
  });
}

const SUM_SHAPES = [
  [7, 5],
  [3, 16],
  [9, 17],
  [12544, 64],
  [4, 3, 2, 19],
  [64, 7, 7, 128],
];

describe('Sum and Mean over leading axes on wasm', () => {
  it("equal tfjs's wasm kernels bit for bit, keepDims, axis order and fallbacks included", async () => {
    await initBackend('wasm');
    useLatentReductions(false);
    const want = SUM_SHAPES.map((s, i) => leadingSums(s, i + 1));
    useLatentReductions(true);
    const before = tf.memory().numTensors;
    const got = SUM_SHAPES.map((s, i) => leadingSums(s, i + 1));
    expect(tf.memory().numTensors).toBe(before);
    expectBitIdentical(SUM_SHAPES, got, want);
  });

  it('add rows with the module loop accumulate, which copy mirrors, tails included', async () => {
    await initBackend('wasm');
    const g = latentModuleOf(tf.backend() as unknown as WasmBackend)!;
    const backend = tf.backend() as unknown as WasmBackend;
    const at = (t: tf.Tensor) => backend.dataIdMap.get(t.dataId)!.memoryOffset;
    const src = tf.tensor1d(Float32Array.from({ length: 11 }, (_, i) => i + 0.25));
    const dst = tf.fill([11], 100);
    g.exports.accumulate(at(src), at(dst), 7);
    expect(Array.from(dst.dataSync())).toEqual([
      ...Array.from({ length: 7 }, (_, i) => 100.25 + i),
      100,
      100,
      100,
      100,
    ]);
    g.exports.copy(at(src), at(dst), 5);
    expect(Array.from(dst.dataSync()).slice(0, 6)).toEqual([0.25, 1.25, 2.25, 3.25, 4.25, 105.25]);
    tf.dispose([src, dst]);
  });

  it('keep their shapes: keepDims gives ones for the reduced axes', async () => {
    await initBackend('wasm');
    const x = tf.ones([4, 3, 32]);
    const [s, m] = [tf.sum(x, [0, 1], true), tf.mean(x, [1, 0])];
    expect(s.shape).toEqual([1, 1, 32]);
    expect(m.shape).toEqual([32]);
    expect(Array.from(s.dataSync())).toEqual(Array(32).fill(12));
    expect(Array.from(m.dataSync())).toEqual(Array(32).fill(1));
    tf.dispose([x, s, m]);
  });
});
