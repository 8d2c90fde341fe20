import { initBackend } from '@latent/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ganValue, generatorLoss, logOneMinusSigmoid, logSigmoid } from './losses.js';

const sigmoid = (l: number) => 1 / (1 + Math.exp(-l));

beforeAll(async () => {
  await initBackend('wasm');
});

describe('GAN losses from logits', () => {
  it('V(D,G) = mean log D(x) + mean log(1 - D(G(z))), by hand', () => {
    const real = [2, -1, 0.5];
    const fake = [-3, 1, 0];
    const want =
      real.reduce((s, l) => s + Math.log(sigmoid(l)), 0) / 3 +
      fake.reduce((s, l) => s + Math.log(1 - sigmoid(l)), 0) / 3;
    const v = ganValue(tf.tensor1d(real), tf.tensor1d(fake));
    expect(v.dataSync()[0]).toBeCloseTo(want, 5);
  });

  it('is -2 log 2 at the equilibrium D = 1/2 (Theorem 1)', () => {
    const v = ganValue(tf.zeros([4]), tf.zeros([4]));
    expect(v.dataSync()[0]).toBeCloseTo(-2 * Math.LN2, 6);
  });

  it('stays finite where D saturates (logit +-100, where log(sigmoid) in float32 is -Infinity)', () => {
    const [a, b] = logSigmoid(tf.tensor1d([-100, 100])).dataSync();
    const [c, d] = logOneMinusSigmoid(tf.tensor1d([100, -100])).dataSync();
    expect([a, c]).toEqual([-100, -100]);
    expect(b).toBeCloseTo(0, 30);
    expect(d).toBeCloseTo(0, 30);
    expect(Number.isFinite(ganValue(tf.tensor1d([-100]), tf.tensor1d([100])).dataSync()[0])).toBe(
      true,
    );
  });

  it('generator losses: minimax mean log(1 - D), non-saturating -mean log D', () => {
    const fake = [-2, 0.3];
    const mm = fake.reduce((s, l) => s + Math.log(1 - sigmoid(l)), 0) / 2;
    const ns = -fake.reduce((s, l) => s + Math.log(sigmoid(l)), 0) / 2;
    expect(generatorLoss(tf.tensor1d(fake), 'minimax').dataSync()[0]).toBeCloseTo(mm, 5);
    expect(generatorLoss(tf.tensor1d(fake), 'non-saturating').dataSync()[0]).toBeCloseTo(ns, 5);
  });

  it('the non-saturating loss has the stronger gradient where D rejects samples (logit -5)', () => {
    const g = (kind: 'minimax' | 'non-saturating') =>
      tf
        .grad((l: tf.Tensor) => generatorLoss(l, kind))(tf.tensor1d([-5]))
        .dataSync()[0]!;
    // d/dl log(1 - s(l)) = -s(l) ~ -0.0067; d/dl -log s(l) = s(l) - 1 ~ -0.9933
    expect(g('minimax')).toBeCloseTo(-sigmoid(-5), 5);
    expect(g('non-saturating')).toBeCloseTo(sigmoid(-5) - 1, 5);
  });
});
