import { initBackend } from '@latent/backend';
import { deriveSeed } from '@latent/datasets';
import {
  checkpointJson,
  drawImages,
  parseCheckpointFiles,
  samplerFromCheckpoint,
} from '@latent/train';
import type { CheckpointFiles, ToWorker } from '../protocol.js';
import type { RunControl } from './control.js';
import { post } from './post.js';
import { dispatch, drawableOf, session } from './session.js';

/** Samples drawn from an opened checkpoint. */
const CHECKPOINT_SAMPLES = 100;

/** The backend started last, so opening a checkpoint mid-run does not switch it under the trainer. */
export const backendState = { started: false };

export async function startBackend(name: Extract<ToWorker, { type: 'start' }>['backend']) {
  post({ type: 'backend', info: await initBackend(name) });
  backendState.started = true;
}

/**
 * Checks a checkpoint the way the CLI does (format, version, sizes, checksum),
 * rebuilds its model, draws samples of it and hands it to the explorer.
 * Throws CheckpointError naming what is wrong.
 */
export async function openCheckpoint(
  files: CheckpointFiles,
  backend: Extract<ToWorker, { type: 'open' }>['backend'],
): Promise<void> {
  const checkpoint = parseCheckpointFiles(files.json, files.weights, files.source);
  if (!backendState.started) await startBackend(backend);
  // A GAN draws through its moving average when the checkpoint kept one.
  const sampler = samplerFromCheckpoint(checkpoint, { ema: 'if-kept', where: files.source });
  const { name } = checkpoint.manifest.model;
  const drawable = drawableOf(
    sampler,
    `checkpoint ${name}, step ${checkpoint.manifest.progress.step}`,
    {
      fromRun: false,
    },
  );
  const images = await drawImages(sampler, {
    count: CHECKPOINT_SAMPLES,
    seed: deriveSeed(0, 'checkpoint-samples'),
  }).catch((e: unknown) => {
    drawable.dispose();
    throw e;
  });
  const { manifest } = checkpoint;
  post({
    type: 'checkpoint',
    source: files.source,
    model: manifest.model.name,
    ema: sampler.ema,
    samples: {
      type: 'samples',
      step: manifest.progress.step,
      epoch: manifest.progress.batches.epoch,
      partial: false,
      images,
      count: CHECKPOINT_SAMPLES,
      shape: sampler.imageShape,
      pixelRange: sampler.pixelRange,
    },
  });
  dispatch({ type: 'drawable', drawable });
}

/** The run's checkpoint in the CLI's files, between two steps. */
export function saveCheckpoint(control: RunControl | undefined): void {
  const { trainer, resumable } = session();
  if (!trainer) {
    post({ type: 'save-error', message: 'No run to save: start one first.' });
    return;
  }
  const save = async () => {
    try {
      const { manifest, weights } = await trainer.checkpoint();
      post({
        type: 'saved',
        // Byte for byte what writeCheckpoint of @latent/train/node writes.
        json: checkpointJson(manifest),
        weights,
        step: manifest.progress.step,
        resumable,
      });
    } catch (e) {
      post({ type: 'save-error', message: (e as Error).message });
    }
  };
  if (control) control.atSafePoint(save);
  else void save();
}
