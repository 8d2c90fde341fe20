import * as tf from '@tensorflow/tfjs-core';

/** The sigmas of Goodfellow et al. 2014's code: numpy.logspace(-1, 0, 10), 0.1 to 1. */
export const PAPER_SIGMAS: readonly number[] = Array.from(
  { length: 10 },
  (_, i) => 10 ** (-1 + i / 9),
);

/** Progress of long work: `done` of `total` units (rows evaluated). */
export type ProgressCallback = (done: number, total: number) => void;

/** Rows of points, row-major float32 [count * dim]; pixel values in [0, 1] for images. */
export interface Points {
  data: Float32Array;
  count: number;
  dim: number;
}

/**
 * A Gaussian kernel density (Parzen window) on a set of centres, ready to
 * evaluate points at several bandwidths from one distance computation.
 * Call `dispose()` when done.
 */
export class ParzenWindow {
  readonly count: number;
  readonly dim: number;
  /**
   * [-2 mu; ||mu||^2; 1], [dim + 2, count], built once: one untransposed matMul
   * (wasm's fast path) of [x, 1, ||x||^2] by it gives the squared distances.
   */
  private readonly centresAug: tf.Tensor2D;

  /** @param centres the kernel centres (the generated samples), [count * dim] */
  constructor(centres: Points) {
    this.count = centres.count;
    this.dim = centres.dim;
    this.centresAug = tf.tidy(() => {
      const mu = tf.tensor2d(centres.data, [centres.count, centres.dim]);
      const aug = tf.concat(
        [tf.mul(mu, -2), tf.sum(tf.square(mu), 1, true), tf.ones([centres.count, 1])],
        1,
      );
      return tf.transpose(aug) as tf.Tensor2D;
    });
  }

  /**
   * log p_sigma(x) for every row x and every sigma:
   * logsumexp_i(-||x - mu_i||^2 / (2 sigma^2)) - log N - (d/2) log(2 pi sigma^2).
   * Squared distances are ||x||^2 + ||mu||^2 - 2 x.mu (clamped at 0) from one
   * matMul per batch, shared by all sigmas; the log-sum-exp subtracts the max
   * term (the nearest centre).
   *
   * @returns Float64Array [sigmas.length * points.count], sigma-major
   */
  async logDensities(
    points: Points,
    sigmas: readonly number[],
    options: { batchSize?: number; onProgress?: ProgressCallback } = {},
  ): Promise<Float64Array> {
    if (points.dim !== this.dim)
      throw new RangeError(
        `Parzen window: points have ${points.dim} dimensions, centres ${this.dim}`,
      );
    if (sigmas.length === 0 || sigmas.some((s) => !(s > 0)))
      throw new RangeError('Parzen window: sigmas must be positive');
    const { count: m, dim: d } = points;
    // ~20 MB of distances per batch at 10,000 centres.
    const batchSize = options.batchSize ?? Math.max(1, Math.min(m, Math.floor(5e6 / this.count)));
    const out = new Float64Array(sigmas.length * m);
    const logN = Math.log(this.count);
    for (let start = 0; start < m; start += batchSize) {
      const b = Math.min(batchSize, m - start);
      const lse = tf.tidy(() => {
        const x = tf.tensor2d(points.data.subarray(start * d, (start + b) * d), [b, d]);
        const xAug = tf.concat([x, tf.ones([b, 1]), tf.sum(tf.square(x), 1, true)], 1);
        const dist = tf.relu(tf.matMul(xAug, this.centresAug)); // [b, count], clamped at 0
        // logsumexp_i(-D_i c) = -c min D + log sum_i exp(-c (D_i - min D)): the
        // shift is shared by every sigma and keeps the largest term at exp(0).
        const nearest = tf.min(dist, 1, true);
        const excess = tf.sub(dist, nearest);
        return tf.stack(
          sigmas.map((s) => {
            const c = 1 / (2 * s * s);
            return tf.sub(
              tf.log(tf.sum(tf.exp(tf.mul(excess, -c)), 1)),
              tf.mul(tf.reshape(nearest, [b]), c),
            );
          }),
        );
      });
      const values = (await lse.data()) as Float32Array;
      lse.dispose();
      sigmas.forEach((s, k) => {
        const constant = logN + (d / 2) * Math.log(2 * Math.PI * s * s);
        for (let i = 0; i < b; i++) out[k * m + start + i] = values[k * b + i]! - constant;
      });
      options.onProgress?.(start + b, m);
    }
    return out;
  }

  dispose(): void {
    this.centresAug.dispose();
  }
}

/** The result of the 2014 paper's Parzen-window protocol. */
export interface ParzenResult {
  /** Mean log-likelihood of the test points, nats. Higher is better. */
  mean: number;
  /** Standard error of that mean: std / sqrt(n) (population std, as numpy's default). */
  stdErr: number;
  /** The bandwidth chosen on the validation points. */
  sigma: number;
  /** Mean validation log-likelihood per candidate sigma. */
  validation: { sigma: number; mean: number }[];
  /** Number of test points and of kernel centres (samples). */
  testCount: number;
  sampleCount: number;
}

function meanAndStdErr(values: ArrayLike<number>, start: number, n: number) {
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[start + i]!;
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (values[start + i]! - mean) ** 2;
  return { mean, stdErr: Math.sqrt(v / n) / Math.sqrt(n) };
}

/**
 * Goodfellow et al. 2014's Parzen-window log-likelihood (Table 1): fit a
 * Gaussian kernel density to the generated samples, choose sigma among
 * `sigmas` (default logspace(-1, 0, 10)) by the mean log-likelihood of the
 * validation points (the paper: the first 1,000 of MNIST's train[50000:60000]),
 * then report the mean log-likelihood of the test points (10,000 MNIST test
 * images) ± its standard error. All values in [0, 1] for images.
 *
 * @param samples kernel centres: the model's samples (the paper: 10,000)
 */
export async function parzenLogLikelihood(
  samples: Points,
  validation: Points,
  test: Points,
  options: { sigmas?: readonly number[]; batchSize?: number; onProgress?: ProgressCallback } = {},
): Promise<ParzenResult> {
  const sigmas = options.sigmas ?? PAPER_SIGMAS;
  const window = new ParzenWindow(samples);
  try {
    const total = validation.count + test.count;
    const val = await window.logDensities(validation, sigmas, {
      batchSize: options.batchSize,
      onProgress: (done) => options.onProgress?.(done, total),
    });
    const scores = sigmas.map((sigma, k) => ({
      sigma,
      mean: meanAndStdErr(val, k * validation.count, validation.count).mean,
    }));
    const best = scores.reduce((a, b) => (b.mean > a.mean ? b : a));
    const ll = await window.logDensities(test, [best.sigma], {
      batchSize: options.batchSize,
      onProgress: (done) => options.onProgress?.(validation.count + done, total),
    });
    const { mean, stdErr } = meanAndStdErr(ll, 0, test.count);
    return {
      mean,
      stdErr,
      sigma: best.sigma,
      validation: scores,
      testCount: test.count,
      sampleCount: samples.count,
    };
  } finally {
    window.dispose();
  }
}
