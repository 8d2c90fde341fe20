import * as tf from '@tensorflow/tfjs-core';

/**
 * SGD with momentum, in the form of the 2014 GAN paper's code (pylearn2):
 *
 *   v <- momentum * v - learningRate * g;   theta <- theta + v
 *
 * Learning rate and momentum may change between steps (see `paperSchedule`).
 */
export class SgdMomentum {
  private readonly velocity: Map<tf.Variable, tf.Variable>;

  constructor(readonly variables: tf.Variable[]) {
    this.velocity = new Map(variables.map((v) => [v, tf.variable(tf.zerosLike(v), false)]));
  }

  /** Applies one update. `grads` are in the order of `variables`; they are not disposed. */
  apply(grads: tf.Tensor[], learningRate: number, momentum: number): void {
    tf.tidy(() => {
      const lr = tf.scalar(learningRate);
      const mu = tf.scalar(momentum);
      this.variables.forEach((theta, i) => {
        const v = this.velocity.get(theta) as tf.Variable;
        const next = tf.sub(tf.mul(mu, v), tf.mul(lr, grads[i] as tf.Tensor));
        v.assign(next);
        theta.assign(tf.add(theta, next));
      });
    });
  }

  /** The velocity buffers, in the order of `variables` (for checkpoints). */
  get slots(): tf.Variable[] {
    return this.variables.map((v) => this.velocity.get(v) as tf.Variable);
  }

  dispose(): void {
    for (const v of this.velocity.values()) v.dispose();
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
