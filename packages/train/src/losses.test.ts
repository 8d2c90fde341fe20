import { initBackend } from '@latent/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  discriminatorLoss,
  ganValue,
  generatorLoss,
  generatorObjective,
  gradientPenalty,
  logOneMinusSigmoid,
  logSigmoid,
  r1Penalty,
} from './losses.js';

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

describe('the other GAN objectives, by hand', () => {
  const real = [2, -0.5, 1];
  const fake = [-1, 0.5, 3];
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  const d = (kind: Parameters<typeof discriminatorLoss>[0], s = 0) =>
    discriminatorLoss(kind, tf.tensor1d(real), tf.tensor1d(fake), s).dataSync()[0]!;
  const g = (kind: Parameters<typeof generatorObjective>[0]) =>
    generatorObjective(kind, tf.tensor1d(fake)).dataSync()[0]!;

  it('gan: D minimizes -V/2; one-sided smoothing s gives data the target 1 - s', () => {
    const v = ganValue(tf.tensor1d(real), tf.tensor1d(fake)).dataSync()[0]!;
    expect(d('gan')).toBeCloseTo(-v / 2, 5);
    const bce = (l: number, y: number) =>
      -(y * Math.log(sigmoid(l)) + (1 - y) * Math.log(1 - sigmoid(l)));
    const want = 0.5 * (mean(real.map((l) => bce(l, 0.9))) + mean(fake.map((l) => bce(l, 0))));
    expect(d('gan', 0.1)).toBeCloseTo(want, 5);
  });

  it('lsgan: D 1/2 E(D(x)-1)^2 + 1/2 E D(G(z))^2; G 1/2 E(D(G(z))-1)^2', () => {
    expect(d('lsgan')).toBeCloseTo(
      0.5 * mean(real.map((v) => (v - 1) ** 2)) + 0.5 * mean(fake.map((v) => v * v)),
      5,
    );
    expect(g('lsgan')).toBeCloseTo(0.5 * mean(fake.map((v) => (v - 1) ** 2)), 5);
  });

  it('wgan-gp: critic E D(G(z)) - E D(x); G -E D(G(z))', () => {
    expect(d('wgan-gp')).toBeCloseTo(mean(fake) - mean(real), 5);
    expect(g('wgan-gp')).toBeCloseTo(-mean(fake), 5);
  });

  it('hinge: D E relu(1 - D(x)) + E relu(1 + D(G(z))); G -E D(G(z))', () => {
    const relu = (v: number) => Math.max(0, v);
    expect(d('hinge')).toBeCloseTo(
      mean(real.map((v) => relu(1 - v))) + mean(fake.map((v) => relu(1 + v))),
      5,
    );
    expect(g('hinge')).toBeCloseTo(-mean(fake), 5);
  });

  it('the penalties of a linear critic D(x) = w.x, whose input gradient is w everywhere', () => {
    const w = tf.tensor1d([3, 4]); // ||w|| = 5
    const critic = (x: tf.Tensor) => tf.sum(tf.mul(x, w), 1);
    const x = tf.tensor2d([
      [1, 2],
      [0, -1],
      [5, 5],
    ]);
    const y = tf.tensor2d([
      [0, 0],
      [1, 1],
      [2, -3],
    ]);
    expect(gradientPenalty(critic, x, y, 1).dataSync()[0]).toBeCloseTo((5 - 1) ** 2, 4);
    expect(r1Penalty(critic, x).dataSync()[0]).toBeCloseTo(25 / 2, 4);
  });
});
