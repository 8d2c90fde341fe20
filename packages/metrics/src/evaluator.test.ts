import { initBackend } from '@latent/backend';
import { type ImageSet, sliceImages, toyDistribution } from '@latent/datasets';
import { loadMnist } from '@latent/datasets/node';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Classifier, loadClassifier } from './classifier.js';
import { createEvaluator, isBetter, METRICS } from './evaluator.js';
import { imagePoints } from './images.js';

let test: ImageSet;
let validation: ImageSet;
let classifier: Classifier;

beforeAll(async () => {
  await initBackend('wasm');
  const mnist = await loadMnist();
  test = sliceImages(mnist.test, 0, 500, 'test-500');
  validation = mnist.validation;
  classifier = await loadClassifier('mnist');
});

/** A "generator" that returns real MNIST images [count, 28, 28, 1], in [0, 1] or [-1, 1], plus noise. */
function realImages(set: ImageSet, range: '[0,1]' | '[-1,1]' = '[0,1]', noise = 0) {
  const all = imagePoints(set).data;
  let at = 0;
  return (count: number) =>
    tf.tidy(() => {
      const x = tf.tensor4d(all.subarray(at * 784, (at + count) * 784), [count, 28, 28, 1]);
      at = (at + count) % set.count;
      const noisy =
        noise > 0
          ? tf.clipByValue(tf.add(x, tf.randomNormal(x.shape, 0, noise, 'float32', at)), 0, 1)
          : x;
      return range === '[-1,1]' ? tf.sub(tf.mul(noisy, 2), 1) : noisy;
    });
}

describe('createEvaluator', () => {
  it('every metric has a direction', () => {
    expect(METRICS.fid.better).toBe('lower');
    expect(METRICS.parzen.better).toBe('higher');
    expect(isBetter('fid', 3, 4)).toBe(true);
    expect(isBetter('is', 3, 4)).toBe(false);
  });

  it('fid: small for real images, larger with noise; [-1,1] generators are mapped; no tensors left', async () => {
    const other = sliceImages(validation, 0, 500, 'val-500');
    const fid = await createEvaluator({
      metrics: ['fid'],
      reference: test,
      classifier,
      n: 500,
      batchSize: 200,
    });
    const clean = (await fid.evaluate(realImages(other))).fid;
    const before = tf.memory().numTensors;
    const mapped = (await fid.evaluate(realImages(other, '[-1,1]'))).fid;
    expect(tf.memory().numTensors).toBe(before);
    // pixelRange was not given: [-1,1] images are out of the classifier's range and score worse.
    expect(mapped).toBeGreaterThan(clean);
    const fid11 = await createEvaluator({
      metrics: ['fid'],
      reference: test,
      classifier,
      n: 500,
      pixelRange: '[-1,1]',
    });
    expect((await fid11.evaluate(realImages(other, '[-1,1]'))).fid).toBeCloseTo(clean, 6);
    const noisy = (await fid.evaluate(realImages(other, '[0,1]', 0.3))).fid;
    expect(noisy).toBeGreaterThan(2 * clean);
    fid.dispose();
    fid11.dispose();
  });

  it('is and coverage: real digits spread over all 10 classes', async () => {
    const scores = await createEvaluator({ metrics: ['is', 'coverage'], classifier, n: 500 });
    const real = await scores.evaluate(realImages(test));
    expect(Object.keys(real)).toEqual(['is', 'coverage']);
    expect(real.is).toBeGreaterThan(8);
    expect(real.coverage).toBe(10);
    // One repeated image: one class.
    const one = (count: number) => tf.tidy(() => tf.tile(realImages(test)(1), [count, 1, 1, 1]));
    const collapsed = await scores.evaluate(one);
    expect(collapsed.coverage).toBe(1);
    expect(collapsed.is).toBeCloseTo(1, 5);
  });

  it('several metrics share one draw and one classifier pass, and agree with each measured alone', async () => {
    let drawn = 0;
    const counting = (count: number) => {
      drawn += count;
      return realImages(test)(count);
    };
    const all = await createEvaluator({
      metrics: ['fid', 'is', 'coverage', 'parzen'],
      reference: test,
      validation,
      classifier,
      n: 300,
    });
    const together = await all.evaluate(counting);
    expect(drawn).toBe(300);
    const alone = await createEvaluator({ metrics: ['fid'], reference: test, classifier, n: 300 });
    expect(together.fid).toBeCloseTo((await alone.evaluate(realImages(test))).fid, 6);
    expect(together.coverage).toBe(10);
    expect(Number.isFinite(together.parzen)).toBe(true);
    all.dispose();
    alone.dispose();
  });

  it('parzen: real validation images as samples score the test images', async () => {
    const parzen = await createEvaluator({
      metrics: ['parzen'],
      reference: sliceImages(test, 0, 100, 't'),
      validation,
      n: 1000,
    });
    const { parzen: ll } = await parzen.evaluate(
      realImages(sliceImages(validation, 1000, 2000, 'v')),
    );
    expect(ll).toBeGreaterThan(0); // nats; ~230 with 10,000 samples
    parzen.dispose();
  });

  it('toy metrics: ring samples capture all 8 modes with a small JS divergence', async () => {
    const ring = toyDistribution('ring');
    const points = ring.sample(4000, 1).points;
    let at = 0;
    const gen = (count: number) => {
      const t = tf.tensor2d(points.subarray(at * 2, (at + count) * 2), [count, 2]);
      at = (at + count) % 4000;
      return t;
    };
    const toy = await createEvaluator({
      metrics: ['modes', 'js'],
      toy: ring,
      n: 4000,
      grid: { bins: 20 },
    });
    const values = await toy.evaluate(gen);
    expect(values.modes).toBe(8);
    expect(values.js).toBeLessThan(0.02);
  });

  it('says what is missing', async () => {
    await expect(createEvaluator({ metrics: ['fid'], classifier })).rejects.toThrow(/reference/);
    await expect(createEvaluator({ metrics: ['parzen'], reference: test })).rejects.toThrow(
      /validation/,
    );
    await expect(
      createEvaluator({ metrics: ['modes'], toy: toyDistribution('moons') }),
    ).rejects.toThrow(/not a Gaussian mixture/);
    await expect(
      createEvaluator({ metrics: ['js', 'fid'], toy: toyDistribution('ring') }),
    ).rejects.toThrow(/cannot be measured together/);
    await expect(createEvaluator({ metrics: [] })).rejects.toThrow(/no metrics/);
    // @ts-expect-error a VAE metric is not a sample metric
    await expect(createEvaluator({ metrics: ['iwae'] })).rejects.toThrow(/not a sample metric/);
  });
});

