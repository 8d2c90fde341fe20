import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend } from './node.js';

// Reference gradients of y = op(a) op(b), written out with explicit transposes
// on plain arrays, independent of any tfjs gradient.
function ref(a: number[][], b: number[][], dy: number[][], ta: boolean, tb: boolean) {
  const T = (m: number[][]) => m[0]!.map((_, j) => m.map((r) => r[j]!));
  const mm = (x: number[][], y: number[][]) =>
    x.map((r) => y[0]!.map((_, j) => r.reduce((s, v, k) => s + v * y[k]![j]!, 0)));
  const A = ta ? T(a) : a;
  const B = tb ? T(b) : b;
  const dA = mm(dy, T(B));
  const dB = mm(T(A), dy);
  return { da: ta ? T(dA) : dA, db: tb ? T(dB) : dB };
}

describe.each(['cpu', 'wasm'] as const)('matMul gradient on %s', (backend) => {
  it.each([
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ])('matches the reference for transposeA=%s transposeB=%s', async (ta, tb) => {
    await initBackend(backend);
    const [m, k, n] = [3, 4, 5];
    const a = tf.randomNormal(ta ? [k, m] : [m, k], 0, 1, 'float32', 1) as tf.Tensor2D;
    const b = tf.randomNormal(tb ? [n, k] : [k, n], 0, 1, 'float32', 2) as tf.Tensor2D;
    const dy = tf.randomNormal([m, n], 0, 1, 'float32', 3) as tf.Tensor2D;
    const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
      tf.sum(tf.mul(tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D, ta, tb), dy)),
    )([a, b]);
    const want = ref(a.arraySync(), b.arraySync(), dy.arraySync(), ta, tb);
    const close = (got: number[][], exp: number[][]) =>
      got.flat().forEach((v, i) => {
        expect(v).toBeCloseTo(exp.flat()[i]!, 4);
      });
    close(ga!.arraySync() as number[][], want.da);
    close(gb!.arraySync() as number[][], want.db);
    tf.dispose([a, b, dy, ga, gb]);
  });

  it('gives a variable its gradient through a product with a constant', async () => {
    await initBackend(backend);
    const w = tf.variable(tf.ones([4, 2]));
    const x = tf.ones([3, 4]) as tf.Tensor2D;
    const { grads } = tf.variableGrads(() => tf.sum(tf.matMul(x, w)) as tf.Scalar, [w]);
    expect(Array.from(grads[w.name]!.dataSync())).toEqual(new Array(8).fill(3));
    tf.dispose([w, x, ...Object.values(grads)]);
  });
});

describe.each(['cpu', 'wasm'] as const)('second derivatives on %s', (backend) => {
  it('differentiate twice through leaky ReLU (comparison masks have zero gradient)', async () => {
    await initBackend(backend);
    // f(x) = sum(leakyRelu(x) x); f'(x) = 2x (x > 0), 0.4x (x < 0); d/dx sum f'(x) = 2 or 0.4.
    const x = tf.tensor1d([-2, -0.5, 1, 3]);
    const first = (v: tf.Tensor) =>
      tf.grad((u: tf.Tensor) => tf.sum(tf.mul(tf.leakyRelu(u, 0.2), u)))(v);
    const second = tf.grad((v: tf.Tensor) => tf.sum(first(v)))(x);
    const got = Array.from(second.dataSync());
    [0.4, 0.4, 2, 2].forEach((want, i) => {
      expect(got[i]).toBeCloseTo(want, 5);
    });
    tf.dispose([x, second]);
  });
});
