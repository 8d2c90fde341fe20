import { BatchIterator, type DataSet, deriveSeed, isPointSet, pixelMean } from '@latent/datasets';
import {
  type ApplyOptions,
  disposeParams,
  flattenParams,
  type GanModel,
  type ParamTree,
  sampleLabels,
} from '@latent/models';
import * as tf from '@tensorflow/tfjs-core';
import { diffAugment } from './augment.js';
import type { Checkpoint } from './checkpoint.js';
import type { GanRunConfig } from './config.js';
import type { GanStats, SamplesEvent, TrainEvent } from './events.js';
import {
  discriminatorLoss,
  discriminatorReport,
  generatorObjective,
  gradientPenalty,
  r1Penalty,
} from './losses.js';
import {
  createOptimizer,
  learningRateAt,
  momentumAt,
  type Optimizer,
  type UpdateSettings,
} from './optim.js';
import { ganSampler, type Sampler } from './sampler.js';
import {
  reduceAcrossReplicas,
  type Shard,
  type ShardRows,
  shardRows,
  shareOfBatch,
  takeRows,
} from './shard.js';
import { fixedClassLabels, Trainer } from './trainer.js';

export interface GanTrainerOptions {
  model: GanModel;
  /** Training images; batches are scaled to the model's pixel range. */
  data: DataSet;
  config: GanRunConfig;
  /**
   * Makes this trainer one replica of data-parallel training (see `Shard`);
   * `createParallelTrainer` in `@latent/train/node` sets it up.
   */
  shard?: Shard;
}

/**
 * Trains a GAN by Algorithm 1 of Goodfellow et al. 2014: each step runs k
 * discriminator updates on fresh minibatches, then one generator update.
 *
 * All randomness (initialization, data order, z, dropout masks) derives from
 * `config.seed` and the step number, so a run is reproducible on one backend.
 */
export class GanTrainer extends Trainer<GanStats> {
  readonly generator: ParamTree;
  readonly discriminator: ParamTree;
  readonly batches: BatchIterator;
  private readonly dOpt: Optimizer;
  private readonly gOpt: Optimizer;
  /** Exponential moving average of G's weights (when `emaDecay` > 0); samples use it. */
  private readonly ema: ParamTree | undefined;
  private readonly fixedNoise: tf.Tensor2D;
  /** For conditional models: sample i of the grid draws class i mod numClasses (a column per class). */
  private readonly fixedLabels: tf.Tensor1D | undefined;
  private dUpdates = 0;
  /** With simultaneous updates: this step's updates, applied once every gradient is taken. */
  private pending: { apply(): void; dispose(): void }[] | undefined;

