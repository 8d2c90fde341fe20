import * as tf from '@tensorflow/tfjs-core';
import { type Init, initTensor, seededNormal } from './init.js';
import type { ParamTree } from './params.js';

/**
 * A variable holding `initial`, which is then disposed: `tf.variable` shares
 * the initial tensor's data, so without this every parameter would leave its
 * initial tensor behind (counted by `tf.memory()` until the end).
 */
function param(initial: tf.Tensor, trainable = true): tf.Variable {
  const v = tf.variable(initial, trainable);
  initial.dispose();
  return v;
}

export interface DenseParams extends ParamTree {
  /** [in, out] */
  kernel: tf.Variable;
  /** [out] */
  bias: tf.Variable;
}

/**
 * Initializes a dense layer with zero bias and weights drawn by `init`; a
 * number is U(-irange, irange), the initializer of the 2014 GAN paper's code
 * (pylearn2 `irange`).
 */
export function initDense(
  inDim: number,
  outDim: number,
  init: number | Init,
  seed: number,
): DenseParams {
  const how: Init = typeof init === 'number' ? { kind: 'uniform', range: init } : init;
  return {
    kernel: param(initTensor(how, [inDim, outDim], seed)),
    bias: param(tf.zeros([outDim])),
  };
}

/**
 * max over the last axis of z [..., pieces], with a gradient that routes dy to
 * the arg-max piece through a one-hot mask. tfjs's generic Max gradient
 * compares z with the broadcast max (a broadcasting `Equal`), which the wasm
 * backend runs ~40x slower than this mask.
 */
const maxLastAxis = tf.customGrad(
  // @ts-expect-error customGrad's typing takes variadic tensors followed by the save function.
  (z: tf.Tensor, save: tf.GradSaveFunc) => {
    save([z]);
    return {
      value: tf.max(z, -1),
      gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => {
        const zs = saved as tf.Tensor;
        const pieces = zs.shape[zs.rank - 1] as number;
        const mask = tf.cast(tf.oneHot(tf.argMax(zs, -1), pieces), 'float32');
        return tf.mul(mask, tf.expandDims(dy, -1));
      },
    };
  },
) as (z: tf.Tensor) => tf.Tensor;

/** Activations the fused product applies inside its kernel (tfjs fuses no tanh). */
export type FusedActivation = Exclude<Activation, 'tanh'>;

/**
 * The gradient of `_FusedMatMul` as `dense` calls it (2-D operands as
 * [1, m, k] x [1, k, n], no transposes, a bias, an activation). A registered
 * gradient (unlike `customGrad`) returns one closure per input, so the engine
 * computes only the gradients the tape needs: no input gradient for the first
 * layer, no weight gradients of the network held fixed. The products are
 * asked for with transpose flags: each backend takes them its fastest way
 * (latent's wasm GEMM as strides, XNNPACK through explicit transposes).
 */
function registerFusedDenseGradient(): void {
  if (tf.getGradient(tf._FusedMatMul)) return;
  tf.registerGradient({
    kernelName: tf._FusedMatMul,
    inputsToSave: ['a', 'b'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [a3, b3, y3] = saved as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
      const { transposeA, transposeB, activation, leakyreluAlpha } = attrs as {
        transposeA: boolean;
        transposeB: boolean;
        activation: string;
        leakyreluAlpha?: number;
      };
      if (transposeA || transposeB || a3.shape[0] !== 1 || b3.shape[0] !== 1)
        throw new Error(
          '@latent/models: _FusedMatMul gradient: only dense() products are supported',
        );
      const [, m, k] = a3.shape;
      const n = b3.shape[2];
      const a = tf.reshape(a3, [m, k]) as tf.Tensor2D;
      const b = tf.reshape(b3, [k, n]) as tf.Tensor2D;
      const y = tf.reshape(y3, [m, n]);
      const g = tf.reshape(dy as tf.Tensor, [m, n]);
      let dz: tf.Tensor2D;
      // Each derivative from the output alone: y > 0 exactly where the pre-activation is.
      if (activation === 'relu') dz = tf.mul(g, tf.step(y)) as tf.Tensor2D;
      else if (activation === 'leakyrelu')
        dz = tf.mul(g, tf.step(y, leakyreluAlpha)) as tf.Tensor2D;
      else if (activation === 'sigmoid') dz = tf.mul(g, tf.sub(y, tf.mul(y, y))) as tf.Tensor2D;
      else if (activation === 'linear') dz = g as tf.Tensor2D;
      else throw new Error(`@latent/models: _FusedMatMul gradient: no ${activation} activation`);
      return {
        a: () => tf.reshape(tf.matMul(dz, b, false, true), [1, m, k]),
        b: () => tf.reshape(tf.matMul(a, dz, true, false), [1, k, n]),
        bias: () => tf.sum(dz, 0),
      };
    },
  });
}

