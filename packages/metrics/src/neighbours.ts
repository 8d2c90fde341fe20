import { Rng } from '@latent/datasets';
import * as tf from '@tensorflow/tfjs-core';
import type { Points } from './parzen.js';

/**
 * Metrics on sets of feature vectors (classifier features, or pixels):
 * KID (Bińkowski et al. 2018), precision and recall (Kynkäänniemi et al.
 * 2019), and the nearest-neighbour distances a memorisation check needs. The
 * products run as tfjs matMuls without transpose flags (wasm's fast path):
 * the second operand is transposed once.
 */

/** Rows [start, end) of points as a tensor [end - start, dim]. */
function rows(p: Points, start = 0, end = p.count): tf.Tensor2D {
  return tf.tensor2d(p.data.subarray(start * p.dim, end * p.dim), [end - start, p.dim]);
}

/** Points prepared as the right-hand side of squared distances: B^T [dim, N] and |b|^2 [1, N]. */
interface Columns {
  transposed: tf.Tensor2D;
  norms: tf.Tensor2D;
  count: number;
}

function columns(p: Points): Columns {
  return tf.tidy(() => {
    const b = rows(p);
    return {
      transposed: tf.transpose(b) as tf.Tensor2D,
      norms: tf.reshape(tf.sum(tf.square(b), 1), [1, p.count]) as tf.Tensor2D,
      count: p.count,
    };
  });
}

/** |a_i - b_j|^2 [rows of a, N], clamped at 0 against rounding. */
function squaredDistances(a: tf.Tensor2D, b: Columns): tf.Tensor2D {
  const an = tf.sum(tf.square(a), 1, true);
  return tf.relu(tf.sub(tf.add(an, b.norms), tf.mul(tf.matMul(a, b.transposed), 2))) as tf.Tensor2D;
}

/** Rows of `a` per chunk so a chunk's distance matrix stays near 4 million values. */
const chunkOf = (n: number) => Math.max(1, Math.floor(4_000_000 / Math.max(1, n)));

/**
 * For each point, the squared distance to its k-th nearest other point of the
 * same set (the radius of its k-NN ball).
 *
 * @param members the points to give a radius, each one of `p` (default: all of `p`)
 * @returns [members.count]
 */
export async function kthNeighbourRadii(p: Points, k = 3, members = p): Promise<Float32Array> {
  if (p.count <= k)
    throw new RangeError(`k-NN radii with k = ${k} need more than ${k} points, not ${p.count}`);
  const cols = columns(p);
  const out = new Float32Array(members.count);
  const step = chunkOf(p.count);
  try {
    for (let start = 0; start < members.count; start += step) {
      const end = Math.min(members.count, start + step);
      const d = tf.tidy(() => squaredDistances(rows(members, start, end), cols));
      const values = (await d.data()) as Float32Array;
      d.dispose();
      const best = new Float32Array(k + 1);
      for (let i = start; i < end; i++) {
        const row = values.subarray((i - start) * p.count, (i - start + 1) * p.count);
        // The k + 1 smallest (the point itself is one of them, at 0), in order.
        best.fill(Number.POSITIVE_INFINITY);
        for (let j = 0; j < row.length; j++) {
          const v = row[j]!;
          if (v >= best[k]!) continue;
          let m = k;
          while (m > 0 && best[m - 1]! > v) {
            best[m] = best[m - 1]!;
            m--;
          }
          best[m] = v;
        }
        out[i] = best[k]!;
      }
    }
  } finally {
    tf.dispose([cols.transposed, cols.norms]);
  }
  return out;
}

/**
 * The share of `queries` inside at least one k-NN ball of `points`
 * (|q - p_j|^2 <= radii_j for some j): the manifold estimate of Kynkäänniemi
 * et al. 2019.
 */
