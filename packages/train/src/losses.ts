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
