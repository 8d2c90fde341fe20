import { deriveSeed, Rng } from '@latent/datasets';
import type { BatchRows } from '@latent/models';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The policies of DiffAugment (Zhao et al. 2020, "Differentiable Augmentation
 * for Data-Efficient GAN Training"), as in the paper's reference code:
 * - `color`: brightness, then saturation, then contrast, each drawn per image;
 * - `translation`: a shift by up to 1/8 of the side in y and in x;
 * - `cutout`: one square of half the side at a random position.
 */
export const AUGMENT_POLICIES = ['color', 'translation', 'cutout'] as const;
export type AugmentPolicy = (typeof AUGMENT_POLICIES)[number];

/** What T needs to know of the images: their shape and the model's pixel range. */
export interface AugmentImages {
  /** [height, width, channels]; flat batches [b, h*w*c] are shaped so for T and back. */
  imageShape: readonly [number, number, number];
  pixelRange: '[0,1]' | '[-1,1]';
}

/**
 * T's random parameters for a batch, one value per image, drawn in
 * JavaScript (so they are the same on every backend) by `drawAugment`.
 */
export interface AugmentDraw {
  count: number;
  /** `color`: added to every pixel, in pixel units (U[-0.5, 0.5) of a [-1, 1] range, scaled to the model's). */
  brightness?: Float32Array;
  /** `color`: factor of each pixel's distance from its channel mean, U[0, 2). */
  saturation?: Float32Array;
  /** `color`: factor of each pixel's distance from the image's mean, U[0.5, 1.5). */
  contrast?: Float32Array;
  /** `translation`: pixel (i, j) of the output is (i + shiftY, j + shiftX) of the input; background beyond the edge. */
  shiftY?: Int32Array;
  shiftX?: Int32Array;
  /** `cutout`: the square's first row and column; it may start before the edge and is then clipped. */
  cutoutY?: Int32Array;
  cutoutX?: Int32Array;
}

/** The reference code's sizes: int(side * ratio + 0.5). */
const sized = (side: number, ratio: number) => Math.floor(side * ratio + 0.5);

/** The largest shift of `translation` along a side: 1/8 of it, rounded (4 for 28 and for 32). */
export const maxShift = (side: number) => sized(side, 1 / 8);

/** The side of `cutout`'s square along a side: half of it, rounded. */
export const cutoutSize = (side: number) => sized(side, 1 / 2);

/**
 * The value that translation and cutout leave: black, the background of
 * MNIST, Fashion-MNIST and of folders (alpha is composited onto black). The
 * reference code pads with 0 of its [-1, 1] range, mid-grey.
 */
export const backgroundOf = (pixelRange: AugmentImages['pixelRange']) =>
  pixelRange === '[-1,1]' ? -1 : 0;

/**
 * Draws T's parameters for `count` images from `seed`, each policy from a
 * stream of its own (adding a policy leaves the others' draws as they were).
 */
export function drawAugment(
  policies: readonly AugmentPolicy[],
  count: number,
  images: AugmentImages,
  seed: number,
): AugmentDraw {
  const [h, w] = images.imageShape;
  const draw: AugmentDraw = { count };
  const floats = (stream: string, f: (u: number) => number) => {
    const rng = new Rng(deriveSeed(seed, stream));
    return Float32Array.from({ length: count }, () => f(rng.next()));
  };
  const ints = (stream: string, n: number, from: number) => {
    const rng = new Rng(deriveSeed(seed, stream));
    return Int32Array.from({ length: count }, () => rng.int(n) + from);
  };
  if (policies.includes('color')) {
    const span = images.pixelRange === '[-1,1]' ? 2 : 1;
    draw.brightness = floats('brightness', (u) => ((u - 0.5) * span) / 2);
    draw.saturation = floats('saturation', (u) => u * 2);
    draw.contrast = floats('contrast', (u) => u + 0.5);
  }
  if (policies.includes('translation')) {
    const [sy, sx] = [maxShift(h), maxShift(w)];
    draw.shiftY = ints('shift-y', 2 * sy + 1, -sy);
    draw.shiftX = ints('shift-x', 2 * sx + 1, -sx);
  }
  if (policies.includes('cutout')) {
    // The centre runs over side + 1 positions for an even square, as in the reference.
    const [cy, cx] = [cutoutSize(h), cutoutSize(w)];
    draw.cutoutY = ints('cutout-y', h + (1 - (cy % 2)), -Math.floor(cy / 2));
    draw.cutoutX = ints('cutout-x', w + (1 - (cx % 2)), -Math.floor(cx / 2));
  }
  return draw;
}

/** Images `rows.offset`.. of a draw for a whole batch (a replica's rows). */
export function takeDrawRows(
  draw: AugmentDraw,
  rows: { offset: number; count: number },
): AugmentDraw {
  const out: AugmentDraw = { count: rows.count };
  for (const [key, value] of Object.entries(draw))
    if (key !== 'count')
      (out as unknown as Record<string, unknown>)[key] = (
        value as Float32Array | Int32Array
      ).subarray(rows.offset, rows.offset + rows.count);
  return out;
}

/** [n, side, side] matrices S with S[k, i, i + shift[k]] = 1 inside the image: S @ rows shifts them. */
function shiftMatrices(shift: Int32Array, side: number): tf.Tensor3D {
  const values = new Float32Array(shift.length * side * side);
  for (const [k, s] of shift.entries())
    for (let i = 0; i < side; i++) {
      const j = i + s;
      if (j >= 0 && j < side) values[(k * side + i) * side + j] = 1;
    }
  return tf.tensor3d(values, [shift.length, side, side]);
}

/** [n, h, w, 1]: `value` where a translation uncovered the pixel (its source lies beyond the edge), 0 elsewhere. */
function uncovered(
  dy: Int32Array,
  dx: Int32Array,
  h: number,
  w: number,
  value: number,
): tf.Tensor4D {
  const values = new Float32Array(dy.length * h * w);
  for (let k = 0; k < dy.length; k++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++) {
        const [si, sj] = [i + (dy[k] as number), j + (dx[k] as number)];
        if (si < 0 || si >= h || sj < 0 || sj >= w) values[(k * h + i) * w + j] = value;
      }
  return tf.tensor4d(values, [dy.length, h, w, 1]);
}

/** [n, h, w, 1]: 0 on each image's cutout square (clipped to the image), 1 elsewhere. */
function cutoutMask(tops: Int32Array, lefts: Int32Array, h: number, w: number): tf.Tensor4D {
  const [sy, sx] = [cutoutSize(h), cutoutSize(w)];
  const values = new Float32Array(tops.length * h * w).fill(1);
  for (const [k, top] of tops.entries()) {
    const left = lefts[k] as number;
    for (let i = Math.max(0, top); i < Math.min(h, top + sy); i++)
      values.fill(0, (k * h + i) * w + Math.max(0, left), (k * h + i) * w + Math.min(w, left + sx));
  }
  return tf.tensor4d(values, [tops.length, h, w, 1]);
}

/** A per-image column [n, 1, 1, 1] of a draw's values. */
const perImage = (values: Float32Array) => tf.tensor4d(values, [values.length, 1, 1, 1]);

/**
 * T: the policies in the order given, with the parameters of `draw`, on
 * images [n, h, w, c] or flat [n, h*w*c] (returned in the same shape). Built
 * from ops with gradients (adds, products, means, batched matrix products),
 * so gradients flow through it to the images. As in the reference code the
 * colour policy does not clip: values may leave the pixel range.
 */
export function applyAugment(
  x: tf.Tensor,
  policies: readonly AugmentPolicy[],
  draw: AugmentDraw,
  images: AugmentImages,
): tf.Tensor {
  if (policies.length === 0) return x;
  const [h, w, c] = images.imageShape;
  const n = x.shape[0] as number;
  if (n !== draw.count) throw new Error(`augment: ${n} images, parameters drawn for ${draw.count}`);
  const background = backgroundOf(images.pixelRange);
  const drawn = <T>(value: T | undefined, policy: AugmentPolicy): T => {
    if (value === undefined) throw new Error(`augment: the draw has no parameters for ${policy}`);
    return value;
  };
  return tf.tidy(() => {
    let y = tf.reshape(x, [n, h, w, c]) as tf.Tensor4D;
    for (const policy of policies) {
      if (policy === 'color') {
        y = tf.add(y, perImage(drawn(draw.brightness, policy)));
        // Grey images: each pixel is its own channel mean, so saturation leaves them as they are.
        if (c > 1) {
          const mean = tf.mean(y, 3, true);
          y = tf.add(tf.mul(tf.sub(y, mean), perImage(drawn(draw.saturation, policy))), mean);
        }
        const mean = tf.mean(y, [1, 2, 3], true);
        y = tf.add(tf.mul(tf.sub(y, mean), perImage(drawn(draw.contrast, policy))), mean);
      } else if (policy === 'translation') {
        // Products with 0/1 matrices move each pixel exactly; the edges they uncover are 0, then background.
        const [dy, dx] = [drawn(draw.shiftY, policy), drawn(draw.shiftX, policy)];
        let v: tf.Tensor = tf.matMul(shiftMatrices(dy, h), tf.reshape(y, [n, h, w * c]));
        v = tf.transpose(tf.reshape(v, [n, h, w, c]), [0, 2, 1, 3]);
        v = tf.matMul(shiftMatrices(dx, w), tf.reshape(v, [n, w, h * c]));
        y = tf.transpose(tf.reshape(v, [n, w, h, c]), [0, 2, 1, 3]) as tf.Tensor4D;
        if (background !== 0) y = tf.add(y, uncovered(dy, dx, h, w, background));
      } else {
        const mask = cutoutMask(drawn(draw.cutoutY, policy), drawn(draw.cutoutX, policy), h, w);
        y = tf.mul(y, mask);
        if (background !== 0) y = tf.add(y, tf.mul(tf.sub(1, mask), background));
      }
    }
    return tf.reshape(y, x.shape);
  });
}

/**
 * DiffAugment's T on a batch: parameters drawn from `seed` for the whole
 * batch of `rows.total` (a data-parallel replica passes its rows and keeps
 * them, so the replicas together augment as one process does), then applied.
 * No policies: `x` itself.
 */
export function diffAugment(
  x: tf.Tensor,
  policies: readonly AugmentPolicy[],
  images: AugmentImages,
  seed: number,
  rows?: BatchRows,
): tf.Tensor {
  if (policies.length === 0) return x;
  const n = x.shape[0] as number;
  const draw = drawAugment(policies, rows?.total ?? n, images, seed);
  const mine = rows ? takeDrawRows(draw, { offset: rows.offset, count: n }) : draw;
  return applyAugment(x, policies, mine, images);
}
