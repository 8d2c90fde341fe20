/**
 * Small dense linear algebra in float64 for the Fréchet distance: symmetric
 * eigendecomposition by cyclic Jacobi rotations. Exact to ~1e-12 relative on
 * the 128x128 covariance matrices FID needs, in milliseconds; no dependency.
 */

/** A square matrix, row-major float64 [n * n]. */
export interface SquareMatrix {
  n: number;
  data: Float64Array;
}

/**
 * Eigenvalues and eigenvectors of a symmetric matrix (only its symmetric part
 * is used) by cyclic Jacobi rotations, which converge quadratically and keep
 * the vectors orthonormal to rounding.
 *
 * @returns values [n] (unsorted) and vectors, row-major [n * n] with
 *   eigenvector j in column j: A = V diag(values) V^T
 */
export function symmetricEigen(a: SquareMatrix): { values: Float64Array; vectors: Float64Array } {
  const { n } = a;
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) m[i * n + j] = 0.5 * (a.data[i * n + j]! + a.data[j * n + i]!);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale += m[i]! * m[i]!;
  const tolerance = 1e-30 * Math.max(scale, Number.MIN_VALUE);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q]! ** 2;
    if (off <= tolerance) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q]!;
        if (apq === 0) continue;
        const app = m[p * n + p]!;
        const aqq = m[q * n + q]!;
        // The rotation angle that zeroes m[p][q] (Golub & Van Loan, Alg. 8.4.1), in its stable form.
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k * n + p]!;
          const mkq = m[k * n + q]!;
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p * n + k]!;
          const mqk = m[q * n + k]!;
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = m[i * n + i]!;
  return { values, vectors: v };
}

/**
 * The principal square root of a symmetric positive semi-definite matrix,
 * V diag(sqrt(max(lambda, 0))) V^T. Eigenvalues below zero are rounding
 * noise of a PSD matrix and are clamped.
 */
export function sqrtPsd(a: SquareMatrix): SquareMatrix {
  const { n } = a;
  const { values, vectors } = symmetricEigen(a);
  const root = Float64Array.from(values, (x) => Math.sqrt(Math.max(x, 0)));
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += vectors[i * n + k]! * root[k]! * vectors[j * n + k]!;
      out[i * n + j] = s;
      out[j * n + i] = s;
    }
  }
  return { n, data: out };
}

/** C = A B for square matrices. */
export function multiply(a: SquareMatrix, b: SquareMatrix): SquareMatrix {
  const { n } = a;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a.data[i * n + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j]! += aik * b.data[k * n + j]!;
    }
  }
  return { n, data: out };
}

/** The trace of a square matrix. */
export function trace(a: SquareMatrix): number {
  let s = 0;
  for (let i = 0; i < a.n; i++) s += a.data[i * a.n + i]!;
  return s;
}

/**
 * Tr(sqrt(sqrt(A) B sqrt(A))) for symmetric PSD A and B: the cross term of the
 * Fréchet distance. sqrt(A) B sqrt(A) is symmetric PSD (unlike A B), so a
 * symmetric eigensolver applies and the trace is the sum of the square roots
 * of its (clamped) eigenvalues.
 */
export function traceSqrtProduct(a: SquareMatrix, b: SquareMatrix): number {
  const ra = sqrtPsd(a);
  const m = multiply(multiply(ra, b), ra);
  const { values } = symmetricEigen(m);
  let s = 0;
  for (const x of values) s += Math.sqrt(Math.max(x, 0));
  return s;
}