describe('KID, precision and recall, memorization', () => {
  const n = 500;
  const kidSettings = { kidSubsets: 20, kidSubsetSize: 250 };
  const uniformNoise = (count: number) =>
    tf.randomUniform([count, 28, 28, 1], 0, 1, 'float32', count);

  it('real against real: KID ≈ 0 within its spread, precision and recall high', async () => {
    const e = await createEvaluator({
      metrics: ['kid', 'precision', 'recall'],
      reference: test,
      classifier,
      n,
      ...kidSettings,
    });
    const { metrics: m } = await e.report(realImages(sliceImages(validation, 0, n, 'val')));
    expect(Math.abs(m.kid.value)).toBeLessThan(2 * (m.kid.std as number));
    expect(m.kid).toMatchObject({ better: 'lower', subsets: 20, subsetSize: 250 });
    expect(m.precision.value).toBeGreaterThan(0.6);
    expect(m.recall.value).toBeGreaterThan(0.6);
    expect(m.precision).toMatchObject({ k: 3, samples: n, realImages: 500 });
    e.dispose();
  });

  it('noise: KID large, precision ≈ 0; one repeated image: recall ≈ 0', async () => {
    const e = await createEvaluator({
      metrics: ['kid', 'precision', 'recall'],
      reference: test,
      classifier,
      n,
      ...kidSettings,
    });
    const real = (await e.report(realImages(sliceImages(validation, 0, n, 'val')))).metrics;
    const noise = (await e.report(uniformNoise)).metrics;
    expect(noise.kid.value).toBeGreaterThan(20 * (real.kid.std as number));
    expect(noise.kid.value).toBeGreaterThan(noise.kid.std as number);
    expect(noise.precision.value).toBeLessThan(0.02);
    const one = (count: number) => tf.tidy(() => tf.tile(realImages(test)(1), [count, 1, 1, 1]));
    const before = tf.memory().numTensors;
    const repeated = (await e.report(one)).metrics;
    expect(tf.memory().numTensors).toBe(before);
    expect(repeated.recall.value).toBeLessThan(0.02);
    e.dispose();
  });

  it('memorization: copies of training images lie at 0, fresh digits as far as test images', async () => {
    const training = sliceImages(validation, 0, 2000, 'train-2000');
    const e = await createEvaluator({
      metrics: ['memorization'],
      reference: test,
      training,
      n: 200,
    });
    const copies = (await e.report(realImages(sliceImages(training, 500, 700, 'copies')))).metrics
      .memorization;
    expect(copies.value).toBeLessThan(1e-2);
    expect(copies.copies).toBe(1);
    const closest = copies.closest as { sample: number; train: number; distance: number }[];
    expect(closest).toHaveLength(16);
    expect(closest[0]!.train - closest[0]!.sample).toBe(500);
    const fresh = (await e.report(realImages(sliceImages(test, 0, 200, 'fresh')))).metrics
      .memorization;
    // Test images against training images: their own reference, so about the same distance.
    expect(fresh.value).toBeGreaterThan(3);
    expect(Math.abs(fresh.value - (fresh.real as number))).toBeLessThan(
      0.2 * (fresh.real as number),
    );
    expect(fresh.copies).toBeLessThan(0.05);
    await expect(createEvaluator({ metrics: ['memorization'], reference: test })).rejects.toThrow(
      /training images/,
    );
    e.dispose();
  });

  it('memorization searches only the images a run trained on (trainedOn), not the whole training set', async () => {
    const training = sliceImages(validation, 0, 2000, 'train-2000');
    const trainedOn = sliceImages(training, 0, 100, 'train-100');
    const e = await createEvaluator({
      metrics: ['memorization'],
      reference: test,
      training,
      trainedOn,
      n: 100,
    });
    // Training images the run never saw are no copies of the 100 it did...
    const unseen = (await e.report(realImages(sliceImages(training, 500, 600, 'unseen')))).metrics
      .memorization;
    expect(unseen.trainingImages).toBe(100);
    expect(unseen.value).toBeGreaterThan(3);
    expect(unseen.copies).toBeLessThan(0.05);
    // ...and copies of those 100 are found, each at its own index.
    const copied = (await e.report(realImages(trainedOn))).metrics.memorization;
    expect(copied.copies).toBe(1);
    const closest = copied.closest as { sample: number; train: number }[];
    expect(closest.every((c) => c.sample === c.train)).toBe(true);
    e.dispose();
  });

  it('memorization of a folder (no held-out images): the training images to each other set the threshold', async () => {
    const own = sliceImages(validation, 0, 300, 'folder-300');
    // Ten images twice: exact duplicates say nothing of how near distinct pictures lie.
    const folder: ImageSet = {
      ...own,
      name: 'folder',
      count: 310,
      images: Uint8Array.from([...own.images, ...own.images.subarray(0, 10 * 784)]),
      labels: undefined,
    };
    const e = await createEvaluator({ metrics: ['memorization'], trainedOn: folder, n: 200 });
    const copied = (await e.report(realImages(own))).metrics.memorization;
    expect(copied).toMatchObject({ reference: 'leave-one-out', realImages: 290, copies: 1 });
    expect(copied.trainingImages).toBe(310);
    const unseen = (await e.report(realImages(sliceImages(validation, 1000, 1200, 'unseen'))))
      .metrics.memorization;
    // Unseen digits lie about as far from the folder as its images from each other.
    expect(unseen.value).toBeGreaterThan(3);
    expect(Math.abs(unseen.value - (unseen.real as number))).toBeLessThan(
      0.2 * (unseen.real as number),
    );
    expect(unseen.copies).toBeLessThan(0.05);
    e.dispose();
    await expect(
      createEvaluator({ metrics: ['memorization'], trainedOn: sliceImages(own, 0, 1, 'one') }),
    ).rejects.toThrow(/2 or more training images/);
    await expect(
      createEvaluator({ metrics: ['fid'], trainedOn: folder, classifier }),
    ).rejects.toThrow(/'fid' needs reference/);
  });
});
