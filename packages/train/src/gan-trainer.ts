import { BatchIterator, deriveSeed, type ImageSet, pixelMean } from '@latent/datasets';
import {
  disposeParams,
  encodeParams,
  flattenParams,
  type GanModel,
  loadParams,
  type ParamTree,
} from '@latent/models';
import * as tf from '@tensorflow/tfjs-core';
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  type Checkpoint,
  CheckpointError,
  checksum,
} from './checkpoint.js';
import type { GanRunConfig } from './config.js';
import { type GanStats, type TrainEvent, TrainingDivergedError } from './events.js';
import {
  discriminatorLoss,
  discriminatorReport,
  generatorObjective,
  gradientPenalty,
  r1Penalty,
} from './losses.js';
import { createOptimizer, learningRateAt, momentumAt, type Optimizer } from './optim.js';

export interface GanTrainerOptions {
  model: GanModel;
  /** Training images; batches are scaled to the model's pixel range. */
  data: ImageSet;
  config: GanRunConfig;
}

export interface RunOptions {
  /** Stops the run between steps; `run` then ends with a `done` event of reason `aborted`. */
  signal?: AbortSignal;
}

/**
 * Trains a GAN by Algorithm 1 of Goodfellow et al. 2014: each step runs k
 * discriminator updates on fresh minibatches, then one generator update.
 *
 * All randomness (initialization, data order, z, dropout masks) derives from
 * `config.seed` and the step number, so a run is reproducible on one backend.
 */
export class GanTrainer {
  readonly generator: ParamTree;
  readonly discriminator: ParamTree;
  readonly batches: BatchIterator;
  /** Iterations of Algorithm 1 completed. */
  step = 0;
  private readonly dOpt: Optimizer;
  private readonly gOpt: Optimizer;
  /** Exponential moving average of G's weights (when `emaDecay` > 0); samples use it. */
  private readonly ema: ParamTree | undefined;
  private readonly fixedNoise: tf.Tensor2D;
  private dUpdates = 0;

  constructor(readonly options: GanTrainerOptions) {
    const { model, data, config } = options;
    const params = model.init(config.seed, pixelMean(data));
    this.generator = params.generator;
    this.discriminator = params.discriminator;
    const settings = { beta1: config.beta1, beta2: config.beta2, rho: config.rho, epsilon: 1e-8 };
    this.dOpt = createOptimizer(config.optimizer, trainable(this.discriminator), settings);
    this.gOpt = createOptimizer(config.optimizer, trainable(this.generator), settings);
    this.ema =
      config.emaDecay > 0 ? mapTree(this.generator, (v) => tf.variable(v, false)) : undefined;
    this.batches = new BatchIterator(data, {
      batchSize: config.batchSize,
      seed: deriveSeed(config.seed, 'data'),
      range: model.pixelRange,
      layout: model.layout,
    });
    this.fixedNoise = model.sampleNoise(config.sampleCount, deriveSeed(config.seed, 'fixed-noise'));
  }

  get epoch(): number {
    return this.batches.state.epoch;
  }

  /** Iterations of Algorithm 1 that make up `config.epochs` passes over the data. */
  get totalSteps(): number {
    const { config } = this.options;
    const byEpochs = Math.ceil((config.epochs * this.batches.batchesPerEpoch) / config.k);
    return Math.min(byEpochs, config.maxSteps ?? Number.POSITIVE_INFINITY);
  }

