import type { ImageSet } from './images.js';
import { Rng } from './rng.js';

/**
 * How to turn grey levels into {0, 1} once, for likelihood work on a fixed
 * binary data set (the VAE literature's "static" binarization):
 * - `sample`: each pixel is 1 with probability byte/255, drawn once from `seed`
 *   (the convention of Larochelle & Murray 2011, and of most VAE likelihoods);
 * - `threshold`: each pixel is 1 where byte/255 > `threshold` (default 0.5).
 *
 * For dynamic binarization (a fresh draw every time an image is batched), keep
 * the grey set and batch it with `range: 'binary'`.
 */
export type BinarizeOptions =
  | { method: 'sample'; seed: number }
  | { method: 'threshold'; threshold?: number };

/**
 * A statically binarized copy of an image set: bytes are 0 or 255, so the
 * `[0,1]` range batches them as exactly {0, 1}. Labels and shape are kept;
 * `name` gets a `-binarized` suffix.
 */
export function binarizeImages(set: ImageSet, options: BinarizeOptions): ImageSet {
  const src = set.images;
  const out = new Uint8Array(src.length);
  if (options.method === 'sample') {
    new Rng(options.seed).binarize(src, out, 0, 255);
  } else {
    const t = options.threshold ?? 0.5;
    if (!(t >= 0 && t < 1)) throw new RangeError(`threshold must be in [0, 1), got ${t}`);
    const cut = t * 255;
    for (let i = 0; i < src.length; i++) out[i] = src[i]! > cut ? 255 : 0;
  }
  return { ...set, name: `${set.name}-binarized`, images: out };
}
