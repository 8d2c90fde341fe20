import { lerp, slerp } from '@latent/vis';
import * as tf from '@tensorflow/tfjs-core';
import { RunRequestError } from './data-source.js';
import { MODELS } from './registry.js';
import type { Sampler } from './sampler.js';

/** What a sampler is asked to draw: `count` images from `seed`, or `count` interpolation strips. */
export interface DrawOptions {
  count: number;
  /** Seeds the noise z. */
  seed: number;
  /** Draw `count` strips of this many images each, walking between two random z. */
  interpolate?: number;
  /** Interpolate linearly instead of along the great circle (slerp). */
  linear?: boolean;
  /** Conditional models: draw only this class (default: image i draws class i mod C, a strip one class). */
  classIndex?: number;
}

/**
 * Images drawn through a sampler, [count * steps, ...] in [0, 1], row-major:
 * `count` images of the prior drawn from `seed` (`latent sample`, the
 * samples of an opened checkpoint), or with `interpolate` one strip per pair
 * of prior draws (z_2i, z_2i+1), `interpolate` points from one to the other.
 *
 * @throws RunRequestError for a `classIndex` the model does not draw
 */
export async function drawImages(
  sampler: Pick<Sampler, 'name' | 'noise' | 'draw' | 'noiseDim' | 'numClasses'>,
  options: DrawOptions,
): Promise<Float32Array> {
  if (options.classIndex !== undefined) checkClass(sampler, options.classIndex);
  const { count, interpolate } = options;
  const steps = interpolate ?? 1;
  const total = count * steps;
  const images = tf.tidy(() => {
    let z = sampler.noise(interpolate ? 2 * count : count, options.seed);
    if (interpolate) {
      const ends = z.arraySync();
      const path = new Float32Array(total * sampler.noiseDim);
      for (let i = 0; i < count; i++) {
        const walk = (options.linear ? lerp : slerp)(ends[2 * i]!, ends[2 * i + 1]!, steps);
        path.set(walk, i * steps * sampler.noiseDim);
      }
      z = tf.tensor2d(path, [total, sampler.noiseDim]);
    }
    const classes = sampler.numClasses;
    const classOf = (i: number) => options.classIndex ?? Math.floor(i / steps) % (classes ?? 1);
    const labels = classes
      ? tf.tensor1d(
          Array.from({ length: total }, (_, i) => classOf(i)),
          'int32',
        )
      : undefined;
    return sampler.draw(z, labels);
  });
  const pixels = (await images.data()) as Float32Array;
  images.dispose();
  return pixels;
}

/** A class to draw must be one of a conditional model's. */
function checkClass(sampler: Pick<Sampler, 'name' | 'numClasses'>, classIndex: number): void {
  const classes = sampler.numClasses;
  if (!classes) {
    const names = MODELS.filter((m) => m.conditional).map((m) => m.name);
    throw new RunRequestError(
      `${sampler.name} is not conditional; --class applies to ${names.slice(0, -1).join(', ')} and ${names.at(-1)} runs.`,
    );
  }
  if (classIndex < 0 || classIndex >= classes)
    throw new RunRequestError(
      `--class ${classIndex} is out of range: ${sampler.name} knows classes 0 to ${classes - 1}.`,
    );
}

/** A walk through the latent space (the page's explorer): its two ends and how to go between them. */
export interface LatentWalk {
  /** z_A = the prior draw of this seed, its first dimensions replaced by `dims` where given. */
  seedA: number;
  /** z_B = the prior draw of this seed: the other end. */
  seedB: number;
  /** Values for z_A's first dimensions; null keeps the draw's own. */
  dims: readonly (number | null)[];
  /** Images along the path from z_A to z_B, both ends included (2 to 16). */
  steps: number;
  /** Along the great circle (slerp) or a straight line. */
  spherical: boolean;
  /** Conditional models: the class every image draws (default: 0). */
  label?: number;
}

/**
 * Draws G(z_A) and the path from z_A to z_B. Only reads the weights, so it
 * may run between the steps of a training run.
 *
 * @returns z_A, its image [1, ...] and the path's images [steps, ...], in [0, 1]
 */
export async function drawLatentWalk(
  sampler: Pick<Sampler, 'noise' | 'draw' | 'noiseDim' | 'numClasses'>,
  walk: LatentWalk,
): Promise<{ z: Float32Array; image: Float32Array; path: Float32Array; steps: number }> {
  const steps = Math.max(2, Math.min(16, Math.round(walk.steps)));
  const [a, b] = tf.tidy(() => [sampler.noise(1, walk.seedA), sampler.noise(1, walk.seedB)]);
  const za = (await a!.data()) as Float32Array;
  const zb = (await b!.data()) as Float32Array;
  tf.dispose([a, b]);
  walk.dims.forEach((v, i) => {
    if (v !== null && i < za.length) za[i] = v;
  });
  const path = (walk.spherical ? slerp : lerp)(za, zb, steps);
  const images = tf.tidy(() => {
    const z = tf.tensor2d([...za, ...path], [steps + 1, sampler.noiseDim]);
    const labels = sampler.numClasses
      ? (tf.fill([steps + 1], walk.label ?? 0, 'int32') as tf.Tensor1D)
      : undefined;
    return sampler.draw(z, labels);
  });
  const pixels = (await images.data()) as Float32Array;
  images.dispose();
  const size = pixels.length / (steps + 1);
  return { z: za, image: pixels.slice(0, size), path: pixels.slice(size), steps };
}
