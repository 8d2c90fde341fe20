import { createTrainer, describeRun, resolveRun, VaeFrames } from '@latent/train';
import type { RunSettings } from '../protocol.js';
import type { RunControl } from './control.js';
import { pageLoader } from './data.js';
import { dispatch, trainerDrawable } from './session.js';

/** Most milliseconds between the VAE's pictures. */
const FRAME_MS = 1500;

/** A VAE of the zoo (the MLP one with any latent size; 2-d draws the manifold) on MNIST or Fashion-MNIST. */
export async function trainVae(settings: RunSettings, control: RunControl): Promise<void> {
  const run = await resolveRun(settings.request, pageLoader());
  if (run.kind !== 'vae')
    throw new Error(`${run.entry.name} is a GAN: train it in the images tab.`);
  control.post({ type: 'config', mode: 'vae', summary: describeRun(run) });
  const trainer = createTrainer(run);
  dispatch({ type: 'trainer', trainer, resumable: true });
  dispatch({ type: 'drawable', drawable: trainerDrawable(run, trainer) });
  const frames = new VaeFrames(trainer);
  const frame = async () => control.post({ type: 'vae', frame: await frames.frame() });
  try {
    await frame();
    await control.train(trainer, 'vae', { everyMs: FRAME_MS, samples: true, frame });
  } finally {
    frames.dispose();
  }
}
