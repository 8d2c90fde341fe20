import { initBackend } from '@latent/backend';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { mlpGan, PAPER_MNIST_GAN } from './mlp-gan.js';
import { countParams, disposeParams, flattenParams } from './params.js';
import { encodeParams, loadParams } from './serialize.js';

describe('the paper MNIST GAN', () => {
  it("has the paper's layer sizes", async () => {
    await initBackend('wasm');
    const model = mlpGan();
    const { generator, discriminator } = model.init(0);
    const shapes = (t: typeof generator) =>
      Object.fromEntries(Object.entries(flattenParams(t)).map(([k, v]) => [k, v.shape]));
    expect(shapes(generator)).toEqual({
      'dense0.bias': [1200],
      'dense0.kernel': [100, 1200],
      'dense1.bias': [1200],
      'dense1.kernel': [1200, 1200],
      'dense2.bias': [784],
      'dense2.kernel': [1200, 784],
    });
    expect(shapes(discriminator)).toEqual({
      'dense0.bias': [1200],
      'dense0.kernel': [784, 1200],
      'dense1.bias': [1200],
      'dense1.kernel': [240, 1200],
      'dense2.bias': [1],
      'dense2.kernel': [240, 1],
    });
    expect(countParams(generator)).toBe(100 * 1200 + 1200 + 1200 * 1200 + 1200 + 1200 * 784 + 784);
    expect(PAPER_MNIST_GAN.inputKeep).toBe(0.8);
    disposeParams(generator);
    disposeParams(discriminator);
  });

  it('generates [b, 784] in (0, 1) and discriminates to [b] logits, deterministically per seed', async () => {
    await initBackend('wasm');
    const model = mlpGan({ generatorHidden: [32], discriminatorHidden: [16] });
    const a = model.init(3);
    const b = model.init(3);
    // z ~ N(0, I), as the authors' code draws it: 10,000 values have mean ~0 and variance ~1.
    const many = model.sampleNoise(100, 1);
    const zv = Array.from(many.dataSync());
    many.dispose();
    const mean = zv.reduce((a, v) => a + v, 0) / zv.length;
    const variance = zv.reduce((a, v) => a + (v - mean) ** 2, 0) / zv.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    expect(zv.some((v) => Math.abs(v) > Math.sqrt(3))).toBe(true);
    // Seed 0 is a seed like any other (tfjs alone would draw it unseeded).
    const [z0, z0again] = [model.sampleNoise(3, 0), model.sampleNoise(3, 0)];
    expect(Array.from(z0.dataSync())).toEqual(Array.from(z0again.dataSync()));
    tf.dispose([z0, z0again]);
    const z = model.sampleNoise(5, 1);
    const x = model.generate(a.generator, z, { training: false, seed: 0 });
    expect(x.shape).toEqual([5, 784]);
    const xv = x.dataSync();
    expect(Math.min(...xv)).toBeGreaterThan(0);
    expect(Math.max(...xv)).toBeLessThan(1);
    const x2 = model.generate(b.generator, z, { training: false, seed: 0 });
    expect(Array.from(x2.dataSync())).toEqual(Array.from(xv));
    const logits = model.discriminate(a.discriminator, x, { training: true, seed: 7 });
    expect(logits.shape).toEqual([5]);
    const again = model.discriminate(a.discriminator, x, { training: true, seed: 7 });
    expect(Array.from(again.dataSync())).toEqual(Array.from(logits.dataSync()));
    tf.dispose([z, x, x2, logits, again]);
    for (const t of [a, b]) {
      disposeParams(t.generator);
      disposeParams(t.discriminator);
    }
  });

  it("starts G at the data marginals when given the pixel means, as the authors' code", async () => {
    await initBackend('wasm');
    const model = mlpGan({ generatorHidden: [32], discriminatorHidden: [16] });
    const mean = Float32Array.from({ length: 784 }, (_, i) => (i % 2 === 0 ? 0 : 0.25));
    const { generator, discriminator } = model.init(0, mean);
    const z = model.sampleNoise(64, 3);
    const x = model.generate(generator, z, { training: false, seed: 0 });
    const avg = tf.mean(x, 0).dataSync();
    expect(avg[0]).toBeLessThan(1e-4); // always-black pixels start saturated off
    expect(avg[1]).toBeCloseTo(0.25, 1);
    expect(() => model.init(0, new Float32Array(10))).toThrow(
      /data mean has 10 values, the model makes 784 pixels/,
    );
    tf.dispose([z, x]);
    disposeParams(generator);
    disposeParams(discriminator);
  });

  it('save -> load gives identical outputs; weights of another shape are refused whole', async () => {
    await initBackend('wasm');
    const model = mlpGan({ generatorHidden: [32], discriminatorHidden: [16] });
    const src = model.init(1);
    const dst = model.init(2);
    const encoded = await encodeParams(src.generator);
    loadParams(dst.generator, encoded);
    const z = model.sampleNoise(4, 9);
    const ya = model.generate(src.generator, z, { training: false, seed: 0 });
    const yb = model.generate(dst.generator, z, { training: false, seed: 0 });
    expect(Array.from(yb.dataSync())).toEqual(Array.from(ya.dataSync()));

    // One network out of a file that holds both, under a prefix (as checkpoints do).
    const both = await encodeParams({ generator: src.generator, discriminator: src.discriminator });
    const third = model.init(3);
    loadParams(third.discriminator, both, 'discriminator');
    const x = model.generate(src.generator, z, { training: false, seed: 0 });
    const da = model.discriminate(src.discriminator, x, { training: false, seed: 0 });
    const db = model.discriminate(third.discriminator, x, { training: false, seed: 0 });
    expect(Array.from(db.dataSync())).toEqual(Array.from(da.dataSync()));
    tf.dispose([x, da, db]);
    disposeParams(third.generator);
    disposeParams(third.discriminator);

    const other = mlpGan({ generatorHidden: [33], discriminatorHidden: [16] }).init(1);
    const before = Array.from(flattenParams(dst.generator)['dense0.kernel']!.dataSync());
    const foreign = await encodeParams(other.generator);
    expect(() => loadParams(dst.generator, foreign)).toThrow(
      /dense0.kernel has shape \[100,33\], the model expects \[100,32\]/,
    );
    expect(Array.from(flattenParams(dst.generator)['dense0.kernel']!.dataSync())).toEqual(before);
    tf.dispose([z, ya, yb]);
    for (const t of [src, dst, other]) {
      disposeParams(t.generator);
      disposeParams(t.discriminator);
    }
  });
});
