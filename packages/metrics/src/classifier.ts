import { fnv1a } from '@latent/datasets';
import {
  type ConvParams,
  conv2d,
  type DenseParams,
  dense,
  disposeParams,
  dropout,
  type EncodedParams,
  HE_INIT,
  initConv2d,
  initDense,
  loadParams,
  type ParamTree,
  toFloat16Bits,
} from '@latent/models';
import * as tf from '@tensorflow/tfjs-core';

/** float32 -> IEEE half precision bits; it lives in `@latent/models` (checkpoints use it too). */
export { toFloat16Bits };

/** Which data set a shipped classifier was trained on. */
export type ClassifierName = 'mnist' | 'fashion-mnist';
export const CLASSIFIERS: readonly ClassifierName[] = ['mnist', 'fashion-mnist'];

/** The shipped classifiers' input: 28x28 grey images. */
export const CLASSIFIER_IMAGE_SHAPE = [28, 28, 1] as const;
/** Width of the penultimate layer: the features FID is computed on. */
export const CLASSIFIER_FEATURES = 128;
export const CLASSIFIER_CLASSES = 10;

/**
 * The metric classifier's parameters: 3x3 conv 32 -> 2x2 max pool -> 3x3 conv
 * 64 -> 2x2 max pool -> dense 128 (ReLU; the FID features) -> dense 10.
 * 421,642 parameters; He-normal weights.
 */
export function initClassifier(seed = 0): ParamTree {
  // tidy: the initial values each tf.variable is made from are disposed; the variables stay.
  return tf.tidy(() => ({
    conv0: initConv2d({ kernelSize: 3, inChannels: 1, outChannels: 32, init: HE_INIT }, seed * 7),
    conv1: initConv2d(
      { kernelSize: 3, inChannels: 32, outChannels: 64, init: HE_INIT },
      seed * 7 + 1,
    ),
    hidden: initDense(7 * 7 * 64, CLASSIFIER_FEATURES, HE_INIT, seed * 7 + 2),
    out: initDense(CLASSIFIER_FEATURES, CLASSIFIER_CLASSES, HE_INIT, seed * 7 + 3),
  })) as ParamTree;
}

/** Options of a classifier pass; dropout (keep 0.5 before the last layer) only when training. */
export interface ClassifierApplyOptions {
  training: boolean;
  seed: number;
}

/**
 * The classifier's forward pass.
 *
 * @param x images [b, 28, 28, 1] or flat [b, 784], pixel values in [0, 1]
 * @returns features [b, 128] (after ReLU, >= 0) and class logits [b, 10]
 */
export function classifierForward(
  params: ParamTree,
  x: tf.Tensor,
  options: ClassifierApplyOptions = { training: false, seed: 0 },
): { features: tf.Tensor2D; logits: tf.Tensor2D } {
  const b = x.shape[0] as number;
  const img = x.rank === 4 ? (x as tf.Tensor4D) : (tf.reshape(x, [b, 28, 28, 1]) as tf.Tensor4D);
  if (img.shape[1] !== 28 || img.shape[2] !== 28 || img.shape[3] !== 1)
    throw new Error(`the metric classifier takes 28x28x1 images, got [${img.shape.slice(1)}]`);
  let a = tf.relu(conv2d(params.conv0 as ConvParams, img, 1, 'same'));
  a = tf.maxPool(a, 2, 2, 'valid');
  a = tf.relu(conv2d(params.conv1 as ConvParams, a, 1, 'same'));
  a = tf.maxPool(a, 2, 2, 'valid');
  const flat = tf.reshape(a, [b, 7 * 7 * 64]) as tf.Tensor2D;
  const features = tf.relu(dense(params.hidden as DenseParams, flat));
  const dropped = dropout(features, 0.5, options.training, options.seed);
  return { features, logits: dense(params.out as DenseParams, dropped) };
}

/** A loaded metric classifier. Call `dispose()` when done. */
export interface Classifier {
  readonly name: ClassifierName | string;
  readonly params: ParamTree;
  /**
   * Features and class probabilities of images in [0, 1], computed in batches
   * (no tensors are left behind).
   *
   * @param images float32 [n * 784] row-major (or a tensor [n, 28, 28, 1] / [n, 784])
   * @returns features Float32Array [n * 128], probabilities Float32Array [n * 10]
   */
  run(
    images: Float32Array | tf.Tensor,
    batchSize?: number,
  ): Promise<{ features: Float32Array; probabilities: Float32Array; count: number }>;
  dispose(): void;
}

