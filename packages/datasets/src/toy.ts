import type { PointSet } from './points.js';
import { deriveSeed, Rng } from './rng.js';

/**
 * A distribution we can both sample (seeded) and evaluate: the ground truth a
 * GAN or VAE on toy data is measured against.
 */
export interface ToyDistribution {
  readonly name: string;
  /** Dimension of a point: 1 or 2. */
  readonly dim: number;
  /**
   * Draws `count` points: float32 [count, dim]. Labels are the mixture
   * component (or curve) each point came from. The same (count, seed) gives
   * the same points.
   */
  sample(count: number, seed: number): PointSet;
  /**
   * log p(x) (natural log, density w.r.t. Lebesgue measure) of each row of a
   * row-major [n, dim] array: Float64Array [n]. Exact for Gaussian mixtures;
   * for curves with Gaussian noise it is the integral over the curve by the
   * midpoint rule with nodes at most σ/4 apart (relative error ~1e-7 and
   * below).
   */
  logDensity(points: ArrayLike<number>): Float64Array;
  /**
   * Gaussian mixtures only: the components, with weights normalized to sum
   * to 1 and `std` as given. Mode-coverage metrics read the modes from here.
   */
  readonly components?: readonly GaussianComponent[];
}

/** One isotropic or diagonal Gaussian of a mixture. */
export interface GaussianComponent {
  mean: readonly number[];
  /** Standard deviation: one number (isotropic) or one per dimension. */
  std: number | readonly number[];
  /** Unnormalized weight (default 1); weights are normalized over the mixture. */
  weight?: number;
}

const LOG_2PI = Math.log(2 * Math.PI);

function check(ok: boolean, message: string): void {
  if (!ok) throw new RangeError(message);
}

/** Standard normal draws by Box–Muller, consuming two uniforms per pair. */
class Normal {
  private spare: number | null = null;
  constructor(private readonly rng: Rng) {}
  next(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    const u = 1 - this.rng.next(); // (0, 1]: log stays finite
    const v = this.rng.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}

function pickIndex(cumulative: Float64Array, u: number): number {
  for (let k = 0; k < cumulative.length - 1; k++) if (u < cumulative[k]!) return k;
  return cumulative.length - 1;
}

function logSumExp(terms: Float64Array): number {
  let max = Number.NEGATIVE_INFINITY;
  for (const t of terms) if (t > max) max = t;
  if (max === Number.NEGATIVE_INFINITY) return max;
  let sum = 0;
  for (const t of terms) sum += Math.exp(t - max);
  return max + Math.log(sum);
}

function checkPoints(points: ArrayLike<number>, dim: number, name: string): number {
  check(points.length % dim === 0, `${name}: ${points.length} numbers are not rows of ${dim}`);
  return points.length / dim;
}

/**
 * A mixture of Gaussians in any dimension, with exact sampling and log-density.
 *
 * @param name a name for the set and error messages
 * @param components means, standard deviations and weights; all means of one length
 */
export function gaussianMixture(
  name: string,
  components: readonly GaussianComponent[],
): ToyDistribution {
  check(components.length >= 1 && components.length <= 256, `${name}: needs 1 to 256 components`);
  const dim = components[0]!.mean.length;
  check(dim >= 1, `${name}: means need at least one dimension`);
  const means: Float64Array[] = [];
  const stds: Float64Array[] = [];
  const weights = new Float64Array(components.length);
  components.forEach((c, k) => {
    check(
      c.mean.length === dim,
      `${name}: component ${k} has dimension ${c.mean.length}, not ${dim}`,
    );
    const std = typeof c.std === 'number' ? new Array(dim).fill(c.std) : [...c.std];
    check(
      std.length === dim && std.every((s) => s > 0 && Number.isFinite(s)),
      `${name}: component ${k} needs ${dim} positive std(s)`,
    );
    const w = c.weight ?? 1;
    check(w > 0 && Number.isFinite(w), `${name}: component ${k} weight must be positive`);
    means.push(Float64Array.from(c.mean));
    stds.push(Float64Array.from(std));
    weights[k] = w;
  });
  const total = weights.reduce((s, w) => s + w, 0);
  const cumulative = new Float64Array(weights.length);
  let acc = 0;
  weights.forEach((w, k) => {
    acc += w / total;
    cumulative[k] = acc;
  });
  // log w_k - sum_d log(σ_kd) - dim/2 log 2π: the constant of each component.
  const logConst = Float64Array.from(
    weights,
    (w, k) =>
      Math.log(w / total) - stds[k]!.reduce((s, v) => s + Math.log(v), 0) - (dim / 2) * LOG_2PI,
  );
  const normalized = components.map((c, k) =>
    Object.freeze({ mean: [...c.mean], std: c.std, weight: weights[k]! / total }),
  );
  return {
    name,
    dim,
    components: Object.freeze(normalized),
    sample(count, seed) {
      check(
        Number.isInteger(count) && count >= 1,
        `${name}: sample count must be a positive integer`,
      );
      const rng = new Rng(deriveSeed(seed, name, 'component'));
      const normal = new Normal(new Rng(deriveSeed(seed, name, 'noise')));
      const points = new Float32Array(count * dim);
      const labels = new Uint8Array(count);
      for (let i = 0; i < count; i++) {
        const k = pickIndex(cumulative, rng.next());
        labels[i] = k;
        for (let d = 0; d < dim; d++)
          points[i * dim + d] = means[k]![d]! + stds[k]![d]! * normal.next();
      }
      return { name, points, count, dim, labels };
    },
    logDensity(points) {
      const n = checkPoints(points, dim, name);
      const out = new Float64Array(n);
      const terms = new Float64Array(components.length);
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < components.length; k++) {
          let q = 0;
          for (let d = 0; d < dim; d++) {
            const z = (points[i * dim + d]! - means[k]![d]!) / stds[k]![d]!;
            q += z * z;
          }
          terms[k] = logConst[k]! - q / 2;
        }
        out[i] = logSumExp(terms);
      }
      return out;
    },
  };
}

