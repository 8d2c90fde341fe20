import * as tf from '@tensorflow/tfjs-core';

/**
 * KL(N(mean, exp(logVar)) || N(0, I)) per example, in nats:
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

/** Sums over every axis but the first: [b, ...] -> [b]. */
function perExample(t: tf.Tensor): tf.Tensor1D {
  return tf.sum(tf.reshape(t, [t.shape[0] as number, -1]), 1) as tf.Tensor1D;
}

/**
 * log p(x|z) of a Bernoulli decoder per example, in nats, from its logits:
 * sum x log sigmoid(l) + (1 - x) log(1 - sigmoid(l)), computed stably.
 *
 * @param logits, x the same shape [b, ...]; x in [0, 1] (binary for a true likelihood)
 * @returns [b]
 */
export function bernoulliLogLikelihood(logits: tf.Tensor, x: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() =>
    perExample(
      tf.neg(
        tf.add(tf.mul(x, tf.softplus(tf.neg(logits))), tf.mul(tf.sub(1, x), tf.softplus(logits))),
      ),
    ),
  );
}

/**
 * log N(x; mean, exp(logVar)) of a Gaussian decoder per example, in nats.
 *
 * @param mean, logVar, x the same shape [b, ...]
 * @returns [b]
 */
export function gaussianLogLikelihood(
  mean: tf.Tensor,
  logVar: tf.Tensor,
  x: tf.Tensor,
): tf.Tensor1D {
  return tf.tidy(() =>
    perExample(
      tf.mul(
        tf.add(
          tf.add(Math.log(2 * Math.PI), logVar),
          tf.div(tf.square(tf.sub(x, mean)), tf.exp(logVar)),
        ),
        -0.5,
      ),
    ),
  );
}

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
