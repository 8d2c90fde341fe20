import { describe, expect, it } from 'vitest';
import { frechetDistance, gaussianStats } from './fid.js';

/** Standard normal draws from a seeded LCG and Box–Muller. */
function normals(count: number, seed: number): Float64Array {
  let s = seed;
  const u = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
  return Float64Array.from(
    { length: count },
    () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()),
  );
}

describe('Fréchet distance', () => {
  it('gaussianStats: mean and unbiased covariance', () => {
    const s = gaussianStats([1, 2, 3, 4, 5, 9], 2); // rows (1,2), (3,4), (5,9)
    expect([...s.mean]).toEqual([3, 5]);
    // var x = 4, var y = 13, cov = (-2*-3 + 0*-1 + 2*4) / 2 = 7
    expect([...s.cov]).toEqual([4, 7, 7, 13]);
  });

  it('of a set with itself is 0, and grows monotonically as noise is added', () => {
    const dim = 16;
    const n = 4000;
    const base = normals(n * dim, 1);
    // Correlated features: x_j + 0.5 x_{j+1}.
    const feats = Float64Array.from(base, (v, i) => v + 0.5 * (base[i + 1] ?? 0));
    const ref = gaussianStats(feats, dim);
    expect(frechetDistance(ref, ref)).toBeLessThan(1e-9);
    const noise = normals(n * dim, 2);
    const scores = [0.1, 0.3, 0.6, 1, 2].map((level) =>
      frechetDistance(
        gaussianStats(
          Float64Array.from(feats, (v, i) => v + level * noise[i]!),
          dim,
        ),
        ref,
      ),
    );
    for (let i = 1; i < scores.length; i++) expect(scores[i]!).toBeGreaterThan(scores[i - 1]!);
  });

  it('equals the closed form for two Gaussians', () => {
    // Commuting covariances: ||mu1 - mu2||^2 + sum_i (sqrt(a_i) - sqrt(b_i))^2.
    const diag = (v: number[]) => {
      const c = new Float64Array(v.length ** 2);
      v.forEach((x, i) => {
        c[i * v.length + i] = x;
      });
      return c;
    };
    const a = { dim: 3, count: 2, mean: Float64Array.from([0, 1, 2]), cov: diag([1, 4, 9]) };
    const b = { dim: 3, count: 2, mean: Float64Array.from([1, 1, 0]), cov: diag([4, 1, 1]) };
    expect(frechetDistance(a, b)).toBeCloseTo(5 + 1 + 1 + 4, 10);
    // Non-commuting 2x2: Tr sqrt(sqrt(A) B sqrt(A)) = sqrt(tr(AB) + 2 sqrt(det A det B)).
    const c = {
      dim: 2,
      count: 2,
      mean: Float64Array.from([0, 0]),
      cov: Float64Array.from([2, 1, 1, 2]),
    };
    const d = {
      dim: 2,
      count: 2,
      mean: Float64Array.from([3, 4]),
      cov: Float64Array.from([1, 0, 0, 5]),
    };
    const trAB = 2 * 1 + 1 * 0 + (1 * 0 + 2 * 5);
    const cross = Math.sqrt(trAB + 2 * Math.sqrt(3 * 5));
    expect(frechetDistance(c, d)).toBeCloseTo(25 + 4 + 6 - 2 * cross, 10);
    expect(frechetDistance(c, d)).toBeCloseTo(frechetDistance(d, c), 10);
  });
});
