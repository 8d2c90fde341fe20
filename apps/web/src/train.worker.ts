import { initBackend } from '@latent/backend';
import {
  deriveSeed,
  fetchMnist,
  gaussianMixture1d,
  type ImageSet,
  type Mnist,
  type PointSet,
} from '@latent/datasets';
import {
  disposeParams,
  type GanModel,
  loadParams,
  type MlpGanConfig,
  mlpGan,
  toyGan,
} from '@latent/models';
import {
  type Checkpoint,
  CheckpointError,
  GanTrainer,
  parseCheckpoint,
  resolveGanRunConfig,
} from '@latent/train';
import * as tf from '@tensorflow/tfjs-core';
import type {
  CheckpointFiles,
  DensityFrame,
  FromWorker,
  Samples,
  ToWorker,
  TrainSettings,
} from './protocol.js';

/** Steps between preview grids: an epoch of the paper's model takes minutes here. */
const PREVIEW_EVERY = 25;
/** Steps between frames of the 1-D picture. */
const DENSITY_EVERY = 10;
/** The 1-D picture: x range (the default mixture lives in about [-4, 5]) and its resolution. */
const TOY_X: readonly [number, number] = [-6, 6];
const TOY_GRID = 241;
/** Points drawn from the 1-D mixture to train on, G samples for p_g, and z's shown as arrows. */
const TOY_POINTS = 20_000;
const TOY_G_SAMPLES = 2_000;
const TOY_ARROWS = 24;
/** Samples drawn from an opened checkpoint. */
const CHECKPOINT_SAMPLES = 100;

// The DOM lib types `self` as a Window; this is the part of a worker's scope we use.
const scope = self as unknown as {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
};

function post(message: FromWorker): void {
  // Sample images and density frames are the large payloads: move them instead of copying.
  const buffers: ArrayBuffer[] = [];
  if (message.type === 'preview' || message.type === 'checkpoint') {
    buffers.push(message.samples.images.buffer as ArrayBuffer);
  } else if (message.type === 'event' && message.event.type === 'samples') {
    buffers.push(message.event.images.buffer as ArrayBuffer);
  } else if (message.type === 'density') {
    const f = message.frame;
    for (const a of [f.grid, f.dataDensity, f.generated, f.discriminator, f.z, f.x]) {
      buffers.push(a.buffer as ArrayBuffer);
    }
  }
  scope.postMessage(message, buffers);
}

// Kept across runs: a second Start should not read 55 MB again.
let mnist: Promise<Mnist> | undefined;
let controller: AbortController | undefined;
/** The backend started last, so opening a checkpoint mid-run does not switch it under the trainer. */
let backendStarted = false;

async function startBackend(name: TrainSettings['backend']): Promise<void> {
  post({ type: 'backend', info: await initBackend(name) });
  backendStarted = true;
}

