import * as tf from '@tensorflow/tfjs-core';
import { splitGaussian, type VaeModel } from './vae.js';

/**
 * The VAE's densities, in nats, shared by its trainer (`@latent/train`) and
 * its likelihood estimates (`@latent/metrics`) so both score a decoder the
 * same way. Each sums over the pixel (or latent) axes and keeps `batchAxes`
 * leading axes: 1 for [b, ...] -> [b], 2 for an importance sampler's
 * [s, b, ...] -> [s, b]. `x` may have fewer leading axes than the decoder's
 * output (one image set for all s draws); it broadcasts against it.
 */

/** t [lead..., rest...] -> [lead..., prod(rest)], keeping `lead` axes. */
function flatten(t: tf.Tensor, lead: number): tf.Tensor {
  return tf.reshape(t, [...t.shape.slice(0, lead), -1]);
}

/** How many leading axes of `x` sit before the same trailing pixel axes as `out`'s. */
function xLead(x: tf.Tensor, out: tf.Tensor, batchAxes: number): number {
  const lead = x.rank - (out.rank - batchAxes);
  if (lead < 0 || lead > batchAxes)
    throw new RangeError(
      `likelihood: x [${x.shape}] does not match the decoder's output [${out.shape}] with ${batchAxes} batch axes`,
    );
  return lead;
}

/**
 * log p(x|z) of a Bernoulli decoder from its logits l: sum x l - softplus(l)
 * (= x log sigmoid(l) + (1 - x) log(1 - sigmoid(l)), computed stably).
 *
 * @param logits [lead..., pixels...]
 * @param x pixels in [0, 1] (binary for a true likelihood), broadcastable to logits
 * @returns [lead...]
 */
export function bernoulliLogLikelihood<R extends tf.Rank = tf.Rank.R1>(
  logits: tf.Tensor,
  x: tf.Tensor,
  batchAxes = 1,
): tf.Tensor<R> {
  return tf.tidy(() => {
    const l = flatten(logits, batchAxes);
    const xf = flatten(x, xLead(x, logits, batchAxes));
    const size = l.shape[l.rank - 1] as number;
    // One image under many draws (IWAE with large k): x . l as a matMul with x as a column
    // spares wasm a broadcast multiply over every logit, its slowest elementwise pattern.
    const dot =
      batchAxes === 2 && l.shape[1] === 1 && xf.rank === 2 && xf.shape[0] === 1
        ? tf.reshape(
            tf.matMul(tf.reshape(l, [-1, size]), tf.reshape(xf, [size, 1])),
            l.shape.slice(0, 2),
          )
        : tf.sum(tf.mul(xf, l), -1);
    return tf.sub(dot, tf.sum(tf.softplus(l), -1)) as tf.Tensor<R>;
  });
}

/**
 * log N(x; mean, exp(logVar)) of a diagonal Gaussian.
 *
 * @param mean, logVar [lead..., dims...]
 * @param x broadcastable to mean
 * @returns [lead...]
 */
export function gaussianLogLikelihood<R extends tf.Rank = tf.Rank.R1>(
  mean: tf.Tensor,
  logVar: tf.Tensor,
  x: tf.Tensor,
  batchAxes = 1,
): tf.Tensor<R> {
  return tf.tidy(() => {
    const m = flatten(mean, batchAxes);
    const v = flatten(logVar, batchAxes);
    const xf = flatten(x, xLead(x, mean, batchAxes));
    const terms = tf.add(
      tf.add(Math.log(2 * Math.PI), v),
      tf.div(tf.square(tf.sub(xf, m)), tf.exp(v)),
    );
    return tf.mul(tf.sum(terms, -1), -0.5) as tf.Tensor<R>;
  });
}

/**
 * log p(x|z) under the model's decoder distribution (`model.likelihood`).
 *
 * @param decoded what `model.decode` returned, shaped per layout after `batchAxes` leading axes
 * @param x [b, ...] per the model's layout, in [0, 1]
 * @returns [lead...]
 */
export function decoderLogLikelihood<R extends tf.Rank = tf.Rank.R1>(
  model: Pick<VaeModel, 'likelihood'>,
  decoded: tf.Tensor,
  x: tf.Tensor,
  batchAxes = 1,
): tf.Tensor<R> {
  if (model.likelihood === 'gaussian')
    return tf.tidy(() => {
      const { mean, logVar } = splitGaussian(decoded);
      return gaussianLogLikelihood<R>(mean, logVar, x, batchAxes);
    });
  return bernoulliLogLikelihood<R>(decoded, x, batchAxes);
}

/**
 * KL(N(mean, exp(logVar)) || N(0, I)) per example:
 * -1/2 sum(1 + logVar - mean^2 - exp(logVar)) (Kingma & Welling 2014, Appendix B).
 *
 * @param mean, logVar [b, d]
 * @returns [b]
 */
export function gaussianKl(mean: tf.Tensor2D, logVar: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(
    () =>
      tf.mul(
        tf.sum(tf.sub(tf.add(1, logVar), tf.add(tf.square(mean), tf.exp(logVar))), 1),
        -0.5,
      ) as tf.Tensor1D,
  );
}
