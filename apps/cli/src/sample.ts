import { join, resolve } from 'node:path';
import { initBackend } from '@latent/backend';
import { drawImages, samplerFromCheckpoint } from '@latent/train';
import { findCheckpoint, readCheckpoint, writeFileAtomic } from '@latent/train/node';
import { encodePng, imageGrid, interpolationGrid } from '@latent/vis';
import { usageOnRequestError } from './errors.js';

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
  const model = samplerFromCheckpoint(checkpoint, { ema: opts.ema, where: dir });
  const steps = opts.interpolate ?? 1;
  const total = opts.count * steps;
  const pixels = await usageOnRequestError(drawImages(model, opts)).finally(() => model.dispose());
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
