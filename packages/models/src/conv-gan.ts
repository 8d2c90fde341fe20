import * as tf from '@tensorflow/tfjs-core';
import type { ApplyOptions, GanModel } from './gan.js';
import { DCGAN_INIT, type Init, seededNormal } from './init.js';
import {
  activate,
  type BatchNormParams,
  batchNorm,
  type ConvParams,
  conv2dTranspose,
  type DenseParams,
  dense,
  initBatchNorm,
  initConv2d,
  initConv2dTranspose,
  initDense,
  initLayerNorm,
  initSpectralNorm,
  type LayerNormParams,
  layerNorm,
  oneHot,
  type SpectralNormParams,
  spectralNormalize,
} from './layers.js';
import type { ParamTree } from './params.js';

/** One conv layer of a discriminator. */
export interface ConvLayerSpec {
  kernelSize: number;
  stride: number;
  filters: number;
  /** Apply the discriminator's normalization after this conv (DCGAN: all but the first). */
  normalize: boolean;
}

/**
 * How class labels enter a conditional GAN:
 * - `none`: unconditional;
 * - `concat`: conditional GAN (Mirza & Osindero 2014): one-hot labels are
 *   concatenated to z in G and to D's flattened features before its last layer;
 * - `auxiliary`: AC-GAN (Odena et al. 2017): one-hot labels concatenated to z in
 *   G; D sees only images and has a second head predicting the class.
 */
export type Conditioning = 'none' | 'concat' | 'auxiliary';

/** The normalization of D's hidden convs. */
export type DiscriminatorNorm = 'batch' | 'layer' | 'spectral' | 'none';

/** A DCGAN-family GAN: G upsamples with 4x4 stride-2 transposed convs, D downsamples with convs. */
export interface ConvGanConfig {
  noiseDim: number;
  /** z ~ U(-1, 1)^noiseDim (DCGAN) or N(0, I) (WGAN-GP, SN-GAN). */
  noise: 'uniform' | 'normal';
  /** [h, w, c]; h and w must divide by 2^generatorFilters.length. */
  imageShape: [number, number, number];
  /**
   * Channels of G's feature maps from the first (h / 2^n square, n = length)
   * to the last before the output; each step doubles the size with a
   * transposed conv. The last transposed conv makes c channels and tanh.
   */
  generatorFilters: number[];
  generatorKernelSize: number;
  /** Batch norm + ReLU after G's projection and each hidden transposed conv (DCGAN). */
  generatorBatchNorm: boolean;
  discriminatorConvs: ConvLayerSpec[];
  discriminatorNorm: DiscriminatorNorm;
  /** D's leaky ReLU slope: 0.2 in DCGAN, 0.1 in SN-GAN. */
  leakySlope: number;
  init: Init;
  /** Classes of a conditional model (0 for none) and how labels enter. */
  classes: number;
  conditioning: Conditioning;
  /** 'gan' (cross-entropy on logits) or 'wasserstein' (WGAN-GP critic). */
  loss: 'gan' | 'wasserstein';
  /** The paper's minibatch size. */
  batchSize: number;
  /** Batch-norm running-statistics momentum (PyTorch's convention). */
  batchNormMomentum: number;
}

/** DCGAN's discriminator: stride-2 4x4 convs, batch norm on all but the first. */
function dcganConvs(filters: number[]): ConvLayerSpec[] {
  return filters.map((f, i) => ({ kernelSize: 4, stride: 2, filters: f, normalize: i > 0 }));
}

/**
 * DCGAN (Radford et al. 2016) sized for 28x28, 32x32 or 64x64 images with 1 or 3 channels.
 *
 * - 28x28: G z -> dense 7x7x128 -> convT 64 (14x14) -> convT c (28x28) tanh;
 *   D conv 64 (14x14) -> conv 128 (7x7) -> dense 1.
 * - 32x32: G z -> dense 4x4x256 -> convT 128 -> convT 64 -> convT c;
 *   D conv 64 -> 128 -> 256 (4x4) -> dense 1.
 * - 64x64 and larger: the paper's LSUN layout, G z -> dense 4x4x512 -> convT
 *   256 -> 128 -> 64 -> convT c, D conv 64 -> 128 -> 256 -> 512 (4x4) -> dense
 *   1, at the widths of PyTorch's DCGAN example (ngf = ndf = 64; the paper's G
 *   starts at 1024 channels, four times the work on a CPU). A larger side
 *   starts G at side/16.
 *
 * The paper's choices: z ~ U(-1, 1)^100; 4x4 stride-2 (transposed) convs;
 * batch norm in both nets except G's output and D's input layer; ReLU in G,
 * tanh output; leaky ReLU 0.2 in D; weights N(0, 0.02); minibatch 128 (Adam
 * lr 2e-4, beta1 0.5 — the trainer's concern).
 */
