import { pngDataUrl } from './png.js';
import {
  attrs,
  esc,
  formatTick,
  ID,
  linear,
  MUTED_COLOR,
  niceTicks,
  num,
  svgOpen,
  withIds,
} from './svg.js';

/** A rectangle of the plane: x from `x[0]` to `x[1]`, y from `y[0]` to `y[1]`. */
export interface Domain2d {
  x: readonly [number, number];
  y: readonly [number, number];
}

/**
 * The centres of a `rows` x `cols` grid of cells covering `domain`, in the
 * order every 2-D grid of this package uses: row-major, row 0 at the TOP
 * (largest y), column 0 at the left, like the pixels of an image. Evaluate D
 * at these points to get the `values` of {@link Heatmap2d}.
 *
 * @returns shape [rows * cols, 2] as (x, y) pairs: feed it to a tfjs
 *   `tensor2d(points, [rows * cols, 2])`.
 */
export function gridPoints(domain: Domain2d, rows: number, cols: number): Float32Array {
  const [x0, x1] = domain.x;
  const [y0, y1] = domain.y;
  const out = new Float32Array(rows * cols * 2);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = (r * cols + c) * 2;
      out[i] = x0 + ((c + 0.5) * (x1 - x0)) / cols;
      out[i + 1] = y1 - ((r + 0.5) * (y1 - y0)) / rows;
    }
  }
  return out;
}

/** Values on the cells of {@link gridPoints}(domain, rows, cols): shape [rows * cols], row 0 at the top. */
export interface Heatmap2d {
  values: ArrayLike<number>;
  rows: number;
  cols: number;
}

/**
 * The generator's manifold: G applied to a regular `rows` x `cols` grid of z
 * (for 2-D z, e.g. `gridPoints({x: [0, 1], y: [0, 1]}, rows, cols)`).
 * `points` has shape [rows * cols, 2]: the (x, y) of G(z) for grid node
 * (r, c) at index r * cols + c. Neighbouring nodes are joined, so the mesh
 * shows how G stretches and folds the z plane.
 */
export interface Manifold2d {
  points: ArrayLike<number>;
  rows: number;
  cols: number;
}

export interface Gan2dFrame {
  /** Real samples, shape [n, 2] flattened as (x, y) pairs. */
  real?: ArrayLike<number>;
  /** Generated samples G(z), shape [m, 2] flattened as (x, y) pairs. */
  fake?: ArrayLike<number>;
  /** D(x) in [0, 1] on the grid of {@link gridPoints}(domain, rows, cols). */
  discriminator?: Heatmap2d;
  manifold?: Manifold2d;
  /**
   * The direction G's update moves each generated sample, shape [m, 2] as
   * (dx, dy) pairs aligned with `fake` (e.g. the gradient of log D at G(z)),
   * drawn as arrows from the samples as in GAN Lab. Lengths are scaled so the
   * longest arrow spans `arrowLength` of the plot.
   */
  fakeGradients?: ArrayLike<number>;
}

export interface Gan2dOptions {
  /** The region shown; the heatmap's grid covers exactly this. */
  domain: Domain2d;
  /** Size of the square plot in px; default 420 (the SVG adds room for axes and legend). */
  size?: number;
  title?: string;
  /**
   * Heatmaps with more cells than this are embedded as one PNG (smoothly
   * scaled by the viewer); smaller ones as `<rect>`s, which stay crisp and
   * inspectable. Default 1024 (32 x 32).
   */
  maxRectCells?: number;
  /** Radius of the sample dots in px; default 2.5. */
  pointRadius?: number;
  /** Show the legend; default true. */
  legend?: boolean;
  /** Length of the longest gradient arrow, as a fraction of the plot's side; default 0.08. */
  arrowLength?: number;
}

/** GAN Lab's colours: green for real (D -> 1), purple for generated (D -> 0). */
export const GAN2D_COLORS = { real: '#1a9641', fake: '#7b3294' } as const;

// Light tints at the ends of the heatmap's scale, so dots stay visible on top.
const HEAT_REAL: readonly [number, number, number] = [166, 219, 160];
const HEAT_FAKE: readonly [number, number, number] = [194, 165, 207];

/**
 * The heatmap colour of D = v: purple tint at 0, white at 0.5 (D cannot tell),
 * green tint at 1. NaN is grey.
 *
 * @returns [r, g, b], integers 0..255
 */
