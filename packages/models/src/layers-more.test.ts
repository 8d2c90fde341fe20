import { initBackend } from '@latent/backend';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { fans, initTensor } from './init.js';
import {
  activate,
  batchNorm,
  conv2d,
  conv2dTranspose,
  embedding,
  initBatchNorm,
  initConv2d,
  initConv2dTranspose,
  initEmbedding,
  initLayerNorm,
  initSpectralNorm,
  layerNorm,
  spectralNormalize,
} from './layers.js';
import { disposeParams } from './params.js';
import { summary, summaryRows } from './summary.js';

function maxRelErr(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(
    () => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]! / tf.max(tf.abs(b)).dataSync()[0]!,
  );
}

describe.each(['cpu', 'wasm'] as const)('layers on %s', (backend) => {
  it("batch norm's closed-form gradient matches automatic differentiation", async () => {
    await initBackend(backend);
    const p = initBatchNorm(5, 1, { std: 0.3 });
    const x = tf.randomNormal([2, 3, 4, 5], 2, 3, 'float32', 2);
    const dy = tf.randomNormal([2, 3, 4, 5], 0, 1, 'float32', 3);
    const f = (fn: () => tf.Tensor) => () => tf.sum(tf.mul(fn(), dy)) as tf.Scalar;
    const reference = () => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      return tf.add(
        tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), p.gamma),
        p.beta,
      );
    };
    const [gx1, gg1, gb1] = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      tf.sum(
        tf.mul(
          batchNorm({ ...p, gamma: g as tf.Variable, beta: b as tf.Variable }, a, {
            training: true,
          }),
          dy,
        ),
      ),
    )([x, p.gamma, p.beta]);
    const [gx2, gg2, gb2] = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { mean, variance } = tf.moments(a, [0, 1, 2]);
      return tf.sum(
        tf.mul(tf.add(tf.mul(tf.div(tf.sub(a, mean), tf.sqrt(tf.add(variance, 1e-5))), g), b), dy),
      );
    })([x, p.gamma, p.beta]);
    expect(maxRelErr(gx1!, gx2!)).toBeLessThan(1e-4);
    expect(maxRelErr(gg1!, gg2!)).toBeLessThan(1e-5);
    expect(maxRelErr(gb1!, gb2!)).toBeLessThan(1e-6);
    const y = tf.tidy(f(() => batchNorm(p, x, { training: true })));
    const want = tf.tidy(f(reference));
    expect(maxRelErr(y, want)).toBeLessThan(1e-5);
    tf.dispose([x, dy, gx1, gg1, gb1, gx2, gg2, gb2, y, want]);
    disposeParams(p);
  });

  it('batch norm keeps running statistics and uses them in inference', async () => {
    await initBackend(backend);
    const p = initBatchNorm(2);
    const x = tf.tensor2d([
      [1, 10],
      [3, 20],
      [5, 30],
    ]);
    tf.tidy(() => batchNorm(p, x, { training: true, momentum: 0.5 }));
    // mean (3, 20), unbiased variance (4, 100); running starts at (0, 1).
    expect(Array.from(p.mean.dataSync())).toEqual([1.5, 10]);
    expect(Array.from(p.variance.dataSync())).toEqual([2.5, 50.5]);
    expect(p.mean.trainable).toBe(false);
    expect(p.variance.trainable).toBe(false);
    const y = batchNorm(p, x, { training: false, epsilon: 0 });
    const want = [1, 10, 3, 20, 5, 30].map((v, i) =>
      i % 2 === 0 ? (v - 1.5) / Math.sqrt(2.5) : (v - 10) / Math.sqrt(50.5),
    );
    Array.from(y.dataSync()).forEach((v, i) => {
      expect(v).toBeCloseTo(want[i]!, 5);
    });
    tf.dispose([x, y]);
    disposeParams(p);
  });

  it('spectral normalization divides by the largest singular value', async () => {
    await initBackend(backend);
    const sn = initSpectralNorm(3, 4);
    const w = tf.tensor2d([
      [3, 0, 0],
      [0, 1, 0],
      [0, 0, 0.5],
      [0, 0, 0],
    ]);
    for (let i = 0; i < 20; i++) tf.tidy(() => spectralNormalize(w, sn, true));
    const frozen = sn.u.dataSync().slice();
    const y = spectralNormalize(w, sn, false);
    expect(Array.from(sn.u.dataSync())).toEqual(Array.from(frozen)); // inference leaves u
    const v = y.dataSync();
    expect(v[0]).toBeCloseTo(1, 4);
    expect(v[4]).toBeCloseTo(1 / 3, 4);
    expect(sn.u.trainable).toBe(false);
    // The gradient treats u as a constant: d/dW sum(W / ||W u||) is finite and reaches W.
    const g = tf.grad((k: tf.Tensor) => tf.sum(spectralNormalize(k, sn, false)))(w);
    expect(Number.isFinite(g.dataSync()[0]!)).toBe(true);
    tf.dispose([w, y, g]);
    disposeParams(sn);
  });

  it('layer norm normalizes each example over all its features', async () => {
    await initBackend(backend);
    const p = initLayerNorm(3);
    const x = tf.randomNormal([2, 4, 4, 3], 5, 2, 'float32', 1);
    const y = layerNorm(p, x);
    const { mean, variance } = tf.moments(tf.reshape(y, [2, -1]), 1);
    for (const m of mean.dataSync()) expect(Math.abs(m)).toBeLessThan(1e-5);
    for (const v of variance.dataSync()) expect(v).toBeCloseTo(1, 3);
    tf.dispose([x, y, mean, variance]);
    disposeParams(p);
  });

  it('embedding picks rows and trains only the rows used', async () => {
    await initBackend(backend);
    const p = initEmbedding(4, 2, { kind: 'normal', std: 1 }, 3);
    const labels = tf.tensor1d([2, 0, 2], 'int32');
    const y = embedding(p, labels);
    const table = p.table.arraySync() as number[][];
    expect(y.arraySync()).toEqual([table[2], table[0], table[2]]);
    const { grads } = tf.variableGrads(() => tf.sum(embedding(p, labels)) as tf.Scalar, [p.table]);
    expect(grads[p.table.name]!.arraySync()).toEqual([
      [1, 1],
      [0, 0],
      [2, 2],
      [0, 0],
    ]);
    tf.dispose([labels, y, ...Object.values(grads)]);
    disposeParams(p);
  });

  it('conv and transposed conv give the documented shapes and invert each other in shape', async () => {
    await initBackend(backend);
    const init = { kind: 'he' } as const;
    const c = initConv2d({ kernelSize: 4, inChannels: 3, outChannels: 8, init }, 1);
    const t = initConv2dTranspose({ kernelSize: 4, inChannels: 8, outChannels: 3, init }, 2);
    const x = tf.randomNormal([2, 14, 14, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const y = conv2d(c, x, 2, 'same');
    expect(y.shape).toEqual([2, 7, 7, 8]);
    expect(conv2d(c, x, 1, 'valid').shape).toEqual([2, 11, 11, 8]);
    expect(conv2dTranspose(t, y, 2, 'same').shape).toEqual([2, 14, 14, 3]);
    expect(conv2dTranspose(t, y, 2, 'valid').shape).toEqual([2, 16, 16, 3]);
    expect(t.kernel.shape).toEqual([4, 4, 3, 8]);
    tf.dispose([x, y]);
    disposeParams(c);
    disposeParams(t);
  });
});

