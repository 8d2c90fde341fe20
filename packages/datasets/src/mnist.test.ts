import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { initBackend } from '@latent/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchIterator } from './batches.js';
import { binarizeImages } from './binarize.js';
import { pixelMean } from './images.js';
import type { Mnist } from './mnist.js';
import { MNIST_FILES } from './mnist.js';
import { loadMnist, mnistDataDir } from './node.js';

let mnist: Mnist;
beforeAll(async () => {
  await initBackend('cpu');
  mnist = await loadMnist();
});

describe('MNIST from the real IDX files', () => {
  it('has the paper split: 50k train, 10k validation, 10k test, 28x28, labelled', () => {
    expect([mnist.train.count, mnist.validation.count, mnist.test.count]).toEqual([
      50_000, 10_000, 10_000,
    ]);
    for (const set of [mnist.train, mnist.validation, mnist.test]) {
      expect([set.height, set.width, set.channels]).toEqual([28, 28, 1]);
      expect(set.images.length).toBe(set.count * 784);
      expect(set.labels?.length).toBe(set.count);
    }
  });

  it('keeps the official label order (first training labels 5 0 4 1 9 2 1 3, first test labels 7 2 1 0 4)', () => {
    expect(Array.from(mnist.train.labels?.subarray(0, 8) ?? [])).toEqual([5, 0, 4, 1, 9, 2, 1, 3]);
    expect(Array.from(mnist.test.labels?.subarray(0, 5) ?? [])).toEqual([7, 2, 1, 0, 4]);
  });

  it('validation is the last 10,000 training images, sharing bytes with no copy', () => {
    expect(mnist.validation.images.buffer).toBe(mnist.train.images.buffer);
    expect(mnist.validation.images.byteOffset - mnist.train.images.byteOffset).toBe(50_000 * 784);
  });

  it('has every digit with a plausible frequency and ink in [0, 255]', () => {
    const counts = new Array(10).fill(0);
    for (const l of mnist.train.labels ?? []) counts[l]++;
    for (const c of counts) expect(c).toBeGreaterThan(4000);
    let sum = 0;
    for (let i = 0; i < 784 * 1000; i++) sum += mnist.train.images[i] as number;
    const mean = sum / (784 * 1000) / 255;
    expect(mean).toBeGreaterThan(0.1);
    expect(mean).toBeLessThan(0.15); // MNIST's mean intensity is ~0.13
  });

  it('names the file when a file is truncated', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'latent-mnist-'));
    for (const name of Object.values(MNIST_FILES))
      await copyFile(join(mnistDataDir(), name), join(dir, name));
    const labels = join(dir, MNIST_FILES.testLabels);
    const bytes = await readFile(labels);
    await writeFile(labels, bytes.subarray(0, 5000));
    await expect(loadMnist(dir)).rejects.toThrow(`${labels}: truncated`);
  });

  it('reads gzipped files (name + .gz) as they are usually distributed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'latent-mnist-'));
    for (const name of Object.values(MNIST_FILES))
      await writeFile(
        join(dir, `${name}.gz`),
        gzipSync(await readFile(join(mnistDataDir(), name)), { level: 1 }),
      );
    const gz = await loadMnist(dir);
    expect(Buffer.compare(gz.test.images, mnist.test.images)).toBe(0); // toEqual is slow on 7.8 MB
    expect(Array.from(gz.train.labels?.subarray(0, 8) ?? [])).toEqual([5, 0, 4, 1, 9, 2, 1, 3]);
  });

  it('binarizes statically (a fixed draw) and dynamically (a draw per batch) with the ink mean kept', () => {
    const fixed = binarizeImages(mnist.test, { method: 'sample', seed: 1 });
    let ones = 0;
    for (const v of fixed.images) if (v === 255) ones++;
    expect(ones / fixed.images.length).toBeCloseTo(
      pixelMean(mnist.test).reduce((s, v) => s + v, 0) / 784,
      2,
    );
    const it = new BatchIterator(mnist.test, { batchSize: 256, seed: 2, range: 'binary' });
    const b = it.next();
    const v = b.x.dataSync();
    expect(b.x.shape).toEqual([256, 784]);
    expect(v.every((p) => p === 0 || p === 1)).toBe(true);
    tf.dispose([b.x, b.labels]);
  });

  it('says which file is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'latent-mnist-'));
    await expect(loadMnist(dir)).rejects.toThrow(/Cannot read MNIST file .*idx/);
  });
});
