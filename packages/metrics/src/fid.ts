import { type SquareMatrix, trace, traceSqrtProduct } from './linalg.js';

/**
 * The mean and covariance of a set of feature vectors: the Gaussian FID fits
 * to them. float64 throughout.
 */
export interface GaussianStats {
  /** Feature dimension d. */
  dim: number;
  /** Number of vectors the statistics came from. */
  count: number;
  /** [d] */
  mean: Float64Array;
  /** Unbiased covariance (divided by count - 1), row-major [d * d]. */
  cov: Float64Array;
}

/**
 * Mean and unbiased covariance of `count` feature vectors of length `dim`.
 *
 * @param features row-major [count * dim], any real values
 */
export function gaussianStats(features: ArrayLike<number>, dim: number): GaussianStats {
  const count = features.length / dim;
  if (!Number.isInteger(count) || count < 2)
    throw new RangeError(
      `gaussianStats: need at least 2 rows of ${dim}, got ${features.length} values`,
    );
  const mean = new Float64Array(dim);
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) mean[j]! += features[i * dim + j]!;
  for (let j = 0; j < dim; j++) mean[j]! /= count;
  const cov = new Float64Array(dim * dim);
  const row = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < dim; j++) row[j] = features[i * dim + j]! - mean[j]!;
    // Upper triangle only; mirrored below.
    for (let a = 0; a < dim; a++) {
      const ra = row[a]!;
      if (ra === 0) continue;
      for (let b = a; b < dim; b++) cov[a * dim + b]! += ra * row[b]!;
    }
  }
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      const v = cov[a * dim + b]! / (count - 1);
      cov[a * dim + b] = v;
      cov[b * dim + a] = v;
    }
  }
  return { dim, count, mean, cov };
}

/**
 * The Fréchet distance between two Gaussians (Dowson & Landau 1982), FID's
 * formula (Heusel et al. 2017):
 *
 *   ||mu1 - mu2||^2 + Tr(S1) + Tr(S2) - 2 Tr(sqrt(sqrt(S1) S2 sqrt(S1)))
 *
 * The cross term uses symmetric eigendecompositions only (sqrt(S1) S2
 * sqrt(S1) is symmetric PSD, unlike S1 S2), so no complex square roots or
 * discarded imaginary parts arise. Non-negative up to rounding; clamped at 0.
 */
export function frechetDistance(a: GaussianStats, b: GaussianStats): number {
  if (a.dim !== b.dim)
    throw new RangeError(`frechetDistance: dimensions ${a.dim} and ${b.dim} differ`);
  const n = a.dim;
  let d2 = 0;
  for (let j = 0; j < n; j++) d2 += (a.mean[j]! - b.mean[j]!) ** 2;
  const s1: SquareMatrix = { n, data: a.cov };
  const s2: SquareMatrix = { n, data: b.cov };
  return Math.max(0, d2 + trace(s1) + trace(s2) - 2 * traceSqrtProduct(s1, s2));
}