/**
 * x [b, in] -> act(x W + bias) [b, out], as one fused kernel (the product,
 * the bias and the activation in one pass: one tape node instead of three),
 * with a gradient of untransposed products only.
 */
export function dense(
  p: DenseParams,
  x: tf.Tensor2D,
  activation: FusedActivation = 'linear',
): tf.Tensor2D {
  registerFusedDenseGradient();
  const [m, k] = x.shape;
  const n = p.kernel.shape[1] as number;
  const leaky = typeof activation === 'object';
  const y = tf.engine().runKernel(
    tf._FusedMatMul,
    {
      a: tf.reshape(x, [1, m, k]),
      b: tf.reshape(p.kernel, [1, k, n]),
      bias: p.bias,
    } as unknown as tf.NamedTensorMap,
    {
      transposeA: false,
      transposeB: false,
      activation: leaky ? 'leakyrelu' : activation,
      leakyreluAlpha: leaky ? activation.leakyRelu : 0,
    } as unknown as tf.NamedAttrMap,
  ) as tf.Tensor3D;
  return tf.reshape(y, [m, n]);
}

/**
 * Maxout (Goodfellow et al. 2013): a dense layer to units*pieces linear
 * outputs, then the max over each unit's pieces.
 *
 * @param p a dense layer of shape [in, units*pieces]; piece j of unit u is column u*pieces + j
 * @param x [b, in]
 * @returns [b, units]
 */
export function maxout(p: DenseParams, x: tf.Tensor2D, pieces: number): tf.Tensor2D {
  const z = dense(p, x);
  const [b, width] = z.shape;
  if (width % pieces !== 0)
    throw new Error(`maxout: ${width} outputs do not split into ${pieces} pieces`);
  return maxLastAxis(tf.reshape(z, [b, width / pieces, pieces])) as tf.Tensor2D;
}

/** Rows `offset` .. `offset + b` of a batch of `total` rows, for per-example randomness. */
export interface BatchRows {
  offset: number;
  total: number;
}

/**
 * Inverted dropout: keeps each unit with probability `keep` and scales the
 * survivors by 1/keep, so inference (`training: false`) is the identity.
 * The same seed gives the same mask. The mask is drawn in JavaScript
 * (mulberry32, whose stream can be entered at any row, which tfjs's seeded
 * draws cannot) and applied with one same-shape product.
 *
 * @param rows when x holds rows `offset`.. of a larger batch of `total` rows
 *   (data-parallel training), the mask is drawn for the whole batch and these
 *   rows taken, so the shards together use exactly the single-process mask.
 */
export function dropout<T extends tf.Tensor>(
  x: T,
  keep: number,
  training: boolean,
  seed: number,
  rows?: BatchRows,
): T {
  if (!training || keep >= 1) return x;
  const b = x.shape[0] as number;
  const { offset, total } = rows ?? { offset: 0, total: b };
  if (offset + b > total)
    throw new Error(`dropout: rows ${offset}+${b} exceed a batch of ${total}`);
  return tf.mul(x, tf.tensor(dropoutMask(x.size, keep, seed, (offset * x.size) / b), x.shape)) as T;
}

const GOLDEN = 0x6d2b79f5;

/**
 * `size` mask values (1/keep with probability keep, else 0) from position
 * `start` of the seed's stream. mulberry32's state after n draws is
 * seed + n * GOLDEN, so any stretch of the stream is drawn without the ones before it.
 */
function dropoutMask(size: number, keep: number, seed: number, start: number): Float32Array {
  const mask = new Float32Array(size);
  // Compares 31 random bits with keep * 2^31 without a branch: a 50% branch
  // mispredicts every other element.
  const threshold = Math.floor(keep * 2147483648);
  const scale = 1 / keep;
  let s = (seed + Math.imul(start, GOLDEN)) | 0;
  for (let i = 0; i < size; i++) {
    s = (s + GOLDEN) | 0;
    let r = Math.imul(s ^ (s >>> 15), 1 | s);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    mask[i] = (((((r ^ (r >>> 14)) >>> 1) - threshold) >>> 31) as number) * scale;
  }
  return mask;
}