export function discriminatorColor(v: number): [number, number, number] {
  if (!Number.isFinite(v)) return [200, 200, 200];
  const t = Math.min(1, Math.max(0, v));
  const [end, k] = t >= 0.5 ? [HEAT_REAL, (t - 0.5) * 2] : [HEAT_FAKE, (0.5 - t) * 2];
  return [
    Math.round(255 + (end[0] - 255) * k),
    Math.round(255 + (end[1] - 255) * k),
    Math.round(255 + (end[2] - 255) * k),
  ];
}

/**
 * The 2-D picture of GAN Lab as an SVG string: the discriminator's output as
 * a heatmap, the generator's manifold as a warped mesh (cells shaded darker
 * where G squeezes the z plane, i.e. where p_g is dense), and real (green) and
 * generated (purple) samples as dots.
 */
export function gan2dPlot(frame: Gan2dFrame, options: Gan2dOptions): string {
  const size = options.size ?? 420;
  const { domain } = options;
  const [x0, x1] = domain.x;
  const [y0, y1] = domain.y;
  if (!(x1 > x0 && y1 > y0)) {
    throw new Error(
      `gan2dPlot: domain must have x[0] < x[1] and y[0] < y[1], got ${JSON.stringify(domain)}`,
    );
  }
  const legendOn = options.legend ?? true;
  const titleH = options.title ? 24 : 0;
  const legendH = legendOn ? 22 : 0;
  const left = 44;
  const top = 10 + titleH + legendH;
  const width = left + size + 14;
  const height = top + size + 30;
  const sx = linear(x0, x1, left, left + size);
  const sy = linear(y0, y1, top + size, top);

  let svg = svgOpen(width, height, options.title ?? 'GAN samples over the discriminator');
  if (options.title) {
    svg += `<text x="${left}" y="24" font-size="14" font-weight="600">${esc(options.title)}</text>\n`;
  }
  if (legendOn) {
    const y = 10 + titleH + 8;
    svg += `<g class="legend">`;
    svg += `<circle cx="${left + 5}" cy="${y}" r="4" fill="${GAN2D_COLORS.real}"/><text x="${left + 14}" y="${y + 4}">real</text>`;
    svg += `<circle cx="${left + 60}" cy="${y}" r="4" fill="${GAN2D_COLORS.fake}"/><text x="${left + 69}" y="${y + 4}">generated</text>`;
    if (frame.discriminator) {
      const gx = left + 160;
      svg += `<linearGradient id="${ID}-scale"><stop offset="0" stop-color="${rgb(discriminatorColor(0))}"/><stop offset="0.5" stop-color="#fff"/><stop offset="1" stop-color="${rgb(discriminatorColor(1))}"/></linearGradient>`;
      svg += `<text x="${gx}" y="${y + 4}">D(x)</text><text x="${gx + 36}" y="${y + 4}" fill="${MUTED_COLOR}" font-size="11">0</text>`;
      svg += `<rect x="${gx + 46}" y="${y - 5}" width="70" height="10" fill="url(#${ID}-scale)" stroke="#bbb" stroke-width="0.5"/>`;
      svg += `<text x="${gx + 121}" y="${y + 4}" fill="${MUTED_COLOR}" font-size="11">1</text>`;
    }
    svg += '</g>\n';
  }

  const clipId = `${ID}-clip`;
  svg += `<clipPath id="${clipId}"><rect x="${left}" y="${top}" width="${size}" height="${size}"/></clipPath>\n`;
  svg += `<g clip-path="url(#${clipId})">\n`;
  if (frame.discriminator)
    svg += heatmap(frame.discriminator, left, top, size, options.maxRectCells ?? 1024);
  if (frame.manifold) svg += manifold(frame.manifold, sx, sy);
  const r = options.pointRadius ?? 2.5;
  if (frame.real) svg += dots(frame.real, 'real', GAN2D_COLORS.real, r, sx, sy);
  if (frame.fake) svg += dots(frame.fake, 'fake', GAN2D_COLORS.fake, r, sx, sy);
  if (frame.fake && frame.fakeGradients) {
    svg += gradientArrows(
      frame.fake,
      frame.fakeGradients,
      (options.arrowLength ?? 0.08) * size,
      sx,
      sy,
    );
  }
  svg += '</g>\n';
  svg += `<rect x="${left}" y="${top}" width="${size}" height="${size}" fill="none" stroke="#999"/>\n`;

  const ticks = (lo: number, hi: number) => niceTicks(lo, hi, Math.max(2, Math.round(size / 80)));
  const xt = ticks(x0, x1);
  const yt = ticks(y0, y1);
  svg += `<g class="ticks" font-size="11" fill="${MUTED_COLOR}">`;
  for (const t of xt.ticks) {
    svg += `<text x="${num(sx(t))}" y="${top + size + 16}" text-anchor="middle">${formatTick(t, xt.step)}</text>`;
  }
  for (const t of yt.ticks) {
    svg += `<text x="${left - 6}" y="${num(sy(t) + 4)}" text-anchor="end">${formatTick(t, yt.step)}</text>`;
  }
  svg += '</g>\n';
  return withIds(`${svg}</svg>\n`);
}

