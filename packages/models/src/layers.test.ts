import { initBackend } from '@latent/backend';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { activate, dense, dropout, type FusedActivation, initDense, maxout } from './layers.js';

function maxRelErr(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(
    () => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]! / tf.max(tf.abs(b)).dataSync()[0]!,
  );
}

describe.each(['cpu', 'wasm'] as const)('layers on %s', (backend) => {
  it("maxout gradients match tfjs's generic max gradient", async () => {
    await initBackend(backend);
    const p = initDense(6, 12, 1, 4);
    const x = tf.randomNormal([5, 6], 0, 1, 'float32', 5) as tf.Tensor2D;
    const dy = tf.randomNormal([5, 4], 0, 1, 'float32', 6);
    const loss = (f: () => tf.Tensor) => () => tf.sum(tf.mul(f(), dy)) as tf.Scalar;
    const ours = tf.variableGrads(
      loss(() => maxout(p, x, 3)),
      [p.kernel, p.bias],
    );
    const generic = tf.variableGrads(
      loss(() => tf.max(tf.reshape(tf.add(tf.matMul(x, p.kernel), p.bias), [5, 4, 3]), 2)),
      [p.kernel, p.bias],
    );
    expect(maxRelErr(ours.value, generic.value)).toBeLessThan(1e-6);
    for (const v of [p.kernel, p.bias])
      expect(maxRelErr(ours.grads[v.name]!, generic.grads[v.name]!)).toBeLessThan(1e-6);
    tf.dispose([
      p.kernel,
      p.bias,
      x,
      dy,
      ours.value,
      generic.value,
      ...Object.values(ours.grads),
      ...Object.values(generic.grads),
    ]);
  });

  it("maxout takes the max over each unit's consecutive pieces", async () => {
    await initBackend(backend);
    const p = initDense(2, 6, 0, 0);
    // Identity-like kernel: unit 0 has pieces (x0, -x0, 0), unit 1 has (x1, 2*x1, -x1).
    p.kernel.assign(
      tf.tensor2d([
        [1, -1, 0, 0, 0, 0],
        [0, 0, 0, 1, 2, -1],
      ]),
    );
    const x = tf.tensor2d([
      [3, -2],
      [-1, 4],
    ]);
    const y = maxout(p, x, 3);
    expect(y.shape).toEqual([2, 2]);
    expect(Array.from(y.dataSync())).toEqual([3, 2, 1, 8]);
    tf.dispose([p.kernel, p.bias, x, y]);
  });

  it('dense gradients reach kernel and bias', async () => {
    await initBackend(backend);
    const p = initDense(4, 3, 0.5, 9);
    const x = tf.ones([2, 4]) as tf.Tensor2D;
    const { grads, value } = tf.variableGrads(
      () => tf.sum(dense(p, x)) as tf.Scalar,
      [p.kernel, p.bias],
    );
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

  it.each<FusedActivation>(['linear', 'relu', 'sigmoid', { leakyRelu: 0.2 }])(
    "fused dense (%j) has the cpu backend's gradient of matMul, add and the activation",
    async (a) => {
      // The reference is always tfjs's own cpu gradient of the unfused expression.
      await initBackend('cpu');
      const p = initDense(7, 5, 1, 3);
      const x = tf.variable(tf.randomNormal([6, 7], 0, 1, 'float32', 4));
      const dy = tf.randomNormal([6, 5], 0, 1, 'float32', 5);
      const vars = [x, p.kernel, p.bias];
      const loss = (f: () => tf.Tensor) => () => tf.sum(tf.mul(f(), dy)) as tf.Scalar;
      const reference = tf.variableGrads(
        loss(() =>
          activate(tf.add(tf.matMul(x as tf.Tensor2D, p.kernel as tf.Tensor2D), p.bias), a),
        ),
        vars,
      );
      const want = vars.map((v) => reference.grads[v.name]!.arraySync());
      const wantValue = reference.value.arraySync();
      await initBackend(backend);
      const fused = tf.variableGrads(
        loss(() => dense(p, x as tf.Tensor2D, a)),
        vars,
      );
      expect(maxRelErr(fused.value, tf.scalar(wantValue))).toBeLessThan(1e-5);
      for (const [i, v] of vars.entries())
        expect(maxRelErr(fused.grads[v.name]!, tf.tensor(want[i]!))).toBeLessThan(1e-5);
      tf.dispose([...vars, dy, fused.value, ...Object.values(fused.grads)]);
    },
  );

  it('dropout of a shard of rows uses those rows of the whole batch mask', async () => {
    await initBackend(backend);
    const x = tf.ones([10, 7]);
    const whole = dropout(x, 0.5, true, 11).arraySync() as number[][];
    const top = tf.ones([4, 7]);
    const bottom = tf.ones([6, 7]);
    const a = dropout(top, 0.5, true, 11, { offset: 0, total: 10 });
    const b = dropout(bottom, 0.5, true, 11, { offset: 4, total: 10 });
    expect([...(a.arraySync() as number[][]), ...(b.arraySync() as number[][])]).toEqual(whole);
    tf.dispose([x, top, bottom, a, b]);
  });
});

describe('initialization', () => {
  it('draws the same normal weights for seed 0 in every call (tfjs takes 0 for no seed)', async () => {
    await initBackend('cpu');
    const a = initDense(5, 4, { kind: 'normal', std: 1 }, 0);
    const b = initDense(5, 4, { kind: 'normal', std: 1 }, 0);
    expect(Array.from(a.kernel.dataSync())).toEqual(Array.from(b.kernel.dataSync()));
    tf.dispose([a.kernel, a.bias, b.kernel, b.bias]);
  });
});