async function train(settings: TrainSettings, signal: AbortSignal): Promise<void> {
  if (settings.mode === 'toy1d') return trainToy(settings, signal);
  const { backend, batchSize, k, learningRate, seed, epochs } = settings;
  const config = resolveGanRunConfig({ batchSize, k, learningRate, seed, epochs });
  await startBackend(backend);
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

/**
 * `GanTrainer` takes an `ImageSet`, but its batches come from `BatchIterator`,
 * which batches a `PointSet` as raw floats (it looks for `points` first). A
 * point set with placeholder image fields passes the type and the trainer's
 * pixel mean (which the toy model ignores) and trains on the exact points.
 */
function pointsForTrainer(points: PointSet): PointSet & ImageSet {
  return {
    ...points,
    images: new Uint8Array(points.count * points.dim),
    height: 1,
    width: 1,
    channels: points.dim,
  };
}

/**
 * The note's Figure 1.2, live: a small MLP GAN on the default 1-D mixture
 * 0.3 N(-2, 0.5²) + 0.7 N(2, 1²), with a frame of the picture every few steps.
 */
async function trainToy(settings: TrainSettings, signal: AbortSignal): Promise<void> {
  const { backend, batchSize, k, learningRate, seed, maxSteps } = settings;
  // Adam, as in the toy experiments of later GAN papers; epochs high enough that maxSteps ends the run.
  const config = resolveGanRunConfig({
    batchSize,
    k,
    learningRate,
    seed,
    maxSteps,
    epochs: 10_000,
    optimizer: 'adam',
  });
  await startBackend(backend);
  const mixture = gaussianMixture1d();
  const data = pointsForTrainer(mixture.sample(TOY_POINTS, deriveSeed(seed, 'toy-data')));
  const model = toyGan({ dataDim: 1, noiseDim: 1, batchSize });
  const grid = Float32Array.from(
    { length: TOY_GRID },
    (_, i) => TOY_X[0] + ((TOY_X[1] - TOY_X[0]) * i) / (TOY_GRID - 1),
  );
  const dataDensity = Float32Array.from(mixture.logDensity(grid), Math.exp);
  // Fixed z's, so frames differ only by what G and D learned.
  const zKde = model.sampleNoise(TOY_G_SAMPLES, deriveSeed(seed, 'toy-kde'));
  // The arrows start at evenly spaced z in [-2.5, 2.5], where most of N(0, 1) lies.
  const zArrows = tf.tidy(() =>
    tf.reshape(tf.linspace(-2.5, 2.5, TOY_ARROWS), [TOY_ARROWS, 1]),
  ) as tf.Tensor2D;
  const gridTensor = tf.tensor2d(grid, [TOY_GRID, 1]);
  const trainer = new GanTrainer({ model, data, config });

  const frame = async (step: number): Promise<DensityFrame> => {
    const inference = { training: false, seed: 0 };
    const [generated, arrows, d] = tf.tidy(() => [
      model.generate(trainer.generator, zKde, inference),
      model.generate(trainer.generator, zArrows, inference),
      tf.sigmoid(model.discriminate(trainer.discriminator, gridTensor, inference)),
    ]);
    const [g, x, disc, z] = (await Promise.all([
      generated!.data(),
      arrows!.data(),
      d!.data(),
      zArrows.data(),
    ])) as Float32Array[];
    tf.dispose([generated, arrows, d]);
    return {
      step,
      grid: grid.slice(),
      dataDensity: dataDensity.slice(),
      generated: g!,
      discriminator: disc!,
      z: z!,
      x: x!,
    };
  };

  try {
    post({ type: 'density', frame: await frame(0) });
    for await (const event of trainer.run({ signal })) {
      // The model's "images" are single numbers: the page draws densities, not grids.
      if (event.type === 'samples') continue;
      post({ type: 'event', event });
      if (event.type === 'step' && event.step % DENSITY_EVERY === 0) {
        post({ type: 'density', frame: await frame(event.step) });
      }
    }
  } finally {
    trainer.dispose();
    tf.dispose([zKde, zArrows, gridTensor]);
  }
}

/**
 * Checks a checkpoint the way the CLI does (format, version, sizes, checksum),
 * rebuilds its model and draws samples of its generator (its moving average
 * when it has one). Throws CheckpointError naming what is wrong.
 */
async function openCheckpoint(
  files: CheckpointFiles,
  backend: TrainSettings['backend'],
): Promise<void> {
  let json: unknown;
  try {
    json = JSON.parse(files.json);
  } catch (e) {
    throw new CheckpointError(
      `${files.source}: checkpoint.json is not valid JSON (${(e as Error).message})`,
    );
  }
  const { manifest, weights }: Checkpoint = parseCheckpoint(json, files.weights, files.source);
  if (manifest.model.name !== 'mlp-gan') {
    throw new CheckpointError(
      `${files.source}: holds a '${manifest.model.name}' model; this page samples mlp-gan checkpoints`,
    );
  }
  if (!backendStarted) await startBackend(backend);
  let model: GanModel;
  let generator: ReturnType<GanModel['init']>['generator'];
  try {
    model = mlpGan(manifest.model.config as Partial<MlpGanConfig>);
    const params = model.init(0);
    disposeParams(params.discriminator);
    generator = params.generator;
  } catch (e) {
    throw new CheckpointError(
      `${files.source}: its mlp-gan configuration cannot be built (${(e as Error).message})`,
    );
  }
  try {
    const ema = manifest.weights.specs.some((s) => s.name.startsWith('ema.'));
    try {
      loadParams(
        generator,
        { specs: manifest.weights.specs, data: weights },
        ema ? 'ema' : 'generator',
      );
    } catch (e) {
      throw new CheckpointError(`${files.source}: ${(e as Error).message}`);
    }
    const images = tf.tidy(() =>
      model.generate(
        generator,
        model.sampleNoise(CHECKPOINT_SAMPLES, deriveSeed(0, 'checkpoint-samples')),
        { training: false, seed: 0 },
      ),
    );
    const pixels = (await images.data()) as Float32Array;
    images.dispose();
    post({
      type: 'checkpoint',
      source: files.source,
      model: model.name,
      ema,
      samples: {
        type: 'samples',
        step: manifest.progress.step,
        epoch: manifest.progress.batches.epoch,
        partial: false,
        images: pixels,
        count: CHECKPOINT_SAMPLES,
        shape: model.imageShape,
        pixelRange: model.pixelRange,
      },
    });
  } finally {
    disposeParams(generator);
  }
}

scope.onmessage = ({ data: message }) => {
  switch (message.type) {
    case 'stop':
      controller?.abort();
      return;
    case 'open':
      // Runs beside a training run if there is one: it only reads its own tensors.
      openCheckpoint(message.files, message.backend).catch((error: unknown) => {
        post({
          type: 'checkpoint-error',
          message: error instanceof Error ? error.message : String(error),
        });
      });
      return;
    case 'start': {
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
    }
  }
};