function rgb([r, g, b]: readonly [number, number, number]): string {
  return `rgb(${r},${g},${b})`;
}

function heatmap(h: Heatmap2d, left: number, top: number, size: number, maxRects: number): string {
  const { values, rows, cols } = h;
  if (!(Number.isInteger(rows) && rows > 0 && Number.isInteger(cols) && cols > 0)) {
    throw new Error(
      `gan2dPlot: discriminator rows and cols must be positive integers, got ${rows}x${cols}`,
    );
  }
  if (values.length !== rows * cols) {
    throw new Error(
      `gan2dPlot: discriminator has ${values.length} values, expected rows*cols = ${rows}*${cols} = ${rows * cols}`,
    );
  }
  if (rows * cols > maxRects) {
    const data = new Uint8ClampedArray(rows * cols * 4);
    for (let i = 0; i < rows * cols; i++) {
      const [r, g, b] = discriminatorColor(values[i]!);
      data[i * 4] = r;
      data[i * 4 + 1] = g;
      data[i * 4 + 2] = b;
      data[i * 4 + 3] = 255;
    }
    const url = pngDataUrl({ width: cols, height: rows, data });
    return `<image class="heatmap" x="${left}" y="${top}" width="${size}" height="${size}" preserveAspectRatio="none" href="${url}"/>\n`;
  }
  const cw = size / cols;
  const ch = size / rows;
  let out = '<g class="heatmap" shape-rendering="crispEdges">';
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      // Half a pixel of overlap hides the hairline seams anti-aliasing leaves between cells.
      out += `<rect${attrs({ x: left + c * cw, y: top + r * ch, width: cw + 0.5, height: ch + 0.5, fill: rgb(discriminatorColor(values[r * cols + c]!)) })}/>`;
    }
  }
  return `${out}</g>\n`;
}

function manifold(m: Manifold2d, sx: (v: number) => number, sy: (v: number) => number): string {
  const { points, rows, cols } = m;
  if (!(Number.isInteger(rows) && rows > 0 && Number.isInteger(cols) && cols > 0)) {
    throw new Error(
      `gan2dPlot: manifold rows and cols must be positive integers, got ${rows}x${cols}`,
    );
  }
  if (points.length !== rows * cols * 2) {
    throw new Error(
      `gan2dPlot: manifold has ${points.length} values, expected rows*cols*2 = ${rows * cols * 2}`,
    );
  }
  const px = (r: number, c: number) => sx(points[(r * cols + c) * 2]!);
  const py = (r: number, c: number) => sy(points[(r * cols + c) * 2 + 1]!);
  let out = '<g class="manifold">';
  // Cell shading: a cell G squeezes to a small area holds the same z mass in
  // less space, so p_g is dense there; darker = denser, as in GAN Lab.
  if (rows > 1 && cols > 1) {
    const areas: number[] = [];
    for (let r = 0; r + 1 < rows; r++) {
      for (let c = 0; c + 1 < cols; c++) {
        const xs = [px(r, c), px(r, c + 1), px(r + 1, c + 1), px(r + 1, c)];
        const ys = [py(r, c), py(r, c + 1), py(r + 1, c + 1), py(r + 1, c)];
        let a = 0;
        for (let k = 0; k < 4; k++) a += xs[k]! * ys[(k + 1) % 4]! - xs[(k + 1) % 4]! * ys[k]!;
        areas.push(Math.abs(a) / 2);
      }
    }
    const finite = areas.filter((a) => Number.isFinite(a) && a > 0).sort((a, b) => a - b);
    const median = finite[Math.floor(finite.length / 2)] ?? 1;
    out += `<g class="cells" fill="${GAN2D_COLORS.fake}" stroke="none">`;
    for (let r = 0; r + 1 < rows; r++) {
      for (let c = 0; c + 1 < cols; c++) {
        const a = areas[r * (cols - 1) + c]!;
        if (!Number.isFinite(a)) continue;
        const opacity = Math.min(0.4, 0.09 * (median / Math.max(a, median * 1e-3)));
        if (opacity < 0.02) continue;
        out += `<path d="M${num(px(r, c))} ${num(py(r, c))}L${num(px(r, c + 1))} ${num(py(r, c + 1))}L${num(px(r + 1, c + 1))} ${num(py(r + 1, c + 1))}L${num(px(r + 1, c))} ${num(py(r + 1, c))}Z" fill-opacity="${num(opacity)}"/>`;
      }
    }
    out += '</g>';
  }
  let d = '';
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) d += `${c === 0 ? 'M' : 'L'}${num(px(r, c))} ${num(py(r, c))}`;
  }
  for (let c = 0; c < cols; c++) {
    for (let r = 0; r < rows; r++) d += `${r === 0 ? 'M' : 'L'}${num(px(r, c))} ${num(py(r, c))}`;
  }
  out += `<path class="mesh" d="${d}" fill="none" stroke="#4a2a5a" stroke-opacity="0.45" stroke-width="0.8"/>`;
  return `${out}</g>\n`;
}

