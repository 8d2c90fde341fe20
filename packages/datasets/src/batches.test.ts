import { initBackend } from '@latent/backend';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchIterator, type BatchOptions, type DataSet, type PixelRange } from './batches.js';
import { binarizeImages } from './binarize.js';
import { type ImageSet, pixelMean } from './images.js';
import type { PointSet } from './points.js';

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
    expect(
      () =>
        new BatchIterator(
          { ...set, labels: set.labels?.subarray(0, 9) },
          { batchSize: 2, seed: 0 },
        ),
    ).toThrow('tiny: 9 labels for 10 examples');
    expect(() => new BatchIterator({ ...set, count: 11 }, { batchSize: 2, seed: 0 })).toThrow(
      'tiny: 40 values are not 11 2x2x1 images (44 values)',
    );
    const it = new BatchIterator(set, { batchSize: 5, seed: 3 });
    expect(() => it.restore({ seed: 4, epoch: 0, batch: 0 })).toThrow(/saved with seed 4/);
    expect(() => it.restore({ seed: 3, epoch: 0, batch: 2 })).toThrow(/outside this data/);
  });
});

describe('BatchIterator: dynamic binarization', () => {
  // 200 images of 4 pixels, all at grey level 51 = 0.2 * 255.
  const grey: ImageSet = {
    name: 'grey',
    images: new Uint8Array(800).fill(51),
    count: 200,
    height: 2,
    width: 2,
    channels: 1,
  };

  it('draws {0,1} with P(1) = byte/255, fresh bits every epoch, the same bits after a restore', () => {
    const it = new BatchIterator(grey, {
      batchSize: 200,
      seed: 5,
      shuffle: false,
      range: 'binary',
    });
    const a = it.next();
    const b = it.next();
    const va = a.x.dataSync();
    const vb = b.x.dataSync();
    expect(new Set(va)).toEqual(new Set([0, 1]));
    const mean = Array.from(va).reduce((s, v) => s + v, 0) / va.length;
    expect(mean).toBeGreaterThan(0.15); // 800 draws of Bernoulli(0.2): sd 0.014
    expect(mean).toBeLessThan(0.25);
    expect(Array.from(va)).not.toEqual(Array.from(vb)); // dynamic: a new draw per visit
    const again = new BatchIterator(grey, {
      batchSize: 200,
      seed: 5,
      shuffle: false,
      range: 'binary',
    });
    again.restore({ seed: 5, epoch: 1, batch: 0 });
    const c = again.next();
    expect(Array.from(c.x.dataSync())).toEqual(Array.from(vb));
    tf.dispose([a.x, b.x, c.x]);
  });

  it('keeps pixels at 0 and 255 fixed', () => {
    const it = new BatchIterator(set, { batchSize: 10, seed: 1, shuffle: false, range: 'binary' });
    const b = it.next();
    const v = b.x.dataSync();
    expect(Array.from(v.subarray(0, 4))).toEqual([0, 0, 0, 0]); // image 0 is black
    tf.dispose([b.x, b.labels]);
  });
});

describe('binarizeImages (static binarization)', () => {
  it('samples each pixel once with P(1) = byte/255, the same for the same seed', () => {
    const grey: ImageSet = { ...set, images: new Uint8Array(40).fill(128) };
    const a = binarizeImages(grey, { method: 'sample', seed: 3 });
    expect(a.name).toBe('tiny-binarized');
    expect(new Set(a.images)).toEqual(new Set([0, 255]));
    expect(binarizeImages(grey, { method: 'sample', seed: 3 }).images).toEqual(a.images);
    expect(binarizeImages(grey, { method: 'sample', seed: 4 }).images).not.toEqual(a.images);
    expect(a.labels).toBe(set.labels);
  });

  it('thresholds at 0.5 by default', () => {
    const b = binarizeImages(set, { method: 'threshold' });
    // image i is 10*i: above 127.5 from i = 13 on, so none here; at threshold 0.2 (51) from i = 6.
    expect(Array.from(b.images).every((v) => v === 0)).toBe(true);
    const c = binarizeImages(set, { method: 'threshold', threshold: 0.2 });
    expect(Array.from(c.images.subarray(0, 24)).every((v) => v === 0)).toBe(true);
    expect(Array.from(c.images.subarray(24)).every((v) => v === 255)).toBe(true);
    expect(() => binarizeImages(set, { method: 'threshold', threshold: 1 })).toThrow(/\[0, 1\)/);
  });
});

describe('BatchIterator over points', () => {
  const points: PointSet = {
    name: 'pts',
    points: Float32Array.from({ length: 12 }, (_, i) => i / 2),
    count: 6,
    dim: 2,
    labels: Uint8Array.from([0, 1, 0, 1, 0, 1]),
  };

  it('batches float32 [b, dim] rows unscaled, with their labels', () => {
    const it = new BatchIterator(points, {
      batchSize: 4,
      seed: 0,
      shuffle: false,
      range: '[-1,1]',
    });
    const b = it.next();
    expect(b.x.shape).toEqual([4, 2]);
    expect(Array.from(b.x.dataSync())).toEqual([0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5]);
    expect(Array.from(b.labels?.dataSync() ?? [])).toEqual([0, 1, 0, 1]);
    tf.dispose([b.x, b.labels]);
    expect(it.batchesPerEpoch).toBe(1);
  });
});

/** Reads a batch into plain numbers and disposes its tensors. */
function read(b: ReturnType<BatchIterator['next']>) {
  const out = {
    x: Array.from(b.x.dataSync()),
    shape: b.x.shape,
    labels: b.labels ? Array.from(b.labels.dataSync()) : null,
    epoch: b.epoch,
    batch: b.batch,
    last: b.lastInEpoch,
  };
  tf.dispose([b.x, b.labels]);
  return out;
}

describe('BatchIterator: save and restore (property)', () => {
  const sources: DataSet[] = [
    set,
    {
      name: 'rgb',
      images: Uint8Array.from({ length: 7 * 12 }, (_, i) => (i * 37) % 256),
      labels: Uint8Array.from({ length: 7 }, (_, i) => i % 3),
      count: 7,
      height: 2,
      width: 2,
      channels: 3,
    },
    {
      name: 'pts',
      points: Float32Array.from({ length: 26 }, (_, i) => Math.sin(i)),
      count: 13,
      dim: 2,
    },
  ];

  it('a restored iterator yields exactly the batches the original would have', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...sources),
        fc.record({
          batchSize: fc.integer({ min: 1, max: 7 }),
          seed: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
          shuffle: fc.boolean(),
          dropLast: fc.boolean(),
          range: fc.constantFrom<PixelRange>('[0,1]', '[-1,1]', 'binary'),
          layout: fc.constantFrom<'flat' | 'image'>('flat', 'image'),
        }),
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 1, max: 12 }),
        (data, options: BatchOptions, before, after) => {
          const tensors = tf.memory().numTensors;
          const straight = new BatchIterator(data, options);
          const expected = Array.from({ length: before + after }, () => read(straight.next()));
          const first = new BatchIterator(data, options);
          for (let i = 0; i < before; i++) read(first.next());
          const saved = JSON.parse(JSON.stringify(first.state));
          const resumed = new BatchIterator(data, options);
          resumed.restore(saved);
          const got = Array.from({ length: after }, () => read(resumed.next()));
          expect(got).toEqual(expected.slice(before));
          expect(tf.memory().numTensors).toBe(tensors);
        },
      ),
      { numRuns: 150 },
    );
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
