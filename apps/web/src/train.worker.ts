import { initBackend } from '@latent/backend';
import { fetchMnist, type Mnist } from '@latent/datasets';
import { mlpGan } from '@latent/models';
import { GanTrainer, resolveGanRunConfig } from '@latent/train';
import type { FromWorker, Samples, ToWorker, TrainSettings } from './protocol.js';

/** Steps between preview grids: an epoch of the paper's model takes minutes here. */
const PREVIEW_EVERY = 25;

// The DOM lib types `self` as a Window; this is the part of a worker's scope we use.
const scope = self as unknown as {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
};

function post(message: FromWorker): void {
  // Sample images are the only large payload: move them instead of copying.
  const images =
    message.type === 'preview'
      ? message.samples.images
      : message.type === 'event' && message.event.type === 'samples'
        ? message.event.images
        : undefined;
  scope.postMessage(message, images ? [images.buffer] : []);
}

// Kept across runs: a second Start should not read 55 MB again.
let mnist: Promise<Mnist> | undefined;
let controller: AbortController | undefined;

async function train(settings: TrainSettings, signal: AbortSignal): Promise<void> {
  const { backend, ...run } = settings;
  const config = resolveGanRunConfig(run);
  post({ type: 'backend', info: await initBackend(backend) });
  mnist ??= fetchMnist(
    new URL(`${import.meta.env.BASE_URL}data/mnist/`, location.href).href,
    (loaded, total) => post({ type: 'loading', loaded, total }),
  );
  const data = await mnist.catch((error: unknown) => {
    mnist = undefined;
    throw error;
  });
  const trainer = new GanTrainer({ model: mlpGan(), data: data.train, config });
  try {
    for await (const event of trainer.run({ signal })) {
      post({ type: 'event', event });
      if (event.type === 'step' && event.step % PREVIEW_EVERY === 0) {
        const samples: Samples = {
          type: 'samples',
          step: event.step,
          epoch: event.epoch,
          partial: true,
          images: await trainer.samples(),
          count: config.sampleCount,
          shape: trainer.options.model.imageShape,
          pixelRange: trainer.options.model.pixelRange,
        };
        post({ type: 'preview', samples });
      }
    }
  } finally {
    trainer.dispose();
  }
}

scope.onmessage = ({ data: message }) => {
  if (message.type === 'stop') {
    controller?.abort();
    return;
  }
  if (controller) return; // one run at a time; the page waits for `done` or `error`
  const current = new AbortController();
  controller = current;
  train(message.settings, current.signal)
    .catch((error: unknown) => {
      const e = error instanceof Error ? error : new Error(String(error));
      post({ type: 'error', name: e.name, message: e.message });
    })
    .finally(() => {
      if (controller === current) controller = undefined;
    });
};