export function dcganConfig(imageShape: [number, number, number] = [28, 28, 1]): ConvGanConfig {
  const side = imageShape[0];
  const generatorFilters =
    side <= 28 ? [128, 64] : side < 64 ? [256, 128, 64] : [512, 256, 128, 64];
  return {
    noiseDim: 100,
    noise: 'uniform',
    imageShape,
    generatorFilters,
    generatorKernelSize: 4,
    generatorBatchNorm: true,
    discriminatorConvs: dcganConvs([...generatorFilters].reverse()),
    discriminatorNorm: 'batch',
    leakySlope: 0.2,
    init: DCGAN_INIT,
    classes: 0,
    conditioning: 'none',
    loss: 'gan',
    batchSize: 128,
    batchNormMomentum: 0.1,
  };
}

interface Generator extends ParamTree {
  project: DenseParams;
}

/** Spatial size after a conv stack with 'same' padding. */
function reducedSize(size: number, convs: ConvLayerSpec[]): number {
  return convs.reduce((s, c) => Math.ceil(s / c.stride), size);
}

function validate(config: ConvGanConfig, who: string): void {
  const [h, w] = config.imageShape;
  const n = 2 ** config.generatorFilters.length;
  if (h % n !== 0 || w % n !== 0) {
    throw new Error(
      `${who}: a ${h}x${w} image does not divide by 2^${config.generatorFilters.length} (one doubling per generator filter)`,
    );
  }
  if (config.conditioning !== 'none' && config.classes < 2)
    throw new Error(`${who}: conditioning '${config.conditioning}' needs classes >= 2`);
}

function labelsOf(options: ApplyOptions, who: string): tf.Tensor1D {
  if (!options.labels) throw new Error(`${who}: this conditional model needs options.labels`);
  return options.labels;
}

/**
 * Builds a DCGAN-family model from a full config. The named factories
 * (`dcgan`, `conditionalGan`, `acgan`, `wganGp`, `sngan`) start from their
 * papers' defaults.
 */
