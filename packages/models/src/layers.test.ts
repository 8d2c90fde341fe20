import { initBackend } from '@latent/backend';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { dense, dropout, initDense, matMulFast, maxout } from './layers.js';

function maxRelErr(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]! / tf.max(tf.abs(b)).dataSync()[0]!);
}

describe.each(['cpu', 'wasm'] as const)('layers on %s', (backend) => {
  it('matMulFast has the same value and gradients as the native matMul', async () => {
    await initBackend(backend);
    const a = tf.randomNormal([7, 13], 0, 1, 'float32', 1) as tf.Tensor2D;
    const b = tf.randomNormal([13, 5], 0, 1, 'float32', 2) as tf.Tensor2D;
    const dy = tf.randomNormal([7, 5], 0, 1, 'float32', 3);
    const f = (fn: (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D) =>
      tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(fn(x as tf.Tensor2D, y as tf.Tensor2D), dy)))([a, b]);
    const [fa, fb] = f(matMulFast);
    const [na, nb] = f((x, y) => tf.matMul(x, y));
    expect(maxRelErr(matMulFast(a, b), tf.matMul(a, b))).toBeLessThan(1e-6);
    expect(maxRelErr(fa!, na!)).toBeLessThan(1e-6);
    expect(maxRelErr(fb!, nb!)).toBeLessThan(1e-6);
    tf.dispose([a, b, dy, fa, fb, na, nb]);
  });

  it('maxout takes the max over each unit\'s consecutive pieces', async () => {
    await initBackend(backend);
    const p = initDense(2, 6, 0, 0);
    // Identity-like kernel: unit 0 has pieces (x0, -x0, 0), unit 1 has (x1, 2*x1, -x1).
    p.kernel.assign(tf.tensor2d([[1, -1, 0, 0, 0, 0], [0, 0, 0, 1, 2, -1]]));
    const x = tf.tensor2d([[3, -2], [-1, 4]]);
    const y = maxout(p, x, 3);
    expect(y.shape).toEqual([2, 2]);
    expect(Array.from(y.dataSync())).toEqual([3, 2, 1, 8]);
    tf.dispose([p.kernel, p.bias, x, y]);
  });

  it('dense gradients reach kernel and bias', async () => {
    await initBackend(backend);
    const p = initDense(4, 3, 0.5, 9);
    const x = tf.ones([2, 4]) as tf.Tensor2D;
    const { grads, value } = tf.variableGrads(() => tf.sum(dense(p, x)) as tf.Scalar, [p.kernel, p.bias]);
    // d/dW sum(xW+b) = x^T 1 = 2 everywhere; d/db = batch size.
    expect(Array.from(grads[p.kernel.name]!.dataSync())).toEqual(new Array(12).fill(2));
    expect(Array.from(grads[p.bias.name]!.dataSync())).toEqual([2, 2, 2]);
    tf.dispose([p.kernel, p.bias, x, value, ...Object.values(grads)]);
  });

  it('dropout keeps about keep of the units, scales them by 1/keep, and repeats with the seed', async () => {
    await initBackend(backend);
    const x = tf.ones([100, 100]);
    const a = dropout(x, 0.8, true, 5);
    const b = dropout(x, 0.8, true, 5);
    const values = a.dataSync();
    const kept = values.filter((v) => v !== 0);
    expect(kept.length / values.length).toBeGreaterThan(0.77);
    expect(kept.length / values.length).toBeLessThan(0.83);
    for (const v of kept) expect(v).toBeCloseTo(1.25, 6);
    expect(Array.from(b.dataSync())).toEqual(Array.from(values));
    expect(dropout(x, 0.8, false, 5)).toBe(x);
    tf.dispose([x, a, b]);
  });
});
