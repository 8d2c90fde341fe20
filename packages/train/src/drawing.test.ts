import { initBackend } from '@latent/backend';
import { disposeParams } from '@latent/models';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunRequestError } from './data-source.js';
import { drawImages, drawLatentWalk } from './drawing.js';
import { ganEntry } from './registry.js';
import { ganSampler, type Sampler } from './sampler.js';

let sampler: Sampler;
const SIZE = 28 * 28;

beforeAll(async () => {
  await initBackend('wasm');
  // A conditional GAN as the registry builds it for 10 classes, at its initial weights.
  const model = ganEntry('cgan').build({ imageShape: [28, 28, 1], classes: 10 });
  const { generator, discriminator } = model.init(3);
  disposeParams(discriminator);
  sampler = ganSampler(model, generator, { ema: false, owned: true });
});
afterAll(() => sampler.dispose());

/** What the sampler draws for these z rows and labels, directly. */
async function direct(z: number[][], labels: number[]): Promise<Float32Array> {
  const t = tf.tidy(() => sampler.draw(tf.tensor2d(z), tf.tensor1d(labels, 'int32')));
  const out = (await t.data()) as Float32Array;
  t.dispose();
  return out;
}

const noise = (count: number, seed: number) => {
  const t = sampler.noise(count, seed);
  const rows = t.arraySync();
  t.dispose();
  return rows;
};

const close = (a: Float32Array, b: Float32Array) => {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  expect(worst).toBeLessThan(1e-4);
};

describe('drawImages', () => {
  it('draws count images of the prior from the seed, image i of class i mod C, in [0, 1]', async () => {
    const before = tf.memory().numTensors;
    const a = await drawImages(sampler, { count: 12, seed: 5 });
    expect(a).toHaveLength(12 * SIZE);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a)).toBeLessThanOrEqual(1);
    close(a, await direct(noise(12, 5), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]));
    close(await drawImages(sampler, { count: 12, seed: 5 }), a);
    expect(await drawImages(sampler, { count: 12, seed: 6 })).not.toEqual(a);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('draws one class only when asked', async () => {
    const a = await drawImages(sampler, { count: 3, seed: 1, classIndex: 7 });
    close(a, await direct(noise(3, 1), [7, 7, 7]));
  });

  it('refuses a class the model does not draw', async () => {
    await expect(drawImages(sampler, { count: 1, seed: 0, classIndex: 10 })).rejects.toThrow(
      /--class 10 is out of range: cgan knows classes 0 to 9/,
    );
    await expect(drawImages(sampler, { count: 1, seed: 0, classIndex: -1 })).rejects.toThrow(
      RunRequestError,
    );
    const model = ganEntry('mlp-gan').build({ imageShape: [28, 28, 1], classes: 0 });
    const { generator, discriminator } = model.init(0);
    disposeParams(discriminator);
    const plain = ganSampler(model, generator, { ema: false, owned: true });
    await expect(drawImages(plain, { count: 1, seed: 0, classIndex: 0 })).rejects.toThrow(
      /mlp-gan is not conditional; --class applies to cgan, acgan and cvae runs/,
    );
    plain.dispose();
  });

  it('walks from z_2i to z_2i+1 in each strip, a strip one class', async () => {
    const z = noise(4, 2);
    for (const linear of [false, true]) {
      const strips = await drawImages(sampler, { count: 2, seed: 2, interpolate: 3, linear });
      expect(strips).toHaveLength(6 * SIZE);
      const image = (i: number) => strips.slice(i * SIZE, (i + 1) * SIZE);
      // The ends of strip 0 (class 0) and strip 1 (class 1) are the prior draws themselves.
      close(image(0), await direct([z[0]!], [0]));
      close(image(2), await direct([z[1]!], [0]));
      close(image(3), await direct([z[2]!], [1]));
      close(image(5), await direct([z[3]!], [1]));
    }
    // The middle differs between a straight line and the great circle.
    const [arc, line] = await Promise.all([
      drawImages(sampler, { count: 1, seed: 2, interpolate: 3 }),
      drawImages(sampler, { count: 1, seed: 2, interpolate: 3, linear: true }),
    ]);
    expect(arc.slice(SIZE, 2 * SIZE)).not.toEqual(line.slice(SIZE, 2 * SIZE));
  });
});

describe('drawLatentWalk', () => {
  it("draws G(z_A) with the sliders' dims and the path to z_B in the asked class", async () => {
    const before = tf.memory().numTensors;
    const walk = { seedA: 1, seedB: 2, dims: [0.5, null, -1], steps: 4, spherical: true, label: 3 };
    const { z, image, path, steps } = await drawLatentWalk(sampler, walk);
    const za = noise(1, 1)[0]!;
    za[0] = 0.5;
    za[2] = -1;
    expect(Array.from(z)).toEqual(Array.from(Float32Array.from(za)));
    expect(steps).toBe(4);
    close(image, await direct([za], [3]));
    expect(path).toHaveLength(4 * SIZE);
    close(path.slice(0, SIZE), image);
    close(path.slice(3 * SIZE), await direct(noise(1, 2), [3]));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps the path between 2 and 16 images, and class 0 when none is asked', async () => {
    const walk = { seedA: 1, seedB: 2, dims: [], steps: 99, spherical: false };
    const long = await drawLatentWalk(sampler, walk);
    expect(long.steps).toBe(16);
    close(long.image, await direct(noise(1, 1), [0]));
    expect((await drawLatentWalk(sampler, { ...walk, steps: 0 })).steps).toBe(2);
  });
});
