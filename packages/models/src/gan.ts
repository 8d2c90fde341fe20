import type * as tf from '@tensorflow/tfjs-core';
import type { BatchRows } from './layers.js';
import type { ParamTree } from './params.js';

/** Options of a forward pass. */
export interface ApplyOptions {
  /** Dropout and other training-only behaviour on. */
  training: boolean;
  /** Seeds this call's randomness (dropout masks); the trainer passes one per step. */
  seed: number;
  /**
   * Class labels, int32 [b] in [0, numClasses), for conditional models (those
   * with `numClasses`); the same labels go to `generate` for z and to
   * `discriminate` for the images. Unconditional models ignore them.
   */
  labels?: tf.Tensor1D;
  /**
   * Set when the inputs are rows `offset`.. of a larger batch of `total` rows
   * (data-parallel training): per-example randomness (dropout masks) is drawn
   * for the whole batch and these rows taken, so the replicas together draw
   * exactly what one process would.
   */
  rows?: BatchRows;
}

/**
 * A GAN as the trainer sees it: configuration, parameter trees, and pure
 * functions. Every model in the zoo implements this, so one trainer serves all.
 */
export interface GanModel<Config = unknown> {
  /** Zoo name, e.g. `mlp-gan-mnist`; checkpoints record it. */
  readonly name: string;
  readonly config: Config;
  /** Size of the noise vector z. */
  readonly noiseDim: number;
  /** [height, width, channels] of a generated image. */
  readonly imageShape: readonly [number, number, number];
  /** Whether G's outputs and D's inputs are flat vectors [b, h*w*c] or images [b, h, w, c]. */
  readonly layout: 'flat' | 'image';
  /** Range of G's outputs; data batches must be scaled to it. */
  readonly pixelRange: '[0,1]' | '[-1,1]';
  /**
   * Fresh parameters; the same seed gives the same parameters.
   *
   * @param dataMean per-pixel mean of the training data in [0, 1], [h*w*c]; a
   *   model may start G's output there (the 2014 paper's code did).
   */
  init(seed: number, dataMean?: Float32Array): { generator: ParamTree; discriminator: ParamTree };
  /** z [b, noiseDim] from the prior p_z, drawn from `seed`. */
  sampleNoise(count: number, seed: number): tf.Tensor2D;
  /** G(z): z [b, noiseDim] -> images in `pixelRange`, shaped per `layout`. */
  generate(generator: ParamTree, z: tf.Tensor2D, options: ApplyOptions): tf.Tensor;
  /**
   * D's logits: images shaped per `layout` -> [b]; D(x) = sigmoid(logit). For a
   * WGAN critic (`loss: 'wasserstein'`) the unbounded critic value f(x).
   */
  discriminate(discriminator: ParamTree, x: tf.Tensor, options: ApplyOptions): tf.Tensor1D;
  /**
   * Conditional models only: the number of classes. `generate` and
   * `discriminate` then need `options.labels` (int32 [b], one per row); an
   * AC-GAN's `discriminate` ignores them (its D infers the class).
   */
  readonly numClasses?: number;
  /**
   * AC-GAN only (Odena et al. 2017): D's source logits [b] and class logits
   * [b, numClasses] in one pass; the trainer adds the class cross-entropy
   * log P(C = c | x) to both players' objectives.
   */
  discriminateWithClasses?(
    discriminator: ParamTree,
    x: tf.Tensor,
    options: ApplyOptions,
  ): { logits: tf.Tensor1D; classLogits: tf.Tensor2D };
  /**
   * The objective the model was designed for: `'gan'` (cross-entropy on
   * logits, the default when absent) or `'wasserstein'` (WGAN-GP: the critic
   * maximizes E f(x) - E f(G(z)) with a gradient penalty of weight 10 and no
   * sigmoid).
   */
  readonly loss?: 'gan' | 'wasserstein';
  /** The batch size of the model's paper, for trainers and benchmarks. */
  readonly paperBatchSize?: number;
}
