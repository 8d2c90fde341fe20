import * as tf from '@tensorflow/tfjs-core';
import type { ApplyOptions } from './gan.js';
import { HE_INIT, type Init, seededNormal, VAE_INIT } from './init.js';
import {
  type Activation,
  type BatchRows,
  type ConvParams,
  conv2d,
  conv2dTranspose,
  type DenseParams,
  dense,
  denseActivate,
  initConv2d,
  initConv2dTranspose,
  initDense,
  oneHot,
} from './layers.js';
import type { ParamTree } from './params.js';

/**
 * A VAE (Kingma & Welling 2014) as a trainer sees it: an encoder q(z|x) that
 * gives a diagonal Gaussian, a decoder p(x|z), and a N(0, I) prior.
 *
 * Shapes: x is [b, h*w*c] (`layout: 'flat'`) or [b, h, w, c] (`'image'`) with
 * values in [0, 1]; z is [b, latentDim]. A conditional VAE (`numClasses`)
 * needs `options.labels` (int32 [b]) in both `encode` and `decode`.
 */
export interface VaeModel<Config = unknown> {
  /** Zoo name, e.g. `mlp-vae`; checkpoints record it. */
  readonly name: string;
  readonly config: Config;
  readonly latentDim: number;
  /** [height, width, channels] of an image. */
  readonly imageShape: readonly [number, number, number];
  readonly layout: 'flat' | 'image';
  /**
   * p(x|z). `'bernoulli'`: `decode` returns logits l, the per-pixel
   * log-likelihood is -softplus(-l) x - softplus(l) (1 - x); data in [0, 1].
   * `'gaussian'`: `decode` returns the mean (in [0, 1]) and the log-variance
   * of a diagonal Gaussian, concatenated on the last axis (see `splitGaussian`).
   */
  readonly likelihood: VaeLikelihood;
  readonly numClasses?: number;
  /** The paper's minibatch size. */
  readonly paperBatchSize?: number;
  /** Fresh parameters; the same seed gives the same parameters. */
  init(seed: number): { encoder: ParamTree; decoder: ParamTree };
  /** q(z|x) = N(mean, exp(logVar)): x per `layout` -> mean, logVar [b, latentDim]. */
  encode(
    encoder: ParamTree,
    x: tf.Tensor,
    options: ApplyOptions,
  ): { mean: tf.Tensor2D; logVar: tf.Tensor2D };
  /** p(x|z): z [b, latentDim] -> the decoder's output shaped per `layout` (see `likelihood`). */
  decode(decoder: ParamTree, z: tf.Tensor2D, options: ApplyOptions): tf.Tensor;
}

/**
 * z = mean + exp(logVar / 2) * eps, eps ~ N(0, I) from `seed`: the
 * reparameterization trick, so gradients reach the encoder. Shapes [b, latentDim].
 *
 * @param rows when mean holds rows `offset`.. of a batch of `total` (data-parallel
 *   training), eps is drawn for the whole batch and these rows taken.
 */
export function reparameterize(
  mean: tf.Tensor2D,
  logVar: tf.Tensor2D,
  seed: number,
  rows?: BatchRows,
): tf.Tensor2D {
  const [b, d] = mean.shape;
  let eps = seededNormal(rows ? [rows.total, d] : [b, d], 0, 1, seed);
  if (rows) eps = tf.slice(eps, [rows.offset, 0], [b, d]);
  return tf.add(mean, tf.mul(tf.exp(tf.mul(logVar, 0.5)), eps)) as tf.Tensor2D;
}

/** The decoder distributions a VAE offers. */
export type VaeLikelihood = 'bernoulli' | 'gaussian';

/**
 * A Gaussian decoder's output split into its mean and log-variance, each half
 * of the last axis: [..., 2n] -> [..., n] twice.
 */
export function splitGaussian(decoded: tf.Tensor): { mean: tf.Tensor; logVar: tf.Tensor } {
  const [mean, logVar] = tf.split(decoded, 2, decoded.rank - 1) as [tf.Tensor, tf.Tensor];
  return { mean, logVar };
}

/**
 * The decoder's expected image E[x|z] in [0, 1], shaped per `layout`: the
 * sigmoid of a Bernoulli decoder's logits, or a Gaussian decoder's mean.
 */
export function decodedMean(model: VaeModel, decoded: tf.Tensor): tf.Tensor {
  return model.likelihood === 'gaussian' ? splitGaussian(decoded).mean : tf.sigmoid(decoded);
}

