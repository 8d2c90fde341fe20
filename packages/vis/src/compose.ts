import { drawText, measureText } from './font.js';
import { type ImageGridOptions, imageGrid, type Rgb, type RgbaImage, renderGrid } from './grid.js';

export interface ClassGridOptions extends Omit<ImageGridOptions, 'columns' | 'rowLabels'> {
  /**
   * Names of the classes, one row each in this order; class k is labelled
   * `classNames[k]`. Default: rows for 0..max(classes), labelled by number.
   */
  classNames?: readonly string[];
  /** Images per row; default the size of the largest class. Extra images of a class are left out. */
  perRow?: number;
  /** Label each row with its class name; default true. */
  labelRows?: boolean;
}

/**
 * A class-conditional grid: one row per class, images of class k left to
 * right in their original order, each row labelled with the class name. Rows
 * of classes with fewer images end in background cells.
 *
 * @param images shape [count, height, width, channels], as for {@link imageGrid}
 * @param classes class of each image, shape [count], integers 0..K-1
 *   (e.g. the labels a conditional generator was given)
 */
export function classGrid(
  images: Uint8Array | Float32Array,
  classes: ArrayLike<number>,
  options: ClassGridOptions,
): RgbaImage {
  const { count } = options;
  if (classes.length !== count) {
    throw new Error(`classGrid: got ${classes.length} classes for ${count} images`);
  }
  let k = options.classNames?.length ?? 0;
  for (let i = 0; i < count; i++) {
    const c = classes[i]!;
    if (!Number.isInteger(c) || c < 0 || (options.classNames && c >= options.classNames.length)) {
      throw new Error(
        `classGrid: class of image ${i} is ${c}, expected an integer 0..${options.classNames ? options.classNames.length - 1 : 'K-1'}`,
      );
    }
    if (!options.classNames) k = Math.max(k, c + 1);
  }
  const sizes = new Array<number>(k).fill(0);
  for (let i = 0; i < count; i++) sizes[classes[i]!]!++;
  const perRow = options.perRow ?? Math.max(1, ...sizes);
  if (!Number.isInteger(perRow) || perRow < 1) {
    throw new Error(`classGrid: perRow must be a positive integer, got ${perRow}`);
  }
  const seen = new Array<number>(k).fill(0);
  const slots = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const c = classes[i]!;
    const j = seen[c]!++;
    slots[i] = j < perRow ? c * perRow + j : -1;
  }
  const names = options.classNames ?? Array.from({ length: k }, (_, c) => String(c));
  return renderGrid(
    'classGrid',
    images,
    {
      ...options,
      columns: perRow,
      rowLabels: (options.labelRows ?? true) ? names : undefined,
    },
    { of: slots, count: k * perRow },
  );
}

function checkPair(caller: string, z0: ArrayLike<number>, z1: ArrayLike<number>, steps: number) {
  if (z0.length !== z1.length || z0.length === 0) {
    throw new Error(
      `${caller}: z0 and z1 must have the same non-zero length, got ${z0.length} and ${z1.length}`,
    );
  }
  if (!Number.isInteger(steps) || steps < 2) {
    throw new Error(`${caller}: steps must be an integer >= 2, got ${steps}`);
  }
}

/**
 * Evenly spaced points on the straight line from z0 to z1, both ends included:
 * step i is `z0 + (i / (steps - 1)) (z1 - z0)`.
 *
 * @param z0 start latent vector, shape [dim]
 * @param z1 end latent vector, shape [dim]
 * @param steps number of points, at least 2
 * @returns shape [steps, dim], row-major (a batch of z for the generator)
 */
export function lerp(z0: ArrayLike<number>, z1: ArrayLike<number>, steps: number): Float32Array {
  checkPair('lerp', z0, z1, steps);
  const dim = z0.length;
  const out = new Float32Array(steps * dim);
  for (let i = 0; i < steps; i++) {
    const t = i / (steps - 1);
    for (let d = 0; d < dim; d++) out[i * dim + d] = z0[d]! + t * (z1[d]! - z0[d]!);
  }
  return out;
}

/**
 * Spherical interpolation (Shoemake's slerp, as White 2016 recommends for GAN
 * latents): points along the great-circle arc from z0 to z1, with the norm
 * interpolated linearly. For Gaussian z in high dimensions, the midpoint of
 * a straight line has an atypically small norm (~0.71 of the typical norm
 * for two independent draws); slerp keeps the samples where the generator
 * was trained. Falls back to `lerp` when z0 and z1 are (anti)parallel or zero.
 *
 * @param z0 shape [dim]
 * @param z1 shape [dim]
 * @param steps at least 2; both ends included
 * @returns shape [steps, dim], row-major
 */
