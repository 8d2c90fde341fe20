import * as tf from '@tensorflow/tfjs-core';
import type { ApplyOptions, GanModel } from './gan.js';
import { seededNormal } from './init.js';
import { type DenseParams, dense, dropout, initDense, maxout } from './layers.js';
import type { ParamTree } from './params.js';

/** The MLP GAN of Goodfellow et al. 2014 (its MNIST experiment). */
export interface MlpGanConfig {
  noiseDim: number;
  /** Generator hidden widths (ReLU). */
  generatorHidden: number[];
  /** Discriminator maxout units per hidden layer. */
  discriminatorHidden: number[];
  /** Linear pieces per maxout unit. */
  maxoutPieces: number;
  /** Dropout keep probability on D's input, and after each hidden layer. */
  inputKeep: number;
  hiddenKeep: number;
  /** Weights start ~ U(-irange, irange). */
  generatorInitRange: number;
  discriminatorInitRange: number;
  imageShape: [number, number, number];
}

/**
 * The paper's MNIST model, with the values of the authors' released code
 * (pylearn2 `mnist.yaml`): G 100 -> 1200 ReLU -> 1200 ReLU -> 784 sigmoid with
 * irange 0.05; D maxout 240x5 -> maxout 240x5 -> 1 sigmoid with irange 0.005,
 * dropout keeping 0.8 of the input and 0.5 after each hidden layer.
 */
export const PAPER_MNIST_GAN: Readonly<MlpGanConfig> = Object.freeze<MlpGanConfig>({
  noiseDim: 100,
  generatorHidden: [1200, 1200],
  discriminatorHidden: [240, 240],
  maxoutPieces: 5,
  inputKeep: 0.8,
  hiddenKeep: 0.5,
  generatorInitRange: 0.05,
  discriminatorInitRange: 0.005,
  imageShape: [28, 28, 1],
});

interface LayerList extends ParamTree {
  [layer: string]: DenseParams;
}

/** Marginals are clipped to [1e-5, 1 - 1e-5] before the logit, as in pylearn2. */
const MARGINAL_CLIP = 1e-5;

function logit(p: number): number {
  return Math.log(p / (1 - p));
}

function layers(tree: ParamTree): DenseParams[] {
  return Object.keys(tree)
    .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)))
    .map((k) => tree[k] as DenseParams);
}

/**
 * Builds the paper's MLP GAN (or a variant of it, e.g. smaller for tests).
 *
 * Noise z ~ N(0, I)^noiseDim: the paper does not say, and its released code
 * draws Gaussian noise (its Generator's default, which `mnist.yaml` keeps).
 * G outputs [b, h*w*c] in [0, 1]; D takes [b, h*w*c] and returns logits [b].
 */
export function mlpGan(overrides: Partial<MlpGanConfig> = {}): GanModel<MlpGanConfig> {
  const config: MlpGanConfig = { ...PAPER_MNIST_GAN, ...overrides };
  const [h, w, c] = config.imageShape;
  const pixels = h * w * c;
  return {
    name: 'mlp-gan',
    config,
    noiseDim: config.noiseDim,
    imageShape: config.imageShape,
    layout: 'flat',
    pixelRange: '[0,1]',
    /** The paper's code trains on minibatches of 100. */
    paperBatchSize: 100,

    init(seed, dataMean) {
      if (dataMean && dataMean.length !== pixels) {
        throw new Error(
          `mlpGan: data mean has ${dataMean.length} values, the model makes ${pixels} pixels`,
        );
      }
      const generator: LayerList = {};
      const gWidths = [config.noiseDim, ...config.generatorHidden, pixels];
      for (let i = 0; i + 1 < gWidths.length; i++) {
        generator[`dense${i}`] = initDense(
          gWidths[i] as number,
          gWidths[i + 1] as number,
          config.generatorInitRange,
          seed * 31 + i,
        );
      }
      if (dataMean) {
        // As the authors' code (pylearn2 init_sigmoid_bias_from_marginals): G's
        // sigmoid output starts at the mean image, so pixels that are always
        // black in the data start saturated off and G begins near the data.
        const last = generator[`dense${gWidths.length - 2}`] as DenseParams;
        tf.tidy(() => {
          last.bias.assign(
            tf.tensor1d(
              dataMean.map((p) => logit(Math.min(Math.max(p, MARGINAL_CLIP), 1 - MARGINAL_CLIP))),
            ),
          );
        });
      }
      const discriminator: LayerList = {};
      const dWidths = [pixels, ...config.discriminatorHidden];
      for (let i = 0; i + 1 < dWidths.length; i++) {
        const units = dWidths[i + 1] as number;
        discriminator[`dense${i}`] = initDense(
          dWidths[i] as number,
          units * config.maxoutPieces,
          config.discriminatorInitRange,
          seed * 31 + 1000 + i,
        );
      }
      const last = dWidths.length - 1;
      discriminator[`dense${last}`] = initDense(
        dWidths[last] as number,
        1,
        config.discriminatorInitRange,
        seed * 31 + 1000 + last,
      );
      return { generator, discriminator };
    },

    sampleNoise(count, seed) {
      // seededNormal: tfjs would draw seed 0 unseeded, so z of seed 0 would change per call.
      return seededNormal([count, config.noiseDim], 0, 1, seed) as tf.Tensor2D;
    },

    generate(generator, z) {
      const ls = layers(generator);
      let x: tf.Tensor2D = z;
      ls.forEach((p, i) => {
        x = dense(p, x, i < ls.length - 1 ? 'relu' : 'sigmoid');
      });
      return x;
    },

    discriminate(discriminator, x: tf.Tensor, { training, seed, rows }: ApplyOptions) {
      const ls = layers(discriminator);
      let a = dropout(x as tf.Tensor2D, config.inputKeep, training, seed, rows);
      ls.forEach((p, i) => {
        if (i < ls.length - 1) {
          a = dropout(
            maxout(p, a, config.maxoutPieces),
            config.hiddenKeep,
            training,
            seed + i + 1,
            rows,
          );
        } else {
          a = dense(p, a);
        }
      });
      return tf.reshape(a, [-1]) as tf.Tensor1D;
    },
  };
}
