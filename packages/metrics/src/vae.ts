import { deriveSeed } from '@latent/datasets';
import { decoderLogLikelihood, gaussianKl, type ParamTree, type VaeModel } from '@latent/models';
import * as tf from '@tensorflow/tfjs-core';
import type { ProgressCallback } from './parzen.js';

const LOG_2PI = Math.log(2 * Math.PI);

/** A trained VAE: the model and its two parameter trees. */
export interface TrainedVae {
  model: VaeModel;
  encoder: ParamTree;
  decoder: ParamTree;
}

/**
 * Images to score: values in [0, 1] (binary for a proper Bernoulli likelihood;
 * the grey levels for a Gaussian decoder), with labels for conditional models.
 */
export interface VaeData {
  /** row-major [count * h * w * c] */
  images: Float32Array;
  count: number;
  /** Class per image, for conditional VAEs. */
  labels?: Uint8Array;
}

/** A per-image estimate averaged over the data, nats. */
export interface LikelihoodEstimate {
  /** Mean over the images. Higher is better (a log-likelihood or its lower bound). */
  mean: number;
  /** Standard error of the mean (std / sqrt(n)). */
  stdErr: number;
  /** The estimate per image, [count]. */
  perImage: Float64Array;
}

export interface VaeEstimateOptions {
  /** Seeds the draws of z; the same seed gives the same estimate. Default 0. */
  seed?: number;
  /** Rows (samples x images) decoded at once; bounds memory (default 5,000). */
  chunkRows?: number;
  onProgress?: ProgressCallback;
}

function summarize(perImage: Float64Array): LikelihoodEstimate {
  const n = perImage.length;
  let mean = 0;
  for (const v of perImage) mean += v / n;
  let v2 = 0;
  for (const v of perImage) v2 += (v - mean) ** 2;
  return { mean, stdErr: Math.sqrt(v2 / n) / Math.sqrt(n), perImage };
}

function checkData(vae: TrainedVae, data: VaeData): number {
  const [h, w, c] = vae.model.imageShape;
  const size = h * w * c;
  if (data.images.length !== data.count * size)
    throw new RangeError(
      `${data.images.length} pixels are not ${data.count} images of ${h}x${w}x${c} for ${vae.model.name}`,
    );
  if (vae.model.numClasses && !data.labels)
    throw new Error(`${vae.model.name} is conditional: the data needs labels`);
  return size;
}

/**
 * Log importance weights log p(x, z_s) - log q(z_s | x) for `samples` draws z_s
 * per image of a batch: log p(x|z) under the model's decoder (Bernoulli or
 * Gaussian, `@latent/models`' densities, as the trainer's) + log N(z; 0, I)
 * - log N(z; mean, exp(logVar)).
 *
 * @param x [b, size] in [0, 1]
 * @returns [samples, b]
 */
function logWeights(
  vae: TrainedVae,
  x: tf.Tensor2D,
  labels: tf.Tensor1D | undefined,
  samples: number,
  seed: number,
): tf.Tensor2D {
  const { model } = vae;
  const b = x.shape[0];
  const d = model.latentDim;
  const { mean, logVar } = model.encode(vae.encoder, layoutOf(model, x), {
    training: false,
    seed: 0,
    labels,
  });
  const eps = tf.randomNormal([samples, b, d], 0, 1, 'float32', seed);
  const z = tf.add(mean, tf.mul(tf.exp(tf.mul(logVar, 0.5)), eps)); // [s, b, d]
  const logPxz = decodedLogLikelihood(vae, x, z as tf.Tensor3D, labels); // [s, b]
  const logPz = tf.sub(tf.mul(tf.sum(tf.square(z), 2), -0.5), (d / 2) * LOG_2PI);
  // log q(z|x) with z = mean + std * eps: -1/2 sum eps^2 - 1/2 sum logVar - d/2 log 2pi.
  const logQz = tf.sub(
    tf.sub(tf.mul(tf.sum(tf.square(eps), 2), -0.5), tf.mul(tf.sum(logVar, 1), 0.5)),
    (d / 2) * LOG_2PI,
  );
  return tf.sub(tf.add(logPxz, logPz), logQz) as tf.Tensor2D;
}

/** x [b, size] shaped as the model's encoder takes it. */
function layoutOf(model: VaeModel, x: tf.Tensor2D): tf.Tensor {
  return model.layout === 'image' ? tf.reshape(x, [x.shape[0], ...model.imageShape]) : x;
}

/**
 * log p(x|z_s) for s draws of z per image: decodes all s * b rows at once.
 *
 * @param x [b, size] in [0, 1]
 * @param z [s, b, latentDim]
 * @returns [s, b]
 */