/** z [count, latentDim] from the prior N(0, I). */
export function samplePrior(model: VaeModel, count: number, seed: number): tf.Tensor2D {
  return seededNormal([count, model.latentDim], 0, 1, seed) as tf.Tensor2D;
}

function labelsOf(options: ApplyOptions, who: string): tf.Tensor1D {
  if (!options.labels) throw new Error(`${who}: this conditional model needs options.labels`);
  return options.labels;
}

/** The MLP VAE of Kingma & Welling 2014 (and its conditional variant). */
export interface MlpVaeConfig {
  latentDim: number;
  /** Hidden widths of the encoder; the decoder mirrors them. */
  hidden: number[];
  activation: Activation;
  init: Init;
  imageShape: [number, number, number];
  /** > 0: a conditional VAE (Sohn et al. 2015): one-hot labels join x in q(z|x, y) and z in p(x|z, y). */
  classes: number;
  batchSize: number;
  /**
   * p(x|z): Bernoulli (for binarized images) or a diagonal Gaussian whose mean
   * is a sigmoid output and whose log-variance is a linear one (the paper's
   * Frey Face decoder, for real-valued pixels). Absent in configs written
   * before the Gaussian decoder existed, which were Bernoulli.
   */
  likelihood?: VaeLikelihood;
}

/**
 * The paper's MNIST model (Section 5, Appendix C): one hidden layer of 500
 * tanh units in encoder and decoder, Bernoulli decoder, weights N(0, 0.01),
 * minibatch 100 (Adagrad — the trainer's concern); the paper varies the
 * latent size over 3..200, 20 is its common choice.
 */
export const PAPER_MNIST_VAE: Readonly<MlpVaeConfig> = Object.freeze<MlpVaeConfig>({
  latentDim: 20,
  hidden: [500],
  activation: 'tanh',
  init: VAE_INIT,
  imageShape: [28, 28, 1],
  classes: 0,
  batchSize: 100,
});

function stack(tree: ParamTree, prefix: string, x: tf.Tensor2D, a: Activation): tf.Tensor2D {
  let h = x;
  for (let i = 0; tree[`${prefix}${i}`]; i++)
    h = denseActivate(tree[`${prefix}${i}`] as DenseParams, h, a);
  return h;
}

/** Kingma & Welling's MLP VAE; x and logits are flat [b, h*w*c]. */
export function mlpVae(overrides: Partial<MlpVaeConfig> = {}): VaeModel<MlpVaeConfig> {
  const config: MlpVaeConfig = { ...PAPER_MNIST_VAE, ...overrides };
  const [h, w, c] = config.imageShape;
  const pixels = h * w * c;
  const k = config.classes;
  const name = k > 0 ? 'cvae' : 'mlp-vae';
  const gaussian = config.likelihood === 'gaussian';
  const withLabels = (x: tf.Tensor2D, options: ApplyOptions) =>
    k > 0 ? (tf.concat([x, oneHot(labelsOf(options, name), k)], 1) as tf.Tensor2D) : x;
  return {
    name,
    config,
    latentDim: config.latentDim,
    imageShape: config.imageShape,
    layout: 'flat',
    likelihood: gaussian ? 'gaussian' : 'bernoulli',
    paperBatchSize: config.batchSize,
    ...(k > 0 ? { numClasses: k } : {}),
    init(seed) {
      const encoder: ParamTree = {};
      const decoder: ParamTree = {};
      const widths = [pixels + k, ...config.hidden];
      for (let i = 0; i + 1 < widths.length; i++)
        encoder[`hidden${i}`] = initDense(widths[i]!, widths[i + 1]!, config.init, seed * 31 + i);
      const top = widths[widths.length - 1]!;
      encoder.mean = initDense(top, config.latentDim, config.init, seed * 31 + 100);
      encoder.logVar = initDense(top, config.latentDim, config.init, seed * 31 + 101);
      const back = [config.latentDim + k, ...[...config.hidden].reverse()];
      for (let i = 0; i + 1 < back.length; i++)
        decoder[`hidden${i}`] = initDense(back[i]!, back[i + 1]!, config.init, seed * 31 + 200 + i);
      decoder.out = initDense(back[back.length - 1]!, pixels, config.init, seed * 31 + 300);
      if (gaussian)
        decoder.outLogVar = initDense(back[back.length - 1]!, pixels, config.init, seed * 31 + 301);
      return { encoder, decoder };
    },
    encode(encoder, x, options) {
      const hdn = stack(
        encoder,
        'hidden',
        withLabels(x as tf.Tensor2D, options),
        config.activation,
      );
      return {
        mean: dense(encoder.mean as DenseParams, hdn),
        logVar: dense(encoder.logVar as DenseParams, hdn),
      };
    },
    decode(decoder, z, options) {
      const hdn = stack(decoder, 'hidden', withLabels(z, options), config.activation);
      const out = dense(decoder.out as DenseParams, hdn);
      if (!gaussian) return out;
      return tf.concat([tf.sigmoid(out), dense(decoder.outLogVar as DenseParams, hdn)], 1);
    },
  };
}

