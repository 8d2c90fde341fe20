import * as tf from '@tensorflow/tfjs-core';
import type { GanModel } from './gan.js';
import { GLOROT_INIT, type Init, seededNormal } from './init.js';
import { type Activation, type DenseParams, dense, denseActivate, initDense } from './layers.js';
import type { ParamTree } from './params.js';

/** Small MLPs for the 1-D and 2-D toy distributions (Gaussian mixtures, rings, moons). */
export interface ToyGanConfig {
  /** 1 or 2: the dimension of a data point. */
  dataDim: number;
  noiseDim: number;
  generatorHidden: number[];
  discriminatorHidden: number[];
  generatorActivation: Activation;
  discriminatorActivation: Activation;
  init: Init;
  batchSize: number;
}

/**
 * The usual toy setup (as in the mixture-of-Gaussians experiments of the
 * unrolled-GAN and GAN Lab demos): z ~ N(0, I)^noiseDim, G two hidden layers
 * of 128 ReLU and a linear output, D two hidden layers of 128 leaky ReLU (0.2)
 * and a logit, Glorot-uniform weights, minibatch 256.
 */
export const TOY_GAN: Readonly<ToyGanConfig> = Object.freeze<ToyGanConfig>({
  dataDim: 2,
  noiseDim: 2,
  generatorHidden: [128, 128],
  discriminatorHidden: [128, 128],
  generatorActivation: 'relu',
  discriminatorActivation: { leakyRelu: 0.2 },
  init: GLOROT_INIT,
  batchSize: 256,
});

function mlp(tree: ParamTree, x: tf.Tensor2D, hidden: Activation): tf.Tensor2D {
  const n = Object.keys(tree).length;
  let a = x;
  for (let i = 0; i < n; i++) {
    const layer = tree[`dense${i}`] as DenseParams;
    a = i < n - 1 ? denseActivate(layer, a, hidden) : dense(layer, a);
  }
  return a;
}

function initMlp(widths: number[], init: Init, seed: number): ParamTree {
  const tree: ParamTree = {};
  for (let i = 0; i + 1 < widths.length; i++)
    tree[`dense${i}`] = initDense(widths[i]!, widths[i + 1]!, init, seed + i);
  return tree;
}

/**
 * A GAN for points: G maps z [b, noiseDim] to points [b, dataDim] (linear
 * output, so any range; `pixelRange` is nominal — toy data is used unscaled),
 * D maps points [b, dataDim] to logits [b]. `imageShape` is [1, 1, dataDim].
 */
export function toyGan(overrides: Partial<ToyGanConfig> = {}): GanModel<ToyGanConfig> {
  const config: ToyGanConfig = { ...TOY_GAN, ...overrides };
  return {
    name: 'toy-gan',
    config,
    noiseDim: config.noiseDim,
    imageShape: [1, 1, config.dataDim],
    layout: 'flat',
    pixelRange: '[-1,1]',
    paperBatchSize: config.batchSize,
    init(seed) {
      return {
        generator: initMlp(
          [config.noiseDim, ...config.generatorHidden, config.dataDim],
          config.init,
          seed * 31,
        ),
        discriminator: initMlp(
          [config.dataDim, ...config.discriminatorHidden, 1],
          config.init,
          seed * 31 + 1000,
        ),
      };
    },
    sampleNoise(count, seed) {
      return seededNormal([count, config.noiseDim], 0, 1, seed) as tf.Tensor2D;
    },
    generate(generator, z) {
      return mlp(generator, z, config.generatorActivation);
    },
    discriminate(discriminator, x) {
      return tf.reshape(
        mlp(discriminator, x as tf.Tensor2D, config.discriminatorActivation),
        [-1],
      ) as tf.Tensor1D;
    },
  };
}
