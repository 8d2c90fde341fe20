import { type BatchIterator, fnv1a } from '@latent/datasets';
import { encodeParams, loadParams, type ParamTree } from '@latent/models';
import * as tf from '@tensorflow/tfjs-core';
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  type Checkpoint,
  CheckpointError,
} from './checkpoint.js';
import { type SamplesEvent, type TrainEvent, TrainingDivergedError } from './events.js';
import type { Shard } from './shard.js';

/** Run-config fields a resumed run may change: how long and how it reports, not how it trains. */
const FREE_ON_RESUME = new Set([
  'epochs',
  'maxSteps',
  'logEvery',
  'sampleCount',
  'collapseThreshold',
]);

export interface RunOptions {
  /** Stops the run between steps; `run` then ends with a `done` event of reason `aborted`. */
  signal?: AbortSignal;
  /** Measures the model every few epochs; each result becomes an `eval` event. */
  evaluate?: Evaluation;
}

/**
 * Periodic evaluation: after every `every`-th epoch (following that epoch's
 * samples), `run` measures the trainer's current state, e.g. FID of the
 * generator or the test ELBO of a VAE. The values are also written into the
 * checkpoints taken at that step, so the best one can be found again.
 */
export interface Evaluation {
  every: number;
  /** Named values (metric name -> number); called between steps. */
  run: () => Promise<Record<string, number>>;
}

/**
 * Steps a run trains at least between two recorded epoch ends. A few hundred
 * images make epochs of a step or two; a grid, a report frame and a
 * checkpoint after each would cost more than the training and fill the disk.
 */
const MIN_STEPS_BETWEEN_RECORDS = 50;

/** The part of a run config the training loop reads. */
export interface LoopSettings {
  epochs: number;
  maxSteps?: number;
  logEvery: number;
  sampleCount: number;
}

/**
 * The training loop every trainer shares: it calls `trainStep()`, reads its
 * statistics once per step, stops on a non-finite value, and yields the same
 * typed events (`start`, `step`, `log`, `epoch`, `samples`, `warning`,
 * `done`). A GAN and a VAE differ only in what a step does and which
 * statistics it reports (`S`).
 */
export abstract class Trainer<S extends object> {
  /** Training steps completed. */
  step = 0;
  /** The latest evaluation's values and the step they belong to. */
  private evaluated: { step: number; values: Record<string, number> } | undefined;
  /** Set when this trainer is one replica of data-parallel training. */
  protected shard: Shard | undefined;
  abstract readonly batches: BatchIterator;
  protected abstract readonly loop: LoopSettings;
  /** Names of the statistics, in the order `trainStep` returns them. */
  protected abstract readonly statNames: readonly (keyof S & string)[];

  /** One training step; returns its statistics as a float32 tensor (read and disposed by the loop). */
  abstract trainStep(): { stats: tf.Tensor1D; epochEnded: boolean };
  /** Steps that make up the run (epochs, capped by maxSteps). */
  abstract get totalSteps(): number;
  /** Steps in one pass over the data. */
  abstract get stepsPerEpoch(): number;
  /** Images from the fixed noise: [sampleCount, h, w, c] in `picture.pixelRange`. */
  abstract samples(): Promise<Float32Array>;
  /** Shape and value range of the images `samples()` returns. */
  protected abstract get picture(): {
    shape: readonly [number, number, number];
    pixelRange: '[0,1]' | '[-1,1]';
  };
  /** The learning rate and momentum the last step used, for `step` events. */
  protected abstract stepSettings(epoch: number): { learningRate: number; momentum: number };
  /** Which network a statistic belongs to, for the divergence message. */
  protected abstract owner(stat: keyof S & string): string;
  /** A warning to emit after an epoch's samples (e.g. mode collapse), if any. */
  protected afterEpoch(_samples: SamplesEvent): TrainEvent<S> | undefined {
    return undefined;
  }

  /** Which trainer this is, as checkpoints record it. */
  protected abstract readonly kind: 'gan' | 'vae';
  /** Every variable a checkpoint holds: networks, optimizer slots, averages. */
  protected abstract stateTree(): ParamTree;
  /** What a checkpoint must match to be restored here. */
  protected abstract identity(): {
    model: { name: string; config: unknown };
    config: object;
    data: { name: string; count: number };
  };
  /** Discriminator updates so far (GANs); part of a checkpoint's progress. */
  protected get dUpdateCount(): number {
    return 0;
  }
  protected set dUpdateCount(_n: number) {}

  get epoch(): number {
    return this.batches.state.epoch;
  }

