import { gaussianMixture, type ToyDistribution, toyDistribution } from '@latent/datasets';
import { describe, expect, it } from 'vitest';
import { gridDivergence, modeCoverage } from './toy.js';

/** Uniform on [0, 1]: a density whose cell masses are known exactly. */
const uniform01: ToyDistribution = {
  name: 'uniform',
  dim: 1,
  sample: () => {
    throw new Error('not needed');
  },
  logDensity: (p) => Float64Array.from(p, (x) => (x >= 0 && x < 1 ? 0 : Number.NEGATIVE_INFINITY)),
};

describe('grid divergences', () => {
  it('match hand-computed KL and JS on two cells', () => {
    const grid = { bins: 2, bounds: [0, 2] as const, epsilon: 1e-12 };
    // P = (1, 0). Q = (0.5, 0.5): KL = log 2, JS = 1/2 log(1/0.75) + 1/2 (1/2 log(0.5/0.75) + 1/2 log(0.5/0.25)).
    const half = gridDivergence(uniform01, [0.5, 0.5, 1.5, 1.5], grid);
    expect(half.kl).toBeCloseTo(Math.log(2), 9);
    const js = 0.5 * Math.log(1 / 0.75) + 0.5 * (0.5 * Math.log(0.5 / 0.75) + 0.5 * Math.log(2));
    expect(half.js).toBeCloseTo(js, 9);
    // Q = (0, 1): disjoint supports, JS = log 2.
    expect(gridDivergence(uniform01, [1.5, 1.2], grid).js).toBeCloseTo(Math.log(2), 9);
    // Q = P: both 0.
    const same = gridDivergence(uniform01, [0.1, 0.9], grid);
    expect(same.kl).toBeCloseTo(0, 9);
    expect(same.js).toBeCloseTo(0, 9);
    // A sample outside the bounds is missing mass of Q.
    expect(gridDivergence(uniform01, [0.5, 9], grid)).toMatchObject({ outside: 0.5 });
  });

  it('are small for samples of the distribution itself and large for a collapsed generator', () => {
    const ring = toyDistribution('ring');
    const own = gridDivergence(ring, ring.sample(100_000, 1).points, { bins: 30 });
    expect(own.js).toBeLessThan(0.01);
    expect(own.kl).toBeLessThan(0.05);
    // All samples at one of the 8 modes: P = 1/8 per mode, Q = 1 at one, so
    // JS = 1/2 (7/8 log 2 + 1/8 log(2/9)) + 1/2 log(16/9), and a large KL.
    const collapsed = gaussianMixture('one', [{ mean: [0.8, 0], std: 0.05 }]).sample(
      10_000,
      2,
    ).points;
    const bad = gridDivergence(ring, collapsed, { bins: 30 });
    const js = 0.5 * ((7 / 8) * Math.log(2) + (1 / 8) * Math.log(2 / 9)) + 0.5 * Math.log(16 / 9);
    expect(bad.js).toBeCloseTo(js, 2);
    expect(bad.kl).toBeGreaterThan(5);
    expect(bad.js).toBeLessThanOrEqual(Math.log(2));
  });
});

describe('mode coverage', () => {
  it('counts every ring mode, and the share within 3 sigma is P(chi2_2 <= 9) = 1 - exp(-4.5)', () => {
    const ring = toyDistribution('ring');
    const r = modeCoverage(ring.components!, ring.sample(50_000, 3).points);
    expect(r).toMatchObject({ modes: 8, captured: 8, radius: 3 });
    expect(r.highQuality).toBeCloseTo(1 - Math.exp(-4.5), 2);
    expect(r.counts.reduce((a, b) => a + b)).toBe(Math.round(r.highQuality * 50_000));
  });

  it('counts only the modes a generator reaches, with the 10%-of-expected-share threshold', () => {
    const mix = gaussianMixture('three', [
      { mean: [0, 0], std: 0.1 },
      { mean: [1, 0], std: 0.1 },
      { mean: [0, 1], std: 0.1 },
      { mean: [1, 1], std: 0.1 },
    ]);
    // 100 samples: 60 at mode 0, 38 at mode 1, 2 at mode 2 (< 10% of its expected 25), none at mode 3.
    const pts = [
      ...Array.from({ length: 60 }, () => [0.05, 0]),
      ...Array.from({ length: 38 }, () => [1, 0.1]),
      ...Array.from({ length: 2 }, () => [0, 1]),
    ].flat();
    const r = modeCoverage(mix.components!, pts);
    expect(r.counts).toEqual([60, 38, 2, 0]);
    expect(r.captured).toBe(2);
    expect(r.highQuality).toBe(1);
    expect(modeCoverage(mix.components!, pts, { minShare: 0.08 }).captured).toBe(3);
    // Between modes: nothing within 3 sigma.
    expect(modeCoverage(mix.components!, [0.5, 0.5]).highQuality).toBe(0);
  });
});
