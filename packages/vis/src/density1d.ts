import {
  attrs,
  esc,
  formatTick,
  GRID_COLOR,
  ID,
  linear,
  MUTED_COLOR,
  niceTicks,
  num,
  polyline,
  svgOpen,
  textWidth,
  withIds,
} from './svg.js';

/**
 * Gaussian kernel density estimate of `samples`, evaluated on `grid`.
 *
 * @param samples shape [m], any range; non-finite samples are ignored
 * @param grid shape [n], where to evaluate
 * @param bandwidth kernel standard deviation; default Silverman's rule
 *   `1.06 * std * m^(-1/5)` (with a floor so identical samples still give a finite peak)
 * @returns densities, shape [n], non-negative, integrating to ~1 over the real line
 */
export function kde(
  samples: ArrayLike<number>,
  grid: ArrayLike<number>,
  bandwidth?: number,
): Float64Array {
  const xs: number[] = [];
  for (let i = 0; i < samples.length; i++) if (Number.isFinite(samples[i]!)) xs.push(samples[i]!);
  const out = new Float64Array(grid.length);
  if (xs.length === 0) return out;
  let mean = 0;
  for (const x of xs) mean += x;
  mean /= xs.length;
  let variance = 0;
  for (const x of xs) variance += (x - mean) ** 2;
  const std = Math.sqrt(variance / Math.max(1, xs.length - 1));
  const span = grid.length > 1 ? Math.abs(grid[grid.length - 1]! - grid[0]!) : 1;
  const h = bandwidth ?? Math.max(1.06 * std * xs.length ** -0.2, span / 200, 1e-9);
  const norm = 1 / (xs.length * h * Math.sqrt(2 * Math.PI));
  for (let j = 0; j < grid.length; j++) {
    const g = grid[j]!;
    let sum = 0;
    for (const x of xs) {
      const u = (g - x) / h;
      // Kernels beyond 6 bandwidths add under 1e-8 each; skipping them keeps big sample sets fast.
      if (u < 6 && u > -6) sum += Math.exp(-0.5 * u * u);
    }
    out[j] = sum * norm;
  }
  return out;
}

/**
 * What the 1-D GAN picture shows at one moment of training (Goodfellow et al.
 * 2014, Figure 1; the note's Figure 1.2). Every part is optional, so the same
 * function draws the data alone, or a frame without a discriminator.
 */
export interface GanDensityFrame {
  /** x positions where densities and D are given, shape [n], ascending. */
  grid?: ArrayLike<number>;
  /** p_data on `grid`, shape [n], >= 0. */
  dataDensity?: ArrayLike<number>;
  /** Samples of the data instead of `dataDensity`, shape [m]; estimated on `grid` with {@link kde}. */
  dataSamples?: ArrayLike<number>;
  /** p_g, the generator's density on `grid`, shape [n], >= 0. */
  generatorDensity?: ArrayLike<number>;
  /** Samples G(z) instead of `generatorDensity`, shape [m]; estimated with {@link kde}. */
  generatorSamples?: ArrayLike<number>;
  /** D(x) on `grid`, shape [n], in [0, 1] (probability that x is real). */
  discriminator?: ArrayLike<number>;
  /**
   * The mapping x = G(z) as pairs: `z[i]` maps to `x[i]`, both shape [k].
   * Drawn as arrows from the z line up to the x line (at most `maxArrows`,
   * evenly spread over the sorted z).
   */
  mapping?: { z: ArrayLike<number>; x: ArrayLike<number> };
}

export interface GanDensityOptions {
  /** Size in px; default 640 x 400. */
  width?: number;
  height?: number;
  title?: string;
  /** x range shown; default the grid's extent. Fix it to keep frames of an animation comparable. */
  xDomain?: readonly [number, number];
  /** z range of the lower line; default the extent of `mapping.z`. */
  zDomain?: readonly [number, number];
  /** Top of the density axis; default fits the largest density. Fix it across frames. */
  densityMax?: number;
  /** Most arrows drawn for the mapping; default 24. */
  maxArrows?: number;
  /** KDE bandwidth for sample inputs; default Silverman's rule. */
  bandwidth?: number;
  /** Show the legend; default true. */
  legend?: boolean;
}

