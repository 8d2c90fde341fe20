import {
  createTrainer,
  describeRun,
  type GanTrainer,
  resolveRun,
  ToyFrames,
  type ToyName,
  toyOf,
} from '@latent/train';
import type { ToyDensityFrame, ToyPlaneFrame } from '@latent/vis';
import type { RunSettings } from '../protocol.js';
import type { RunControl } from './control.js';
import { pageLoader } from './data.js';
import { dispatch } from './session.js';

/** Milliseconds between frames in normal speed, and each phase's pause in slow motion. */
const FRAME_MS = 120;
const SLOW_MS = 700;

/**
 * Trains, showing a frame at most FRAME_MS apart; in slow motion (and when
 * paused) a step shows two: D just updated against the old G, then G's
 * update. `frame(previous)` takes G's output from `previous`: the picture
 * between D's update and G's.
 */
async function trainShowing<F extends ToyDensityFrame | ToyPlaneFrame>(
  trainer: GanTrainer,
  mode: 'toy1d' | 'toy2d',
  control: RunControl,
  frame: (previous?: F) => Promise<F>,
  show: (f: F) => void,
): Promise<void> {
  let last = await frame();
  show(last);
  await control.train(trainer, mode, {
    everyMs: FRAME_MS,
    samples: false,
    eachStep: () => control.slowMotion,
    frame: async () => {
      if (!control.slowMotion && !control.paused) {
        last = await frame();
        return show(last);
      }
      show({ ...(await frame(last)), phase: 'discriminator' });
      await control.sleep(SLOW_MS);
      last = { ...(await frame()), phase: 'generator' };
      show(last);
      if (control.slowMotion && !control.paused) await control.sleep(SLOW_MS);
    },
  });
}

/**
 * A toy run: the note's Figure 1.2, live, for the 1-D mixture (`toy1d`), or
 * GAN Lab's picture for a 2-D distribution (`toy2d`), each frame from
 * `ToyFrames`, the pictures `latent train` writes per epoch.
 */
export async function trainToy(settings: RunSettings, control: RunControl): Promise<void> {
  const run = await resolveRun(settings.request, pageLoader());
  if (run.kind !== 'gan' || !('points' in run.data))
    throw new Error(`the ${settings.mode} tab trains the toy GAN on a toy distribution`);
  control.post({ type: 'config', mode: settings.mode, summary: describeRun(run) });
  const trainer = createTrainer(run);
  dispatch({ type: 'trainer', trainer, resumable: false });
  const frames = new ToyFrames(trainer, toyOf(run.config.dataset as ToyName), run.config.seed);
  try {
    // A copy goes to the page: posting moves the arrays, and the next frame may reuse this one's.
    if (settings.mode === 'toy1d')
      await trainShowing(
        trainer,
        'toy1d',
        control,
        (p?: ToyDensityFrame) => frames.density(p),
        (frame) => control.post({ type: 'density', frame: structuredClone(frame) }),
      );
    else
      await trainShowing(
        trainer,
        'toy2d',
        control,
        (p?: ToyPlaneFrame) => frames.plane(p),
        (frame) => control.post({ type: 'plane', frame: structuredClone(frame) }),
      );
  } finally {
    frames.dispose();
  }
}