export function slerp(z0: ArrayLike<number>, z1: ArrayLike<number>, steps: number): Float32Array {
  checkPair('slerp', z0, z1, steps);
  const dim = z0.length;
  let n0 = 0;
  let n1 = 0;
  let dot = 0;
  for (let d = 0; d < dim; d++) {
    n0 += z0[d]! * z0[d]!;
    n1 += z1[d]! * z1[d]!;
    dot += z0[d]! * z1[d]!;
  }
  n0 = Math.sqrt(n0);
  n1 = Math.sqrt(n1);
  const cos = n0 > 0 && n1 > 0 ? Math.min(1, Math.max(-1, dot / (n0 * n1))) : 1;
  const omega = Math.acos(cos);
  const sin = Math.sin(omega);
  if (sin < 1e-6) return lerp(z0, z1, steps);
  const out = new Float32Array(steps * dim);
  for (let i = 0; i < steps; i++) {
    const t = i / (steps - 1);
    // Unit-vector slerp, rescaled to the linearly interpolated norm.
    const a = Math.sin((1 - t) * omega) / sin / n0;
    const b = Math.sin(t * omega) / sin / n1;
    const norm = (1 - t) * n0 + t * n1;
    for (let d = 0; d < dim; d++) out[i * dim + d] = norm * (a * z0[d]! + b * z1[d]!);
  }
  return out;
}

export interface InterpolationGridOptions extends Omit<ImageGridOptions, 'columns'> {
  /** Images per strip (the `steps` given to lerp/slerp). */
  steps: number;
}

/**
 * Interpolation strips: `count / steps` rows of `steps` images each, e.g. the
 * generator's outputs for `lerp(a, b, steps)` then `slerp(a, b, steps)`, one
 * row each (label them with `rowLabels: ['linear', 'spherical']`).
 *
 * @param images shape [strips * steps, height, width, channels]
 */
export function interpolationGrid(
  images: Uint8Array | Float32Array,
  options: InterpolationGridOptions,
): RgbaImage {
  const { steps, count } = options;
  if (!Number.isInteger(steps) || steps < 1 || count % steps !== 0) {
    throw new Error(`interpolationGrid: count (${count}) must be a multiple of steps (${steps})`);
  }
  return imageGrid(images, { ...options, columns: steps });
}

/** One picture of a {@link compareImages} figure and the caption above it. */
export interface Panel {
  image: RgbaImage;
  caption?: string;
}

export interface CompareOptions {
  /** Pixels between panels and around the figure; default 12. */
  gap?: number;
  /** Default white. */
  background?: Rgb;
  /** Caption colour; default near-black. */
  textColor?: Rgb;
  /** Integer size of the caption font (5 x 7 pixels at 1); default 2. */
  textScale?: number;
}

/**
 * Panels side by side with a caption above each, as one RGBA image: the
 * note's Figure 1.3 (samples from the fixed noise at epoch 0 next to the
 * final epoch's), or any before/after. Panels of different heights are
 * top-aligned.
 */
export function compareImages(panels: readonly Panel[], options: CompareOptions = {}): RgbaImage {
  if (panels.length === 0) throw new Error('compareImages: needs at least one panel');
  const gap = options.gap ?? 12;
  const scale = options.textScale ?? 2;
  const [bgR, bgG, bgB] = options.background ?? [255, 255, 255];
  const color = options.textColor ?? [25, 25, 25];
  const hasCaption = panels.some((p) => p.caption);
  const textH = measureText('', scale).height;
  const captionH = hasCaption ? textH + Math.round(gap * 0.75) : 0;
  // A panel is as wide as its image or its caption, whichever is wider.
  const widths = panels.map((p) =>
    Math.max(p.image.width, p.caption ? measureText(p.caption, scale).width : 0),
  );
  const width = widths.reduce((a, w) => a + w, 0) + gap * (panels.length + 1);
  const height = gap * 2 + captionH + Math.max(...panels.map((p) => p.image.height));
  const data = new Uint8ClampedArray(width * height * 4);
  for (let o = 0; o < data.length; o += 4) {
    data[o] = bgR;
    data[o + 1] = bgG;
    data[o + 2] = bgB;
    data[o + 3] = 255;
  }
  const out: RgbaImage = { width, height, data };
  let left = gap;
  panels.forEach((p, i) => {
    const w = widths[i]!;
    if (p.caption) {
      const tw = measureText(p.caption, scale).width;
      drawText(out, p.caption, left + Math.floor((w - tw) / 2), gap, { color, scale });
    }
    const x = left + Math.floor((w - p.image.width) / 2);
    const y = gap + captionH;
    for (let r = 0; r < p.image.height; r++) {
      const src = p.image.data.subarray(r * p.image.width * 4, (r + 1) * p.image.width * 4);
      data.set(src, ((y + r) * width + x) * 4);
    }
    left += w + gap;
  });
  return out;
}