// ---------------------------------------------------------------- activations

/** A pointwise non-linearity; `{ leakyRelu: a }` is max(x, a x). */
export type Activation = 'linear' | 'relu' | 'tanh' | 'sigmoid' | { leakyRelu: number };

/** Applies `a` elementwise; shape and dtype are kept. */
export function activate<T extends tf.Tensor>(x: T, a: Activation): T {
  if (typeof a === 'object') return tf.leakyRelu(x, a.leakyRelu);
  switch (a) {
    case 'linear':
      return x;
    case 'relu':
      return tf.relu(x);
    case 'tanh':
      return tf.tanh(x);
    case 'sigmoid':
      return tf.sigmoid(x);
  }
}

/** `activate(dense(p, x), a)`, with `a` inside the product's kernel wherever tfjs fuses it. */
export function denseActivate(p: DenseParams, x: tf.Tensor2D, a: Activation): tf.Tensor2D {
  return a === 'tanh' ? tf.tanh(dense(p, x)) : dense(p, x, a);
}

// ---------------------------------------------------------------- convolutions

/** A 2-D convolution: kernel [kh, kw, in, out] and, unless built without, bias [out]. */
export interface ConvParams extends ParamTree {
  kernel: tf.Variable;
}

export interface ConvSpec {
  /** Square kernel size k (k x k). */
  kernelSize: number;
  inChannels: number;
  outChannels: number;
  init: Init;
  /** Add a bias; off for convs followed by batch norm (its beta is the bias). Default true. */
  bias?: boolean;
}

/** A conv layer's parameters: kernel [k, k, in, out] drawn by `init`, zero bias [out]. */
export function initConv2d(spec: ConvSpec, seed: number): ConvParams {
  const { kernelSize: k, inChannels, outChannels } = spec;
  const p: ConvParams = {
    kernel: param(initTensor(spec.init, [k, k, inChannels, outChannels], seed)),
  };
  if (spec.bias ?? true) p.bias = param(tf.zeros([outChannels]));
  return p;
}

/**
 * A transposed conv layer's parameters: kernel [k, k, out, in] (tfjs's
 * `conv2dTranspose` layout; fans are those of the conv it transposes), zero bias [out].
 */
export function initConv2dTranspose(spec: ConvSpec, seed: number): ConvParams {
  const { kernelSize: k, inChannels, outChannels } = spec;
  const p: ConvParams = {
    kernel: param(
      initTensor(spec.init, [k, k, outChannels, inChannels], seed, [k, k, inChannels, outChannels]),
    ),
  };
  if (spec.bias ?? true) p.bias = param(tf.zeros([outChannels]));
  return p;
}

function addBias(p: ConvParams, y: tf.Tensor4D): tf.Tensor4D {
  const bias = p.bias as tf.Variable | undefined;
  return bias ? tf.add(y, bias) : y;
}

/**
 * Convolution, NHWC: x [b, h, w, in] -> [b, h', w', out], with h' = ceil(h / stride)
 * for 'same' and ceil((h - k + 1) / stride) for 'valid'.
 */
export function conv2d(
  p: ConvParams,
  x: tf.Tensor4D,
  stride = 1,
  pad: 'same' | 'valid' = 'same',
): tf.Tensor4D {
  return addBias(p, tf.conv2d(x, p.kernel as tf.Tensor4D, stride, pad));
}

/**
 * Transposed convolution ("deconvolution"), NHWC: x [b, h, w, in] ->
 * [b, h*stride, w*stride, out] for 'same', [b, (h-1)*stride + k, ...] for
 * 'valid'. With k = 4, stride 2, 'same' it is PyTorch's
 * ConvTranspose2d(k=4, s=2, p=1), DCGAN's upsampling layer.
 */
export function conv2dTranspose(
  p: ConvParams,
  x: tf.Tensor4D,
  stride = 2,
  pad: 'same' | 'valid' = 'same',
): tf.Tensor4D {
  const [b, h, w] = x.shape;
  const [k, , out] = p.kernel.shape as [number, number, number, number];
  const size = (n: number) => (pad === 'same' ? n * stride : (n - 1) * stride + k);
  const y = tf.conv2dTranspose(x, p.kernel as tf.Tensor4D, [b, size(h), size(w), out], stride, pad);
  return addBias(p, y);
}

// ---------------------------------------------------------------- normalization

