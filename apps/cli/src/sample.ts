import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { initBackend } from '@latent/backend';
import { decodedMean, disposeParams, loadParams, samplePrior } from '@latent/models';
import type { Checkpoint } from '@latent/train';
import { ganFromCheckpoint, vaeFromCheckpoint } from '@latent/train';
import { listCheckpoints, readCheckpoint, writeFileAtomic } from '@latent/train/node';
import { encodePng, imageGrid, interpolationGrid, lerp, slerp } from '@latent/vis';
import * as tf from '@tensorflow/tfjs-core';
import { UsageError } from './errors.js';

export interface SampleCommandOptions {
  /** A run folder (its newest checkpoint is used) or a checkpoint folder. */
  target: string;
  count: number;
  seed: number;
  /** Use the generator's moving average (runs trained with --ema). */
  ema: boolean;
  /** Draw `count` strips of this many images each, walking between two random z. */
  interpolate?: number;
  /** Interpolate linearly instead of along the great circle (slerp). */
  linear?: boolean;
  /** Conditional models: draw only this class (default: class i mod C for sample i). */
  classIndex?: number;
  out?: string;
  backend: string;
}

/** `latent sample`: draws a grid of G(z) from a run's checkpoint and writes it as a PNG. */
export async function sampleCommand(opts: SampleCommandOptions): Promise<void> {
  const { dir, runDir } = await findCheckpoint(resolve(opts.target));
  const checkpoint = await readCheckpoint(dir);
  await initBackend(opts.backend);
  const { manifest } = checkpoint;
  const model = samplerOf(checkpoint, dir, opts.ema);
  if (opts.classIndex !== undefined) {
    const classes = model.numClasses;
    if (!classes) {
      model.dispose();
      throw new UsageError(
        `${model.name} is not conditional; --class applies to cgan, acgan and cvae runs.`,
      );
    }
    if (opts.classIndex >= classes) {
      model.dispose();
      throw new UsageError(
        `--class ${opts.classIndex} is out of range: ${model.name} knows classes 0 to ${classes - 1}.`,
      );
    }
  }
  const steps = opts.interpolate ?? 1;
  const total = opts.count * steps;
  const images = tf.tidy(() => {
    let z = model.noise(opts.interpolate ? 2 * opts.count : opts.count, opts.seed);
    if (opts.interpolate) {
      // One strip per pair (z_2i, z_2i+1): steps points from one to the other.
      const ends = z.arraySync();
      const path = new Float32Array(total * model.noiseDim);
      for (let i = 0; i < opts.count; i++) {
        const walk = (opts.linear ? lerp : slerp)(
          ends[2 * i] as number[],
          ends[2 * i + 1] as number[],
          steps,
        );
        path.set(walk, i * steps * model.noiseDim);
      }
      z = tf.tensor2d(path, [total, model.noiseDim]);
    }
    // Conditional models: sample i draws class i mod C (each interpolation strip keeps one class).
    const classes = model.numClasses;
    const classOf = (i: number) => opts.classIndex ?? Math.floor(i / steps) % (classes ?? 1);
    const labels = classes
      ? tf.tensor1d(
          Array.from({ length: total }, (_, i) => classOf(i)),
          'int32',
        )
      : undefined;
    return model.draw(z, labels);
  });
  const pixels = (await images.data()) as Float32Array;
  images.dispose();
  model.dispose();
  const [height, width, channels] = model.imageShape;
  const layout = {
    count: total,
    height,
    width,
    channels: channels as 1 | 3,
    range: model.pixelRange,
    scale: 2,
  };
  const png = encodePng(
    opts.interpolate ? interpolationGrid(pixels, { ...layout, steps }) : imageGrid(pixels, layout),
  );
  const step = manifest.progress.step;
  const out = resolve(
    opts.out ??
      join(
        runDir ?? dir,
        'samples',
        `sample-step-${String(step).padStart(6, '0')}-seed-${opts.seed}${opts.interpolate ? '-interpolation' : ''}${opts.ema ? '-ema' : ''}.png`,
      ),
  );
  await writeFileAtomic(out, png);
  process.stderr.write(
    `latent: ${opts.count} samples of ${model.name} at step ${step}${opts.ema ? ' (EMA)' : ''} -> ${out}\n`,
  );
}

/** What `sample` needs of a checkpoint's model: its prior and the map from z to images. */
export interface Sampler {
  name: string;
  noiseDim: number;
  imageShape: readonly [number, number, number];
  pixelRange: '[0,1]' | '[-1,1]';
  numClasses?: number;
  noise(count: number, seed: number): tf.Tensor2D;
  draw(z: tf.Tensor2D, labels?: tf.Tensor1D): tf.Tensor;
  dispose(): void;
}

/** G of a GAN checkpoint (or its moving average), or the decoder of a VAE's, loaded from the weights. */
export function samplerOf({ manifest, weights }: Checkpoint, dir: string, ema: boolean): Sampler {
  const encoded = { specs: manifest.weights.specs, data: weights };
  const { name, config } = manifest.model;
  if (manifest.kind === 'vae') {
    if (ema)
      throw new Error(`${dir} is a VAE checkpoint; --ema applies to GANs trained with --ema.`);
    const model = vaeFromCheckpoint(name, config, dir);
    const { encoder, decoder } = model.init(0);
    disposeParams(encoder);
    loadParams(decoder, encoded, 'decoder');
    return {
      name,
      noiseDim: model.latentDim,
      imageShape: model.imageShape,
      pixelRange: '[0,1]',
      numClasses: model.numClasses,
      noise: (count, seed) => samplePrior(model, count, seed),
      draw: (z, labels) =>
        decodedMean(model, model.decode(decoder, z, { training: false, seed: 0, labels })),
      dispose: () => disposeParams(decoder),
    };
  }
  const model = ganFromCheckpoint(name, config, dir);
  const { generator, discriminator } = model.init(0);
  disposeParams(discriminator);
  if (ema && !manifest.weights.specs.some((s) => s.name.startsWith('ema.'))) {
    disposeParams(generator);
    throw new Error(
      `${dir} holds no moving average of G; train with --ema 0.999 to keep one, or drop --ema.`,
    );
  }
  loadParams(generator, encoded, ema ? 'ema' : 'generator');
  return {
    name,
    noiseDim: model.noiseDim,
    imageShape: model.imageShape,
    pixelRange: model.pixelRange,
    numClasses: model.numClasses,
    noise: (count, seed) => model.sampleNoise(count, seed),
    draw: (z, labels) => model.generate(generator, z, { training: false, seed: 0, labels }),
    dispose: () => disposeParams(generator),
  };
}

/** The checkpoint folder a target names: itself, or a run folder's newest checkpoint. */
export async function findCheckpoint(target: string): Promise<{ dir: string; runDir?: string }> {
  if (await exists(join(target, 'checkpoint.json'))) return { dir: target };
  const newest = (await listCheckpoints(join(target, 'checkpoints'))).at(-1);
  if (!newest) {
    throw new Error(
      `${target} is neither a checkpoint folder (no checkpoint.json) nor a run folder with checkpoints/.`,
    );
  }
  return { dir: newest.path, runDir: target };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
