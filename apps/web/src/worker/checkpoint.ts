import { type BackendName, initBackend } from '@latent/backend';
import { deriveSeed } from '@latent/datasets';
import {
  type Checkpoint,
  CheckpointError,
  checkpointJson,
  drawImages,
  latentManifold,
  parseCheckpointFiles,
  type Sampler,
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
 * The one loader of checkpoint files, for opened and shipped ones alike:
 * checks them the way the CLI does (format, version, sizes, checksum) and
 * rebuilds the model's sampler (`samplerFromCheckpoint`; a GAN draws through
 * its moving average when the checkpoint kept one). Throws CheckpointError
 * naming what is wrong.
 */
async function loadCheckpoint(
  files: CheckpointFiles,
  backend: BackendName,
): Promise<{ checkpoint: Checkpoint; sampler: Sampler }> {
  const checkpoint = parseCheckpointFiles(files.json, files.weights, files.source);
  if (!backendState.started) await startBackend(backend);
  const sampler = samplerFromCheckpoint(checkpoint, { ema: 'if-kept', where: files.source });
  return { checkpoint, sampler };
}

/** A checkpoint's samples as the page shows a run's: a final grid of its step. */
function samplesEvent(checkpoint: Checkpoint, sampler: Sampler, images: Float32Array) {
  const { progress } = checkpoint.manifest;
  return {
    type: 'samples' as const,
    step: progress.step,
    epoch: progress.batches.epoch,
    partial: false,
    images,
    count: CHECKPOINT_SAMPLES,
    shape: sampler.imageShape,
    pixelRange: sampler.pixelRange,
  };
}

/**
 * Opens a checkpoint the user picked: draws samples of it and hands it to the
 * explorer. Throws CheckpointError naming what is wrong.
 */
export async function openCheckpoint(files: CheckpointFiles, backend: BackendName): Promise<void> {
  const { checkpoint, sampler } = await loadCheckpoint(files, backend);
  const { manifest } = checkpoint;
  const drawable = drawableOf(
    sampler,
    `checkpoint ${manifest.model.name}, step ${manifest.progress.step}`,
    { fromRun: false, checkpoint: async () => checkpoint },
  );
  const images = await drawImages(sampler, {
    count: CHECKPOINT_SAMPLES,
    seed: deriveSeed(0, 'checkpoint-samples'),
  }).catch((e: unknown) => {
    drawable.dispose();
    throw e;
  });
  post({
    type: 'checkpoint',
    source: files.source,
    model: manifest.model.name,
    ema: sampler.ema,
    samples: samplesEvent(checkpoint, sampler, images),
  });
  dispatch({ type: 'drawable', drawable });
}

/**
 * Opens a model shipped with the app, through the same loader. For the
 * explorer: it becomes the explorer's model, at first visit only while no run
 * or opened checkpoint holds the explorer (those came later, so they win).
 * For the VAE tab: a 2-D VAE's samples and latent manifold, then it is freed.
 * Problems are posted as `pretrained-error`; nothing else changes.
 */
export async function openPretrained({
  files,
  model,
  backend,
  to,
  replace,
}: Extract<ToWorker, { type: 'pretrained' }>): Promise<void> {
  let sampler: Sampler | undefined;
  try {
    const loaded = await loadCheckpoint(files, backend);
    sampler = loaded.sampler;
    const { manifest } = loaded.checkpoint;
    if (to === 'vae') {
      if (sampler.kind !== 'vae')
        throw new CheckpointError(`${files.source}: a ${manifest.model.name}, not a VAE`);
      const images = await drawImages(sampler, {
        count: CHECKPOINT_SAMPLES,
        seed: deriveSeed(0, 'vae-samples'),
      });
      const grid = await latentManifold(sampler);
      post({
        type: 'pretrained-vae',
        model,
        samples: samplesEvent(loaded.checkpoint, sampler, images),
        ...(grid ?? {}),
      });
      sampler.dispose();
      return;
    }
    const { drawable: held, trainer } = session();
    if (!replace && (held || trainer)) {
      sampler.dispose();
      return;
    }
    const drawable = drawableOf(
      sampler,
      `the pretrained ${model.title} (${manifest.model.name}, step ${manifest.progress.step})`,
      { fromRun: false, checkpoint: async () => loaded.checkpoint, pretrained: model.name },
    );
    sampler = undefined;
    dispatch({ type: 'drawable', drawable });
  } catch (e) {
    sampler?.dispose();
    post({ type: 'pretrained-error', model, message: (e as Error).message });
  }
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