  /**
   * Epochs between the epoch ends a run records (its fixed-noise grid and, by
   * default, a checkpoint): one, or as many as make 50 steps (a toy's
   * 78-step epochs are each recorded, a 100-image folder's one-step epochs
   * every 50).
   */
  get epochsPerRecord(): number {
    return Math.max(1, Math.ceil(MIN_STEPS_BETWEEN_RECORDS / this.stepsPerEpoch));
  }

  /** The fixed-noise grid now, between steps (a page's live preview): a partial `samples` event. */
  preview(): Promise<SamplesEvent> {
    return this.samplesEvent(true);
  }

  /** An epoch end's grid, and the warning it calls for. */
  private async *epochGrid(): AsyncGenerator<TrainEvent<S>> {
    const samples = await this.samplesEvent(false);
    yield samples;
    const warning = this.afterEpoch(samples);
    if (warning) yield warning;
  }

  /** The fixed-noise grid as a `samples` event, with its diversity in units of the full pixel range. */
  protected async samplesEvent(partial: boolean): Promise<SamplesEvent> {
    const { shape, pixelRange } = this.picture;
    const images = await this.samples();
    const count = this.loop.sampleCount;
    const span = pixelRange === '[0,1]' ? 1 : 2;
    return {
      type: 'samples',
      epoch: this.epoch,
      step: this.step,
      partial,
      images,
      count,
      shape,
      pixelRange,
      diversity: meanStdAcross(images, count) / span,
    };
  }

  /**
   * Everything needed to continue this run exactly: call it between steps
   * (for example while handling an `epoch` event).
   */
  async checkpoint(): Promise<Checkpoint> {
    const { model, config, data } = this.identity();
    const encoded = await encodeParams(this.stateTree());
    return {
      manifest: {
        format: CHECKPOINT_FORMAT,
        version: CHECKPOINT_VERSION,
        kind: this.kind,
        createdAt: new Date().toISOString(),
        model,
        config: config as Record<string, unknown>,
        data: { name: data.name, count: data.count },
        progress: { step: this.step, dUpdates: this.dUpdateCount, batches: this.batches.state },
        ...(this.evaluated?.step === this.step ? { metrics: this.evaluated.values } : {}),
        weights: {
          specs: encoded.specs,
          byteLength: encoded.data.byteLength,
          checksum: fnv1a(encoded.data),
        },
      },
      weights: encoded.data,
    };
  }

  /**
   * Continues from a checkpoint: weights, optimizer state, step and data
   * position. Refuses (changing nothing) a checkpoint of another trainer,
   * model or data, or of a run whose training settings differ; `epochs`,
   * `maxSteps`, `logEvery`, `sampleCount` and `collapseThreshold` may differ,
   * so a run can be extended.
   */
  restore({ manifest, weights }: Checkpoint): void {
    if (manifest.inference)
      throw new CheckpointError(
        `checkpoint holds only the ${manifest.inference.weights} weights, for drawing samples (an inference checkpoint): it cannot be resumed`,
      );
    const { model, config, data } = this.identity();
    const problems: string[] = [];
    if (manifest.kind !== this.kind)
      problems.push(
        `it was written by the ${manifest.kind} trainer, this is the ${this.kind} trainer`,
      );
    if (manifest.model.name !== model.name) {
      problems.push(`it holds model '${manifest.model.name}', this run trains '${model.name}'`);
    } else if (JSON.stringify(manifest.model.config) !== JSON.stringify(model.config)) {
      problems.push(
        `its ${model.name} has another configuration: ${JSON.stringify(manifest.model.config)}`,
      );
    }
    if (manifest.data.count !== data.count) {
      problems.push(
        `it was trained on ${manifest.data.count} images of ${manifest.data.name}, this run has ${data.count} of ${data.name}`,
      );
    }
    for (const [key, value] of Object.entries(config)) {
      const saved = manifest.config[key];
      if (!FREE_ON_RESUME.has(key) && JSON.stringify(saved) !== JSON.stringify(value)) {
        problems.push(`${key} is ${JSON.stringify(saved)} there, ${JSON.stringify(value)} here`);
      }
    }
    if (problems.length > 0)
      throw new CheckpointError(`checkpoint does not match this run: ${problems.join('; ')}`);
    const position = this.batches.state;
    try {
      this.batches.restore(manifest.progress.batches);
      loadParams(this.stateTree(), { specs: manifest.weights.specs, data: weights });
    } catch (e) {
      this.batches.restore(position);
      throw new CheckpointError(`checkpoint does not match this run: ${(e as Error).message}`);
    }
    this.step = manifest.progress.step;
    this.dUpdateCount = manifest.progress.dUpdates;
    this.shard?.restored?.({ manifest, weights });
  }

