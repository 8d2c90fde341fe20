import { BatchIterator, deriveSeed, type ImageSet } from '@latent/datasets';
import {
  decodedMean,
  disposeParams,
  flattenParams,
  type ParamTree,
  reparameterize,
  sampleLabels,
  samplePrior,
  type VaeModel,
} from '@latent/models';
import * as tf from '@tensorflow/tfjs-core';
import type { VaeRunConfig } from './config.js';
import { createOptimizer, type Optimizer } from './optim.js';
import { type Sampler, vaeSampler } from './sampler.js';
import { reduceAcrossReplicas, type Shard, shardRows, shareOfBatch, takeRows } from './shard.js';
import { fixedClassLabels, Trainer } from './trainer.js';
import { decoderLogLikelihood, gaussianKl, klWeight } from './vae-losses.js';

/** A VAE step's statistics, in nats per example. */
export interface VaeStats {
  /** The minimized loss: -(log p(x|z) - beta KL). */
  loss: number;
  /** -log p(x|z) for one z ~ q(z|x). */
  reconstruction: number;
  /** KL(q(z|x) || p(z)). */
  kl: number;
}

export interface VaeTrainerOptions {
  model: VaeModel;
  /** Training images; pixels are scaled to [0, 1] (and binarized if the config says so). */
  data: ImageSet;
  config: VaeRunConfig;
  /**
   * Makes this trainer one replica of data-parallel training (see `Shard`);
   * `createParallelTrainer` in `@latent/train/node` sets it up.
   */
  shard?: Shard;
}

/**
 * Trains a VAE (Kingma & Welling 2014) by maximizing the ELBO with the
 * reparameterization trick, one minibatch and one z per example a step,
 * through the same loop and events as the GAN trainer.
 */
export class VaeTrainer extends Trainer<VaeStats> {
  readonly encoder: ParamTree;
  readonly decoder: ParamTree;
  readonly batches: BatchIterator;
  protected readonly statNames = ['loss', 'reconstruction', 'kl'] as const;
  private readonly optimizer: Optimizer;
  private readonly fixedZ: tf.Tensor2D;
  private readonly fixedLabels: tf.Tensor1D | undefined;

  constructor(readonly options: VaeTrainerOptions) {
    super();
    const { model, data, config } = options;
    this.shard = options.shard;
    const params = model.init(config.seed);
    this.encoder = params.encoder;
    this.decoder = params.decoder;
    const trainable = Object.fromEntries(
      Object.entries(flattenParams({ encoder: this.encoder, decoder: this.decoder })).filter(
        ([, v]) => v.trainable,
      ),
    );
    this.optimizer = createOptimizer(config.optimizer, trainable, { ...config, epsilon: 1e-8 });
    this.batches = new BatchIterator(data, {
      batchSize: config.batchSize,
      seed: deriveSeed(config.seed, 'data'),
      range: config.binarize === 'dynamic' ? 'binary' : '[0,1]',
      layout: model.layout,
    });
    this.fixedZ = samplePrior(model, config.sampleCount, deriveSeed(config.seed, 'fixed-noise'));
    this.fixedLabels = fixedClassLabels(model, data, config.sampleCount);
  }

  protected readonly kind = 'vae';

  protected identity() {
    const { model, data, config } = this.options;
    return { model: { name: model.name, config: model.config }, config, data };
  }

  /** Encoder, decoder and the optimizer's slots: the variables a checkpoint holds. */
  protected stateTree(): ParamTree {
    return { encoder: this.encoder, decoder: this.decoder, optimizer: this.optimizer.slots };
  }

  protected get loop() {
    return this.options.config;
  }

  get stepsPerEpoch(): number {
    return this.batches.batchesPerEpoch;
  }

  get totalSteps(): number {
    const { config } = this.options;
    return Math.min(
      config.epochs * this.batches.batchesPerEpoch,
      config.maxSteps ?? Number.POSITIVE_INFINITY,
    );
  }

