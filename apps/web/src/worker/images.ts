import type { ImageSet } from '@latent/datasets';
import { GanTrainer, resolveRun } from '@latent/train';
import type { ImageSettings } from '../protocol.js';
import type { RunControl } from './control.js';
import { FOLDER_SIZE, PICKED_FOLDER, pageLoader } from './data.js';
import { measureAndPost, sampleQuality } from './quality.js';
import { dispatch, drawableOf } from './session.js';

/** Most milliseconds between sample grids: a conv step takes a second here, an MLP step a fraction. */
const PREVIEW_MS = 1500;

/** The run request of the form: fields the user left empty take the model's paper settings. */
export function imageRunRequest(settings: ImageSettings): Record<string, unknown> {
  const folder = settings.dataset === 'folder';
  const request: Record<string, unknown> = {
    model: settings.model,
    dataset: folder ? PICKED_FOLDER : settings.dataset,
    ...(folder ? { imageSize: FOLDER_SIZE } : {}),
    epochs: settings.epochs,
    seed: settings.seed,
  };
  for (const key of [
    'loss',
    'k',
    'optimizer',
    'generatorLearningRate',
    'discriminatorLearningRate',
    'batchSize',
  ] as const) {
    if (settings[key] !== undefined) request[key] = settings[key];
  }
  return request;
}

/** A GAN of the zoo on MNIST, Fashion-MNIST or a picked folder, with live sample grids. */
export async function trainImages(
  settings: ImageSettings,
  control: RunControl,
  signal: AbortSignal,
): Promise<void> {
  const run = await resolveRun(imageRunRequest(settings), pageLoader(settings.folder));
  if (run.kind !== 'gan') throw new Error(`${run.entry.name} is a VAE: train it in the VAE tab.`);
  const { model, config } = run;
  const data = run.data as ImageSet;
  control.post({
    type: 'config',
    mode: 'images',
    summary: `${model.name} on ${data.name} (${data.count.toLocaleString('en')} images): ${config.loss} loss, k ${config.k}${config.updates === 'simultaneous' ? ' (D and G updated simultaneously)' : ''}, ${config.optimizer} lr G ${config.generatorLearningRate} / D ${config.discriminatorLearningRate}, batch ${config.batchSize}`,
  });
  const trainer = new GanTrainer({ model, data, config });
  dispatch({ type: 'trainer', trainer, resumable: settings.dataset !== 'folder' });
  const quality =
    settings.dataset !== 'folder' && settings.quality
      ? sampleQuality(trainer, settings.quality.n)
      : undefined;
  dispatch({ type: 'quality', quality });
  const measureEvery = quality ? settings.quality?.every : undefined;
  dispatch({
    type: 'drawable',
    drawable: drawableOf(trainer.sampler(), `${model.name} on ${data.name}, as it trains`, {
      fromRun: true,
      checkpoint: () => trainer.checkpoint(),
      ...(data.classNames ? { names: data.classNames } : {}),
    }),
  });

  let shown = performance.now();
  control.running = true;
  try {
    for await (const event of trainer.run({ signal })) {
      control.post({ type: 'event', mode: 'images', event });
      if (event.type === 'samples') shown = performance.now();
      if (event.type !== 'step') continue;
      if (control.paused || performance.now() - shown > PREVIEW_MS) {
        control.post({ type: 'preview', samples: await trainer.preview() });
        shown = performance.now();
      }
      if (quality && measureEvery && event.step % measureEvery === 0)
        await measureAndPost(quality, control);
      await control.between(event.step);
    }
  } finally {
    control.running = false;
  }
}
