import { initBackend } from '@latent/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bernoulliLogLikelihood,
  elbo,
  gaussianKl,
  gaussianLogLikelihood,
  iwaeBound,
  klWeight,
  latentLogDensities,
} from './vae-losses.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const sigmoid = (l: number) => 1 / (1 + Math.exp(-l));

describe('VAE objective, by hand', () => {
  it('KL of N(mu, s^2) to N(0, 1) is (mu^2 + s^2 - 1 - log s^2) / 2 per dimension, summed', () => {
    const kl = gaussianKl(
      tf.tensor2d([
        [0, 1],
        [2, 0],
      ]),
      tf.tensor2d([
        [0, Math.log(4)],
        [0, 0],
      ]),
    ).dataSync();
    expect(kl[0]).toBeCloseTo(0 + (1 + 4 - 1 - Math.log(4)) / 2, 5);
    expect(kl[1]).toBeCloseTo(4 / 2, 5);
  });

  it('Bernoulli log-likelihood sums x log p + (1 - x) log(1 - p) over pixels', () => {
    const l = [[0.5, -2, 3]];
    const x = [[1, 0, 1]];
    const want = Math.log(sigmoid(0.5)) + Math.log(1 - sigmoid(-2)) + Math.log(sigmoid(3));
    expect(bernoulliLogLikelihood(tf.tensor2d(l), tf.tensor2d(x)).dataSync()[0]).toBeCloseTo(
      want,
      5,
    );
  });

  it('Gaussian log-likelihood matches the density formula', () => {
    const want = -0.5 * (Math.log(2 * Math.PI) + Math.log(0.25) + (1.5 - 1) ** 2 / 0.25);
    const got = gaussianLogLikelihood(
      tf.tensor2d([[1]]),
      tf.tensor2d([[Math.log(0.25)]]),
      tf.tensor2d([[1.5]]),
    );
    expect(got.dataSync()[0]).toBeCloseTo(want, 5);
  });

  it('ELBO = log p(x|z) - beta KL; warm-up raises beta linearly', () => {
    expect(Array.from(elbo(tf.tensor1d([-10, -4]), tf.tensor1d([2, 1]), 0.5).dataSync())).toEqual([
      -11, -4.5,
    ]);
    expect([klWeight(0, 100), klWeight(50, 100), klWeight(500, 100), klWeight(3, 0)]).toEqual([
      0, 0.5, 1, 1,
    ]);
  });

  it('the IWAE bound is log-mean-exp of the weights: equal weights give that weight, and it tightens with k', () => {
    expect(iwaeBound(tf.tensor2d([[-3], [-3], [-3]])).dataSync()[0]).toBeCloseTo(-3, 5);
    // For a fixed set of log-weights, the bound over all k is >= the mean of single-sample bounds (Jensen).
    const w = [[-5], [-1], [-2], [-8]];
    const k4 = iwaeBound(tf.tensor2d(w)).dataSync()[0]!;
    const k1 = w.reduce((s, [v]) => s + (v as number), 0) / 4;
    expect(k4).toBeGreaterThan(k1);
    expect(k4).toBeCloseTo(Math.log(w.reduce((s, [v]) => s + Math.exp(v as number), 0) / 4), 5);
  });

  it('latent densities: the prior is N(0, I)', () => {
    const { prior, posterior } = latentLogDensities(
      tf.tensor2d([[0, 0]]),
      tf.tensor2d([[0, 0]]),
      tf.tensor2d([[0, 0]]),
    );
    expect(prior.dataSync()[0]).toBeCloseTo(-Math.log(2 * Math.PI), 5);
    expect(posterior.dataSync()[0]).toBeCloseTo(-Math.log(2 * Math.PI), 5);
  });
});
