import { createTrainer, describeRun, resolveRun } from '@latent/train';
import type { RunSettings } from '../protocol.js';
import type { RunControl } from './control.js';
import { FOLDER_SIZE, PICKED_FOLDER, pageLoader } from './data.js';
import { measureAndPost, sampleQuality } from './quality.js';
import { dispatch, trainerDrawable } from './session.js';

/** Most milliseconds between sample grids: a conv step takes a second here, an MLP step a fraction. */
const PREVIEW_MS = 1500;

/** The images form's dataset `folder` is the picked folder, scaled and cropped to the zoo's 28x28. */
function withFolder(request: Record<string, unknown>): Record<string, unknown> {
  if (request.dataset !== 'folder') return request;
  return { ...request, dataset: PICKED_FOLDER, imageSize: FOLDER_SIZE };
}

/** A GAN of the zoo on MNIST, Fashion-MNIST or a picked folder, with live sample grids. */
export async function trainImages(settings: RunSettings, control: RunControl): Promise<void> {
  const run = await resolveRun(withFolder(settings.request), pageLoader(settings.folder));
  if (run.kind !== 'gan') throw new Error(`${run.entry.name} is a VAE: train it in the VAE tab.`);
  control.post({ type: 'config', mode: 'images', summary: describeRun(run) });
  const trainer = createTrainer(run);
  const named = settings.request.dataset !== 'folder';
  dispatch({ type: 'trainer', trainer, resumable: named });
  const quality = settings.quality && sampleQuality(trainer, settings.quality.n);
  dispatch({ type: 'quality', quality });
  const every = quality && settings.quality?.every;
  dispatch({ type: 'drawable', drawable: trainerDrawable(run, trainer) });
  await control.train(trainer, 'images', {
    everyMs: PREVIEW_MS,
    samples: true,
    frame: async () => control.post({ type: 'preview', samples: await trainer.preview() }),
    afterStep: async (step) => {
      if (quality && every && step % every === 0) await measureAndPost(quality, control);
    },
  });
}
