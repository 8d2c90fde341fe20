import { describe, expect, it } from 'vitest';
import {
  multiply,
  type SquareMatrix,
  sqrtPsd,
  symmetricEigen,
  traceSqrtProduct,
} from './linalg.js';

/** A random symmetric PSD matrix B B^T / n from a seeded LCG. */
function randomPsd(n: number, seed: number, rank = n): SquareMatrix {
  let s = seed;
  const rnd = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
  const b = Array.from({ length: n * rank }, rnd);
  const data = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let v = 0;
      for (let k = 0; k < rank; k++) v += b[i * rank + k]! * b[j * rank + k]!;
      data[i * n + j] = v / rank;
    }
  return { n, data };
}

describe('symmetric eigendecomposition (Jacobi)', () => {
  it('finds the eigenvalues of a known matrix', () => {
    // [[2, 1], [1, 2]] has eigenvalues 1 and 3.
    const { values } = symmetricEigen({ n: 2, data: Float64Array.from([2, 1, 1, 2]) });
    expect([...values].sort()).toEqual([expect.closeTo(1, 12), expect.closeTo(3, 12)]);
  });

  it('reconstructs A = V diag(lambda) V^T with orthonormal V on a 64x64 matrix', () => {
    const a = randomPsd(64, 1);
    const { values, vectors } = symmetricEigen(a);
    const n = 64;
    let err = 0;
    let orth = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let r = 0;
        let o = 0;
        for (let k = 0; k < n; k++) {
          r += vectors[i * n + k]! * values[k]! * vectors[j * n + k]!;
          o += vectors[k * n + i]! * vectors[k * n + j]!;
        }
        err = Math.max(err, Math.abs(r - a.data[i * n + j]!));
        orth = Math.max(orth, Math.abs(o - (i === j ? 1 : 0)));
      }
    expect(err).toBeLessThan(1e-12);
    expect(orth).toBeLessThan(1e-12);
  });

  it('sqrtPsd squares back to A, also for a singular matrix', () => {
    for (const a of [randomPsd(20, 2), randomPsd(20, 3, 5)]) {
      const r = sqrtPsd(a);
      const back = multiply(r, r);
      const err = Math.max(...back.data.map((v, i) => Math.abs(v - a.data[i]!)));
      expect(err).toBeLessThan(1e-10);
    }
  });

  it('Tr sqrt(sqrt(A) B sqrt(A)) matches the 2x2 closed form sqrt(tr M + 2 sqrt(det M)), M = AB', () => {
    const a = randomPsd(2, 4);
    const b = randomPsd(2, 5);
    const m = multiply(a, b).data;
    const tr = m[0]! + m[3]!;
    const det = m[0]! * m[3]! - m[1]! * m[2]!;
    expect(traceSqrtProduct(a, b)).toBeCloseTo(Math.sqrt(tr + 2 * Math.sqrt(det)), 12);
  });
});