function decodedLogLikelihood(
  vae: TrainedVae,
  x: tf.Tensor2D,
  z: tf.Tensor3D,
  labels: tf.Tensor1D | undefined,
): tf.Tensor2D {
  const { model } = vae;
  const [s, b, d] = z.shape;
  const tiled = labels ? (tf.tile(labels, [s]) as tf.Tensor1D) : undefined;
  const decoded = model.decode(vae.decoder, tf.reshape(z, [s * b, d]) as tf.Tensor2D, {
    training: false,
    seed: 0,
    labels: tiled,
  });
  const perDraw = tf.reshape(decoded, [s, b, ...decoded.shape.slice(1)]);
  return decoderLogLikelihood<tf.Rank.R2>(model, perDraw, layoutOf(model, x), 2);
}

function batchTensors(data: VaeData, size: number, start: number, b: number) {
  const x = tf.tensor2d(data.images.subarray(start * size, (start + b) * size), [b, size]);
  const labels = data.labels
    ? tf.tensor1d(Int32Array.from(data.labels.subarray(start, start + b)), 'int32')
    : undefined;
  return { x, labels };
}

/**
 * The importance-weighted estimate of log p(x) (Burda et al. 2016):
 * log (1/k) sum_s p(x, z_s) / q(z_s | x), z_s ~ q(z | x), in nats per image.
 * A lower bound on log p(x) in expectation that tightens as k grows (k = 1 is
 * the ELBO); k = 5,000 is the literature's test NLL estimate. The k weights
 * are drawn in chunks so memory stays bounded; each chunk's log-sum-exp runs
 * in float32 with the max subtracted, and chunks are combined in float64.
 */
export async function iwaeLogLikelihood(
  vae: TrainedVae,
  data: VaeData,
  k = 5000,
  options: VaeEstimateOptions = {},
): Promise<LikelihoodEstimate> {
  const size = checkData(vae, data);
  const seed = options.seed ?? 0;
  const rows = options.chunkRows ?? 5000;
  // Several images share a chunk when k is small; one image's k draws split into chunks when k is large.
  const perChunk = Math.min(k, rows);
  const imagesAtOnce = Math.max(1, Math.floor(rows / perChunk));
  const perImage = new Float64Array(data.count);
  for (let start = 0; start < data.count; start += imagesAtOnce) {
    const b = Math.min(imagesAtOnce, data.count - start);
    const max = new Float64Array(b).fill(Number.NEGATIVE_INFINITY);
    const sum = new Float64Array(b); // sum of exp(lse_chunk - max)
    for (let done = 0, chunk = 0; done < k; done += perChunk, chunk++) {
      const s = Math.min(perChunk, k - done);
      const lse = tf.tidy(() => {
        const { x, labels } = batchTensors(data, size, start, b);
        return tf.logSumExp(
          logWeights(vae, x, labels, s, deriveSeed(seed, 'iwae', start, chunk)),
          0,
        );
      });
      const values = (await lse.data()) as Float32Array;
      lse.dispose();
      for (let i = 0; i < b; i++) {
        const v = values[i]!;
        if (v > max[i]!) {
          sum[i] = sum[i]! * Math.exp(max[i]! - v) + 1;
          max[i] = v;
        } else sum[i]! += Math.exp(v - max[i]!);
      }
    }
    for (let i = 0; i < b; i++) perImage[start + i] = max[i]! + Math.log(sum[i]!) - Math.log(k);
    options.onProgress?.(start + b, data.count);
  }
  return summarize(perImage);
}

/**
 * The ELBO per image, E_q[log p(x|z)] - KL(q(z|x) || N(0, I)), nats: the KL in
 * closed form, the reconstruction term averaged over `samples` draws of z
 * (default 1). A lower bound on log p(x); higher is better.
 */
export async function vaeElbo(
  vae: TrainedVae,
  data: VaeData,
  options: VaeEstimateOptions & { samples?: number } = {},
): Promise<LikelihoodEstimate> {
  const size = checkData(vae, data);
  const seed = options.seed ?? 0;
  const samples = options.samples ?? 1;
  const b = Math.max(1, Math.floor((options.chunkRows ?? 5000) / samples));
  const perImage = new Float64Array(data.count);
  const { model } = vae;
  for (let start = 0; start < data.count; start += b) {
    const m = Math.min(b, data.count - start);
    const elbo = tf.tidy(() => {
      const { x, labels } = batchTensors(data, size, start, m);
      const { mean, logVar } = model.encode(vae.encoder, layoutOf(model, x), {
        training: false,
        seed: 0,
        labels,
      });
      const eps = tf.randomNormal(
        [samples, m, model.latentDim],
        0,
        1,
        'float32',
        deriveSeed(seed, 'elbo', start),
      );
      const z = tf.add(mean, tf.mul(tf.exp(tf.mul(logVar, 0.5)), eps)) as tf.Tensor3D;
      const rec = tf.mean(decodedLogLikelihood(vae, x, z, labels), 0);
      return tf.sub(rec, gaussianKl(mean, logVar));
    });
    perImage.set((await elbo.data()) as Float32Array, start);
    elbo.dispose();
    options.onProgress?.(start + m, data.count);
  }
  return summarize(perImage);
}