/** A 2-D curve c(t), t in [0, 1], with its approximate length for quadrature spacing. */
export interface Curve {
  at(t: number): [number, number];
  length: number;
  weight?: number;
}

/**
 * Points on 2-D curves plus isotropic Gaussian noise: pick a curve by weight,
 * t ~ U[0, 1], x = c(t) + σ ε. The density is the mixture over t of
 * N(c(t), σ²I), integrated by the midpoint rule.
 */
export function noisyCurves(
  name: string,
  curves: readonly Curve[],
  noise: number,
): ToyDistribution {
  check(curves.length >= 1 && curves.length <= 256, `${name}: needs 1 to 256 curves`);
  check(noise > 0, `${name}: noise must be positive`);
  const total = curves.reduce((s, c) => s + (c.weight ?? 1), 0);
  const cumulative = new Float64Array(curves.length);
  let acc = 0;
  curves.forEach((c, k) => {
    acc += (c.weight ?? 1) / total;
    cumulative[k] = acc;
  });
  // Quadrature nodes σ/4 apart along each curve: the integrand is then smooth on the node scale.
  const nodes = curves.map((c) => {
    const m = Math.min(20_000, Math.max(16, Math.ceil((4 * c.length) / noise)));
    const xy = new Float64Array(2 * m);
    for (let j = 0; j < m; j++) {
      const [x, y] = c.at((j + 0.5) / m);
      xy[2 * j] = x;
      xy[2 * j + 1] = y;
    }
    return xy;
  });
  const inv2s2 = 1 / (2 * noise * noise);
  const logNorm = -Math.log(2 * Math.PI * noise * noise);
  return {
    name,
    dim: 2,
    sample(count, seed) {
      check(
        Number.isInteger(count) && count >= 1,
        `${name}: sample count must be a positive integer`,
      );
      const rng = new Rng(deriveSeed(seed, name, 'position'));
      const normal = new Normal(new Rng(deriveSeed(seed, name, 'noise')));
      const points = new Float32Array(count * 2);
      const labels = new Uint8Array(count);
      for (let i = 0; i < count; i++) {
        const k = pickIndex(cumulative, rng.next());
        const [x, y] = curves[k]!.at(rng.next());
        labels[i] = k;
        points[2 * i] = x + noise * normal.next();
        points[2 * i + 1] = y + noise * normal.next();
      }
      return { name, points, count, dim: 2, labels };
    },
    logDensity(points) {
      const n = checkPoints(points, 2, name);
      const out = new Float64Array(n);
      const perCurve = new Float64Array(curves.length);
      for (let i = 0; i < n; i++) {
        const px = points[2 * i]!;
        const py = points[2 * i + 1]!;
        for (let k = 0; k < curves.length; k++) {
          const xy = nodes[k]!;
          const m = xy.length / 2;
          // Log-sum-exp over the nodes, relative to the nearest one, so far points stay finite.
          let best = Number.POSITIVE_INFINITY;
          for (let j = 0; j < m; j++) {
            const dx = px - xy[2 * j]!;
            const dy = py - xy[2 * j + 1]!;
            const d2 = dx * dx + dy * dy;
            if (d2 < best) best = d2;
          }
          let sum = 0;
          for (let j = 0; j < m; j++) {
            const dx = px - xy[2 * j]!;
            const dy = py - xy[2 * j + 1]!;
            sum += Math.exp(-(dx * dx + dy * dy - best) * inv2s2);
          }
          perCurve[k] =
            Math.log(((curves[k]!.weight ?? 1) / total) * (sum / m)) - best * inv2s2 + logNorm;
        }
        out[i] = logSumExp(perCurve);
      }
      return out;
    },
  };
}

