import { drawText, measureText } from './font.js';
import type { Rgb, RgbaImage } from './image.js';

export type { Rgb, RgbaImage } from './image.js';

/**
 * How stored values map to 0..255 intensities:
 * - `'bytes'`: values are already 0..255;
 * - `'[0,1]'`: 0 is black, 1 is white;
 * - `'[-1,1]'`: -1 is black, 1 is white (the usual range of a tanh output).
 *
 * Values outside the range are clamped; NaN shows as 0 (black).
 */
export type PixelRange = 'bytes' | '[0,1]' | '[-1,1]';

export interface ImageGridOptions {
  /** Number of images in the array (at least 1). */
  count: number;
  /** Height of each image in pixels. */
  height: number;
  /** Width of each image in pixels. */
  width: number;
  /** 1 (greyscale) or 3 (RGB, interleaved per pixel). */
  channels: 1 | 3;
  /** Images per row; default `ceil(sqrt(count))`, a near-square grid. */
  columns?: number;
  /**
   * Pixels of background around and between cells, in output pixels (not
   * multiplied by `scale`); default 2.
   */
  padding?: number;
  /** Default `'bytes'` for a Uint8Array, `'[0,1]'` for a Float32Array. */
  range?: PixelRange;
  /**
   * Colour of the padding and of the empty cells after the last image. The
   * default mid grey [64, 64, 64] keeps cell edges visible both for white
   * digits on black and for dark strokes on white.
   */
  background?: Rgb;
  /** Integer upscaling factor for each image (nearest neighbour); default 1. */
  scale?: number;
  /**
   * Text drawn left of each row (row i gets `rowLabels[i]`; missing or extra
   * entries are ignored), in the built-in 5 x 7 pixel font: class names,
   * steps, interpolation methods. Adds a gutter as wide as the longest label.
   */
  rowLabels?: readonly string[];
  /** Integer size of the label font; default 2 for cells 24 px or taller, else 1. */
  labelScale?: number;
  /** Label colour; default light grey on a dark background, near-black on a light one. */
  labelColor?: Rgb;
}

const DEFAULT_BACKGROUND: Rgb = [64, 64, 64];

/**
 * Lays out `count` images in a grid, row by row, left to right.
 *
 * @param images `count` images row-major, shape [count, height, width, channels]
 *   (so `images.length === count * height * width * channels`), in the value
 *   range given by `options.range`.
 * @returns an image of width `columns * width * scale + (columns + 1) * padding`
 *   (plus a gutter for `rowLabels`)
 *   and height `rows * height * scale + (rows + 1) * padding`, where
 *   `rows = ceil(count / columns)`.
 * @throws Error naming the offending option or the size mismatch.
 */
export function imageGrid(images: Uint8Array | Float32Array, options: ImageGridOptions): RgbaImage {
  return renderGrid('imageGrid', images, options);
}

/**
 * Lays out images in cells, optionally at chosen cells (`slots[i]` is the cell
 * of image i, row-major; other cells stay background). Shared by
 * {@link imageGrid} and the class-conditional grid; not part of the package's API.
 */