  /**
   * One iteration of Algorithm 1: k discriminator updates, each on a fresh
   * minibatch, then one generator update. Returns [dLoss, gLoss, mean D(x),
   * mean D(G(z))] of the last updates as one float32 tensor [4] (the caller
   * reads and disposes it), so the step itself never waits on the device.
   */
  trainStep(): { stats: tf.Tensor1D; epochEnded: boolean } {
    const { config } = this.options;
    const momentum = momentumAt(config, this.epoch);
    let epochEnded = false;
    let dStats: tf.Tensor1D | undefined;
    for (let j = 0; j < config.k; j++) {
      const batch = this.batches.next();
      epochEnded ||= batch.lastInEpoch;
      dStats?.dispose();
      dStats = this.discriminatorStep(
        batch.x,
        deriveSeed(config.seed, 'd', this.step, j),
        momentum,
      );
      tf.dispose([batch.x, batch.labels]);
    }
    const gLoss = this.generatorStep(deriveSeed(config.seed, 'g', this.step), momentum);
    const stats = tf.tidy(() => {
      const [dLoss, means] = tf.split(dStats as tf.Tensor1D, [1, 2]) as [tf.Tensor1D, tf.Tensor1D];
      return tf.concat([dLoss, tf.reshape(gLoss, [1]), means]) as tf.Tensor1D;
    });
    tf.dispose([dStats, gLoss]);
    this.step += 1;
    return { stats, epochEnded };
  }

  /**
   * One update of D on a minibatch x and m samples of G. For the paper's
   * objective D descends its cross-entropy averaged over its 2m inputs, -V/2
   * (the authors' `d_obj`; the factor 1/2 matters at their learning rate of
   * 0.1); penalties (WGAN-GP, R1) are added to the loss.
   *
   * @returns [dLoss, mean D(x), mean D(G(z))]
   */
  private discriminatorStep(x: tf.Tensor, seed: number, momentum: number): tf.Tensor1D {
    const { model, config } = this.options;
    this.dUpdates += 1;
    const settings = {
      learningRate: learningRateAt(
        { ...config, learningRate: config.discriminatorLearningRate },
        this.dUpdates - 1,
      ),
      momentum,
      update: this.dUpdates,
    };
    let means: tf.Tensor | undefined;
    const result = tf.tidy(() => {
      const z = model.sampleNoise(config.batchSize, deriveSeed(seed, 'z'));
      const fake = model.generate(this.generator, z, {
        training: true,
        seed: deriveSeed(seed, 'g'),
      });
      const d = (input: tf.Tensor, stream: string) =>
        model.discriminate(this.discriminator, input, {
          training: true,
          seed: deriveSeed(seed, stream),
        });
      const { grads, value } = tf.variableGrads(() => {
        const real = d(x, 'dx');
        const faked = d(fake, 'dz');
        // Kept past variableGrads' own scope, which disposes everything but the loss.
        means = tf.keep(
          tf.stack([
            tf.mean(discriminatorReport(config.loss, real)),
            tf.mean(discriminatorReport(config.loss, faked)),
          ]),
        );
        let loss = discriminatorLoss(config.loss, real, faked, config.labelSmoothing);
        if (config.loss === 'wgan-gp') {
          const penalty = gradientPenalty((v) => d(v, 'dgp'), x, fake, deriveSeed(seed, 'gp'));
          loss = tf.add(loss, tf.mul(penalty, config.gradientPenalty));
        }
        if (config.r1 > 0)
          loss = tf.add(
            loss,
            tf.mul(
              r1Penalty((v) => d(v, 'dx'), x),
              config.r1,
            ),
          );
        return loss;
      }, this.dOpt.variables);
      this.dOpt.apply(
        this.dOpt.variables.map((v) => grads[v.name]),
        settings,
      );
      return tf.concat([tf.reshape(value, [1]), means as tf.Tensor]) as tf.Tensor1D;
    });
    means?.dispose();
    return result;
  }

  /** Descends G's loss on m fresh noise vectors, then updates the EMA; returns the loss (scalar). */
  private generatorStep(seed: number, momentum: number): tf.Scalar {
    const { model, config } = this.options;
    const settings = {
      learningRate: learningRateAt(
        { ...config, learningRate: config.generatorLearningRate },
        this.step,
      ),
      momentum,
      update: this.step + 1,
    };
    return tf.tidy(() => {
      const z = model.sampleNoise(config.batchSize, deriveSeed(seed, 'z'));
      const { grads, value } = tf.variableGrads(() => {
        const fake = model.generate(this.generator, z, {
          training: true,
          seed: deriveSeed(seed, 'g'),
        });
        const logits = model.discriminate(this.discriminator, fake, {
          training: true,
          seed: deriveSeed(seed, 'd'),
        });
        return generatorObjective(config.loss, logits, config.generatorLoss);
      }, this.gOpt.variables);
      this.gOpt.apply(
        this.gOpt.variables.map((v) => grads[v.name]),
        settings,
      );
      if (this.ema) {
        const live = flattenParams(this.generator);
        for (const [name, avg] of Object.entries(flattenParams(this.ema))) {
          avg.assign(
            tf.add(
              tf.mul(avg, config.emaDecay),
              tf.mul(live[name] as tf.Variable, 1 - config.emaDecay),
            ),
          );
        }
      }
      return value;
    });
  }

