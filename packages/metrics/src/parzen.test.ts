import { initBackend } from '@latent/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { PAPER_SIGMAS, ParzenWindow, type Points, parzenLogLikelihood } from './parzen.js';

beforeAll(async () => {
  await initBackend('wasm');
});

function normalPoints(count: number, dim: number, seed: number): Points {
  const data = tf.tidy(
    () => tf.randomNormal([count, dim], 0, 1, 'float32', seed).dataSync() as Float32Array,
  );
  return { data, count, dim };
}

/** The kernel density by definition, in float64. */
function bruteForce(centres: Points, x: Points, sigma: number): number[] {
  const { dim: d } = x;
  return Array.from({ length: x.count }, (_, i) => {
    const terms = Array.from({ length: centres.count }, (_, j) => {
      let q = 0;
      for (let k = 0; k < d; k++) q += (x.data[i * d + k]! - centres.data[j * d + k]!) ** 2;
      return -q / (2 * sigma * sigma);
    });
    const max = Math.max(...terms);
    const lse = max + Math.log(terms.reduce((s, t) => s + Math.exp(t - max), 0));
    return lse - Math.log(centres.count) - (d / 2) * Math.log(2 * Math.PI * sigma * sigma);
  });
}

describe('Parzen window', () => {
  it('the paper sigmas are numpy.logspace(-1, 0, 10)', () => {
    expect(PAPER_SIGMAS).toHaveLength(10);
    expect(PAPER_SIGMAS[0]).toBeCloseTo(0.1, 15);
    expect(PAPER_SIGMAS[9]).toBeCloseTo(1, 15);
    expect(PAPER_SIGMAS[1]).toBeCloseTo(0.12915496650148839, 14);
  });

  it('matches the kernel-density formula for several sigmas from one distance matrix, far points included', async () => {
    const centres = normalPoints(300, 5, 1);
    const x = normalPoints(40, 5, 2);
    x.data[0] = 40; // far from every centre: log-sum-exp must keep it finite
    const sigmas = [0.1, 0.5, 2];
    const win = new ParzenWindow(centres);
    const got = await win.logDensities(x, sigmas, { batchSize: 16 });
    win.dispose();
    sigmas.forEach((s, k) => {
      const want = bruteForce(centres, x, s);
      for (let i = 0; i < x.count; i++) {
        // float32 distances: ~1e-5 relative of ||x||^2, divided by 2 sigma^2.
        expect(Math.abs(got[k * x.count + i]! - want[i]!)).toBeLessThan(
          1e-3 * Math.max(1, Math.abs(want[i]!)),
        );
      }
    });
  });

  it('on N(0, I) samples approaches the smoothed density N(0, (1 + sigma^2) I) and picks a sigma by validation', async () => {
    const d = 2;
    const samples = normalPoints(2000, d, 3);
    const validation = normalPoints(500, d, 4);
    const test = normalPoints(1000, d, 5);
    const before = tf.memory().numTensors;
    const r = await parzenLogLikelihood(samples, validation, test);
    expect(tf.memory().numTensors).toBe(before);
    // Expected log N(x; 0, s2 I) under x ~ N(0, I): -d/2 log(2 pi s2) - d / (2 s2).
    const s2 = 1 + r.sigma ** 2;
    const analytic = -(d / 2) * Math.log(2 * Math.PI * s2) - d / (2 * s2);
    expect(Math.abs(r.mean - analytic)).toBeLessThan(3 * r.stdErr + 0.02);
    // The true log-likelihood of N(0, I) data is -log(2 pi) - 1 = -2.838; a good sigma is close to it.
    expect(r.mean).toBeGreaterThan(-2.838 - 0.1);
    expect(r.validation).toHaveLength(10);
    const best = Math.max(...r.validation.map((v) => v.mean));
    expect(r.validation.find((v) => v.sigma === r.sigma)?.mean).toBe(best);
    // Standard error = std / sqrt(n): the log-density of N(0, I) data has std ~1 in 2-D.
    expect(r.stdErr).toBeGreaterThan(0.5 / Math.sqrt(1000));
    expect(r.stdErr).toBeLessThan(2 / Math.sqrt(1000));
  });

  it('refuses points of another dimension', async () => {
    const win = new ParzenWindow(normalPoints(10, 3, 1));
    await expect(win.logDensities(normalPoints(2, 2, 1), [1])).rejects.toThrow(
      /2 dimensions, centres 3/,
    );
    win.dispose();
  });
});