export function convGan(name: string, config: ConvGanConfig): GanModel<ConvGanConfig> {
  validate(config, name);
  const [h, w, c] = config.imageShape;
  const gf = config.generatorFilters;
  const s0 = [h / 2 ** gf.length, w / 2 ** gf.length] as const;
  const conditional = config.conditioning !== 'none';
  const zIn = config.noiseDim + (conditional ? config.classes : 0);
  const dConvs = config.discriminatorConvs;
  const features =
    reducedSize(h, dConvs) * reducedSize(w, dConvs) * (dConvs[dConvs.length - 1]?.filters ?? c);
  const norm = config.discriminatorNorm;
  const slope = { leakyRelu: config.leakySlope };

  /** A D layer's kernel as used: spectrally normalized when D is. */
  const kernelOf = (d: ParamTree, layer: string, kernel: tf.Variable, training: boolean) =>
    norm === 'spectral'
      ? spectralNormalize(kernel, d[`${layer}Sn`] as SpectralNormParams, training)
      : kernel;

  function features_(d: ParamTree, x: tf.Tensor, training: boolean): tf.Tensor2D {
    let a = x as tf.Tensor4D;
    dConvs.forEach((spec, i) => {
      const p = d[`conv${i}`] as ConvParams;
      const k = kernelOf(d, `conv${i}`, p.kernel, training) as tf.Tensor4D;
      a = tf.conv2d(a, k, spec.stride, 'same');
      if (p.bias) a = tf.add(a, p.bias as tf.Variable);
      if (spec.normalize && norm === 'batch') {
        a = batchNorm(d[`norm${i}`] as BatchNormParams, a, {
          training,
          momentum: config.batchNormMomentum,
        });
      } else if (spec.normalize && norm === 'layer') {
        a = layerNorm(d[`norm${i}`] as LayerNormParams, a);
      }
      a = activate(a, slope);
    });
    return tf.reshape(a, [a.shape[0], -1]) as tf.Tensor2D;
  }

  function linear(d: ParamTree, layer: string, x: tf.Tensor2D, training: boolean): tf.Tensor2D {
    const p = d[layer] as DenseParams;
    return tf.add(
      tf.matMul(x, kernelOf(d, layer, p.kernel, training) as tf.Tensor2D),
      p.bias,
    ) as tf.Tensor2D;
  }

  const model: GanModel<ConvGanConfig> = {
    name,
    config,
    noiseDim: config.noiseDim,
    imageShape: config.imageShape,
    layout: 'image',
    pixelRange: '[-1,1]',
    loss: config.loss,
    paperBatchSize: config.batchSize,
    ...(conditional ? { numClasses: config.classes } : {}),

    init(seed) {
      const generator: Generator = {
        project: initDense(zIn, s0[0] * s0[1] * gf[0]!, config.init, seed * 97 + 1),
      };
      if (config.generatorBatchNorm)
        generator.bn0 = initBatchNorm(gf[0]!, seed * 97 + 2, { std: 0.02 });
      gf.forEach((f, i) => {
        const last = i === gf.length - 1;
        const out = last ? c : gf[i + 1]!;
        generator[`deconv${i}`] = initConv2dTranspose(
          {
            kernelSize: config.generatorKernelSize,
            inChannels: f,
            outChannels: out,
            init: config.init,
            bias: last || !config.generatorBatchNorm,
          },
          seed * 97 + 10 + i,
        );
        if (!last && config.generatorBatchNorm)
          generator[`bn${i + 1}`] = initBatchNorm(out, seed * 97 + 30 + i, { std: 0.02 });
      });

      const dSeed = seed * 97 + 50;
      const discriminator: ParamTree = {};
      let inC = c;
      dConvs.forEach((spec, i) => {
        const normalized = spec.normalize && (norm === 'batch' || norm === 'layer');
        discriminator[`conv${i}`] = initConv2d(
          {
            kernelSize: spec.kernelSize,
            inChannels: inC,
            outChannels: spec.filters,
            init: config.init,
            bias: !normalized,
          },
          dSeed + 10 + i,
        );
        if (normalized) {
          discriminator[`norm${i}`] =
            norm === 'batch'
              ? initBatchNorm(spec.filters, dSeed + 30 + i, { std: 0.02 })
              : initLayerNorm(spec.filters);
        }
        if (norm === 'spectral')
          discriminator[`conv${i}Sn`] = initSpectralNorm(spec.filters, dSeed + 50 + i);
        inC = spec.filters;
      });
      // Created in forward order, so `summary()` lists the layers as they run.
      discriminator.head = initDense(
        features + (config.conditioning === 'concat' ? config.classes : 0),
        1,
        config.init,
        dSeed,
      );
      if (norm === 'spectral') discriminator.headSn = initSpectralNorm(1, dSeed + 1);
      if (config.conditioning === 'auxiliary') {
        discriminator.classes = initDense(features, config.classes, config.init, dSeed + 2);
        if (norm === 'spectral')
          discriminator.classesSn = initSpectralNorm(config.classes, dSeed + 3);
      }
      return { generator, discriminator };
    },

    sampleNoise(count, seed) {
      const shape: [number, number] = [count, config.noiseDim];
      return (
        config.noise === 'uniform'
          ? tf.randomUniform(shape, -1, 1, 'float32', seed)
          : seededNormal(shape, 0, 1, seed)
      ) as tf.Tensor2D;
    },

    generate(generator, z, options) {
      const { training } = options;
      let input: tf.Tensor2D = z;
      if (conditional) input = tf.concat([z, oneHot(labelsOf(options, name), config.classes)], 1);
      let a = tf.reshape(dense(generator.project as DenseParams, input), [
        z.shape[0],
        s0[0],
        s0[1],
        gf[0]!,
      ]) as tf.Tensor4D;
      if (config.generatorBatchNorm) {
        a = batchNorm(generator.bn0 as BatchNormParams, a, {
          training,
          momentum: config.batchNormMomentum,
        });
      }
      a = tf.relu(a);
      gf.forEach((_, i) => {
        a = conv2dTranspose(generator[`deconv${i}`] as ConvParams, a, 2, 'same');
        if (i < gf.length - 1) {
          if (config.generatorBatchNorm) {
            a = batchNorm(generator[`bn${i + 1}`] as BatchNormParams, a, {
              training,
              momentum: config.batchNormMomentum,
            });
          }
          a = tf.relu(a);
        }
      });
      return tf.tanh(a);
    },

    discriminate(discriminator, x, options) {
      let f = features_(discriminator, x, options.training);
      if (config.conditioning === 'concat')
        f = tf.concat([f, oneHot(labelsOf(options, name), config.classes)], 1);
      return tf.reshape(linear(discriminator, 'head', f, options.training), [-1]) as tf.Tensor1D;
    },
  };
  if (config.conditioning === 'auxiliary') {
    model.discriminateWithClasses = (discriminator, x, options) => {
      const f = features_(discriminator, x, options.training);
      return {
        logits: tf.reshape(linear(discriminator, 'head', f, options.training), [-1]) as tf.Tensor1D,
        classLogits: linear(discriminator, 'classes', f, options.training),
      };
    };
  }
  return model;
}