export async function shareInBalls(
  queries: Points,
  points: Points,
  radii: Float32Array,
): Promise<number> {
  const cols = columns(points);
  const r = tf.tensor2d(radii, [1, points.count]);
  let inside = 0;
  const step = chunkOf(points.count);
  try {
    for (let start = 0; start < queries.count; start += step) {
      const end = Math.min(queries.count, start + step);
      const margin = tf.tidy(() =>
        tf.min(tf.sub(squaredDistances(rows(queries, start, end), cols), r), 1),
      );
      for (const m of (await margin.data()) as Float32Array) if (m <= 0) inside++;
      margin.dispose();
    }
  } finally {
    tf.dispose([cols.transposed, cols.norms, r]);
  }
  return inside / queries.count;
}

/** Each row scaled to unit length (zero rows kept): points on the sphere. */
export function unitRows(p: Points): Points {
  const data = Float32Array.from(p.data);
  for (let i = 0; i < p.count; i++) {
    const row = data.subarray(i * p.dim, (i + 1) * p.dim);
    let norm = 0;
    for (const v of row) norm += v * v;
    norm = Math.sqrt(norm);
    if (norm > 0) for (let j = 0; j < row.length; j++) row[j]! /= norm;
  }
  return { ...p, data };
}

/** Precision and recall of generated features against real ones. */
export interface PrecisionRecall {
  /** Share of samples inside the real data's k-NN manifold: fidelity. */
  precision: number;
  /** Share of real images inside the samples' k-NN manifold: diversity. */
  recall: number;
  k: number;
}

/**
 * Improved precision and recall (Kynkäänniemi et al. 2019): each set's
 * manifold is the union of balls reaching every point's k-th nearest
 * neighbour (k = 3, the paper's choice); precision is the share of samples in
 * the real manifold, recall the share of real points in the samples'.
 *
 * @param realRadii the real points' `kthNeighbourRadii`, when already known
 */
export async function precisionRecall(
  real: Points,
  fake: Points,
  options: { k?: number; realRadii?: Float32Array } = {},
): Promise<PrecisionRecall> {
  const k = options.k ?? 3;
  if (real.dim !== fake.dim)
    throw new RangeError(
      `precision/recall: real features are ${real.dim}-D, samples ${fake.dim}-D`,
    );
  const realRadii = options.realRadii ?? (await kthNeighbourRadii(real, k));
  const fakeRadii = await kthNeighbourRadii(fake, k);
  return {
    precision: await shareInBalls(fake, real, realRadii),
    recall: await shareInBalls(real, fake, fakeRadii),
    k,
  };
}

/** Kernel Inception Distance over random subsets. */
export interface Kid {
  /** Mean of the unbiased MMD^2 estimates over the subsets. */
  value: number;
  /** Their standard deviation (torch-fidelity's `kid_std`). */
  std: number;
  subsets: number;
  subsetSize: number;
}

/**
 * Kernel Inception Distance (Bińkowski et al. 2018) as torch-fidelity computes
 * it: the unbiased estimate of MMD^2 with the polynomial kernel
 * k(x, y) = (x . y / d + 1)^3, on `subsets` random subsets (default 100) of
 * `subsetSize` rows (default 1,000, or the smaller set's size) drawn without
 * replacement from each set; reports their mean and standard deviation.
 * Unbiased, so two samples of one distribution give ≈ 0 (either sign).
 */