/**
 * A conditional VAE (Sohn et al. 2015) on the MLP VAE: one-hot labels join
 * the encoder's input and the decoder's z; 10 classes by default.
 */
export function conditionalVae(overrides: Partial<MlpVaeConfig> = {}): VaeModel<MlpVaeConfig> {
  return mlpVae({ classes: 10, ...overrides });
}

/** A small convolutional VAE for 28x28 (or 32x32) images. */
export interface ConvVaeConfig {
  latentDim: number;
  /** Channels of the encoder's stride-2 4x4 convs; the decoder mirrors them with transposed convs. */
  filters: number[];
  init: Init;
  imageShape: [number, number, number];
  batchSize: number;
}

/**
 * The common conv VAE (no single paper; the layout of the Keras and PyTorch
 * examples): encoder conv 32 -> conv 64 (4x4, stride 2, ReLU) -> dense mean and
 * log-variance of a 16-D z; decoder dense 7x7x64 -> convT 32 -> convT c logits
 * (Bernoulli); He-normal weights; minibatch 128.
 */
export const CONV_VAE: Readonly<ConvVaeConfig> = Object.freeze<ConvVaeConfig>({
  latentDim: 16,
  filters: [32, 64],
  init: HE_INIT,
  imageShape: [28, 28, 1],
  batchSize: 128,
});

/** A conv VAE; x and logits are images [b, h, w, c]. */
export function convVae(overrides: Partial<ConvVaeConfig> = {}): VaeModel<ConvVaeConfig> {
  const config: ConvVaeConfig = { ...CONV_VAE, ...overrides };
  const [h, w, c] = config.imageShape;
  const f = config.filters;
  const n = 2 ** f.length;
  if (h % n !== 0 || w % n !== 0)
    throw new Error(`convVae: a ${h}x${w} image does not divide by 2^${f.length}`);
  const [sh, sw, top] = [h / n, w / n, f[f.length - 1]!];
  return {
    name: 'conv-vae',
    config,
    latentDim: config.latentDim,
    imageShape: config.imageShape,
    layout: 'image',
    likelihood: 'bernoulli',
    paperBatchSize: config.batchSize,
    init(seed) {
      const encoder: ParamTree = {};
      const decoder: ParamTree = {};
      let inC = c;
      f.forEach((out, i) => {
        encoder[`conv${i}`] = initConv2d(
          { kernelSize: 4, inChannels: inC, outChannels: out, init: config.init },
          seed * 31 + i,
        );
        inC = out;
      });
      const flat = sh * sw * top;
      encoder.mean = initDense(flat, config.latentDim, config.init, seed * 31 + 100);
      encoder.logVar = initDense(flat, config.latentDim, config.init, seed * 31 + 101);
      decoder.project = initDense(config.latentDim, flat, config.init, seed * 31 + 200);
      const back = [...f].reverse();
      back.forEach((inCh, i) => {
        decoder[`deconv${i}`] = initConv2dTranspose(
          { kernelSize: 4, inChannels: inCh, outChannels: back[i + 1] ?? c, init: config.init },
          seed * 31 + 300 + i,
        );
      });
      return { encoder, decoder };
    },
    encode(encoder, x) {
      let a = x as tf.Tensor4D;
      f.forEach((_, i) => {
        a = tf.relu(conv2d(encoder[`conv${i}`] as ConvParams, a, 2, 'same'));
      });
      const flat = tf.reshape(a, [a.shape[0], -1]) as tf.Tensor2D;
      return {
        mean: dense(encoder.mean as DenseParams, flat),
        logVar: dense(encoder.logVar as DenseParams, flat),
      };
    },
    decode(decoder, z) {
      let a = tf.reshape(dense(decoder.project as DenseParams, z, 'relu'), [
        z.shape[0],
        sh,
        sw,
        top,
      ]) as tf.Tensor4D;
      f.forEach((_, i) => {
        a = conv2dTranspose(decoder[`deconv${i}`] as ConvParams, a, 2, 'same');
        if (i < f.length - 1) a = tf.relu(a);
      });
      return a;
    },
  };
}