export function renderGrid(
  caller: string,
  images: Uint8Array | Float32Array,
  options: ImageGridOptions,
  slots?: { of: ArrayLike<number>; count: number },
): RgbaImage {
  const fail = (defect: string): never => {
    throw new Error(`${caller}: ${defect}`);
  };
  if (!(images instanceof Uint8Array || images instanceof Float32Array)) {
    fail(`images must be a Uint8Array or a Float32Array, got ${describe(images)}`);
  }
  const { count, height, width, channels } = options;
  positiveInteger('count', count, fail);
  positiveInteger('height', height, fail);
  positiveInteger('width', width, fail);
  if (channels !== 1 && channels !== 3) {
    fail(`channels must be 1 (greyscale) or 3 (RGB), got ${String(channels)}`);
  }
  const columns = options.columns ?? Math.ceil(Math.sqrt(count));
  positiveInteger('columns', columns, fail);
  const padding = options.padding ?? 2;
  if (!Number.isInteger(padding) || padding < 0) {
    fail(`padding must be a non-negative integer, got ${String(padding)}`);
  }
  const scale = options.scale ?? 1;
  positiveInteger('scale', scale, fail);
  const range = options.range ?? (images instanceof Uint8Array ? 'bytes' : '[0,1]');
  if (range !== 'bytes' && range !== '[0,1]' && range !== '[-1,1]') {
    fail(`range must be 'bytes', '[0,1]' or '[-1,1]', got ${JSON.stringify(range)}`);
  }
  const background = options.background ?? DEFAULT_BACKGROUND;
  if (
    !Array.isArray(background) ||
    background.length !== 3 ||
    !background.every((c) => Number.isInteger(c) && c >= 0 && c <= 255)
  ) {
    fail(`background must be 3 integers 0..255, got ${JSON.stringify(background)}`);
  }
  const perImage = height * width * channels;
  if (images.length !== count * perImage) {
    fail(
      `got ${images.length} values, expected count*height*width*channels = ` +
        `${count}*${height}*${width}*${channels} = ${count * perImage}`,
    );
  }

  const rows = Math.ceil((slots?.count ?? count) / columns);
  const cellW = width * scale;
  const cellH = height * scale;
  const labels = options.rowLabels?.slice(0, rows) ?? [];
  const labelScale = options.labelScale ?? (cellH >= 24 ? 2 : 1);
  positiveInteger('labelScale', labelScale, fail);
  // The gutter holds the longest label with `labelMargin` on both sides (the
  // first column's own padding counts towards the right one).
  const labelMargin = Math.max(padding, 3 * labelScale);
  const longest = Math.max(0, ...labels.map((l) => measureText(l, labelScale).width));
  const gutter = longest > 0 ? longest + 2 * labelMargin - padding : 0;
  const outW = gutter + columns * cellW + (columns + 1) * padding;
  const outH = rows * cellH + (rows + 1) * padding;
  const data = new Uint8ClampedArray(outW * outH * 4);
  const [bgR, bgG, bgB] = background;
  for (let p = 0; p < data.length; p += 4) {
    data[p] = bgR;
    data[p + 1] = bgG;
    data[p + 2] = bgB;
    data[p + 3] = 255;
  }

  // Writing v * gain + offset into a Uint8ClampedArray does the clamping,
  // rounding and NaN-to-0 that the ranges promise, in one step.
  const [gain, offset] = range === 'bytes' ? [1, 0] : range === '[0,1]' ? [255, 0] : [127.5, 127.5];
  const rowBytes = cellW * 4;
  // One upscaled source row, copied `scale` times, so each value is mapped once.
  const row = new Uint8ClampedArray(rowBytes);
  for (let i = 0; i < count; i++) {
    const slot = slots ? slots.of[i]! : i;
    if (slot < 0) continue;
    const left = gutter + padding + (slot % columns) * (cellW + padding);
    const top = padding + Math.floor(slot / columns) * (cellH + padding);
    const base = i * perImage;
    for (let y = 0; y < height; y++) {
      const src = base + y * width * channels;
      for (let x = 0; x < width; x++) {
        const s = src + x * channels;
        const r = (images[s] as number) * gain + offset;
        const g = channels === 3 ? (images[s + 1] as number) * gain + offset : r;
        const b = channels === 3 ? (images[s + 2] as number) * gain + offset : r;
        for (let k = 0, q = x * scale * 4; k < scale; k++, q += 4) {
          row[q] = r;
          row[q + 1] = g;
          row[q + 2] = b;
          row[q + 3] = 255;
        }
      }
      const firstLine = top + y * scale;
      for (let k = 0; k < scale; k++) {
        data.set(row, ((firstLine + k) * outW + left) * 4);
      }
    }
  }
  const image = { width: outW, height: outH, data };
  if (gutter > 0) {
    // Rec. 601 luma of the background decides between light and dark text.
    const luma = 0.299 * bgR + 0.587 * bgG + 0.114 * bgB;
    const color = options.labelColor ?? (luma < 128 ? [235, 235, 235] : [25, 25, 25]);
    const textH = measureText('', labelScale).height;
    labels.forEach((label, r) => {
      const top = padding + r * (cellH + padding) + Math.floor((cellH - textH) / 2);
      drawText(image, label, labelMargin, top, { color, scale: labelScale });
    });
  }
  return image;
}

function positiveInteger(name: string, value: unknown, fail: (defect: string) => never): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    fail(`${name} must be a positive integer, got ${String(value)}`);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return value.constructor?.name ?? 'an object';
  return typeof value;
}

/**
 * Samples beside their nearest training images, for a memorisation check:
 * each cell pair is (sample i, neighbour i), `pairsPerRow` pairs a row (default 4).
 *
 * @param samples, neighbours `count` images each, [count, h, w, c] in `options.range` (default [0, 1])
 */
export function neighbourGrid(
  samples: Float32Array,
  neighbours: Float32Array,
  options: Omit<ImageGridOptions, 'columns'> & { pairsPerRow?: number },
): RgbaImage {
  const { count, height, width, channels } = options;
  const size = height * width * channels;
  if (samples.length !== count * size || neighbours.length !== count * size)
    throw new RangeError(
      `neighbourGrid: ${samples.length} and ${neighbours.length} values are not ${count} images of ${height}x${width}x${channels} each`,
    );
  const both = new Float32Array(2 * count * size);
  for (let i = 0; i < count; i++) {
    both.set(samples.subarray(i * size, (i + 1) * size), 2 * i * size);
    both.set(neighbours.subarray(i * size, (i + 1) * size), (2 * i + 1) * size);
  }
  const { pairsPerRow = 4, ...rest } = options;
  return imageGrid(both, { ...rest, count: 2 * count, columns: 2 * Math.min(pairsPerRow, count) });
}