type Overrides = Partial<ConvGanConfig>;

/** DCGAN (Radford et al. 2016); see `dcganConfig` for the architecture. */
export function dcgan(overrides: Overrides = {}): GanModel<ConvGanConfig> {
  return convGan('dcgan', { ...dcganConfig(overrides.imageShape), ...overrides });
}

/**
 * Conditional GAN (Mirza & Osindero 2014) on the DCGAN architecture: one-hot
 * labels join z in G and D's flattened features before its output layer.
 * Minibatch 100 as in the paper's MNIST experiment; 10 classes.
 */
export function conditionalGan(overrides: Overrides = {}): GanModel<ConvGanConfig> {
  return convGan('cgan', {
    ...dcganConfig(overrides.imageShape),
    classes: 10,
    conditioning: 'concat',
    batchSize: 100,
    ...overrides,
  });
}

/**
 * AC-GAN (Odena et al. 2017) on the DCGAN architecture: G gets one-hot labels
 * with z; D has a source head and a class head (`discriminateWithClasses`).
 * Minibatch 100 as in the paper; 10 classes.
 */
export function acgan(overrides: Overrides = {}): GanModel<ConvGanConfig> {
  return convGan('acgan', {
    ...dcganConfig(overrides.imageShape),
    classes: 10,
    conditioning: 'auxiliary',
    batchSize: 100,
    ...overrides,
  });
}

/**
 * WGAN-GP (Gulrajani et al. 2017) on the DCGAN architecture: the critic has no
 * batch norm (the gradient penalty is per example; pass `discriminatorNorm:
 * 'layer'` for the layer norm the paper suggests instead), its output is an
 * unbounded score (`loss: 'wasserstein'`); z ~ N(0, I); minibatch 64 (Adam
 * lr 1e-4, beta (0, 0.9), 5 critic steps per G step, penalty weight 10).
 */
export function wganGp(overrides: Overrides = {}): GanModel<ConvGanConfig> {
  return convGan('wgan-gp', {
    ...dcganConfig(overrides.imageShape),
    noise: 'normal',
    discriminatorNorm: 'none',
    loss: 'wasserstein',
    batchSize: 64,
    ...overrides,
  });
}

/**
 * SN-GAN (Miyato et al. 2018): the paper's "standard CNN" discriminator —
 * 3x3 stride-1 and 4x4 stride-2 convs of 64, 64, 128, 128, 256, 256, 512
 * channels, leaky ReLU 0.1, spectral normalization on every layer and no other
 * normalization — with the DCGAN generator; z ~ N(0, I); minibatch 64 (Adam
 * lr 2e-4, beta (0.5, 0.999)).
 */
export function sngan(overrides: Overrides = {}): GanModel<ConvGanConfig> {
  const convs: ConvLayerSpec[] = [];
  for (const f of [64, 128, 256]) {
    convs.push({ kernelSize: 3, stride: 1, filters: f, normalize: false });
    convs.push({ kernelSize: 4, stride: 2, filters: f, normalize: false });
  }
  convs.push({ kernelSize: 3, stride: 1, filters: 512, normalize: false });
  return convGan('sngan', {
    ...dcganConfig(overrides.imageShape ?? [32, 32, 3]),
    noise: 'normal',
    discriminatorConvs: convs,
    discriminatorNorm: 'spectral',
    leakySlope: 0.1,
    batchSize: 64,
    ...overrides,
  });
}

/** Uniform class labels, int32 [count] in [0, classes), drawn from `seed`. */
export function sampleLabels(count: number, classes: number, seed: number): tf.Tensor1D {
  return tf.tidy(() =>
    tf.cast(tf.floor(tf.randomUniform([count], 0, classes, 'float32', seed)), 'int32'),
  ) as tf.Tensor1D;
}