/**
 * Batch norm (Ioffe & Szegedy 2015) over the last axis: scale `gamma` and
 * shift `beta` [c] are trained; the running `mean` and `variance` [c] are
 * non-trainable variables in the same tree, so they are saved and loaded with
 * the weights but no optimizer touches them.
 */
export interface BatchNormParams extends ParamTree {
  gamma: tf.Variable;
  beta: tf.Variable;
  mean: tf.Variable;
  variance: tf.Variable;
}

/**
 * @param gammaInit how gamma starts; DCGAN draws it from N(1, 0.02^2), the
 *   default is 1 (as PyTorch and Keras).
 */
export function initBatchNorm(
  channels: number,
  seed = 0,
  gammaInit?: { std: number },
): BatchNormParams {
  return {
    gamma: param(
      gammaInit ? seededNormal([channels], 1, gammaInit.std, seed) : tf.ones([channels]),
    ),
    beta: param(tf.zeros([channels])),
    mean: param(tf.zeros([channels]), false),
    variance: param(tf.ones([channels]), false),
  };
}

export interface BatchNormOptions {
  /** Batch statistics (and running-statistics updates) when true; running statistics when false. */
  training: boolean;
  /** running <- (1 - momentum) running + momentum batch, PyTorch's convention. Default 0.1. */
  momentum?: number;
  /** Added to the variance. Default 1e-5. */
  epsilon?: number;
}

/**
 * Batch norm in training mode on x [n, c], with the closed-form gradient
 *   dx = gamma rstd / n (n dy - sum dy - xhat sum(dy xhat)).
 * tfjs's automatic gradient of the same expression goes through `Tile`, which
 * the wasm backend runs ~27 ms a call (the guide's DCGAN step: 1.03 -> 1.33 steps/s).
 */
function batchNormTrain(p: BatchNormParams, momentum: number, epsilon: number) {
  return tf.customGrad(
    // @ts-expect-error customGrad's typing takes variadic tensors followed by the save function.
    (x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, save: tf.GradSaveFunc) => {
      const n = x.shape[0];
      const mean = tf.mean(x, 0);
      const centered = tf.sub(x, mean);
      const variance = tf.mean(tf.square(centered), 0);
      const rstd = tf.rsqrt(tf.add(variance, epsilon));
      const xhat = tf.mul(centered, rstd);
      // Running statistics as PyTorch keeps them (unbiased variance). The
      // forward pass of a custom gradient is not recorded, so this is no op on the tape.
      p.mean.assign(tf.add(tf.mul(p.mean, 1 - momentum), tf.mul(mean, momentum)));
      const unbiased = tf.mul(variance, n / Math.max(1, n - 1));
      p.variance.assign(tf.add(tf.mul(p.variance, 1 - momentum), tf.mul(unbiased, momentum)));
      save([xhat, rstd, gamma]);
      return {
        value: tf.add(tf.mul(xhat, gamma), beta),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [xh, rs, g] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
          const dbeta = tf.sum(dy, 0);
          const dgamma = tf.sum(tf.mul(dy, xh), 0);
          const inner = tf.sub(tf.sub(tf.mul(dy, n), dbeta), tf.mul(xh, dgamma));
          const dx = tf.mul(inner, tf.mul(tf.mul(g, rs), 1 / n));
          return [dx, dgamma, dbeta];
        },
      };
    },
  ) as (x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D) => tf.Tensor2D;
}

/**
 * Batch norm of x [..., c] over every axis but the last.
 *
 * Training: normalizes with the batch's mean and (biased) variance and moves
 * the running statistics toward them. Inference: uses the running statistics.
 *
 * @returns the shape of x
 */
export function batchNorm<T extends tf.Tensor>(
  p: BatchNormParams,
  x: T,
  { training, momentum = 0.1, epsilon = 1e-5 }: BatchNormOptions,
): T {
  const c = x.shape[x.rank - 1] as number;
  if (!training) {
    const scale = tf.mul(p.gamma, tf.rsqrt(tf.add(p.variance, epsilon)));
    return tf.add(tf.mul(tf.sub(x, p.mean), scale), p.beta) as T;
  }
  const flat = tf.reshape(x, [-1, c]) as tf.Tensor2D;
  const y = batchNormTrain(p, momentum, epsilon)(
    flat,
    p.gamma as tf.Tensor1D,
    p.beta as tf.Tensor1D,
  );
  return tf.reshape(y, x.shape) as T;
}

/** Layer norm's scale and shift [c], over the last axis. */
export interface LayerNormParams extends ParamTree {
  gamma: tf.Variable;
  beta: tf.Variable;
}

