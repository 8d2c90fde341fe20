import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { initBackend } from '@latent/backend';
import { disposeParams, loadParams, type MlpGanConfig, mlpGan } from '@latent/models';
import type { Checkpoint } from '@latent/train';
import { listCheckpoints, readCheckpoint } from '@latent/train/node';
import { encodePng, imageGrid, interpolationGrid, lerp, slerp } from '@latent/vis';
import * as tf from '@tensorflow/tfjs-core';
import { writeFileAtomic } from './files.js';

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
  out?: string;
  backend: string;
}

/** `latent sample`: draws a grid of G(z) from a run's checkpoint and writes it as a PNG. */
export async function sampleCommand(opts: SampleCommandOptions): Promise<void> {
  const { dir, runDir } = await findCheckpoint(resolve(opts.target));
  const checkpoint = await readCheckpoint(dir);
  await initBackend(opts.backend);
  const { manifest } = checkpoint;
  const model = modelOf(checkpoint, dir);
  const { generator, discriminator } = model.init(0);
  disposeParams(discriminator);
  const hasEma = manifest.weights.specs.some((s) => s.name.startsWith('ema.'));
  if (opts.ema && !hasEma) {
    disposeParams(generator);
    throw new Error(
      `${dir} holds no moving average of G; train with --ema 0.999 to keep one, or drop --ema.`,
    );
  }
  loadParams(
    generator,
    { specs: manifest.weights.specs, data: checkpoint.weights },
    opts.ema ? 'ema' : 'generator',
  );
  const steps = opts.interpolate ?? 1;
  const total = opts.count * steps;
  const images = tf.tidy(() => {
    let z = model.sampleNoise(opts.interpolate ? 2 * opts.count : opts.count, opts.seed);
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
    return model.generate(generator, z, { training: false, seed: 0 });
  });
  const pixels = (await images.data()) as Float32Array;
  images.dispose();
  disposeParams(generator);
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

/** The checkpoint folder a target names: itself, or a run folder's newest checkpoint. */
async function findCheckpoint(target: string): Promise<{ dir: string; runDir?: string }> {
  if (await exists(join(target, 'checkpoint.json'))) return { dir: target };
  const newest = (await listCheckpoints(join(target, 'checkpoints'))).at(-1);
  if (!newest) {
    throw new Error(
      `${target} is neither a checkpoint folder (no checkpoint.json) nor a run folder with checkpoints/.`,
    );
  }
  return { dir: newest.path, runDir: target };
}

function modelOf({ manifest }: Checkpoint, dir: string) {
  if (manifest.model.name === 'mlp-gan') return mlpGan(manifest.model.config as MlpGanConfig);
  throw new Error(
    `${dir} holds a '${manifest.model.name}' model, which this latent cannot sample yet.`,
  );
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
