import type { GaussianComponent, ToyDistribution } from '@latent/datasets';

/** The grid of `gridDivergence`: `bins` cells per axis over [lo, hi] on each axis. */
export interface GridOptions {
  /** Cells per axis (default: 50 in 2-D, 200 in 1-D). */
  bins?: number;
  /** Bounds of every axis (default: [-1.5, 1.5] in 2-D, where the toy sets live; [-6, 6] in 1-D). */
  bounds?: readonly [number, number];
  /** Added to every cell's probability before renormalizing, so empty cells stay finite (default 1e-6). */
  epsilon?: number;
  /** Midpoint-rule points per cell and axis for the true mass (default 4). */
  subdivisions?: number;
}

/** Divergences between a toy distribution and samples, on a grid. */
export interface GridDivergence {
  /** KL(P || Q), nats: P the true cell masses, Q the samples' histogram. Lower is better. */
  kl: number;
  /** Jensen–Shannon divergence of P and Q, nats, in [0, log 2]. Lower is better. */
  js: number;
  bins: number;
  bounds: [number, number];
  epsilon: number;
  /** Share of the samples outside the grid (counted as missing mass of Q). */
  outside: number;
}

/**
 * GAN Lab's grid divergences: the true density integrated over each cell of
 * a regular grid (midpoint rule), against the histogram of the samples; both
 * get `epsilon` per cell and are renormalized. Samples outside the bounds
 * count as missing mass of Q. KL depends on the grid and epsilon (an empty
 * cell where P has mass costs P log(P / epsilon)); JS is bounded and robust.
 *
 * @param samples row-major [n * dim], dim = `dist.dim` (1 or 2)
 */
export function gridDivergence(
  dist: ToyDistribution,
  samples: ArrayLike<number>,
  options: GridOptions = {},
): GridDivergence {
  const dim = dist.dim;
  if (dim !== 1 && dim !== 2)
    throw new RangeError(`gridDivergence: ${dim}-D data; 1-D or 2-D only`);
  const n = samples.length / dim;
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`gridDivergence: ${samples.length} values are not ${dim}-D points`);
  const bins = options.bins ?? (dim === 2 ? 50 : 200);
  const [lo, hi] = options.bounds ?? (dim === 2 ? [-1.5, 1.5] : [-6, 6]);
  const epsilon = options.epsilon ?? 1e-6;
  const sub = options.subdivisions ?? 4;
  const h = (hi - lo) / bins;
  const cells = bins ** dim;

  // True mass per cell: density at sub x sub midpoints times their area.
  const perCell = sub ** dim;
  const nodes = new Float64Array(cells * perCell * dim);
  let o = 0;
  for (let c = 0; c < cells; c++) {
    const ix = c % bins;
    const iy = Math.floor(c / bins);
    for (let s = 0; s < perCell; s++) {
      const sx = s % sub;
      const sy = Math.floor(s / sub);
      nodes[o++] = lo + (ix + (sx + 0.5) / sub) * h;
      if (dim === 2) nodes[o++] = lo + (iy + (sy + 0.5) / sub) * h;
    }
  }
  const logp = dist.logDensity(nodes);
  const p = new Float64Array(cells);
  const area = (h / sub) ** dim;
  for (let c = 0; c < cells; c++) {
    let m = 0;
    for (let s = 0; s < perCell; s++) m += Math.exp(logp[c * perCell + s]!);
    p[c] = m * area;
  }

  const q = new Float64Array(cells);
  let outside = 0;
  for (let i = 0; i < n; i++) {
    const ix = Math.floor((samples[i * dim]! - lo) / h);
    const iy = dim === 2 ? Math.floor((samples[i * dim + 1]! - lo) / h) : 0;
    if (ix < 0 || ix >= bins || iy < 0 || iy >= bins || Number.isNaN(ix + iy)) outside++;
    else q[iy * bins + ix]! += 1 / n;
  }

  const normalize = (a: Float64Array) => {
    let t = 0;
    for (let c = 0; c < cells; c++) t += a[c]! + epsilon;
    for (let c = 0; c < cells; c++) a[c] = (a[c]! + epsilon) / t;
  };
  normalize(p);
  normalize(q);
  let kl = 0;
  let js = 0;
  for (let c = 0; c < cells; c++) {
    const pc = p[c]!;
    const qc = q[c]!;
    const mc = 0.5 * (pc + qc);
    kl += pc * Math.log(pc / qc);
    js += 0.5 * pc * Math.log(pc / mc) + 0.5 * qc * Math.log(qc / mc);
  }
  return { kl, js, bins, bounds: [lo, hi], epsilon, outside: outside / n };
}

/** Which modes of a Gaussian mixture the samples reach. */
export interface ModeCoverage {
  modes: number;
  /** Modes holding at least `minShare` of their expected share of the samples within `radius` sigmas. Higher is better. */
  captured: number;
  /** Share of all samples within `radius` sigmas of some mode ("high-quality" samples). Higher is better. */
  highQuality: number;
  /** Samples assigned to each mode (the nearest in sigmas, among those within `radius`). */
  counts: number[];
  radius: number;
  minShare: number;
}

/**
 * Mode coverage of samples of a Gaussian mixture (the ring and grid
 * experiments of the unrolled-GAN and VEEGAN papers): a sample belongs to the
 * nearest mode, measured in that mode's standard deviations
 * (sqrt(sum_d ((x_d - mu_d) / sigma_d)^2)), if it is within `radius` (default
 * 3) of it; a mode is captured when it holds at least `minShare` (default
 * 0.1) of its expected count, weight * n.
 *
 * @param samples row-major [n * dim]
 * @param components the mixture (e.g. `toyDistribution('ring').components`)
 */
export function modeCoverage(
  components: readonly GaussianComponent[],
  samples: ArrayLike<number>,
  options: { radius?: number; minShare?: number } = {},
): ModeCoverage {
  const radius = options.radius ?? 3;
  const minShare = options.minShare ?? 0.1;
  const k = components.length;
  if (k === 0) throw new RangeError('modeCoverage: no modes');
  const dim = components[0]!.mean.length;
  const n = samples.length / dim;
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`modeCoverage: ${samples.length} values are not ${dim}-D points`);
  const stds = components.map((c) =>
    typeof c.std === 'number' ? new Array<number>(dim).fill(c.std) : [...c.std],
  );
  const totalWeight = components.reduce((s, c) => s + (c.weight ?? 1), 0);
  const counts = new Array<number>(k).fill(0);
  let within = 0;
  for (let i = 0; i < n; i++) {
    let best = -1;
    let bestD = radius * radius;
    for (let m = 0; m < k; m++) {
      let d2 = 0;
      for (let j = 0; j < dim; j++)
        d2 += ((samples[i * dim + j]! - components[m]!.mean[j]!) / stds[m]![j]!) ** 2;
      if (d2 <= bestD) {
        bestD = d2;
        best = m;
      }
    }
    if (best >= 0) {
      counts[best]!++;
      within++;
    }
  }
  const captured = counts.filter(
    (c, m) => c >= (minShare * n * (components[m]!.weight ?? 1)) / totalWeight,
  ).length;
  return { modes: k, captured, highQuality: within / n, counts, radius, minShare };
}