/** The 2-D distributions of GAN Lab, plus spiral and two moons. */
export const TOY_2D = ['line', 'gaussian', 'ring', 'grid', 'disjoint', 'spiral', 'moons'] as const;
export type Toy2dName = (typeof TOY_2D)[number];

/**
 * A 2-D toy distribution by name. All live in about [-1, 1]², so a tanh
 * generator can reach them:
 * - `line`: the segment (-0.8, -0.6)–(0.8, 0.6), noise σ 0.02;
 * - `gaussian`: one Gaussian at (0.1, -0.1), σ (0.3, 0.15);
 * - `ring`: 8 Gaussians on the circle of radius 0.8, σ 0.05;
 * - `grid`: 5×5 Gaussians on [-0.8, 0.8]², σ 0.04;
 * - `disjoint`: two separated clusters of unequal weight (0.7 at (-0.5, 0.4),
 *   σ 0.12; 0.3 at (0.6, -0.5), σ 0.06): a gap a continuous G must not fill;
 * - `spiral`: r = 0.9 t, θ = 4π t (two turns), noise σ 0.03;
 * - `moons`: sklearn's two half circles, scaled by 0.6 and centred, σ 0.05.
 */
export function toyDistribution(name: Toy2dName): ToyDistribution {
  switch (name) {
    case 'line':
      return noisyCurves(
        'line',
        [{ at: (t) => [-0.8 + 1.6 * t, -0.6 + 1.2 * t], length: 2 }],
        0.02,
      );
    case 'gaussian':
      return gaussianMixture('gaussian', [{ mean: [0.1, -0.1], std: [0.3, 0.15] }]);
    case 'ring':
      return gaussianMixture(
        'ring',
        Array.from({ length: 8 }, (_, k) => ({
          mean: [0.8 * Math.cos((2 * Math.PI * k) / 8), 0.8 * Math.sin((2 * Math.PI * k) / 8)],
          std: 0.05,
        })),
      );
    case 'grid':
      return gaussianMixture(
        'grid',
        Array.from({ length: 25 }, (_, k) => ({
          mean: [-0.8 + 0.4 * (k % 5), -0.8 + 0.4 * Math.floor(k / 5)],
          std: 0.04,
        })),
      );
    case 'disjoint':
      return gaussianMixture('disjoint', [
        { mean: [-0.5, 0.4], std: 0.12, weight: 0.7 },
        { mean: [0.6, -0.5], std: 0.06, weight: 0.3 },
      ]);
    case 'spiral':
      return noisyCurves(
        'spiral',
        [
          {
            at: (t) => [0.9 * t * Math.cos(4 * Math.PI * t), 0.9 * t * Math.sin(4 * Math.PI * t)],
            length: 6,
          },
        ],
        0.03,
      );
    case 'moons':
      // sklearn's make_moons: upper arc (cos πt, sin πt), lower arc (1 - cos πt, 0.5 - sin πt);
      // shifted by (-0.5, -0.25) to centre them and scaled by 0.6 into [-1, 1]².
      return noisyCurves(
        'moons',
        [
          {
            at: (t) => [0.6 * (Math.cos(Math.PI * t) - 0.5), 0.6 * (Math.sin(Math.PI * t) - 0.25)],
            length: 0.6 * Math.PI,
          },
          {
            at: (t) => [
              0.6 * (1 - Math.cos(Math.PI * t) - 0.5),
              0.6 * (0.5 - Math.sin(Math.PI * t) - 0.25),
            ],
            length: 0.6 * Math.PI,
          },
        ],
        0.05,
      );
    default:
      throw new RangeError(
        `unknown toy distribution '${String(name)}'; one of ${TOY_2D.join(', ')}`,
      );
  }
}

/**
 * A 1-D mixture of Gaussians, the data distribution of 1-D GAN pictures (a
 * generator's density drawn against the data's, as in Figure 1 of Goodfellow
 * et al. 2014). The default is bimodal with unequal modes,
 * 0.3 N(-2, 0.5²) + 0.7 N(2, 1²), so mode dropping is visible.
 */
export function gaussianMixture1d(
  components: readonly { mean: number; std: number; weight?: number }[] = [
    { mean: -2, std: 0.5, weight: 0.3 },
    { mean: 2, std: 1, weight: 0.7 },
  ],
  name = 'mixture-1d',
): ToyDistribution {
  return gaussianMixture(
    name,
    components.map((c) => ({ mean: [c.mean], std: c.std, weight: c.weight })),
  );
}