  constructor(readonly options: GanTrainerOptions) {
    super();
    const { model, data, config } = options;
    this.shard = options.shard;
    if (config.augment.length > 0 && isPointSet(data))
      throw new Error(
        `augment applies to images; ${data.name} is a set of points (a toy distribution)`,
      );
    // Image models may start G at the data's mean image; toy point sets have none.
    const params = model.init(config.seed, isPointSet(data) ? undefined : pixelMean(data));
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
    this.fixedLabels = fixedClassLabels(model, data, config.sampleCount);
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
    this.shard?.stepping?.();
    const momentum = momentumAt(config, this.epoch);
    let epochEnded = false;
    let dStats: tf.Tensor1D | undefined;
    let gLoss: tf.Scalar;
    if (config.updates === 'simultaneous') this.pending = [];
    try {
      for (let j = 0; j < config.k; j++) {
        const batch = this.batches.next();
        epochEnded ||= batch.lastInEpoch;
        dStats?.dispose();
        dStats = this.discriminatorStep(
          batch.x,
          batch.labels,
          deriveSeed(config.seed, 'd', this.step, j),
          momentum,
        );
        tf.dispose([batch.x, batch.labels]);
      }
      gLoss = this.generatorStep(deriveSeed(config.seed, 'g', this.step), momentum);
      for (const update of this.pending ?? []) update.apply();
    } finally {
      for (const update of this.pending ?? []) update.dispose();
      this.pending = undefined;
    }
    this.updateEma();
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
  private discriminatorStep(
    batch: tf.Tensor,
    batchLabels: tf.Tensor1D | undefined,
    seed: number,
    momentum: number,
  ): tf.Tensor1D {
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
    const rows = shardRows(this.shard, config.batchSize);
    const share = shareOfBatch(rows);
    const result = tf.tidy(() => {
      // Noise and labels are drawn for the full batch; a replica keeps its rows.
      const z = takeRows(model.sampleNoise(config.batchSize, deriveSeed(seed, 'z')), rows);
      const fakeLabels = this.sampleLabels(deriveSeed(seed, 'y'), rows);
      const labels = takeRows(batchLabels, rows);
      const generated = model.generate(this.generator, z, {
        training: true,
        seed: deriveSeed(seed, 'g'),
        labels: fakeLabels,
        rows,
      });
      // DiffAugment: D sees T(x) and T(G(z)), each with draws of its own (penalties too).
      const x = this.augment(takeRows(batch, rows), deriveSeed(seed, 'tx'), rows);
      const fake = this.augment(generated, deriveSeed(seed, 'tz'), rows);
      const d = (input: tf.Tensor, stream: string, y = labels) =>
        this.discriminate(input, {
          training: true,
          seed: deriveSeed(seed, stream),
          labels: y,
          rows,
        });
      const { grads, value } = tf.variableGrads(() => {
        const real = d(x, 'dx');
        const faked = d(fake, 'dz', fakeLabels);
        // Kept past variableGrads' own scope, which disposes everything but the loss.
        means = tf.keep(
          scaled(
            tf.stack([
              tf.mean(discriminatorReport(config.loss, real.logits)),
              tf.mean(discriminatorReport(config.loss, faked.logits)),
            ]),
            rows,
            share,
          ),
        );
        let loss = discriminatorLoss(config.loss, real.logits, faked.logits, config.labelSmoothing);
        // AC-GAN: D also learns to tell the class of data and of samples.
        if (real.classLogits && faked.classLogits && labels && fakeLabels) {
          loss = tf.add(
            loss,
            tf.add(
              classCrossEntropy(real.classLogits, labels),
              classCrossEntropy(faked.classLogits, fakeLabels),
            ),
          );
        }
        if (config.loss === 'wgan-gp') {
          const penalty = gradientPenalty(
            (v) => d(v, 'dgp').logits,
            x,
            fake,
            deriveSeed(seed, 'gp'),
          );
          loss = tf.add(loss, tf.mul(penalty, config.gradientPenalty));
        }
        if (config.r1 > 0)
          loss = tf.add(
            loss,
            tf.mul(
              r1Penalty((v) => d(v, 'dx').logits, x),
              config.r1,
            ),
          );
        return scaled(loss, rows, share);
      }, this.dOpt.variables);
      return this.update(
        this.dOpt,
        grads,
        tf.concat([tf.reshape(value, [1]), means as tf.Tensor]) as tf.Tensor1D,
        settings,
      );
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
    const rows = shardRows(this.shard, config.batchSize);
    const share = shareOfBatch(rows);
    return tf.tidy(() => {
      const z = takeRows(model.sampleNoise(config.batchSize, deriveSeed(seed, 'z')), rows);
      const labels = this.sampleLabels(deriveSeed(seed, 'y'), rows);
      const { grads, value } = tf.variableGrads(() => {
        const fake = model.generate(this.generator, z, {
          training: true,
          seed: deriveSeed(seed, 'g'),
          labels,
          rows,
        });
        // G's gradient flows through T: D judges T(G(z)), as in its own updates.
        const out = this.discriminate(this.augment(fake, deriveSeed(seed, 't'), rows), {
          training: true,
          seed: deriveSeed(seed, 'd'),
          labels,
          rows,
        });
        const loss = generatorObjective(config.loss, out.logits, config.generatorLoss);
        // AC-GAN: G also wants D to recognise the class it was asked to draw.
        return scaled(
          out.classLogits && labels
            ? tf.add(loss, classCrossEntropy(out.classLogits, labels))
            : loss,
          rows,
          share,
        );
      }, this.gOpt.variables);
      const loss = this.update(this.gOpt, grads, tf.reshape(value, [1]) as tf.Tensor1D, settings);
      return tf.reshape(loss, []) as tf.Scalar;
    });
  }

  /**
   * Moves the EMA of G's weights towards G, after G's update of the step. The
   * decay warms up as min(decay, (1 + n) / (10 + n)) after n updates (as
   * TensorFlow's ExponentialMovingAverage with num_updates): a plain 0.999
   * would still hold 46% of the random initial G after a 781-step epoch.
   */
  private updateEma(): void {
    if (!this.ema) return;
    const n = this.step + 1;
    const emaDecay = Math.min(this.options.config.emaDecay, (1 + n) / (10 + n));
    tf.tidy(() => {
      const live = flattenParams(this.generator);
      for (const [name, avg] of Object.entries(flattenParams(this.ema as ParamTree))) {
        avg.assign(tf.add(tf.mul(avg, emaDecay), tf.mul(live[name] as tf.Variable, 1 - emaDecay)));
      }
    });
  }

  /**
   * Applies one update; with replicas, first sums gradients and statistics
   * over them. Returns the statistics (summed, where sharded).
   */
  private update(
    optimizer: Optimizer,
    grads: tf.NamedTensorMap,
    stats: tf.Tensor1D,
    settings: UpdateSettings,
  ): tf.Tensor1D {
    let g = optimizer.variables.map((v) => grads[v.name]);
    let s = stats;
    if (this.shard && this.shard.count > 1)
      ({ grads: g, stats: s } = reduceAcrossReplicas(this.shard, optimizer.variables, g, stats));
    if (this.pending) {
      // Simultaneous: held past this step's tidy until the other network's gradients are taken.
      const held = g.map((t) => (t ? tf.keep(t) : t));
      this.pending.push({
        apply: () => tf.tidy(() => optimizer.apply(held, settings)),
        dispose: () => tf.dispose(held.filter((t): t is tf.Tensor => t !== undefined)),
      });
      return s;
    }
    optimizer.apply(g, settings);
    return s;
  }

  /** DiffAugment's T (`config.augment`) on a batch (a replica's rows of it), drawn from `seed`; without policies the batch itself. */
  private augment(x: tf.Tensor, seed: number, rows?: ShardRows): tf.Tensor {
    const { model, config } = this.options;
    return diffAugment(x, config.augment, model, seed, rows);
  }

  /** Uniform class labels for a batch of samples (conditional models), or undefined; a replica keeps its rows. */
  private sampleLabels(seed: number, rows?: ShardRows): tf.Tensor1D | undefined {
    const classes = this.options.model.numClasses;
    return classes
      ? takeRows(sampleLabels(this.options.config.batchSize, classes, seed), rows)
      : undefined;
  }

  /** D's logits, and its class logits when the model is an AC-GAN. */
  private discriminate(
    x: tf.Tensor,
    options: ApplyOptions,
  ): { logits: tf.Tensor1D; classLogits?: tf.Tensor2D } {
    const { model } = this.options;
    return model.discriminateWithClasses
      ? model.discriminateWithClasses(this.discriminator, x, options)
      : { logits: model.discriminate(this.discriminator, x, options) };
  }

  /** G(fixed noise) in inference mode, as plain floats [count, h, w, c] in the model's range. */
  /**
   * `count` images from fresh noise drawn with `seed`, through the moving
   * average of G when the run keeps one (as the samples are); a conditional
   * model draws random classes. For evaluation between steps.
   *
   * @returns [count, h, w, c] or [count, h*w*c] per the model's layout, in its pixel range
   */
  generate(count: number, seed: number): tf.Tensor {
    const { model } = this.options;
    return tf.tidy(() => {
      const classes = model.numClasses;
      const labels = classes ? sampleLabels(count, classes, deriveSeed(seed, 'y')) : undefined;
      return model.generate(this.ema ?? this.generator, model.sampleNoise(count, seed), {
        training: false,
        seed: 0,
        labels,
      });
    });
  }

  /** G as it is now (its moving average when the run keeps one, as `generate`): drawn between steps. */
  sampler(): Sampler {
    return ganSampler(this.options.model, this.ema ?? this.generator, {
      ema: this.ema !== undefined,
      owned: false,
    });
  }

  async samples(): Promise<Float32Array> {
    const { model } = this.options;
    const images = tf.tidy(() =>
      model.generate(this.ema ?? this.generator, this.fixedNoise, {
        training: false,
        seed: 0,
        labels: this.fixedLabels,
      }),
    );
    const data = (await images.data()) as Float32Array;
    images.dispose();
    return data;
  }

  protected readonly statNames = ['dLoss', 'gLoss', 'dReal', 'dFake'] as const;

  protected get loop() {
    return this.options.config;
  }

  /** Iterations of Algorithm 1 in one pass over the data (each uses k minibatches). */
  get stepsPerEpoch(): number {
    return Math.ceil(this.batches.batchesPerEpoch / this.options.config.k);
  }

  protected stepSettings(epoch: number): { learningRate: number; momentum: number } {
    const { config } = this.options;
    return {
      learningRate: learningRateAt(
        { ...config, learningRate: config.generatorLearningRate },
        this.step,
      ),
      momentum: momentumAt(config, epoch),
    };
  }

  protected owner(stat: keyof GanStats): string {
    return stat === 'gLoss' ? 'generator loss' : 'discriminator loss';
  }

  protected override afterEpoch(samples: SamplesEvent): TrainEvent | undefined {
    const { config } = this.options;
    if (samples.diversity >= config.collapseThreshold) return undefined;
    return {
      type: 'warning',
      step: this.step,
      epoch: samples.epoch,
      kind: 'mode-collapse',
      message:
        `mode collapse: G's ${samples.count} fixed-noise samples are near-identical after epoch ${samples.epoch} ` +
        `(per-pixel spread ${samples.diversity.toFixed(3)}, below ${config.collapseThreshold}); ` +
        'it may recover with more epochs, or try another seed or a lower learning rate',
    };
  }

  protected get picture() {
    const { imageShape, pixelRange } = this.options.model;
    return { shape: imageShape, pixelRange };
  }

  protected readonly kind = 'gan';

  /** Checkpoints written before `updates` existed were trained alternating; before `augment`, without augmentation. */
  override restore(checkpoint: Checkpoint): void {
    const { manifest } = checkpoint;
    super.restore({
      ...checkpoint,
      manifest: {
        ...manifest,
        config: { updates: 'alternating', augment: [], ...manifest.config },
      },
    });
  }

  protected identity() {
    const { model, data, config } = this.options;
    return { model: { name: model.name, config: model.config }, config, data };
  }

  protected override get dUpdateCount(): number {
    return this.dUpdates;
  }

  protected override set dUpdateCount(n: number) {
    this.dUpdates = n;
  }

  /** G, D and both optimizers' slots (and the EMA) as one tree: the variables a checkpoint holds. */
  protected stateTree(): ParamTree {
    return {
      generator: this.generator,
      discriminator: this.discriminator,
      optimizer: { generator: this.gOpt.slots, discriminator: this.dOpt.slots },
      ...(this.ema ? { ema: this.ema } : {}),
    };
  }

  /** Frees every tensor the trainer holds (and stops the other replicas, if any). */
  dispose(): void {
    this.shard?.close?.();
    disposeParams(this.generator);
    disposeParams(this.discriminator);
    this.dOpt.dispose();
    this.gOpt.dispose();
    if (this.ema) disposeParams(this.ema);
    this.fixedNoise.dispose();
    this.fixedLabels?.dispose();
  }
}

/** A replica's part of a batch mean: the mean over its rows times rows/total. */
function scaled<T extends tf.Tensor>(t: T, rows: ShardRows | undefined, share: number): T {
  return rows ? (tf.mul(t, share) as T) : t;
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

/** Mean softmax cross-entropy of class logits [b, C] against int32 labels [b]. */
function classCrossEntropy(classLogits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  const classes = classLogits.shape[1];
  return tf.neg(
    tf.mean(tf.sum(tf.mul(tf.oneHot(labels, classes), tf.logSoftmax(classLogits)), 1)),
  ) as tf.Scalar;
}
