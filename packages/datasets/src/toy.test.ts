import { describe, expect, it } from 'vitest';
import { gaussianMixture, gaussianMixture1d, TOY_2D, toyDistribution } from './toy.js';

/** Riemann sum of exp(logDensity) over a square grid: Gaussians of σ >= h integrate to ~1e-8. */
function mass2d(
  logDensity: (p: ArrayLike<number>) => Float64Array,
  lo: number,
  hi: number,
  h: number,
) {
  const n = Math.round((hi - lo) / h);
  const grid = new Float64Array(2 * n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      grid[2 * (i * n + j)] = lo + (i + 0.5) * h;
      grid[2 * (i * n + j) + 1] = lo + (j + 0.5) * h;
    }
  const logp = logDensity(grid);
  return { grid, p: Float64Array.from(logp, Math.exp), n };
}

describe('toy distributions', () => {
  it.each(TOY_2D)('%s: seeded samples, a density that integrates to 1 and matches them', (name) => {
    const dist = toyDistribution(name);
    expect(dist.dim).toBe(2);
    const a = dist.sample(20_000, 7);
    expect(a.points).toHaveLength(40_000);
    expect(a.labels).toHaveLength(20_000);
    expect(dist.sample(20_000, 7).points).toEqual(a.points);
    expect(dist.sample(20_000, 8).points).not.toEqual(a.points);
    // Everything lives in about [-1, 1]^2.
    let inside = 0;
    for (let i = 0; i < 20_000; i++)
      if (Math.abs(a.points[2 * i]!) < 1.2 && Math.abs(a.points[2 * i + 1]!) < 1.2) inside++;
    expect(inside / 20_000).toBeGreaterThan(0.99);

    const h = 0.02;
    const { grid, p } = mass2d((q) => dist.logDensity(q), -2, 2, h);
    const total = p.reduce((s, v) => s + v, 0) * h * h;
    expect(total).toBeCloseTo(1, 4);

    // The mass of the quadrant x > 0, y > 0 under the density vs. the fraction of samples there.
    let mass = 0;
    for (let k = 0; k < p.length; k++)
      if (grid[2 * k]! > 0 && grid[2 * k + 1]! > 0) mass += p[k]! * h * h;
    let hits = 0;
    for (let i = 0; i < 20_000; i++) if (a.points[2 * i]! > 0 && a.points[2 * i + 1]! > 0) hits++;
    const sd = Math.sqrt((mass * (1 - mass)) / 20_000);
    expect(Math.abs(hits / 20_000 - mass)).toBeLessThan(5 * sd + 1e-3);
  });

  it('a Gaussian mixture has the exact log-density', () => {
    const d = gaussianMixture('two', [
      { mean: [0, 0], std: 1, weight: 1 },
      { mean: [3, 0], std: [0.5, 2], weight: 3 },
    ]);
    const x = [1, 2];
    const n = (v: number, m: number, s: number) =>
      Math.exp(-(((v - m) / s) ** 2) / 2) / (s * Math.sqrt(2 * Math.PI));
    const expected = 0.25 * n(1, 0, 1) * n(2, 0, 1) + 0.75 * n(1, 3, 0.5) * n(2, 0, 2);
    expect(d.logDensity(x)[0]).toBeCloseTo(Math.log(expected), 12);
    expect(Number.isFinite(d.logDensity([1e3, -1e3])[0])).toBe(true); // far away: tiny, not -Infinity
    // The components, weights normalized, for mode-coverage metrics; curves have none.
    expect(d.components).toEqual([
      { mean: [0, 0], std: 1, weight: 0.25 },
      { mean: [3, 0], std: [0.5, 2], weight: 0.75 },
    ]);
    expect(toyDistribution('ring').components).toHaveLength(8);
    expect(toyDistribution('moons').components).toBeUndefined();
  });

  it('the 1-D mixture (default bimodal) samples its weights and integrates to 1', () => {
    const d = gaussianMixture1d();
    expect(d.dim).toBe(1);
    const s = d.sample(10_000, 1);
    const ones = s.labels!.reduce((c, l) => c + l, 0);
    expect(ones / 10_000).toBeGreaterThan(0.67); // weight 0.7, sd 0.005
    expect(ones / 10_000).toBeLessThan(0.73);
    let mean = 0;
    for (const v of s.points) mean += v / 10_000;
    expect(mean).toBeCloseTo(0.3 * -2 + 0.7 * 2, 1);
    const xs = Float64Array.from({ length: 1600 }, (_, i) => -8 + (i + 0.5) * 0.01);
    const total = d.logDensity(xs).reduce((t, v) => t + Math.exp(v) * 0.01, 0);
    expect(total).toBeCloseTo(1, 6);
  });

  it('rejects bad parameters and malformed points clearly', () => {
    expect(() => gaussianMixture('bad', [])).toThrow(/bad: needs 1 to 256 components/);
    expect(() => gaussianMixture('bad', [{ mean: [0], std: 0 }])).toThrow(/positive std/);
    expect(() =>
      gaussianMixture('bad', [
        { mean: [0], std: 1 },
        { mean: [0, 1], std: 1 },
      ]),
    ).toThrow(/component 1 has dimension 2, not 1/);
    expect(() => toyDistribution('ring').logDensity([1, 2, 3])).toThrow(/not rows of 2/);
    expect(() => toyDistribution('nope' as 'ring')).toThrow(/unknown toy distribution 'nope'/);
    expect(() => toyDistribution('moons').sample(0, 1)).toThrow(/positive integer/);
  });
});
