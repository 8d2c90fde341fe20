import { initBackend } from '@latent/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bernoulliLogLikelihood,
  decoderLogLikelihood,
  gaussianLogLikelihood,
} from './likelihood.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const sigmoid = (l: number) => 1 / (1 + Math.exp(-l));
const normal = (x: number, m: number, logVar: number) =>
  -0.5 * (Math.log(2 * Math.PI) + logVar + (x - m) ** 2 / Math.exp(logVar));

describe('VAE densities', () => {
  it('Bernoulli: x log p + (1 - x) log(1 - p) summed, per row or per draw with x broadcast', () => {
    const l = [0.5, -2, 3];
    const x = [1, 0, 0.25];
    const want = x.reduce(
      (a, xi, i) => a + xi * Math.log(sigmoid(l[i]!)) + (1 - xi) * Math.log(1 - sigmoid(l[i]!)),
      0,
    );
    expect(bernoulliLogLikelihood(tf.tensor2d([l]), tf.tensor2d([x])).dataSync()[0]).toBeCloseTo(
      want,
      4,
    );
    // [s = 2, b = 1, 3] logits against one image: the matMul path; the second draw is another l.
    const l2 = [1, 1, -1];
    const want2 = x.reduce(
      (a, xi, i) => a + xi * Math.log(sigmoid(l2[i]!)) + (1 - xi) * Math.log(1 - sigmoid(l2[i]!)),
      0,
    );
    const draws = bernoulliLogLikelihood(tf.tensor3d([[l], [l2]]), tf.tensor2d([x]), 2);
    expect(draws.shape).toEqual([2, 1]);
    const [a, b] = Array.from(draws.dataSync());
    expect(a).toBeCloseTo(want, 4);
    expect(b).toBeCloseTo(want2, 4);
  });

  it('Gaussian: the diagonal normal density; a Gaussian decoder splits mean and log-variance', () => {
    const want = normal(0.2, 0.5, -1) + normal(0.9, 0.1, 0.5);
    const direct = gaussianLogLikelihood(
      tf.tensor2d([[0.5, 0.1]]),
      tf.tensor2d([[-1, 0.5]]),
      tf.tensor2d([[0.2, 0.9]]),
    );
    expect(direct.dataSync()[0]).toBeCloseTo(want, 4);
    const decoded = tf.tensor2d([[0.5, 0.1, -1, 0.5]]);
    const viaModel = decoderLogLikelihood(
      { likelihood: 'gaussian' },
      decoded,
      tf.tensor2d([[0.2, 0.9]]),
    );
    expect(viaModel.dataSync()[0]).toBeCloseTo(want, 4);
    expect(() =>
      decoderLogLikelihood({ likelihood: 'bernoulli' }, tf.zeros([2, 3]), tf.zeros([2, 2, 3]), 1),
    ).toThrow(/does not match/);
  });
});
