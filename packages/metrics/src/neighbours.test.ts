import { initBackend } from '@latent/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  kernelInceptionDistance,
  kthNeighbourRadii,
  nearestNeighbours,
  precisionRecall,
} from './neighbours.js';
import type { Points } from './parzen.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const points = (rows: number[][]): Points => ({
  data: Float32Array.from(rows.flat()),
  count: rows.length,
  dim: rows[0]!.length,
});

describe('neighbour metrics, by hand', () => {
  it('KID on whole sets is the unbiased MMD^2 with the kernel (x.y/d + 1)^3', () => {
    const x = [
      [0, 1],
      [1, 0],
      [2, 1],
      [0.5, 0.5],
    ];
    const y = [
      [1, 1],
      [3, 0],
      [0, 2],
      [1, 2],
    ];
    const k = (a: number[], b: number[]) => ((a[0]! * b[0]! + a[1]! * b[1]!) / 2 + 1) ** 3;
    const m = 4;
    let xx = 0;
    let yy = 0;
    let xy = 0;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < m; j++) {
        if (i !== j) xx += k(x[i]!, x[j]!);
        if (i !== j) yy += k(y[i]!, y[j]!);
        xy += k(x[i]!, y[j]!);
      }
    const want = (xx + yy) / (m * (m - 1)) - (2 * xy) / (m * m);
    const before = tf.memory().numTensors;
    const kid = kernelInceptionDistance(points(x), points(y), { subsets: 3, subsetSize: 4 });
    expect(tf.memory().numTensors).toBe(before);
    expect(kid.value).toBeCloseTo(want, 4);
    // Every subset is the whole set: no spread.
    expect(kid.std).toBeLessThan(1e-4);
    expect(kid).toMatchObject({ subsets: 3, subsetSize: 4 });
  });

  it('k-NN radii, precision and recall, nearest neighbours on a line', async () => {
    const real = points([[0], [1], [2], [3], [10]]);
    // Squared distance to the 2nd nearest other point.
    expect(Array.from(await kthNeighbourRadii(real, 2))).toEqual([4, 1, 1, 4, 64]);
    // The samples: one inside the real balls, one far off; 1-NN radii.
    const fake = points([[1.5], [100], [101]]);
    const pr = await precisionRecall(real, fake, { k: 1 });
    expect(pr.precision).toBeCloseTo(1 / 3, 6);
    // Sample balls (1-NN): 1.5 reaches 100 (radius 98.5^2), so every real point is covered.
    expect(pr.recall).toBe(1);
    const nn = await nearestNeighbours(fake, real);
    expect(Array.from(nn.index)).toEqual([1, 4, 4]);
    expect(nn.distance[0]).toBeCloseTo(0.5, 5);
    expect(nn.distance[2]).toBeCloseTo(91, 3);
  });
});
