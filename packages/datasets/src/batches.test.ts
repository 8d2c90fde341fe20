import { initBackend } from '@latent/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchIterator } from './batches.js';
import { type ImageSet, pixelMean } from './images.js';

// 10 images of 2x2, image i filled with byte value 10*i, label i.
const set: ImageSet = {
  name: 'tiny',
  images: Uint8Array.from({ length: 40 }, (_, j) => 10 * Math.floor(j / 4)),
  labels: Uint8Array.from({ length: 10 }, (_, i) => i),
  count: 10,
  height: 2,
  width: 2,
  channels: 1,
};

beforeAll(async () => {
  await initBackend('cpu');
});

function take(it: BatchIterator, n: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    const b = it.next();
    out.push(Array.from(b.labels?.dataSync() ?? []));
    tf.dispose([b.x, b.labels]);
  }
  return out;
}

describe('BatchIterator', () => {
  it('visits every image once per epoch, in a seeded order that changes per epoch', () => {
    const it = new BatchIterator(set, { batchSize: 5, seed: 1 });
    const [a, b, c, d] = take(it, 4) as [number[], number[], number[], number[]];
    expect([...a, ...b].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...c, ...d].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...a, ...b]).not.toEqual([...c, ...d]);
    expect(take(new BatchIterator(set, { batchSize: 5, seed: 1 }), 2)).toEqual([a, b]);
    expect(take(new BatchIterator(set, { batchSize: 5, seed: 2 }), 2)).not.toEqual([a, b]);
  });

  it('resumes from a saved state with exactly the same batches', () => {
    const straight = take(new BatchIterator(set, { batchSize: 3, seed: 7 }), 8);
    const first = new BatchIterator(set, { batchSize: 3, seed: 7 });
    const head = take(first, 5);
    const resumed = new BatchIterator(set, { batchSize: 3, seed: 7 });
    resumed.restore(JSON.parse(JSON.stringify(first.state)));
    expect([...head, ...take(resumed, 3)]).toEqual(straight);
  });

  it('drops the incomplete last batch by default and keeps it on request', () => {
    expect(new BatchIterator(set, { batchSize: 3, seed: 0 }).batchesPerEpoch).toBe(3);
    const keep = new BatchIterator(set, { batchSize: 3, seed: 0, dropLast: false });
    expect(keep.batchesPerEpoch).toBe(4);
    const sizes = [0, 1, 2, 3].map(() => {
      const b = keep.next();
      tf.dispose([b.x, b.labels]);
      return [b.x.shape[0], b.lastInEpoch];
    });
    expect(sizes).toEqual([
      [3, false],
      [3, false],
      [3, false],
      [1, true],
    ]);
  });

  it.each([
    ['[0,1]', 0, 90 / 255],
    ['[-1,1]', -1, (2 * 90) / 255 - 1],
  ] as const)('scales bytes to %s', (range, lo, hi) => {
    const it = new BatchIterator(set, {
      batchSize: 10,
      seed: 0,
      shuffle: false,
      range,
      layout: 'image',
    });
    const b = it.next();
    expect(b.x.shape).toEqual([10, 2, 2, 1]);
    const v = b.x.dataSync();
    expect(v[0]).toBeCloseTo(lo, 6);
    expect(v[39]).toBeCloseTo(hi, 6);
    tf.dispose([b.x, b.labels]);
  });

  it('rejects bad sizes and foreign states with a clear message', () => {
    expect(() => new BatchIterator(set, { batchSize: 0, seed: 0 })).toThrow(/positive integer/);
    expect(() => new BatchIterator(set, { batchSize: 11, seed: 0 })).toThrow(
      /larger than the 10 images of tiny/,
    );
    const it = new BatchIterator(set, { batchSize: 5, seed: 3 });
    expect(() => it.restore({ seed: 4, epoch: 0, batch: 0 })).toThrow(/saved with seed 4/);
    expect(() => it.restore({ seed: 3, epoch: 0, batch: 2 })).toThrow(/outside this data/);
  });
});

describe('pixelMean', () => {
  it('averages each pixel over the set, in [0, 1]', () => {
    // Image i is filled with 10*i: every pixel's mean is 10 * 4.5 / 255.
    const mean = pixelMean(set);
    expect(mean).toHaveLength(4);
    for (const v of mean) expect(v).toBeCloseTo(45 / 255, 6);
  });
});
