import * as tf from '@tensorflow/tfjs-core';

/** log sigmoid(l) = -softplus(-l), exact for large |l| where log(sigmoid(l)) underflows. */
export function logSigmoid(logits: tf.Tensor): tf.Tensor {
  return tf.neg(tf.softplus(tf.neg(logits)));
}

/** log(1 - sigmoid(l)) = -softplus(l). */
export function logOneMinusSigmoid(logits: tf.Tensor): tf.Tensor {
  return tf.neg(tf.softplus(logits));
}

/**
 * The value function of Goodfellow et al. 2014, eq. 1, on a minibatch:
 *
 *   V(D, G) = E_x[log D(x)] + E_z[log(1 - D(G(z)))]
 *
 * computed from D's logits (D = sigmoid(logit)) so it stays finite when D
 * saturates. D ascends V; its loss is -V.
 *
 * @param realLogits [b] D's logits on data
 * @param fakeLogits [b] D's logits on G(z)
 * @returns scalar V <= 0
 */
export function ganValue(realLogits: tf.Tensor, fakeLogits: tf.Tensor): tf.Scalar {
  return tf.add(
    tf.mean(logSigmoid(realLogits)),
    tf.mean(logOneMinusSigmoid(fakeLogits)),
  ) as tf.Scalar;
}

/**
 * How G is trained:
 * - `minimax`: G descends E_z[log(1 - D(G(z)))], the game exactly as written;
 *   its gradient vanishes early, when D rejects samples confidently.
 * - `non-saturating`: G descends -E_z[log D(G(z))], the alternative the paper
 *   recommends (Section 3) and its released code uses; same fixed point, strong
 *   gradients early. The default.
 */
export type GeneratorLossKind = 'non-saturating' | 'minimax';

/** G's loss from D's logits on G(z) [b]; a scalar G minimizes. */
export function generatorLoss(fakeLogits: tf.Tensor, kind: GeneratorLossKind): tf.Scalar {
  return kind === 'minimax'
    ? (tf.mean(logOneMinusSigmoid(fakeLogits)) as tf.Scalar)
    : (tf.neg(tf.mean(logSigmoid(fakeLogits))) as tf.Scalar);
}

/**
 * The GAN objectives latent trains:
 * - `gan`: Goodfellow et al. 2014, D ascends V(D, G) (with optional one-sided
 *   label smoothing), G per `GeneratorLossKind`;
 * - `lsgan`: least squares (Mao et al. 2017), targets 1 for data and 0 for
 *   samples, on D's raw output;
 * - `wgan-gp`: Wasserstein critic with gradient penalty (Gulrajani et al.
 *   2017); train it with k = 5 critic steps (n_critic);
 * - `hinge`: hinge loss (Lim & Ye 2017; Miyato et al. 2018).
 */
export type GanLossKind = 'gan' | 'lsgan' | 'wgan-gp' | 'hinge';

/** Binary cross-entropy from logits against a constant target y in [0, 1]. */
function bce(logits: tf.Tensor, y: number): tf.Scalar {
  const pos = tf.mean(tf.softplus(tf.neg(logits)));
  if (y === 1) return pos as tf.Scalar;
  const neg = tf.mean(tf.softplus(logits));
  return (y === 0 ? neg : tf.add(tf.mul(pos, y), tf.mul(neg, 1 - y))) as tf.Scalar;
}

/**
 * D's loss on its outputs for data and for samples (both [b]), without
 * penalties. For `gan` this is D's cross-entropy averaged over its 2m inputs,
 * -V/2 (the authors' `d_obj`); `labelSmoothing` s sets data's target to 1 - s
 * (one-sided, as Salimans et al. 2016).
 */
export function discriminatorLoss(
  kind: GanLossKind,
  real: tf.Tensor,
  fake: tf.Tensor,
  labelSmoothing = 0,
): tf.Scalar {
  return tf.tidy(() => {
    switch (kind) {
      case 'gan':
        return tf.mul(tf.add(bce(real, 1 - labelSmoothing), bce(fake, 0)), 0.5) as tf.Scalar;
      case 'lsgan':
        return tf.mul(
          tf.add(tf.mean(tf.square(tf.sub(real, 1))), tf.mean(tf.square(fake))),
          0.5,
        ) as tf.Scalar;
      case 'wgan-gp':
        return tf.sub(tf.mean(fake), tf.mean(real)) as tf.Scalar;
      case 'hinge':
        return tf.add(
          tf.mean(tf.relu(tf.sub(1, real))),
          tf.mean(tf.relu(tf.add(1, fake))),
        ) as tf.Scalar;
    }
  });
}

/** G's loss on D's outputs for samples [b]; `gan` uses `generatorLoss` of the given kind. */
export function generatorObjective(
  kind: GanLossKind,
  fake: tf.Tensor,
  ganKind: GeneratorLossKind = 'non-saturating',
): tf.Scalar {
  return tf.tidy(() => {
    switch (kind) {
      case 'gan':
        return generatorLoss(fake, ganKind);
      case 'lsgan':
        return tf.mul(tf.mean(tf.square(tf.sub(fake, 1))), 0.5) as tf.Scalar;
      case 'wgan-gp':
      case 'hinge':
        return tf.neg(tf.mean(fake)) as tf.Scalar;
    }
  });
}

/** D's output as reported in statistics: the probability D(x) for `gan`, the raw output otherwise. */
export function discriminatorReport(kind: GanLossKind, output: tf.Tensor): tf.Tensor {
  return kind === 'gan' ? tf.sigmoid(output) : output;
}

/** Per-sample L2 norm of d sum(D(x)) / dx: [b]. The epsilon keeps sqrt differentiable at 0. */
function inputGradientNorms(
  d: (x: tf.Tensor) => tf.Tensor,
  x: tf.Tensor,
  squared: boolean,
): tf.Tensor1D {
  const g = tf.grad((v: tf.Tensor) => tf.sum(d(v)))(x);
  const sq = tf.sum(tf.square(tf.reshape(g, [x.shape[0] as number, -1])), 1);
  return (squared ? sq : tf.sqrt(tf.add(sq, 1e-12))) as tf.Tensor1D;
}

/**
 * WGAN-GP's penalty E[(||grad_x D(x^)||_2 - 1)^2] on x^ = a x + (1 - a) G(z),
 * with a ~ U(0, 1) drawn per sample from `seed`. Multiply by lambda (10).
 *
 * @param d D as a function of its input, returning [b]
 * @param real, fake data and samples of the same shape [b, ...]
 */
export function gradientPenalty(
  d: (x: tf.Tensor) => tf.Tensor,
  real: tf.Tensor,
  fake: tf.Tensor,
  seed: number,
): tf.Scalar {
  return tf.tidy(() => {
    const b = real.shape[0] as number;
    const alphaShape = [b, ...real.shape.slice(1).map(() => 1)];
    const alpha = tf.randomUniform(alphaShape, 0, 1, 'float32', seed);
    const mixed = tf.add(tf.mul(alpha, real), tf.mul(tf.sub(1, alpha), fake));
    return tf.mean(tf.square(tf.sub(inputGradientNorms(d, mixed, false), 1))) as tf.Scalar;
  });
}

/**
 * R1 (Mescheder et al. 2018): (1/2) E[||grad_x D(x)||^2] on data. Multiply by gamma.
 */
export function r1Penalty(d: (x: tf.Tensor) => tf.Tensor, real: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mul(tf.mean(inputGradientNorms(d, real, true)), 0.5) as tf.Scalar);
}