  /** G(fixed noise) in inference mode, as plain floats [count, h, w, c] in the model's range. */
  async samples(): Promise<Float32Array> {
    const { model } = this.options;
    const images = tf.tidy(() =>
      model.generate(this.ema ?? this.generator, this.fixedNoise, { training: false, seed: 0 }),
    );
    const data = (await images.data()) as Float32Array;
    images.dispose();
    return data;
  }

  /**
   * Trains until `config.epochs` (or `config.maxSteps`) is reached, yielding
   * events. Throws TrainingDivergedError when a loss is not finite.
   */
  async *run({ signal }: RunOptions = {}): AsyncGenerator<TrainEvent> {
    const { config } = this.options;
    const total = this.totalSteps;
    const runStart = now();
    let epochStart = runStart;
    let logStart = runStart;
    const sums = [0, 0, 0, 0];
    let logged = 0;
    yield {
      type: 'start',
      step: this.step,
      epoch: this.epoch,
      totalSteps: total,
      stepsPerEpoch: Math.ceil(this.batches.batchesPerEpoch / config.k),
    };
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
      const s: GanStats = {
        dLoss: values[0]!,
        gLoss: values[1]!,
        dReal: values[2]!,
        dFake: values[3]!,
      };
      if (!Number.isFinite(s.dLoss)) {
        throw new TrainingDivergedError(
          `discriminator loss became ${s.dLoss} at step ${this.step} (epoch ${epoch + 1}); lower the learning rate`,
        );
      }
      if (!Number.isFinite(s.gLoss)) {
        throw new TrainingDivergedError(
          `generator loss became ${s.gLoss} at step ${this.step} (epoch ${epoch + 1}); lower the learning rate`,
        );
      }
      yield {
        type: 'step',
        step: this.step,
        epoch,
        learningRate: learningRateAt(
          { ...config, learningRate: config.generatorLearningRate },
          this.step,
        ),
        momentum: momentumAt(config, epoch),
        ...s,
      };
      sums[0]! += s.dLoss;
      sums[1]! += s.gLoss;
      sums[2]! += s.dReal;
      sums[3]! += s.dFake;
      logged += 1;
      const last = this.step === total || signal?.aborted;
      if (logged === config.logEvery || last) {
        const t = now();
        yield {
          type: 'log',
          step: this.step,
          epoch,
          steps: logged,
          seconds: (t - logStart) / 1000,
          dLoss: sums[0]! / logged,
          gLoss: sums[1]! / logged,
          dReal: sums[2]! / logged,
          dFake: sums[3]! / logged,
        };
        sums.fill(0);
        logged = 0;
        logStart = t;
      }
      if (epochEnded) {
        const t = now();
        yield {
          type: 'epoch',
          epoch: epoch + 1,
          step: this.step,
          seconds: (t - epochStart) / 1000,
        };
        epochStart = t;
        const samples = await this.samplesEvent(false);
        yield samples;
        if (samples.diversity < config.collapseThreshold) {
          yield {
            type: 'warning',
            step: this.step,
            epoch: epoch + 1,
            kind: 'mode-collapse',
            message:
              `mode collapse: G's ${samples.count} fixed-noise samples are near-identical after epoch ${epoch + 1} ` +
              `(per-pixel spread ${samples.diversity.toFixed(3)}, below ${config.collapseThreshold}); ` +
              'it may recover with more epochs, or try another seed or a lower learning rate',
          };
        }
      }
      // A macrotask turn lets signal handlers and worker messages run between steps.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    if (reason === 'finished' && config.maxSteps !== undefined && this.step === config.maxSteps)
      reason = 'max-steps';
    if (this.batches.state.batch !== 0) yield await this.samplesEvent(true);
    yield {
      type: 'done',
      step: this.step,
      epoch: this.epoch,
      reason,
      seconds: (now() - runStart) / 1000,
    };
  }

