// The training worker: runs one `@latent/train` trainer at a time and posts its
// events and pictures to the page. What each mode trains is in ./worker/.
import { availableBackends } from '@latent/backend';
import { TOY_2D } from '@latent/datasets';
import { MODELS, type ModelEntry } from '@latent/train';
import * as tf from '@tensorflow/tfjs-core';
import type { RunSettings, ToWorker } from './protocol.js';
import {
  openCheckpoint,
  openPretrained,
  saveCheckpoint,
  startBackend,
} from './worker/checkpoint.js';
import { RunControl } from './worker/control.js';
import { exportModel } from './worker/export.js';
import { trainImages } from './worker/images.js';
import { post, scope } from './worker/post.js';
import { measureNow } from './worker/quality.js';
import { dispatch, explore, session } from './worker/session.js';
import { trainToy } from './worker/toy.js';
import { trainVae } from './worker/vae.js';

/** The run in progress: its control, its abort switch, and its promise (settled when it has ended). */
let run: { control: RunControl; abort: AbortController; done: Promise<void> } | undefined;
/** The last reset, settled once its run has ended and been freed. */
let resetting: Promise<void> = Promise.resolve();
/** Slow motion is a page setting; it applies to each new run too. */
let slowMotion = false;
/** Checkpoints open one after another, in the order the page sent them (a shipped one first). */
let opening: Promise<void> = Promise.resolve();

function train(settings: RunSettings, control: RunControl): Promise<void> {
  switch (settings.mode) {
    case 'images':
      return trainImages(settings, control);
    case 'toy1d':
    case 'toy2d':
      return trainToy(settings, control);
    case 'vae':
      return trainVae(settings, control);
  }
}

/** Ends the run in progress (if any) and frees its model. */
async function reset(): Promise<void> {
  const current = run;
  if (!current) return;
  current.abort.abort();
  await current.done;
  if (run === current) run = undefined;
  // A measurement asked for after the run finished is not part of its loop.
  await session().quality?.settled();
  dispatch({ type: 'end-run' });
}

async function start(message: Extract<ToWorker, { type: 'start' }>): Promise<void> {
  await reset();
  post({ type: 'started', id: message.id });
  const abort = new AbortController();
  const control = new RunControl(abort.signal);
  control.slowMotion = slowMotion;
  if (message.paused) control.pause();
  const done = (async () => {
    try {
      await startBackend(message.backend);
      await train(message.settings, control);
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      control.post({ type: 'error', name: e.name, message: e.message });
    }
  })();
  run = { control, abort, done };
}

/** A model as the page lists it. */
function about({ name, about }: ModelEntry): { name: string; about: string } {
  return { name, about };
}

function report(type: 'checkpoint-error' | 'explore-error') {
  return (error: unknown) =>
    post({ type, message: error instanceof Error ? error.message : String(error) });
}

scope.onmessage = ({ data: message }: MessageEvent<ToWorker>) => {
  switch (message.type) {
    case 'hello':
      void availableBackends().then((backends) =>
        post({
          type: 'hello',
          backends,
          gans: MODELS.filter((m) => m.kind === 'gan' && m.data === 'images').map(about),
          vaes: MODELS.filter((m) => m.kind === 'vae').map(about),
          toy2d: [...TOY_2D],
        }),
      );
      return;
    case 'start':
      void start(message);
      return;
    case 'pause':
      run?.control.pause();
      return;
    case 'resume':
      run?.control.resume();
      return;
    case 'step':
      run?.control.step();
      return;
    case 'reset':
      resetting = reset();
      return;
    case 'slow-motion':
      slowMotion = message.on;
      if (run) run.control.slowMotion = message.on;
      return;
    case 'open':
      // Runs beside a training run if there is one: it only reads its own tensors.
      opening = opening.then(() =>
        openCheckpoint(message.files, message.backend).catch(report('checkpoint-error')),
      );
      return;
    case 'pretrained':
      opening = opening.then(() => openPretrained(message));
      return;
    case 'export':
      exportModel(message.format, run?.control);
      return;
    case 'save':
      saveCheckpoint(run?.control);
      return;
    case 'explore':
      explore(message.request).catch(report('explore-error'));
      return;
    case 'measure':
      measureNow(run?.control);
      return;
    case 'memory':
      void resetting.then(() => post({ type: 'memory', tensors: tf.memory().numTensors }));
      return;
  }
};