export const DENSITY_COLORS = {
  data: '#111',
  generator: '#2ca02c',
  discriminator: '#1f77b4',
  mapping: '#777',
} as const;

/**
 * The 1-D GAN picture of Goodfellow et al. (2014), Figure 1, as an SVG string:
 * data density as a black dotted curve, the generator's density in solid
 * green, the discriminator's output D(x) as blue dashes on a 0-1 axis (right),
 * and below, the mapping x = G(z) as arrows from a z line up to the x line.
 * Call it once per frame with fixed `xDomain`, `zDomain` and `densityMax` to
 * animate training.
 */
export function ganDensityPlot(frame: GanDensityFrame, options: GanDensityOptions = {}): string {
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  const grid = frame.grid ?? [];
  const n = grid.length;
  const needGrid = (name: string, v: ArrayLike<number> | undefined) => {
    if (v && v.length !== n) {
      throw new Error(`ganDensityPlot: ${name} has ${v.length} values but grid has ${n}`);
    }
  };
  needGrid('dataDensity', frame.dataDensity);
  needGrid('generatorDensity', frame.generatorDensity);
  needGrid('discriminator', frame.discriminator);
  if ((frame.dataSamples || frame.generatorSamples) && n === 0) {
    throw new Error('ganDensityPlot: samples need a grid to estimate their density on');
  }
  const mapping = frame.mapping;
  if (mapping && mapping.z.length !== mapping.x.length) {
    throw new Error(
      `ganDensityPlot: mapping has ${mapping.z.length} z values but ${mapping.x.length} x values`,
    );
  }

  const data =
    frame.dataDensity ??
    (frame.dataSamples ? kde(frame.dataSamples, grid, options.bandwidth) : undefined);
  const gen =
    frame.generatorDensity ??
    (frame.generatorSamples ? kde(frame.generatorSamples, grid, options.bandwidth) : undefined);

  const extent = (v: ArrayLike<number>): [number, number] => {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i]!)) continue;
      lo = Math.min(lo, v[i]!);
      hi = Math.max(hi, v[i]!);
    }
    return lo <= hi ? [lo, hi] : [0, 1];
  };
  let [x0, x1] = options.xDomain ?? (n > 0 ? extent(grid) : mapping ? extent(mapping.x) : [0, 1]);
  if (x1 === x0) [x0, x1] = [x0 - 0.5, x1 + 0.5];
  let [z0, z1] = options.zDomain ?? (mapping ? extent(mapping.z) : [0, 1]);
  if (z1 === z0) [z0, z1] = [z0 - 0.5, z1 + 0.5];
  let dMax = options.densityMax ?? 0;
  if (options.densityMax === undefined) {
    for (const d of [data, gen]) if (d) dMax = Math.max(dMax, extent(d)[1]);
    dMax = dMax > 0 ? dMax * 1.08 : 1;
  }

  const legendOn = options.legend ?? true;
  const titleH = options.title ? 24 : 0;
  const legendH = legendOn ? 20 : 0;
  const left = 52;
  const right = width - 44;
  const top = 12 + titleH + legendH + 6;
  const showMapping = mapping !== undefined;
  // The x line sits at the bottom of the density plot; the z line below it, as in the paper.
  const xLine = showMapping ? top + (height - top - 28) * 0.66 : height - 34;
  const zLine = height - 34;
  const sx = linear(x0, x1, left, right);
  const sz = linear(z0, z1, left, right);
  const sd = linear(0, dMax, xLine, top);
  const sp = linear(0, 1, xLine, top);

  let svg = svgOpen(width, height, options.title ?? 'GAN densities in one dimension');
  if (options.title) {
    svg += `<text x="${left}" y="24" font-size="14" font-weight="600">${esc(options.title)}</text>\n`;
  }
  if (legendOn) {
    // Only what this frame has, so the legend never names a curve that is not drawn.
    const items: [string, string, string, number][] = [];
    if (data) items.push(['data p_data', DENSITY_COLORS.data, '0.5 4', 2.5]);
    if (gen) items.push(['generator p_g', DENSITY_COLORS.generator, '', 2.5]);
    if (frame.discriminator) {
      items.push(['discriminator D(x)', DENSITY_COLORS.discriminator, '7 4', 2]);
    }
    if (mapping) items.push(['x = G(z)', DENSITY_COLORS.mapping, '', 1.2]);
    let x = left;
    const y = 12 + titleH + 9;
    for (const [label, color, dash, w] of items) {
      svg += `<line${attrs({ x1: x, x2: x + 22, y1: y, y2: y, stroke: color, 'stroke-width': w, 'stroke-dasharray': dash || undefined, 'stroke-linecap': 'round' })}/>`;
      svg += `<text x="${num(x + 28)}" y="${num(y + 4)}">${esc(label)}</text>\n`;
      x += 28 + textWidth(label, 12) + 22;
    }
  }

  // Grid lines at D = 0.25, 0.5, 0.75 (D's own axis on the right); density ticks on the left.
  svg += `<g class="grid" stroke="${GRID_COLOR}">`;
  for (const t of [0.25, 0.5, 0.75, 1])
    svg += `<line${attrs({ x1: left, x2: right, y1: sp(t), y2: sp(t) })}/>`;
  svg += '</g>\n';
  const dt = niceTicks(0, dMax, 4);
  svg += `<g class="density-ticks" font-size="11" fill="${MUTED_COLOR}" text-anchor="end">`;
  // No label at 0: the x line is there, and its own label sits beside it.
  for (const t of dt.ticks) {
    if (t > 0)
      svg += `<text x="${left - 6}" y="${num(sd(t) + 4)}">${formatTick(t, dt.step)}</text>`;
  }
  svg += '</g>\n';
  const cy = (top + xLine) / 2;
  svg += `<text x="14" y="${num(cy)}" text-anchor="middle" fill="${MUTED_COLOR}" transform="rotate(-90 14 ${num(cy)})">density</text>\n`;
  if (frame.discriminator) {
    svg += `<g class="d-ticks" font-size="11" fill="${DENSITY_COLORS.discriminator}">`;
    for (const t of [0.5, 1]) svg += `<text x="${right + 6}" y="${num(sp(t) + 4)}">${t}</text>`;
    svg += '</g>\n';
    svg += `<text x="${width - 10}" y="${num(cy)}" text-anchor="middle" fill="${DENSITY_COLORS.discriminator}" transform="rotate(90 ${width - 10} ${num(cy)})">D(x)</text>\n`;
  }

  // Curves, clipped to the plot area so a fixed densityMax cannot draw over the legend.
  const clipId = `${ID}-clip`;
  svg += `<clipPath id="${clipId}"><rect${attrs({ x: left, y: top - 2, width: right - left, height: xLine - top + 3 })}/></clipPath>\n`;
  svg += `<g clip-path="url(#${clipId})" fill="none" stroke-linejoin="round">\n`;
  if (gen) {
    // A faint fill under p_g makes the mass the generator puts where visible at a glance.
    const line = polyline(grid, gen, sx, sd);
    if (line) {
      svg += `<path class="generator-fill" d="${line}L${num(sx(grid[n - 1]!))} ${num(xLine)}L${num(sx(grid[0]!))} ${num(xLine)}Z" fill="${DENSITY_COLORS.generator}" fill-opacity="0.12" stroke="none"/>\n`;
      svg += `<path class="generator" d="${line}" stroke="${DENSITY_COLORS.generator}" stroke-width="2.5"/>\n`;
    }
  }
  if (data) {
    const line = polyline(grid, data, sx, sd);
    if (line) {
      svg += `<path class="data" d="${line}" stroke="${DENSITY_COLORS.data}" stroke-width="2.5" stroke-dasharray="0.5 4" stroke-linecap="round"/>\n`;
    }
  }
  if (frame.discriminator) {
    const line = polyline(grid, frame.discriminator, sx, sp);
    if (line) {
      svg += `<path class="discriminator" d="${line}" stroke="${DENSITY_COLORS.discriminator}" stroke-width="2" stroke-dasharray="7 4"/>\n`;
    }
  }
  svg += '</g>\n';

  // The x line with its ticks.
  const xt = niceTicks(x0, x1, Math.max(2, Math.round((right - left) / 80)));
  svg += `<line class="x-line"${attrs({ x1: left, x2: right, y1: xLine, y2: xLine, stroke: '#333', 'stroke-width': 1.5 })}/>\n`;
  svg += `<g class="x-ticks" font-size="11" fill="${MUTED_COLOR}" text-anchor="middle">`;
  for (const t of xt.ticks) {
    svg += `<line${attrs({ x1: sx(t), x2: sx(t), y1: xLine, y2: xLine + 4, stroke: '#333' })}/>`;
  }
  svg += '</g>\n';
  const xTickLabels = (halo: string) => {
    let out = `<g class="x-tick-labels" font-size="11" fill="${MUTED_COLOR}" text-anchor="middle"${halo}>`;
    for (const t of xt.ticks)
      out += `<text x="${num(sx(t))}" y="${num(xLine + 17)}">${formatTick(t, xt.step)}</text>`;
    return `${out}</g>\n`;
  };
  if (!showMapping) svg += xTickLabels('');
  svg += `<text x="${num(left - 10)}" y="${num(xLine + 5)}" text-anchor="end" font-style="italic" font-size="14">x</text>\n`;

  if (mapping) {
    svg += `<line class="z-line"${attrs({ x1: left, x2: right, y1: zLine, y2: zLine, stroke: '#333', 'stroke-width': 1.5 })}/>\n`;
    svg += `<text x="${num(left - 10)}" y="${num(zLine + 5)}" text-anchor="end" font-style="italic" font-size="14">z</text>\n`;
    const zt = niceTicks(z0, z1, Math.max(2, Math.round((right - left) / 80)));
    svg += `<g class="z-ticks" font-size="11" fill="${MUTED_COLOR}" text-anchor="middle">`;
    for (const t of zt.ticks) {
      svg += `<text x="${num(sz(t))}" y="${num(zLine + 17)}">${formatTick(t, zt.step)}</text>`;
    }
    svg += '</g>\n';
    const picked = spreadIndices(mapping.z, options.maxArrows ?? 24);
    svg += `<defs><marker id="${ID}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 1L10 5L0 9z" fill="${DENSITY_COLORS.mapping}"/></marker></defs>\n`;
    svg += `<g class="mapping" stroke="${DENSITY_COLORS.mapping}" stroke-width="1.2" marker-end="url(#${ID}-arrow)">`;
    for (const i of picked) {
      const z = mapping.z[i]!;
      // G(z) outside the shown x range points at the edge it left by, rather than vanishing.
      const x = Math.min(x1, Math.max(x0, mapping.x[i]!));
      if (!Number.isFinite(z) || !Number.isFinite(x)) continue;
      svg += `<line${attrs({ x1: sz(z), y1: zLine - 1, x2: sx(x), y2: xLine + 2 })}/>`;
    }
    svg += '</g>\n';
    // Drawn after the arrows, with a white halo, so they stay readable where arrows cross.
    svg += xTickLabels(' stroke="#fff" stroke-width="3" paint-order="stroke"');
  }
  return withIds(`${svg}</svg>\n`);
}

/** Up to `max` indices of `values`, evenly spread over their sorted order (finite values only). */
function spreadIndices(values: ArrayLike<number>, max: number): number[] {
  const order: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) order.push(i);
  order.sort((a, b) => values[a]! - values[b]!);
  if (order.length <= max) return order;
  const out: number[] = [];
  for (let k = 0; k < max; k++) out.push(order[Math.round((k * (order.length - 1)) / (max - 1))]!);
  return out;
}