  private async samplesEvent(partial: boolean): Promise<Extract<TrainEvent, { type: 'samples' }>> {
    const { model, config } = this.options;
    const images = await this.samples();
    const span = model.pixelRange === '[0,1]' ? 1 : 2;
    return {
      type: 'samples',
      epoch: this.epoch,
      step: this.step,
      partial,
      images,
      count: config.sampleCount,
      shape: model.imageShape,
      pixelRange: model.pixelRange,
      diversity: meanStdAcross(images, config.sampleCount) / span,
    };
  }

  /**
   * Everything needed to continue this run exactly: call it between steps (for
   * example while handling an `epoch` event).
   */
  async checkpoint(): Promise<Checkpoint> {
    const { model, data, config } = this.options;
    const encoded = await encodeParams(this.stateTree());
    return {
      manifest: {
        format: CHECKPOINT_FORMAT,
        version: CHECKPOINT_VERSION,
        kind: 'gan',
        createdAt: new Date().toISOString(),
        model: { name: model.name, config: model.config },
        config,
        data: { name: data.name, count: data.count },
        progress: { step: this.step, dUpdates: this.dUpdates, batches: this.batches.state },
        weights: {
          specs: encoded.specs,
          byteLength: encoded.data.byteLength,
          checksum: checksum(encoded.data),
        },
      },
      weights: encoded.data,
    };
  }

  /**
   * Continues from a checkpoint: weights, optimizer slots, step and data
   * position. Refuses (changing nothing) a checkpoint of another model, of
   * other data, or of a run whose training settings differ; `epochs`,
   * `maxSteps`, `logEvery` and `sampleCount` may differ, so a run can be
   * extended.
   */
  restore({ manifest, weights }: Checkpoint): void {
    const { model, data, config } = this.options;
    const problems: string[] = [];
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
    const free = new Set(['epochs', 'maxSteps', 'logEvery', 'sampleCount', 'collapseThreshold']);
    for (const key of Object.keys(config) as (keyof GanRunConfig)[]) {
      if (!free.has(key) && manifest.config[key] !== config[key]) {
        problems.push(
          `${key} is ${JSON.stringify(manifest.config[key])} there, ${JSON.stringify(config[key])} here`,
        );
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
    this.dUpdates = manifest.progress.dUpdates;
  }

  /** G, D and both optimizers' slots as one tree: the variables a checkpoint holds. */
  private stateTree(): ParamTree {
    return {
      generator: this.generator,
      discriminator: this.discriminator,
      optimizer: { generator: this.gOpt.slots, discriminator: this.dOpt.slots },
      ...(this.ema ? { ema: this.ema } : {}),
    };
  }

  /** Frees every tensor the trainer holds. */
  dispose(): void {
    disposeParams(this.generator);
    disposeParams(this.discriminator);
    this.dOpt.dispose();
    this.gOpt.dispose();
    if (this.ema) disposeParams(this.ema);
    this.fixedNoise.dispose();
  }
}

/** Mean over positions of the standard deviation across `count` rows of `values`. */
function meanStdAcross(values: Float32Array, count: number): number {
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

/** A tree of the same shape with `fn` applied to every variable. */
function mapTree(tree: ParamTree, fn: (v: tf.Variable) => tf.Variable): ParamTree {
  return Object.fromEntries(
    Object.entries(tree).map(([k, v]) => [k, v instanceof tf.Variable ? fn(v) : mapTree(v, fn)]),
  );
}

/** The trainable variables of a tree by their flattened names. */
function trainable(tree: ParamTree): Record<string, tf.Variable> {
  return Object.fromEntries(Object.entries(flattenParams(tree)).filter(([, v]) => v.trainable));
}

function now(): number {
  return globalThis.performance.now();
}