  /** One step on a minibatch: descend -ELBO (with the KL weight of the warm-up). Returns [loss, reconstruction, kl]. */
  trainStep(): { stats: tf.Tensor1D; epochEnded: boolean } {
    const { model, config } = this.options;
    this.shard?.stepping?.();
    const batch = this.batches.next();
    const seed = deriveSeed(config.seed, 'step', this.step);
    const beta = klWeight(this.step, config.klWarmupSteps, config.beta);
    // With replicas, each trains on its rows and its means count rows/total.
    const rows = shardRows(this.shard, config.batchSize);
    const share = shareOfBatch(rows);
    let parts: tf.Tensor | undefined;
    const stats = tf.tidy(() => {
      const x = takeRows(batch.x, rows);
      const options = { training: true, seed, labels: takeRows(batch.labels, rows), rows };
      const { grads, value } = tf.variableGrads(() => {
        const { mean, logVar } = model.encode(this.encoder, x, options);
        const z = reparameterize(mean, logVar, deriveSeed(seed, 'eps'), rows);
        const decoded = model.decode(this.decoder, z, options);
        const reconstruction = tf.neg(decoderLogLikelihood(model, decoded, x));
        const kl = gaussianKl(mean, logVar);
        // Kept past variableGrads' own scope, which disposes everything but the loss.
        parts = tf.keep(tf.mul(tf.stack([tf.mean(reconstruction), tf.mean(kl)]), share));
        return tf.mul(tf.mean(tf.add(reconstruction, tf.mul(kl, beta))), share) as tf.Scalar;
      }, this.optimizer.variables);
      const variables = this.optimizer.variables;
      let g = variables.map((v) => grads[v.name]);
      let s = tf.concat([tf.reshape(value, [1]), parts as tf.Tensor]) as tf.Tensor1D;
      if (this.shard && rows)
        ({ grads: g, stats: s } = reduceAcrossReplicas(this.shard, variables, g, s));
      this.optimizer.apply(g, {
        learningRate: config.learningRate,
        momentum: config.momentum,
        update: this.step + 1,
      });
      return s;
    });
    parts?.dispose();
    tf.dispose([batch.x, batch.labels]);
    this.step += 1;
    return { stats, epochEnded: batch.lastInEpoch };
  }

  /**
   * The decoder's mean image for `count` fresh z ~ p(z) drawn with `seed`
   * (random classes for a conditional model). For evaluation between steps.
   *
   * @returns [count, ...] per the model's layout, in [0, 1]
   */
  generate(count: number, seed: number): tf.Tensor {
    const { model } = this.options;
    return tf.tidy(() => {
      const classes = model.numClasses;
      const labels = classes ? sampleLabels(count, classes, deriveSeed(seed, 'y')) : undefined;
      const z = samplePrior(model, count, seed);
      return decodedMean(
        model,
        model.decode(this.decoder, z, { training: false, seed: 0, labels }),
      );
    });
  }

  /** The decoder as it is now, drawing its mean image: used between steps. */
  sampler(): Sampler {
    return vaeSampler(this.options.model, this.decoder, false);
  }

  /** The decoder's mean image for the fixed prior samples: [count, h, w, c] in [0, 1]. */
  async samples(): Promise<Float32Array> {
    const { model } = this.options;
    const images = tf.tidy(() =>
      decodedMean(
        model,
        model.decode(this.decoder, this.fixedZ, {
          training: false,
          seed: 0,
          labels: this.fixedLabels,
        }),
      ),
    );
    const data = (await images.data()) as Float32Array;
    images.dispose();
    return data;
  }

  protected stepSettings(): { learningRate: number; momentum: number } {
    const { config } = this.options;
    return {
      learningRate: config.learningRate,
      momentum: config.optimizer === 'sgd' ? config.momentum : 0,
    };
  }

  protected owner(stat: keyof VaeStats): string {
    return stat === 'kl' ? "the encoder's KL term" : `the VAE's ${stat}`;
  }

  protected get picture() {
    return { shape: this.options.model.imageShape, pixelRange: '[0,1]' as const };
  }

  /** Frees every tensor the trainer holds. */
  dispose(): void {
    this.shard?.close?.();
    disposeParams(this.encoder);
    disposeParams(this.decoder);
    this.optimizer.dispose();
    this.fixedZ.dispose();
    this.fixedLabels?.dispose();
  }
}