function dots(
  xy: ArrayLike<number>,
  kind: string,
  color: string,
  r: number,
  sx: (v: number) => number,
  sy: (v: number) => number,
): string {
  if (xy.length % 2 !== 0) {
    throw new Error(`gan2dPlot: ${kind} must hold (x, y) pairs, got ${xy.length} values`);
  }
  let out = `<g class="${kind}" fill="${color}" fill-opacity="0.85" stroke="#fff" stroke-width="0.6">`;
  for (let i = 0; i < xy.length; i += 2) {
    const x = xy[i]!;
    const y = xy[i + 1]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    out += `<circle cx="${num(sx(x))}" cy="${num(sy(y))}" r="${r}"/>`;
  }
  return `${out}</g>\n`;
}

/** Arrows from each generated sample along its gradient, the longest `maxPx` long. */
function gradientArrows(
  xy: ArrayLike<number>,
  grad: ArrayLike<number>,
  maxPx: number,
  sx: (v: number) => number,
  sy: (v: number) => number,
): string {
  if (grad.length !== xy.length) {
    throw new Error(
      `gan2dPlot: fakeGradients has ${grad.length} values, expected one (dx, dy) per fake sample (${xy.length})`,
    );
  }
  // Measured in pixels, so the arrows point where they would on screen.
  const px = sx(1) - sx(0);
  const py = sy(1) - sy(0);
  let longest = 0;
  for (let i = 0; i < grad.length; i += 2) {
    const len = Math.hypot(grad[i]! * px, grad[i + 1]! * py);
    if (Number.isFinite(len)) longest = Math.max(longest, len);
  }
  if (longest === 0) return '';
  const k = maxPx / longest;
  let d = '';
  for (let i = 0; i < xy.length; i += 2) {
    const x = sx(xy[i]!);
    const y = sy(xy[i + 1]!);
    const dx = grad[i]! * px * k;
    const dy = grad[i + 1]! * py * k;
    const len = Math.hypot(dx, dy);
    if (!Number.isFinite(x + y + len) || len < 1) continue;
    const ex = x + dx;
    const ey = y + dy;
    // A two-stroke head, 3 px back from the tip and 2 px to each side.
    const ux = dx / len;
    const uy = dy / len;
    const h = Math.min(3, len / 2);
    d += `M${num(x)} ${num(y)}L${num(ex)} ${num(ey)}`;
    d += `M${num(ex - ux * h - uy * h * 0.7)} ${num(ey - uy * h + ux * h * 0.7)}L${num(ex)} ${num(ey)}L${num(ex - ux * h + uy * h * 0.7)} ${num(ey - uy * h - ux * h * 0.7)}`;
  }
  return `<path class="gradients" d="${d}" fill="none" stroke="${GAN2D_COLORS.fake}" stroke-opacity="0.8" stroke-width="0.9"/>\n`;
}
