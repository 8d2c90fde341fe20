import type { ParamTree } from '@latent/models';
import * as tf from '@tensorflow/tfjs-core';

/** The per-update settings an optimizer may use. */
export interface UpdateSettings {
  learningRate: number;
  /** SGD momentum for this update (the paper's schedule raises it over epochs). */
  momentum: number;
  /** 1-based index of this update (Adam's bias correction). */
  update: number;
}

/**
 * A first-order optimizer over named variables. Its state (`slots`) is a tree
 * of variables named like the parameters, so checkpoints save it like weights.
 */
export interface Optimizer {
  /** The variables updated, in a fixed order. */
  readonly variables: tf.Variable[];
  readonly slots: ParamTree;
  /** One update. `grads` follow `variables`; a missing gradient counts as zero. Not disposed. */
  apply(grads: (tf.Tensor | undefined)[], settings: UpdateSettings): void;
  dispose(): void;
}

export type OptimizerKind = 'sgd' | 'adam' | 'rmsprop';

export interface OptimizerOptions {
  /** Adam's beta1 (DCGAN: 0.5) and beta2 (0.999). */
  beta1: number;
  beta2: number;
  /** RMSprop's decay of the squared-gradient average (0.9). */
  rho: number;
  epsilon: number;
}

/** Creates an optimizer of the given kind over trainable variables by name (as `flattenParams` names them). */
export function createOptimizer(
  kind: OptimizerKind,
  params: Record<string, tf.Variable>,
  options: OptimizerOptions,
): Optimizer {
  switch (kind) {
    case 'sgd':
      return new SgdMomentum(params);
    case 'adam':
      return new Adam(params, options);
    case 'rmsprop':
      return new RmsProp(params, options);
  }
}

/** Zero-initialized buffers shaped like the parameters, by the same names. */
function buffers(params: Record<string, tf.Variable>): Record<string, tf.Variable> {
  return Object.fromEntries(
    // In tidy: the variable keeps the zeros' data, the zeros tensor itself is freed.
    Object.entries(params).map(([name, v]) => [
      name,
      tf.tidy(() => tf.variable(tf.zerosLike(v), false)),
    ]),
  );
}

abstract class BufferedOptimizer implements Optimizer {
  readonly variables: tf.Variable[];
  protected readonly names: string[];

  constructor(
    params: Record<string, tf.Variable>,
    readonly slots: Record<string, Record<string, tf.Variable>>,
  ) {
    this.names = Object.keys(params);
    this.variables = this.names.map((n) => params[n] as tf.Variable);
  }

  apply(grads: (tf.Tensor | undefined)[], settings: UpdateSettings): void {
    tf.tidy(() => {
      this.variables.forEach((theta, i) => {
        const g = grads[i] ?? tf.zerosLike(theta);
        this.update(theta, g, this.names[i] as string, settings);
      });
    });
  }

  protected abstract update(
    theta: tf.Variable,
    g: tf.Tensor,
    name: string,
    s: UpdateSettings,
  ): void;

  protected slot(group: string, name: string): tf.Variable {
    return (this.slots[group] as Record<string, tf.Variable>)[name] as tf.Variable;
  }

  dispose(): void {
    for (const group of Object.values(this.slots))
      for (const v of Object.values(group)) v.dispose();
  }
}

/**
 * Kernels that run an optimizer's whole update in one pass where the active
 * backend has them (@latent/backend registers them for wasm), with the same
 * float32 roundings as the tfjs ops below, so results are equal bit for bit.
 * The names are @latent/backend's (a test checks they match).
 */
export const FUSED_UPDATE_KERNELS = { sgd: 'LatentSgdMomentum', adam: 'LatentAdam' } as const;

/** The fused kernel's outputs, or undefined where the active backend has no such kernel. */
function fusedUpdate(
  kernel: string,
  inputs: Record<string, tf.Tensor>,
  attrs: Record<string, number>,
): tf.Tensor[] | undefined {
  if (!tf.getKernel(kernel, tf.getBackend())) return undefined;
  return tf.engine().runKernel(kernel, inputs, attrs) as unknown as tf.Tensor[];
}

