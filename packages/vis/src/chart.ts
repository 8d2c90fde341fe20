import {
  AXIS_COLOR,
  attrs,
  esc,
  formatTick,
  GRID_COLOR,
  ID,
  linear,
  MUTED_COLOR,
  niceDomain,
  niceTicks,
  num,
  PALETTE,
  polyline,
  svgOpen,
  textWidth,
  withIds,
} from './svg.js';

/** One named line of a {@link lineChart}. */
export interface LineSeries {
  /** Shown in the legend. */
  label: string;
  /** Values, shape [n]. NaN and ±Infinity leave a gap in the line. */
  y: ArrayLike<number>;
  /** x of each value (usually training steps), shape [n], ascending; default 0, 1, ..., n-1. */
  x?: ArrayLike<number>;
  /** Any CSS colour; default the next colour of the Tableau 10 palette. */
  color?: string;
  /** Dashed line, e.g. to set a validation curve apart from a training curve. */
  dashed?: boolean;
}

/** A horizontal reference line, e.g. D(x) = 0.5 at the game's equilibrium. */
export interface ReferenceLine {
  y: number;
  label?: string;
}

export interface LineChartOptions {
  /** Size in px; default 640 x 320. */
  width?: number;
  height?: number;
  /** Bold text above the plot. */
  title?: string;
  /** Label under the x axis; default `'step'`. Empty string for none. */
  xLabel?: string;
  /** Label beside the y axis, rotated. */
  yLabel?: string;
  /** Fixed y range, e.g. `[0, 1]` for probabilities; default fits the finite data, rounded out to nice ticks. */
  yDomain?: readonly [number, number];
  /** Fixed x range; default fits the data exactly. */
  xDomain?: readonly [number, number];
  /**
   * Exponential-moving-average weight in [0, 1): 0 draws the raw values; at
   * 0.6-0.99 the smoothed line is drawn bold with the raw values faint behind
   * (TensorBoard's convention). Default 0.
   */
  smoothing?: number;
  /** Horizontal reference lines, drawn dashed grey under the data. */
  referenceLines?: readonly ReferenceLine[];
  /** Show the legend (with each series' last value); default true. */
  legend?: boolean;
}

/**
 * Exponential moving average with TensorBoard's debiasing, so the first values
 * are not pulled towards 0: `s_t = w s_{t-1} + (1 - w) v_t`, reported as
 * `s_t / (1 - w^t)`, where t counts finite values only.
 *
 * @param values shape [n], any range; NaN/±Infinity give NaN at that index and do not disturb the average
 * @param weight in [0, 1); 0 returns a copy
 * @returns shape [n]
 */
export function emaSmooth(values: ArrayLike<number>, weight: number): Float64Array {
  if (!(weight >= 0 && weight < 1)) {
    throw new Error(`emaSmooth: weight must be in [0, 1), got ${weight}`);
  }
  const out = new Float64Array(values.length);
  let s = 0;
  let debias = 1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      out[i] = Number.NaN;
      continue;
    }
    s = weight * s + (1 - weight) * v;
    debias *= weight;
    out[i] = s / (1 - debias);
  }
  return out;
}

const MARGIN = { left: 56, right: 24, bottom: 40 };

/**
 * A line chart of several named series over a shared x axis (training steps),
 * as a standalone SVG document string: losses, mean D(x) and D(G(z)) on a 0-1
 * axis, metrics. Usable as a file, as `innerHTML`, or as an `<img>` data URL.
 *
 * @returns an `<svg>` element with `width`/`height`/`viewBox` set
 */
