import {
  bernoulliLogLikelihood,
  decoderLogLikelihood,
  gaussianKl,
  gaussianLogLikelihood,
} from '@latent/models';
import * as tf from '@tensorflow/tfjs-core';

// The densities live in @latent/models, shared with @latent/metrics' estimates.
export { bernoulliLogLikelihood, decoderLogLikelihood, gaussianKl, gaussianLogLikelihood };

/**
 * The evidence lower bound per example, log p(x|z) - beta KL(q(z|x) || p(z)),
 * for one z ~ q(z|x) drawn with the reparameterization trick. beta = 1 is the
 * ELBO; the VAE minimizes its negative mean.
 *
 * @returns [b]
 */
export function elbo(logLikelihood: tf.Tensor1D, kl: tf.Tensor1D, beta = 1): tf.Tensor1D {
  return tf.tidy(() => tf.sub(logLikelihood, tf.mul(kl, beta)) as tf.Tensor1D);
}

/**
 * KL warm-up (Sønderby et al. 2016): beta rises linearly from 0 to `target`
 * over `warmupSteps` steps (no warm-up when 0).
 */
export function klWeight(step: number, warmupSteps: number, target = 1): number {
  return warmupSteps <= 0 ? target : target * Math.min(1, step / warmupSteps);
}

/**
 * The importance-weighted bound (Burda et al. 2016) from k log-weights per
 * example, log w_i = log p(x, z_i) - log q(z_i|x): log (1/k) sum_i w_i,
 * computed with log-sum-exp. k = 1 is the ELBO; it tightens as k grows.
 *
 * @param logWeights [k, b]
 * @returns [b]
 */
export function iwaeBound(logWeights: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(
    () => tf.sub(tf.logSumExp(logWeights, 0), Math.log(logWeights.shape[0])) as tf.Tensor1D,
  );
}

/**
 * log N(z; mean, exp(logVar)) summed over the latent axis, and log N(z; 0, I):
 * the two densities an importance weight needs.
 *
 * @param z, mean, logVar [b, d]
 * @returns [b] each
 */
export function latentLogDensities(
  z: tf.Tensor2D,
  mean: tf.Tensor2D,
  logVar: tf.Tensor2D,
): { posterior: tf.Tensor1D; prior: tf.Tensor1D } {
  return tf.tidy(() => ({
    posterior: gaussianLogLikelihood(mean, logVar, z),
    prior: gaussianLogLikelihood(tf.zerosLike(z), tf.zerosLike(z), z),
  }));
}