describe('initializers and summary', () => {
  it('draw with the documented spreads', async () => {
    await initBackend('wasm');
    tf.engine().startScope();
    expect(fans([4, 4, 8, 16])).toEqual({ fanIn: 128, fanOut: 256 });
    const std = (t: tf.Tensor) => Math.sqrt(tf.moments(t).variance.dataSync()[0]!);
    expect(std(initTensor({ kind: 'normal', std: 0.02 }, [200, 200], 1))).toBeCloseTo(0.02, 3);
    expect(std(initTensor({ kind: 'he' }, [4, 4, 8, 400], 1))).toBeCloseTo(Math.sqrt(2 / 128), 2);
    const g = initTensor({ kind: 'glorot' }, [100, 300], 1).dataSync();
    const a = Math.sqrt(6 / 400);
    expect(Math.max(...g)).toBeLessThanOrEqual(a);
    expect(Math.max(...g)).toBeGreaterThan(0.95 * a);
    const l = activate(tf.tensor1d([-1, 2]), { leakyRelu: 0.2 }).dataSync();
    expect(l[0]).toBeCloseTo(-0.2, 6);
    expect(l[1]).toBe(2);
    tf.engine().endScope();
  });

  it('lists each layer with its parameter shapes and counts', async () => {
    await initBackend('wasm');
    const tree = {
      conv0: initConv2d({ kernelSize: 3, inChannels: 1, outChannels: 4, init: { kind: 'he' } }, 1),
      bn0: initBatchNorm(4),
    };
    const rows = summaryRows(tree);
    expect(rows.map((r) => [r.layer, r.count])).toEqual([
      ['conv0', 40],
      ['bn0', 16],
    ]);
    const text = summary(tree, 'test net');
    expect(text).toContain('test net');
    expect(text).toContain('kernel [3,3,1,4]');
    expect(text).toContain('mean* [4]');
    expect(text).toContain('total 56 parameters: 48 trained, 8 not');
    disposeParams(tree);
  });
});