export function lineChart(series: readonly LineSeries[], options: LineChartOptions = {}): string {
  const width = options.width ?? 640;
  const height = options.height ?? 320;
  const smoothing = options.smoothing ?? 0;
  if (!(smoothing >= 0 && smoothing < 1)) {
    throw new Error(`lineChart: smoothing must be in [0, 1), got ${smoothing}`);
  }
  const xLabel = options.xLabel ?? 'step';
  const showLegend = options.legend ?? true;

  const lines = series.map((s, i) => {
    const n = s.y.length;
    if (s.x && s.x.length !== n) {
      throw new Error(
        `lineChart: series '${s.label}' has ${s.x.length} x values but ${n} y values`,
      );
    }
    const x = s.x ?? Float64Array.from({ length: n }, (_, k) => k);
    const smooth = smoothing > 0 ? emaSmooth(s.y, smoothing) : undefined;
    const shown = smooth ?? s.y;
    let last = Number.NaN;
    for (let k = n - 1; k >= 0; k--) {
      if (Number.isFinite(shown[k]!) && Number.isFinite(x[k]!)) {
        last = shown[k]!;
        break;
      }
    }
    return {
      label: s.label,
      color: s.color ?? PALETTE[i % PALETTE.length]!,
      dashed: s.dashed ?? false,
      x,
      y: s.y,
      smooth,
      last,
    };
  });

  // Data extents over finite points only, so one NaN or Infinity cannot blow up the axes.
  let xMin = Number.POSITIVE_INFINITY;
  let xMax = Number.NEGATIVE_INFINITY;
  let yMin = Number.POSITIVE_INFINITY;
  let yMax = Number.NEGATIVE_INFINITY;
  for (const l of lines) {
    for (let k = 0; k < l.y.length; k++) {
      const x = l.x[k]!;
      const y = l.y[k]!;
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      xMin = Math.min(xMin, x);
      xMax = Math.max(xMax, x);
      yMin = Math.min(yMin, y);
      yMax = Math.max(yMax, y);
    }
  }
  const hasData = xMin <= xMax;
  for (const r of options.referenceLines ?? []) {
    if (!hasData || options.yDomain) break;
    yMin = Math.min(yMin, r.y);
    yMax = Math.max(yMax, r.y);
  }
  let [x0, x1] = options.xDomain ?? (hasData ? [xMin, xMax] : [0, 1]);
  if (x1 === x0) [x0, x1] = [x0 - 0.5, x1 + 0.5];
  const [y0, y1] = options.yDomain ?? (hasData ? niceDomain(yMin, yMax, 5) : [0, 1]);

  // Legend: one row (wrapping) of swatch + label + last value, above the plot.
  const legendItems = showLegend
    ? lines.map((l) => {
        const value = Number.isFinite(l.last) ? formatValue(l.last) : 'no data';
        return { ...l, text: l.label, value, w: 22 + textWidth(`${l.label} ${value}`, 12) + 18 };
      })
    : [];
  const titleH = options.title ? 24 : 0;
  let legendRows = 0;
  const placed: { item: (typeof legendItems)[number]; x: number; row: number }[] = [];
  {
    let x = MARGIN.left;
    for (const item of legendItems) {
      if (legendRows === 0 || (x + item.w > width - MARGIN.right && x > MARGIN.left)) {
        legendRows++;
        x = MARGIN.left;
      }
      placed.push({ item, x, row: legendRows - 1 });
      x += item.w;
    }
  }
  const top = 10 + titleH + legendRows * 18 + 6;
  const left = MARGIN.left + (options.yLabel ? 14 : 0);
  const right = width - MARGIN.right;
  const bottom = height - MARGIN.bottom + (xLabel ? 0 : 14);
  const sx = linear(x0, x1, left, right);
  const sy = linear(y0, y1, bottom, top);

  let svg = svgOpen(width, height, options.title ?? series.map((s) => s.label).join(', '));
  if (options.title) {
    svg += `<text x="${left}" y="24" font-size="14" font-weight="600">${esc(options.title)}</text>\n`;
  }
  for (const { item, x, row } of placed) {
    const y = 10 + titleH + row * 18 + 9;
    svg += `<g class="legend-item">`;
    svg += `<line${attrs({ x1: x, x2: x + 16, y1: y, y2: y, stroke: item.color, 'stroke-width': 2.5, 'stroke-dasharray': item.dashed ? '5 3' : undefined })}/>`;
    svg += `<text x="${num(x + 22)}" y="${num(y + 4)}">${esc(item.text)} <tspan fill="${MUTED_COLOR}">${esc(item.value)}</tspan></text>`;
    svg += '</g>\n';
  }

  // Grid and tick labels.
  const yt = niceTicks(y0, y1, Math.max(2, Math.round((bottom - top) / 50)));
  // Without data or a given x range there is no x axis to speak of: an empty
  // chart should not claim steps 0 to 1.
  const xt =
    hasData || options.xDomain
      ? niceTicks(x0, x1, Math.max(2, Math.round((right - left) / 90)))
      : { ticks: [], step: 1 };
  svg += `<g class="grid" stroke="${GRID_COLOR}" stroke-width="1">`;
  for (const t of yt.ticks) svg += `<line${attrs({ x1: left, x2: right, y1: sy(t), y2: sy(t) })}/>`;
  for (const t of xt.ticks) svg += `<line${attrs({ x1: sx(t), x2: sx(t), y1: top, y2: bottom })}/>`;
  svg += '</g>\n';
  svg += `<g class="y-ticks" font-size="11" fill="${MUTED_COLOR}" text-anchor="end">`;
  for (const t of yt.ticks) {
    svg += `<text x="${num(left - 6)}" y="${num(sy(t) + 4)}">${formatTick(t, yt.step)}</text>`;
  }
  svg += '</g>\n';
  svg += `<g class="x-ticks" font-size="11" fill="${MUTED_COLOR}" text-anchor="middle">`;
  for (const t of xt.ticks) {
    svg += `<text x="${num(sx(t))}" y="${num(bottom + 16)}">${formatTick(t, xt.step)}</text>`;
  }
  svg += '</g>\n';
  svg += `<line${attrs({ x1: left, x2: right, y1: bottom, y2: bottom, stroke: AXIS_COLOR })}/>\n`;
  if (xLabel) {
    svg += `<text x="${num((left + right) / 2)}" y="${num(height - 6)}" text-anchor="middle" fill="${MUTED_COLOR}">${esc(xLabel)}</text>\n`;
  }
  if (options.yLabel) {
    const cy = (top + bottom) / 2;
    svg += `<text x="14" y="${num(cy)}" text-anchor="middle" fill="${MUTED_COLOR}" transform="rotate(-90 14 ${num(cy)})">${esc(options.yLabel)}</text>\n`;
  }

  // Data, clipped to the plot so fixed domains cannot spill over the labels.
  const clipId = `${ID}-clip`;
  svg += `<clipPath id="${clipId}"><rect${attrs({ x: left, y: top - 2, width: right - left, height: bottom - top + 4 })}/></clipPath>\n`;
  svg += `<g clip-path="url(#${clipId})" fill="none" stroke-linejoin="round" stroke-linecap="round">\n`;
  for (const r of options.referenceLines ?? []) {
    svg += `<line class="reference"${attrs({ x1: left, x2: right, y1: sy(r.y), y2: sy(r.y), stroke: '#888', 'stroke-dasharray': '4 4' })}/>`;
    if (r.label) {
      svg += `<text${attrs({ x: right - 4, y: sy(r.y) - 4, 'text-anchor': 'end', fill: '#888', stroke: '#fff', 'stroke-width': 3, 'paint-order': 'stroke', 'font-size': 11 })}>${esc(r.label)}</text>`;
    }
    svg += '\n';
  }
  const pixel = Math.abs(right - left);
  for (const l of lines) {
    const dash = l.dashed ? ' stroke-dasharray="6 4"' : '';
    const [rx, ry] = decimate(l.x, l.y, sx, pixel);
    const raw = polyline(rx, ry, sx, sy);
    if (l.smooth) {
      if (raw) {
        svg += `<path class="raw" d="${raw}" stroke="${l.color}" stroke-opacity="0.25" stroke-width="1"${dash}/>\n`;
      }
      const [mx, my] = decimate(l.x, l.smooth, sx, pixel);
      const smooth = polyline(mx, my, sx, sy);
      if (smooth) {
        svg += `<path class="series" d="${smooth}" stroke="${l.color}" stroke-width="2"${dash}/>\n`;
      }
    } else if (raw) {
      svg += `<path class="series" d="${raw}" stroke="${l.color}" stroke-width="1.75"${dash}/>\n`;
    }
    // A lone finite point draws no line; mark it so a single logged value is still visible.
    if (raw && !raw.includes('L')) {
      const m = /^M(\S+) (\S+)/.exec(raw);
      if (m) svg += `<circle cx="${m[1]}" cy="${m[2]}" r="2.5" fill="${l.color}" stroke="none"/>\n`;
    }
  }
  svg += '</g>\n';
  if (!hasData) {
    svg += `<text x="${num((left + right) / 2)}" y="${num((top + bottom) / 2)}" text-anchor="middle" fill="${MUTED_COLOR}">no data yet</text>\n`;
  }
  return withIds(`${svg}</svg>\n`);
}

