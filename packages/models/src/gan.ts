import type * as tf from '@tensorflow/tfjs-core';
import type { ParamTree } from './params.js';

/** Options of a forward pass. */
export interface ApplyOptions {
  /** Dropout and other training-only behaviour on. */
  training: boolean;
  /** Seeds this call's randomness (dropout masks); the trainer passes one per step. */
  seed: number;
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
  /** D's logits: images shaped per `layout` -> [b]; D(x) = sigmoid(logit). */
  discriminate(discriminator: ParamTree, x: tf.Tensor, options: ApplyOptions): tf.Tensor1D;
}
