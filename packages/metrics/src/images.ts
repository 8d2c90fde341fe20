import type { ImageSet } from '@latent/datasets';
import * as tf from '@tensorflow/tfjs-core';
import type { Points } from './parzen.js';

/**
 * Images [start, end) of a set as float32 in [0, 1] (byte / 255), row-major
 * [count * h * w * c], as `Points` for the Parzen window and classifiers.
 */
export function imagePoints(set: ImageSet, start = 0, end = set.count): Points {
  if (start < 0 || end > set.count || start >= end)
    throw new RangeError(`images [${start}, ${end}) are outside the ${set.count} of ${set.name}`);
  const dim = set.height * set.width * set.channels;
  const bytes = set.images.subarray(start * dim, end * dim);
  const data = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) data[i] = bytes[i]! / 255;
  return { data, count: end - start, dim };
}

/**
 * A generator's images as one float32 array in [0, 1]. `generate(count)` is
 * called with at most `batchSize` at a time and returns images shaped
 * [count, ...] (flat or NHWC) in `pixelRange`; the tensors it returns are
 * disposed here.
 *
 * @returns [n * size] in [0, 1] (values of a `[-1,1]` generator are mapped by (x + 1) / 2)
 */
export async function drawSamples(
  generate: (count: number) => tf.Tensor | Promise<tf.Tensor>,
  n: number,
  size: number,
  options: {
    batchSize?: number;
    pixelRange?: '[0,1]' | '[-1,1]';
    onProgress?: (done: number, total: number) => void;
  } = {},
): Promise<Points> {
  const batchSize = options.batchSize ?? 500;
  const data = new Float32Array(n * size);
  for (let done = 0; done < n; ) {
    const count = Math.min(batchSize, n - done);
    const out = await generate(count);
    try {
      if (out.shape[0] !== count || out.size !== count * size)
        throw new Error(
          `generate(${count}) returned shape [${out.shape}], expected ${count} images of ${size} values`,
        );
      const scaled = tf.tidy(() =>
        options.pixelRange === '[-1,1]' ? tf.div(tf.add(out, 1), 2) : tf.clone(out),
      );
      data.set((await scaled.data()) as Float32Array, done * size);
      scaled.dispose();
    } finally {
      out.dispose();
    }
    done += count;
    options.onProgress?.(done, n);
  }
  return { data, count: n, dim: size };
}