  /**
   * Trains until the configured epochs (or maxSteps) are reached, yielding
   * events. Throws TrainingDivergedError when a statistic is not finite.
   */
  async *run({ signal, evaluate }: RunOptions = {}): AsyncGenerator<TrainEvent<S>> {
    const total = this.totalSteps;
    const runStart = now();
    let epochStart = runStart;
    let logStart = runStart;
    const sums = new Map<string, number>(this.statNames.map((n) => [n, 0]));
    let logged = 0;
    yield {
      type: 'start',
      step: this.step,
      epoch: this.epoch,
      totalSteps: total,
      stepsPerEpoch: this.stepsPerEpoch,
    };
    let gridStep = this.step;
    if (this.step === 0) yield await this.samplesEvent(false);

    let reason: 'finished' | 'max-steps' | 'aborted' = 'finished';
    while (this.step < total) {
      if (signal?.aborted) {
        reason = 'aborted';
        break;
      }
      const epoch = this.epoch;
      const { stats, epochEnded } = this.trainStep();
      const values = await stats.data();
      stats.dispose();
      const s = Object.fromEntries(this.statNames.map((n, i) => [n, values[i] as number])) as S;
      for (const name of this.statNames) {
        const v = (s as Record<string, number>)[name] as number;
        if (!Number.isFinite(v)) {
          throw new TrainingDivergedError(
            `${this.owner(name)} became ${v} at step ${this.step} (epoch ${epoch + 1}); lower the learning rate`,
          );
        }
        sums.set(name, (sums.get(name) as number) + v);
      }
      yield { type: 'step', step: this.step, epoch, ...this.stepSettings(epoch), ...s };
      logged += 1;
      if (logged === this.loop.logEvery || this.step === total || signal?.aborted) {
        const t = now();
        const means = Object.fromEntries([...sums].map(([n, sum]) => [n, sum / logged])) as S;
        yield {
          type: 'log',
          step: this.step,
          epoch,
          steps: logged,
          seconds: (t - logStart) / 1000,
          ...means,
        };
        for (const n of this.statNames) sums.set(n, 0);
        logged = 0;
        logStart = t;
      }
      if (epochEnded) {
        const t = now();
        const recorded = (epoch + 1) % this.epochsPerRecord === 0;
        yield {
          type: 'epoch',
          epoch: epoch + 1,
          step: this.step,
          seconds: (t - epochStart) / 1000,
          recorded,
        };
        epochStart = t;
        if (recorded) {
          gridStep = this.step;
          yield* this.epochGrid();
        }
        if (evaluate && (epoch + 1) % evaluate.every === 0) {
          const t0 = now();
          const values = await evaluate.run();
          this.evaluated = { step: this.step, values };
          yield {
            type: 'eval',
            epoch: epoch + 1,
            step: this.step,
            values,
            seconds: (now() - t0) / 1000,
          };
          // Evaluation time is not training time.
          epochStart += now() - t0;
          logStart += now() - t0;
        }
      }
      // A macrotask turn lets signal handlers and worker messages run between steps.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    if (
      reason === 'finished' &&
      this.loop.maxSteps !== undefined &&
      this.step === this.loop.maxSteps
    ) {
      reason = 'max-steps';
    }
    // The last grid: of a stop within an epoch, or of an epoch end between recorded ones.
    if (this.batches.state.batch !== 0) yield await this.samplesEvent(true);
    else if (gridStep !== this.step) yield* this.epochGrid();
    yield {
      type: 'done',
      step: this.step,
      epoch: this.epoch,
      reason,
      seconds: (now() - runStart) / 1000,
    };
  }
}

/**
 * The labels of the fixed-noise grid for a conditional model (sample i draws
 * class i mod C, so a grid with C columns has a column per class), or
 * undefined for an unconditional one. Refuses unlabelled data for a
 * conditional model.
 */
export function fixedClassLabels(
  model: { name: string; numClasses?: number },
  data: { name: string; labels?: Uint8Array },
  count: number,
): tf.Tensor1D | undefined {
  const classes = model.numClasses;
  if (!classes) return undefined;
  if (!data.labels) {
    throw new Error(
      `${model.name} is conditional: its training data needs labels, and ${data.name} has none`,
    );
  }
  return tf.tensor1d(
    Array.from({ length: count }, (_, i) => i % classes),
    'int32',
  );
}

/** Mean over positions of the standard deviation across `count` rows of `values`. */
export function meanStdAcross(values: Float32Array, count: number): number {
  const size = values.length / count;
  let total = 0;
  for (let j = 0; j < size; j++) {
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < count; i++) {
      const v = values[i * size + j] as number;
      sum += v;
      sq += v * v;
    }
    const mean = sum / count;
    total += Math.sqrt(Math.max(0, sq / count - mean * mean));
  }
  return total / size;
}

function now(): number {
  return globalThis.performance.now();
}