export function initLayerNorm(channels: number): LayerNormParams {
  return { gamma: param(tf.ones([channels])), beta: param(tf.zeros([channels])) };
}

/**
 * Layer norm (Ba et al. 2016): each example [b, ...] is normalized over all its
 * features, then scaled and shifted per channel (last axis) — for images it is
 * PyTorch's GroupNorm(1, c), the normalization Gulrajani et al. suggest for a
 * WGAN-GP critic. Same in training and inference; no running statistics.
 */
export function layerNorm<T extends tf.Tensor>(p: LayerNormParams, x: T, epsilon = 1e-5): T {
  const flat = tf.reshape(x, [x.shape[0] as number, -1]);
  const { mean, variance } = tf.moments(flat, 1, true);
  const normed = tf.mul(tf.sub(flat, mean), tf.rsqrt(tf.add(variance, epsilon)));
  return tf.add(tf.mul(tf.reshape(normed, x.shape), p.gamma), p.beta) as T;
}

// ---------------------------------------------------------------- embedding

/** A lookup table [classes, dim]. */
export interface EmbeddingParams extends ParamTree {
  table: tf.Variable;
}

export function initEmbedding(
  classes: number,
  dim: number,
  init: Init,
  seed: number,
): EmbeddingParams {
  return { table: param(initTensor(init, [classes, dim], seed)) };
}

/**
 * Rows of the table for integer labels [b] in [0, classes) -> [b, dim].
 * A one-hot product rather than `gather`: gather's gradient needs
 * `UnsortedSegmentSum`, which the wasm backend lacks, and for tens of classes
 * the product is as cheap.
 */
export function embedding(p: EmbeddingParams, labels: tf.Tensor1D): tf.Tensor2D {
  const classes = p.table.shape[0] as number;
  const onehot = tf.cast(tf.oneHot(tf.cast(labels, 'int32'), classes), 'float32') as tf.Tensor2D;
  return tf.matMul(onehot, p.table as tf.Tensor2D);
}

/** One-hot rows [b, classes] (float32) for integer labels [b]. */
export function oneHot(labels: tf.Tensor1D, classes: number): tf.Tensor2D {
  return tf.cast(tf.oneHot(tf.cast(labels, 'int32'), classes), 'float32') as tf.Tensor2D;
}

// ---------------------------------------------------------------- spectral normalization

/** The power-iteration vector u [out] of a spectrally normalized kernel (non-trainable). */
export interface SpectralNormParams extends ParamTree {
  u: tf.Variable;
}

/** u starts as a random unit vector [outDim]. */
export function initSpectralNorm(outDim: number, seed: number): SpectralNormParams {
  return {
    u: param(
      tf.tidy(() => {
        const u = seededNormal([outDim], 0, 1, seed);
        return tf.div(u, tf.norm(u));
      }),
      false,
    ),
  };
}

/**
 * W / sigma(W) (Miyato et al. 2018): the kernel [..., out] viewed as a matrix
 * W [in, out], sigma estimated as ||W u|| with u from one power iteration per
 * training call (u <- normalize(W^T normalize(W u)), stored back into the
 * tree); inference uses the stored u unchanged. As in the paper, u carries no
 * gradient, so d sigma / dW = v u^T.
 *
 * @returns a tensor of the kernel's shape
 */
export function spectralNormalize(
  kernel: tf.Tensor,
  p: SpectralNormParams,
  training: boolean,
): tf.Tensor {
  const out = kernel.shape[kernel.rank - 1] as number;
  const w = tf.reshape(kernel, [-1, out]) as tf.Tensor2D; // [in, out]
  if (training) {
    const v = tf.matMul(w, tf.reshape(p.u, [out, 1]) as tf.Tensor2D); // [in, 1]
    const vn = tf.div(v, tf.add(tf.norm(v), 1e-12));
    const u = tf.matMul(tf.reshape(vn, [1, -1]) as tf.Tensor2D, w); // [1, out]
    p.u.assign(tf.reshape(tf.div(u, tf.add(tf.norm(u), 1e-12)), [out]));
  }
  // A copy of u, so that the tape keeps this call's u even after a later call
  // in the same step assigns a new one (D runs on real and fake batches).
  const u = tf.reshape(tf.clone(p.u), [out, 1]) as tf.Tensor2D;
  const sigma = tf.norm(tf.matMul(w, u));
  return tf.div(kernel, sigma);
}