/**
 * SGD with momentum, in the form of the 2014 GAN paper's code (pylearn2):
 *
 *   v <- momentum * v - learningRate * g;   theta <- theta + v
 */
export class SgdMomentum extends BufferedOptimizer {
  constructor(params: Record<string, tf.Variable>) {
    super(params, { velocity: buffers(params) });
  }

  protected update(theta: tf.Variable, g: tf.Tensor, name: string, s: UpdateSettings): void {
    const v = this.slot('velocity', name);
    const { momentum, learningRate } = s;
    const fused = fusedUpdate(
      FUSED_UPDATE_KERNELS.sgd,
      { theta, v, g },
      { momentum, learningRate },
    );
    const [nextTheta, next] = fused ?? this.opsUpdate(theta, v, g, s);
    v.assign(next as tf.Tensor);
    theta.assign(nextTheta as tf.Tensor);
  }

  private opsUpdate(theta: tf.Tensor, v: tf.Tensor, g: tf.Tensor, s: UpdateSettings) {
    const next = tf.sub(tf.mul(s.momentum, v), tf.mul(s.learningRate, g));
    return [tf.add(theta, next), next];
  }
}

/** Adam (Kingma & Ba 2015) with bias correction. */
export class Adam extends BufferedOptimizer {
  constructor(
    params: Record<string, tf.Variable>,
    private readonly o: Pick<OptimizerOptions, 'beta1' | 'beta2' | 'epsilon'>,
  ) {
    super(params, { m: buffers(params), v: buffers(params) });
  }

  protected update(theta: tf.Variable, g: tf.Tensor, name: string, s: UpdateSettings): void {
    const { beta1, beta2, epsilon } = this.o;
    const m = this.slot('m', name);
    const v = this.slot('v', name);
    const stepSize = (s.learningRate * Math.sqrt(1 - beta2 ** s.update)) / (1 - beta1 ** s.update);
    const attrs = { beta1, beta2, stepSize, epsilon };
    const [nextTheta, nextM, nextV] =
      fusedUpdate(FUSED_UPDATE_KERNELS.adam, { theta, m, v, g }, attrs) ??
      this.opsUpdate(theta, m, v, g, attrs);
    m.assign(nextM as tf.Tensor);
    v.assign(nextV as tf.Tensor);
    theta.assign(nextTheta as tf.Tensor);
  }

  private opsUpdate(
    theta: tf.Tensor,
    m: tf.Tensor,
    v: tf.Tensor,
    g: tf.Tensor,
    a: { beta1: number; beta2: number; stepSize: number; epsilon: number },
  ) {
    const nextM = tf.add(tf.mul(a.beta1, m), tf.mul(1 - a.beta1, g));
    const nextV = tf.add(tf.mul(a.beta2, v), tf.mul(1 - a.beta2, tf.square(g)));
    const step = tf.mul(a.stepSize, tf.div(nextM, tf.add(tf.sqrt(nextV), a.epsilon)));
    return [tf.sub(theta, step), nextM, nextV];
  }
}

/** RMSprop (Tieleman & Hinton 2012), as the WGAN paper trains its critic. */
export class RmsProp extends BufferedOptimizer {
  constructor(
    params: Record<string, tf.Variable>,
    private readonly o: Pick<OptimizerOptions, 'rho' | 'epsilon'>,
  ) {
    super(params, { meanSquare: buffers(params) });
  }

  protected update(theta: tf.Variable, g: tf.Tensor, name: string, s: UpdateSettings): void {
    const { rho, epsilon } = this.o;
    const ms = this.slot('meanSquare', name);
    ms.assign(tf.add(tf.mul(rho, ms), tf.mul(1 - rho, tf.square(g))));
    theta.assign(tf.sub(theta, tf.mul(s.learningRate, tf.div(g, tf.add(tf.sqrt(ms), epsilon)))));
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