/** Wraps a parameter tree (trained or loaded) as a `Classifier`. */
export function classifierFromParams(params: ParamTree, name: string): Classifier {
  return {
    name,
    params,
    async run(images, batchSize = 500) {
      const size = 28 * 28;
      const n = images instanceof tf.Tensor ? (images.shape[0] as number) : images.length / size;
      if (!Number.isInteger(n)) throw new Error(`${n * size} pixels are not 28x28 images`);
      const features = new Float32Array(n * CLASSIFIER_FEATURES);
      const probabilities = new Float32Array(n * CLASSIFIER_CLASSES);
      for (let start = 0; start < n; start += batchSize) {
        const end = Math.min(n, start + batchSize);
        const [f, p] = tf.tidy(() => {
          const x =
            images instanceof tf.Tensor
              ? tf.slice(images, start, end - start)
              : tf.tensor2d(images.subarray(start * size, end * size), [end - start, size]);
          const out = classifierForward(params, x);
          return [out.features, tf.softmax(out.logits)];
        });
        features.set((await f.data()) as Float32Array, start * CLASSIFIER_FEATURES);
        probabilities.set((await p.data()) as Float32Array, start * CLASSIFIER_CLASSES);
        tf.dispose([f, p]);
      }
      return { features, probabilities, count: n };
    },
    dispose() {
      disposeParams(params);
    },
  };
}

/** Builds a classifier from encoded weights (tfjs weight format, float32 or float16 specs). */
export function classifierFromWeights(encoded: EncodedParams, name: string): Classifier {
  const params = initClassifier(0);
  try {
    loadParams(params, encoded);
  } catch (e) {
    classifierFromParams(params, name).dispose();
    throw e;
  }
  return classifierFromParams(params, name);
}

/**
 * Loads a shipped classifier. The weights (float16, ~0.8 MB) sit in a
 * generated module that is imported on demand, so code that never asks for a
 * classifier never loads them.
 */
export async function loadClassifier(name: ClassifierName): Promise<Classifier> {
  const weights =
    name === 'mnist'
      ? (await import('./weights/mnist.js')).MNIST_CLASSIFIER
      : name === 'fashion-mnist'
        ? (await import('./weights/fashion-mnist.js')).FASHION_MNIST_CLASSIFIER
        : undefined;
  if (!weights)
    throw new Error(
      `no shipped classifier for '${String(name)}'; one of ${CLASSIFIERS.join(', ')}`,
    );
  return classifierFromWeights(decodeShippedWeights(weights), name);
}

/** A classifier's weights as shipped in the package: tfjs specs and the bytes as base64. */
export interface ShippedWeights {
  specs: tf.io.WeightsManifestEntry[];
  base64: string;
  /** FNV-1a of the decoded bytes, hex. */
  checksum: string;
  /** Test accuracy measured when the weights were made, for the README and errors. */
  testAccuracy: number;
}

/** Decodes shipped weights and checks their checksum. */
export function decodeShippedWeights(w: ShippedWeights): EncodedParams {
  const bytes = base64ToBytes(w.base64);
  const sum = fnv1a(bytes);
  if (sum !== w.checksum)
    throw new Error(`classifier weights are corrupted (checksum ${sum}, expected ${w.checksum})`);
  return { specs: w.specs, data: bytes.buffer as ArrayBuffer };
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Base64 to bytes without `atob` or `Buffer`, so it runs the same in Node and browsers. */
export function base64ToBytes(text: string): Uint8Array {
  const lookup = new Uint8Array(128);
  for (let i = 0; i < B64.length; i++) lookup[B64.charCodeAt(i)] = i;
  const clean = text.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let o = 0;
  for (let i = 0; i < clean.length; i += 4) {
    const a = lookup[clean.charCodeAt(i)]!;
    const b = lookup[clean.charCodeAt(i + 1)]!;
    const c = lookup[clean.charCodeAt(i + 2)] ?? 0;
    const d = lookup[clean.charCodeAt(i + 3)] ?? 0;
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    if (o < out.length) out[o++] = (n >> 16) & 255;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

/** Bytes to base64 (used by the training script that writes the weights module). */
export function bytesToBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    s += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]!;
    s += i + 1 < bytes.length ? B64[(n >> 6) & 63]! : '=';
    s += i + 2 < bytes.length ? B64[n & 63]! : '=';
  }
  return s;
}

/**
 * Encodes a parameter tree as float16 weights with tfjs quantization specs
 * (`tf.io.decodeWeights` and so `loadParams` read them back as float32).
 */
export function encodeFloat16(flat: Record<string, tf.Tensor>): EncodedParams {
  const names = Object.keys(flat).sort();
  const total = names.reduce((n, k) => n + flat[k]!.size, 0);
  const half = new Uint16Array(total);
  const specs: tf.io.WeightsManifestEntry[] = [];
  let o = 0;
  for (const name of names) {
    const t = flat[name]!;
    for (const v of t.dataSync()) half[o++] = toFloat16Bits(v);
    specs.push({ name, shape: t.shape, dtype: 'float32', quantization: { dtype: 'float16' } });
  }
  return { specs, data: half.buffer };
}
