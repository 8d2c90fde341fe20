import { resolveRun, VaeFrames, VaeTrainer } from '@latent/train';
import type { VaeSettings } from '../protocol.js';
import type { RunControl } from './control.js';
import { pageLoader } from './data.js';
import { dispatch, drawableOf } from './session.js';

/** Most milliseconds between the VAE's pictures. */
const FRAME_MS = 1500;

/** A VAE of the zoo (the MLP one with any latent size) on MNIST or Fashion-MNIST. */
export async function trainVae(
  settings: VaeSettings,
  control: RunControl,
  signal: AbortSignal,
): Promise<void> {
  const request = {
    model: settings.model,
    dataset: settings.dataset,
    batchSize: settings.batchSize,
    learningRate: settings.learningRate,
    epochs: settings.epochs,
    seed: settings.seed,
    // A 2-d latent draws the manifold picture.
    ...(settings.latentDim ? { latentDim: settings.latentDim } : {}),
  };
  const run = await resolveRun(request, pageLoader());
  if (run.kind !== 'vae')
    throw new Error(`${run.entry.name} is a GAN: train it in the images tab.`);
  const { model, config, data } = run;
  control.post({
    type: 'config',
    mode: 'vae',
    summary: `${model.name} (${model.latentDim}-d latent) on ${data.name}: ${config.optimizer} lr ${config.learningRate}, batch ${config.batchSize}, ${config.binarize} binarization`,
  });
  const trainer = new VaeTrainer({ model, data, config });
  dispatch({ type: 'trainer', trainer, resumable: true });
  dispatch({
    type: 'drawable',
    drawable: drawableOf(trainer.sampler(), `${model.name} on ${data.name}, as it trains`, {
      fromRun: true,
      checkpoint: () => trainer.checkpoint(),
      ...(data.classNames ? { names: data.classNames } : {}),
    }),
  });

  const frames = new VaeFrames(trainer);
  control.post({ type: 'vae', frame: await frames.frame() });
  let shown = performance.now();
  control.running = true;
  try {
    for await (const event of trainer.run({ signal })) {
      control.post({ type: 'event', mode: 'vae', event });
      if (event.type !== 'step') continue;
      if (control.paused || performance.now() - shown > FRAME_MS) {
        control.post({ type: 'vae', frame: await frames.frame() });
        shown = performance.now();
      }
      await control.between(event.step);
    }
    if (!signal.aborted) control.post({ type: 'vae', frame: await frames.frame() });
  } finally {
    control.running = false;
    frames.dispose();
  }
}