export function kernelInceptionDistance(
  real: Points,
  fake: Points,
  options: { subsets?: number; subsetSize?: number; seed?: number } = {},
): Kid {
  if (real.dim !== fake.dim)
    throw new RangeError(`KID: real features are ${real.dim}-D, samples ${fake.dim}-D`);
  const m = Math.min(options.subsetSize ?? 1000, real.count, fake.count);
  if (m < 2) throw new RangeError(`KID needs at least 2 points in each set, not ${m}`);
  const subsets = options.subsets ?? 100;
  const rng = new Rng(options.seed ?? 0);
  const d = real.dim;
  const estimates: number[] = [];
  for (let s = 0; s < subsets; s++) {
    const x = subset(real, m, rng);
    const y = subset(fake, m, rng);
    const sums = tf.tidy(() => {
      const xt = tf.tensor2d(x, [m, d]);
      const yt = tf.tensor2d(y, [m, d]);
      const cube = (t: tf.Tensor) => tf.mul(t, tf.square(t));
      const kernel = (a: tf.Tensor2D, b: tf.Tensor2D) =>
        cube(tf.add(tf.div(tf.matMul(a, tf.transpose(b)), d), 1));
      // The diagonal k(x_i, x_i) = (|x_i|^2 / d + 1)^3, left out of the unbiased sums.
      const trace = (a: tf.Tensor2D) => tf.sum(cube(tf.add(tf.div(tf.sum(tf.square(a), 1), d), 1)));
      return tf.stack([
        tf.sub(tf.sum(kernel(xt, xt)), trace(xt)),
        tf.sub(tf.sum(kernel(yt, yt)), trace(yt)),
        tf.sum(kernel(xt, yt)),
      ]);
    });
    const [sxx, syy, sxy] = Array.from(sums.dataSync());
    sums.dispose();
    estimates.push((sxx! + syy!) / (m * (m - 1)) - (2 * sxy!) / (m * m));
  }
  const mean = estimates.reduce((a, b) => a + b, 0) / subsets;
  const variance = estimates.reduce((a, b) => a + (b - mean) ** 2, 0) / subsets;
  return { value: mean, std: Math.sqrt(variance), subsets, subsetSize: m };
}

/** m rows of p without replacement (a partial Fisher-Yates shuffle), row-major [m * dim]. */
function subset(p: Points, m: number, rng: Rng): Float32Array {
  const order = Int32Array.from({ length: p.count }, (_, i) => i);
  const out = new Float32Array(m * p.dim);
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(rng.next() * (p.count - i));
    [order[i], order[j]] = [order[j]!, order[i]!];
    out.set(p.data.subarray(order[i]! * p.dim, (order[i]! + 1) * p.dim), i * p.dim);
  }
  return out;
}

/** Each query's nearest point of a reference set. */
export interface Nearest {
  /** Euclidean distance to the nearest reference point, [queries]. */
  distance: Float32Array;
  /** Its index in the reference set, [queries]. */
  index: Int32Array;
}

/**
 * The nearest reference point of every query, by Euclidean distance (pixels
 * in [0, 1] for a memorisation check: a copied training image is at 0). The
 * reference is split into column blocks so no product exceeds ~4M values.
 */
export async function nearestNeighbours(queries: Points, reference: Points): Promise<Nearest> {
  if (queries.dim !== reference.dim)
    throw new RangeError(
      `nearest neighbours: queries are ${queries.dim}-D, references ${reference.dim}-D`,
    );
  const distance = new Float32Array(queries.count).fill(Number.POSITIVE_INFINITY);
  const index = new Int32Array(queries.count);
  const block = Math.min(reference.count, 10_000);
  const step = chunkOf(block);
  for (let r0 = 0; r0 < reference.count; r0 += block) {
    const r1 = Math.min(reference.count, r0 + block);
    const cols = columns({
      data: reference.data.subarray(r0 * reference.dim, r1 * reference.dim),
      count: r1 - r0,
      dim: reference.dim,
    });
    try {
      for (let start = 0; start < queries.count; start += step) {
        const end = Math.min(queries.count, start + step);
        const [min, arg] = tf.tidy(() => {
          const d = squaredDistances(rows(queries, start, end), cols);
          return [tf.min(d, 1), tf.argMin(d, 1)];
        });
        const mins = (await min!.data()) as Float32Array;
        const args = (await arg!.data()) as Int32Array;
        tf.dispose([min, arg]);
        for (let i = 0; i < mins.length; i++) {
          const v = Math.sqrt(mins[i]!);
          if (v < distance[start + i]!) {
            distance[start + i] = v;
            index[start + i] = r0 + args[i]!;
          }
        }
      }
    } finally {
      tf.dispose([cols.transposed, cols.norms]);
    }
  }
  return { distance, index };
}
