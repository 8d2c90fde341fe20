import * as tf from '@tensorflow/tfjs-core';
import type { ParamTree } from './params.js';

export interface DenseParams extends ParamTree {
  /** [in, out] */
  kernel: tf.Variable;
  /** [out] */
  bias: tf.Variable;
}

/**
 * Initializes a dense layer with weights ~ U(-irange, irange) and zero bias,
 * the initializer of the 2014 GAN paper's code (pylearn2 `irange`).
 */
export function initDense(
  inDim: number,
  outDim: number,
  irange: number,
  seed: number,
): DenseParams {
  return {
    kernel: tf.variable(tf.randomUniform([inDim, outDim], -irange, irange, 'float32', seed)),
    bias: tf.variable(tf.zeros([outDim])),
  };
}

/**
 * max over the last axis of z [..., pieces], with a gradient that routes dy to
 * the arg-max piece through a one-hot mask. tfjs's generic Max gradient
 * compares z with the broadcast max (a broadcasting `Equal`), which the wasm
 * backend runs ~40x slower than this mask.
 */
const maxLastAxis = tf.customGrad(
  // @ts-expect-error customGrad's typing takes variadic tensors followed by the save function.
  (z: tf.Tensor, save: tf.GradSaveFunc) => {
    save([z]);
    return {
      value: tf.max(z, -1),
      gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => {
        const zs = saved as tf.Tensor;
        const pieces = zs.shape[zs.rank - 1] as number;
        const mask = tf.cast(tf.oneHot(tf.argMax(zs, -1), pieces), 'float32');
        return tf.mul(mask, tf.expandDims(dy, -1));
      },
    };
  },
) as (z: tf.Tensor) => tf.Tensor;

/**
 * x [b, in] -> x W + bias [b, out].
 */
export function dense(p: DenseParams, x: tf.Tensor2D): tf.Tensor2D {
  return tf.add(tf.matMul(x, p.kernel as tf.Tensor2D), p.bias);
}

/**
 * Maxout (Goodfellow et al. 2013): a dense layer to units*pieces linear
 * outputs, then the max over each unit's pieces.
 *
 * @param p a dense layer of shape [in, units*pieces]; piece j of unit u is column u*pieces + j
 * @param x [b, in]
 * @returns [b, units]
 */
export function maxout(p: DenseParams, x: tf.Tensor2D, pieces: number): tf.Tensor2D {
  const z = dense(p, x);
  const [b, width] = z.shape;
  if (width % pieces !== 0)
    throw new Error(`maxout: ${width} outputs do not split into ${pieces} pieces`);
  return maxLastAxis(tf.reshape(z, [b, width / pieces, pieces])) as tf.Tensor2D;
}

/**
 * Inverted dropout: keeps each unit with probability `keep` and scales the
 * survivors by 1/keep, so inference (`training: false`) is the identity.
 * The same seed gives the same mask.
 */
export function dropout<T extends tf.Tensor>(
  x: T,
  keep: number,
  training: boolean,
  seed: number,
): T {
  if (!training || keep >= 1) return x;
  return tf.dropout(x, 1 - keep, undefined, seed) as T;
}
