import * as tf from '@tensorflow/tfjs-core';

/**
 * SGD with momentum, in the form of the 2014 GAN paper's code (pylearn2):
 *
 *   v <- momentum * v - learningRate * g;   theta <- theta + v
 *
 * Learning rate and momentum may change between steps (see `paperSchedule`).
 */
export class SgdMomentum {
  /** The variables updated, in a fixed order. */
  readonly variables: tf.Variable[];
  /** Velocity buffers by parameter name (saved in checkpoints). */
  readonly slots: Record<string, tf.Variable>;
  private readonly velocity: tf.Variable[];

  /** @param params trainable variables by name (e.g. `dense0.kernel`), as `flattenParams` names them. */
  constructor(params: Record<string, tf.Variable>) {
    const names = Object.keys(params);
    this.variables = names.map((n) => params[n] as tf.Variable);
    this.velocity = this.variables.map((v) => tf.variable(tf.zerosLike(v), false));
    this.slots = Object.fromEntries(names.map((n, i) => [n, this.velocity[i] as tf.Variable]));
  }

  /** Applies one update. `grads` are in the order of `variables`; they are not disposed. */
  apply(grads: tf.Tensor[], learningRate: number, momentum: number): void {
    tf.tidy(() => {
      const lr = tf.scalar(learningRate);
      const mu = tf.scalar(momentum);
      this.variables.forEach((theta, i) => {
        const v = this.velocity[i] as tf.Variable;
        const next = tf.sub(tf.mul(mu, v), tf.mul(lr, grads[i] as tf.Tensor));
        v.assign(next);
        theta.assign(tf.add(theta, next));
      });
    });
  }

  dispose(): void {
    for (const v of this.velocity) v.dispose();
  }
}

export interface SgdSchedule {
  /** Initial learning rate (paper: 0.1). */
  learningRate: number;
  /** Divide the rate by this factor after every update (paper: 1.000004). */
  decayFactor: number;
  /** Floor of the decayed rate (paper: 1e-6). */
  minLearningRate: number;
  /** Momentum at the start (paper: 0.5). */
  momentum: number;
  /** Momentum reached at `momentumSaturateEpoch` (paper: 0.7 at epoch 250), rising linearly from epoch 1. */
  finalMomentum: number;
  momentumSaturateEpoch: number;
}

/** Learning rate after `updates` updates, as pylearn2's ExponentialDecay. */
export function learningRateAt(s: SgdSchedule, updates: number): number {
  return Math.max(s.learningRate / s.decayFactor ** updates, s.minLearningRate);
}

/** Momentum during (0-based) `epoch`, as pylearn2's MomentumAdjustor(start=1). */
export function momentumAt(s: SgdSchedule, epoch: number): number {
  const start = 1;
  if (s.momentumSaturateEpoch <= start) return s.finalMomentum;
  const t = Math.min(1, Math.max(0, (epoch - start) / (s.momentumSaturateEpoch - start)));
  return s.momentum + (s.finalMomentum - s.momentum) * t;
}