/** Last values in the legend: 3 significant digits, no exponent for ordinary sizes. */
function formatValue(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2);
  return String(Number(v.toPrecision(3)));
}

/**
 * Thins a long series to at most ~4 points per pixel column (first, min, max,
 * last of each column, in order), which draws the same picture as every
 * point: 100k logged steps stay a small SVG. NaN gaps are kept.
 */
function decimate(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  sx: (v: number) => number,
  columns: number,
): [ArrayLike<number>, ArrayLike<number>] {
  if (ys.length <= columns * 4) return [xs, ys];
  const ox: number[] = [];
  const oy: number[] = [];
  let col = Number.NaN;
  let bucket: number[] = [];
  const flush = () => {
    if (bucket.length === 0) return;
    let lo = bucket[0]!;
    let hi = bucket[0]!;
    for (const k of bucket) {
      if (ys[k]! < ys[lo]!) lo = k;
      if (ys[k]! > ys[hi]!) hi = k;
    }
    const keep = [...new Set([bucket[0]!, lo, hi, bucket[bucket.length - 1]!])].sort(
      (a, b) => a - b,
    );
    for (const k of keep) {
      ox.push(xs[k]!);
      oy.push(ys[k]!);
    }
    bucket = [];
  };
  for (let k = 0; k < ys.length; k++) {
    const x = xs[k]!;
    const y = ys[k]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      flush();
      ox.push(x);
      oy.push(Number.NaN);
      col = Number.NaN;
      continue;
    }
    const c = Math.floor(sx(x));
    if (c !== col) {
      flush();
      col = c;
    }
    bucket.push(k);
  }
  flush();
  return [ox, oy];
}
