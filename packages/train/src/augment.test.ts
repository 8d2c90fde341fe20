import { initBackend } from '@latent/backend';
import { Rng } from '@latent/datasets';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  type AugmentImages,
  type AugmentPolicy,
  applyAugment,
  cutoutSize,
  diffAugment,
  drawAugment,
  maxShift,
} from './augment.js';
import { resolveGanRunConfig } from './config.js';

const grey: AugmentImages = { imageShape: [28, 28, 1], pixelRange: '[-1,1]' };
const colour: AugmentImages = { imageShape: [16, 16, 3], pixelRange: '[0,1]' };

/** Random pixels in the images' range, [n, h, w, c]. */
function images(n: number, { imageShape, pixelRange }: AugmentImages, seed = 1): tf.Tensor4D {
  const [h, w, c] = imageShape;
  const rng = new Rng(seed);
  const lo = pixelRange === '[-1,1]' ? -1 : 0;
  const values = Float32Array.from({ length: n * h * w * c }, () => lo + rng.next() * (1 - lo));
  return tf.tensor4d(values, [n, h, w, c]);
}

describe.each(['cpu', 'wasm'] as const)('DiffAugment on %s', (backend) => {
  it('keeps the shape of image and flat batches; translation and cutout keep the pixel range', async () => {
    await initBackend(backend);
    const x = images(6, grey);
    for (const policies of [
      ['color'],
      ['translation'],
      ['cutout'],
      ['translation', 'cutout'],
    ] as AugmentPolicy[][]) {
      const y = diffAugment(x, policies, grey, 3);
      expect(y.shape).toEqual([6, 28, 28, 1]);
      const flat = diffAugment(tf.reshape(x, [6, 784]), policies, grey, 3);
      expect(flat.shape).toEqual([6, 784]);
      // A flat batch is the same images, augmented alike.
      expect(Array.from(flat.dataSync())).toEqual(Array.from(y.dataSync()));
      if (!policies.includes('color')) {
        expect(tf.min(y).dataSync()[0]).toBeGreaterThanOrEqual(-1);
        expect(tf.max(y).dataSync()[0]).toBeLessThanOrEqual(1);
      }
      tf.dispose([y, flat]);
    }
    // No policies: the batch itself.
    expect(diffAugment(x, [], grey, 3)).toBe(x);
    x.dispose();
  });

  it('translation moves the content: each image equals a manual shift, background beyond the edge', async () => {
    await initBackend(backend);
    for (const set of [grey, colour]) {
      const [h, w, c] = set.imageShape;
      const n = 12;
      const x = images(n, set);
      const draw = drawAugment(['translation'], n, set, 5);
      const got = applyAugment(x, ['translation'], draw, set).dataSync();
      const src = x.dataSync();
      const background = set.pixelRange === '[-1,1]' ? -1 : 0;
      const want = new Float32Array(src.length);
      for (let k = 0; k < n; k++)
        for (let i = 0; i < h; i++)
          for (let j = 0; j < w; j++)
            for (let ch = 0; ch < c; ch++) {
              const [si, sj] = [i + (draw.shiftY?.[k] ?? 0), j + (draw.shiftX?.[k] ?? 0)];
              const inside = si >= 0 && si < h && sj >= 0 && sj < w;
              want[((k * h + i) * w + j) * c + ch] = inside
                ? (src[((k * h + si) * w + sj) * c + ch] as number)
                : background;
            }
      expect(Array.from(got)).toEqual(Array.from(want));
      // Shifts span -s..s (s = 4 for 28 px, 2 for 16) and some images really move.
      const shifts = [...(draw.shiftY ?? []), ...(draw.shiftX ?? [])];
      expect(Math.max(...shifts.map(Math.abs))).toBeLessThanOrEqual(maxShift(h));
      expect(shifts.some((s) => s !== 0)).toBe(true);
      x.dispose();
    }
    expect(maxShift(28)).toBe(4);
    expect(maxShift(32)).toBe(4);
  });

  it('cutout sets exactly one square of half the side to the background (clipped at the edges)', async () => {
    await initBackend(backend);
    const n = 64;
    const [h, w] = grey.imageShape;
    const size = cutoutSize(h);
    expect(size).toBe(14);
    const x = tf.ones([n, h, w, 1]);
    const draw = drawAugment(['cutout'], n, grey, 9);
    const got = applyAugment(x, ['cutout'], draw, grey).dataSync();
    let whole = 0;
    for (let k = 0; k < n; k++) {
      const top = draw.cutoutY?.[k] as number;
      const left = draw.cutoutX?.[k] as number;
      let cut = 0;
      for (let i = 0; i < h; i++)
        for (let j = 0; j < w; j++) {
          const value = got[(k * h + i) * w + j] as number;
          const inSquare = i >= top && i < top + size && j >= left && j < left + size;
          expect(value).toBe(inSquare ? -1 : 1);
          if (inSquare) cut += 1;
        }
      const rows = Math.min(h, top + size) - Math.max(0, top);
      const cols = Math.min(w, left + size) - Math.max(0, left);
      expect(cut).toBe(rows * cols);
      expect(rows).toBeGreaterThan(0);
      if (cut === size * size) whole += 1;
    }
    // The centre ranges over the whole image: some squares lie wholly inside, others are clipped.
    expect(whole).toBeGreaterThan(0);
    expect(whole).toBeLessThan(n);
    x.dispose();
  });

  it('colour: brightness shifts the mean, saturation scales the spread across channels, contrast the spread around the mean', async () => {
    await initBackend(backend);
    const stats = (values: Float32Array, from: number, size: number) => {
      const part = values.subarray(from, from + size);
      const mean = part.reduce((s, v) => s + v, 0) / size;
      const sd = Math.sqrt(part.reduce((s, v) => s + (v - mean) ** 2, 0) / size);
      return { mean, sd };
    };
    // Grey [-1, 1]: saturation is a no-op, so the image's mean moves by b and its spread scales by the contrast.
    {
      const n = 16;
      const size = 28 * 28;
      const x = images(n, grey);
      const draw = drawAugment(['color'], n, grey, 2);
      const got = applyAugment(x, ['color'], draw, grey).dataSync() as Float32Array;
      const src = x.dataSync() as Float32Array;
      for (let k = 0; k < n; k++) {
        const before = stats(src, k * size, size);
        const after = stats(got, k * size, size);
        const b = draw.brightness?.[k] as number;
        expect(Math.abs(b)).toBeLessThanOrEqual(0.5);
        expect(after.mean).toBeCloseTo(before.mean + b, 4);
        expect(after.sd).toBeCloseTo(before.sd * (draw.contrast?.[k] as number), 4);
      }
      const contrast = Array.from(draw.contrast ?? []);
      expect(Math.min(...contrast)).toBeGreaterThanOrEqual(0.5);
      expect(Math.max(...contrast)).toBeLessThan(1.5);
      x.dispose();
    }
    // Colour [0, 1]: brightness in [-0.25, 0.25] (the reference's [-0.5, 0.5] of a [-1, 1] range);
    // a pixel's distance from its channel mean scales by saturation x contrast.
    {
      const n = 8;
      const [h, w, c] = colour.imageShape;
      const x = images(n, colour);
      const draw = drawAugment(['color'], n, colour, 4);
      const got = applyAugment(x, ['color'], draw, colour).dataSync() as Float32Array;
      const src = x.dataSync() as Float32Array;
      for (let k = 0; k < n; k++) {
        const b = draw.brightness?.[k] as number;
        const s = draw.saturation?.[k] as number;
        const f = draw.contrast?.[k] as number;
        expect(Math.abs(b)).toBeLessThanOrEqual(0.25);
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThan(2);
        expect(stats(got, k * h * w * c, h * w * c).mean).toBeCloseTo(
          stats(src, k * h * w * c, h * w * c).mean + b,
          4,
        );
        for (let p = 0; p < h * w; p += 37) {
          const at = (k * h * w + p) * c;
          const channelMean = (v: Float32Array) => (v[at]! + v[at + 1]! + v[at + 2]!) / 3;
          for (let ch = 0; ch < c; ch++)
            expect(got[at + ch]! - channelMean(got)).toBeCloseTo(
              (src[at + ch]! - channelMean(src)) * s * f,
              4,
            );
        }
      }
      x.dispose();
    }
  });

  it('is differentiable: gradients through every policy are finite and non-zero, zero where cutout hid the pixel', async () => {
    await initBackend(backend);
    const all: AugmentPolicy[] = ['color', 'translation', 'cutout'];
    for (const set of [grey, colour]) {
      const x = images(4, set);
      const weights = images(4, set, 7);
      const draw = drawAugment(all, 4, set, 1);
      const loss = (v: tf.Tensor) => tf.sum(tf.mul(applyAugment(v, all, draw, set), weights));
      const g = tf.grad(loss)(x);
      const values = g.dataSync();
      expect(g.shape).toEqual(x.shape);
      expect(values.every(Number.isFinite)).toBe(true);
      expect(values.some((v) => v !== 0)).toBe(true);
      tf.dispose([x, weights, g]);
    }
    // Cutout alone: the gradient is the mask (1 outside the square, 0 inside).
    const x = images(3, grey);
    const draw = drawAugment(['cutout'], 3, grey, 6);
    const g = tf.grad((v: tf.Tensor) => tf.sum(applyAugment(v, ['cutout'], draw, grey)))(x);
    const masked = applyAugment(tf.ones(x.shape), ['cutout'], draw, grey);
    expect(Array.from(g.dataSync())).toEqual(
      Array.from(masked.dataSync()).map((v) => (v === 1 ? 1 : 0)),
    );
    tf.dispose([x, g, masked]);
  });

  it('is deterministic by seed; a replica augmenting its rows gets the rows of the whole batch', async () => {
    await initBackend(backend);
    const all: AugmentPolicy[] = ['color', 'translation', 'cutout'];
    const x = images(10, colour);
    const once = diffAugment(x, all, colour, 42).dataSync();
    expect(Array.from(diffAugment(x, all, colour, 42).dataSync())).toEqual(Array.from(once));
    expect(Array.from(diffAugment(x, all, colour, 43).dataSync())).not.toEqual(Array.from(once));
    const size = 16 * 16 * 3;
    const [top, bottom] = tf.split(x, [6, 4]) as [tf.Tensor, tf.Tensor];
    const first = diffAugment(top, all, colour, 42, { offset: 0, total: 10 }).dataSync();
    const second = diffAugment(bottom, all, colour, 42, { offset: 6, total: 10 }).dataSync();
    expect(Array.from(first)).toEqual(Array.from(once.subarray(0, 6 * size)));
    expect(Array.from(second)).toEqual(Array.from(once.subarray(6 * size)));
    // Adding a policy leaves the other policies' draws as they were.
    const shifts = drawAugment(['translation'], 10, colour, 42);
    expect(drawAugment(all, 10, colour, 42).shiftX).toEqual(shifts.shiftX);
    tf.dispose([x, top, bottom]);
  });

  it('leaves no tensors behind', async () => {
    await initBackend(backend);
    const x = images(4, colour);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++)
      diffAugment(x, ['color', 'translation', 'cutout'], colour, i).dispose();
    tf.grad((v: tf.Tensor) => tf.sum(diffAugment(v, ['translation', 'cutout'], colour, 1)))(
      x,
    ).dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

describe('the augment field', () => {
  it('defaults to none, takes the policies in order, and refuses an unknown or repeated one', () => {
    expect(resolveGanRunConfig({}).augment).toEqual([]);
    expect(resolveGanRunConfig({ augment: ['translation', 'color'] }).augment).toEqual([
      'translation',
      'color',
    ]);
    expect(() => resolveGanRunConfig({ augment: ['flip'] })).toThrow(/augment\.0: Invalid option/);
    expect(() => resolveGanRunConfig({ augment: ['color', 'color'] })).toThrow(
      /augment: name each augmentation policy once/,
    );
  });
});
