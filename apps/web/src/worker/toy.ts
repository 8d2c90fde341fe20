import { TOY_2D } from '@latent/datasets';
import { GanTrainer, resolveRun, ToyFrames, type ToyName, toyOf } from '@latent/train';
import type { ToyDensityFrame, ToyPlaneFrame } from '@latent/vis';
import type { ToySettings } from '../protocol.js';
import type { RunControl } from './control.js';
import { pageLoader } from './data.js';
import { dispatch } from './session.js';

/** Milliseconds between frames in normal speed, and each phase's pause in slow motion. */
const FRAME_MS = 120;
const SLOW_MS = 700;

/** The run request of a toy run: the toy GAN on a named distribution, Adam (its paper settings). */
function toyRequest(settings: ToySettings, dataset: string): Record<string, unknown> {
  const { batchSize, k, learningRate, seed, maxSteps, loss } = settings;
  return {
    model: 'toy-gan',
    dataset,
    batchSize,
    k,
    learningRate,
    seed,
    maxSteps,
    ...(loss ? { loss } : {}),
    // High enough that maxSteps ends the run.
    epochs: 100_000,
  };
}

/**
 * Drives a toy run: posts events, a frame every FRAME_MS, and in slow motion
 * two frames per step — D just updated against the old G, then G's update.
 * `frame(previous)` computes a frame; with `previous`, G's output is taken from
 * it (the picture between D's update and G's).
 */
async function drive<F extends ToyDensityFrame | ToyPlaneFrame>(
  trainer: GanTrainer,
  mode: 'toy1d' | 'toy2d',
  control: RunControl,
  signal: AbortSignal,
  frame: (previous?: F) => Promise<F>,
  show: (f: F) => void,
): Promise<void> {
  let last = await frame();
  show(last);
  let shown = performance.now();
  control.running = true;
  try {
    for await (const event of trainer.run({ signal })) {
      // The model's "images" are points: the page draws densities and planes, not grids.
      if (event.type === 'samples') continue;
      control.post({ type: 'event', mode, event });
      if (event.type !== 'step') continue;
      if (control.slowMotion || control.paused) {
        // D's update happened against the old G: show it before G moves.
        show({ ...(await frame(last)), phase: 'discriminator' });
        await control.sleep(SLOW_MS);
        last = { ...(await frame()), phase: 'generator' };
        show(last);
        if (control.slowMotion && !control.paused) await control.sleep(SLOW_MS);
        shown = performance.now();
      } else if (performance.now() - shown > FRAME_MS || event.step === trainer.totalSteps) {
        last = await frame();
        show(last);
        shown = performance.now();
      }
      await control.between(event.step);
    }
  } finally {
    control.running = false;
  }
}

/**
 * A toy run: the note's Figure 1.2, live, for the 1-D mixture (`toy1d`), or
 * GAN Lab's picture for a 2-D distribution (`toy2d`), each frame from
 * `ToyFrames`, the pictures `latent train` writes per epoch.
 */
export async function trainToy(
  settings: ToySettings,
  control: RunControl,
  signal: AbortSignal,
): Promise<void> {
  const name = settings.mode === 'toy1d' ? 'mixture-1d' : (settings.distribution ?? 'ring');
  if (settings.mode === 'toy2d' && !(TOY_2D as readonly string[]).includes(name)) {
    throw new Error(`Unknown 2-D distribution '${name}'; choose one of ${TOY_2D.join(', ')}.`);
  }
  const run = await resolveRun(toyRequest(settings, name), pageLoader());
  if (run.kind !== 'gan') throw new Error('a toy run trains the toy GAN');
  const { config } = run;
  control.post({
    type: 'config',
    mode: settings.mode,
    summary: `toy-gan on ${name === 'mixture-1d' ? '0.3 N(-2, 0.5²) + 0.7 N(2, 1²)' : name}: ${config.loss} loss, k ${config.k}, adam lr ${config.learningRate}, batch ${config.batchSize}`,
  });
  const trainer = new GanTrainer({ model: run.model, data: run.data, config });
  dispatch({ type: 'trainer', trainer, resumable: false });
  const frames = new ToyFrames(trainer, toyOf(name as ToyName), config.seed);
  try {
    if (settings.mode === 'toy1d') {
      await drive(
        trainer,
        'toy1d',
        control,
        signal,
        (p?: ToyDensityFrame) => frames.density(p),
        // A copy goes to the page: posting moves the arrays, and the next frame may reuse this one's.
        (frame) => control.post({ type: 'density', frame: structuredClone(frame) }),
      );
    } else {
      await drive(
        trainer,
        'toy2d',
        control,
        signal,
        (p?: ToyPlaneFrame) => frames.plane(p),
        (frame) => control.post({ type: 'plane', frame: structuredClone(frame) }),
      );
    }
  } finally {
    frames.dispose();
  }
}
