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
export function initDense(inDim: number, outDim: number, irange: number, seed: number): DenseParams {
  return {
    kernel: tf.variable(tf.randomUniform([inDim, outDim], -irange, irange, 'float32', seed)),
    bias: tf.variable(tf.zeros([outDim])),
  };
}

/**
 * `a @ b` whose backward pass also uses only untransposed products. The
 * built-in matMul gradient multiplies with `transposeA/transposeB`, which the
 * wasm backend runs ~10x slower than the plain product; an explicit transpose
 * of each operand is cheap next to the product itself.
 */
export const matMulFast = tf.customGrad(
  // @ts-expect-error customGrad's typing takes variadic tensors followed by the save function.
  (a: tf.Tensor2D, b: tf.Tensor2D, save: tf.GradSaveFunc) => {
    save([a, b]);
    return {
      value: tf.matMul(a, b),
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
        return [tf.matMul(dy, tf.transpose(sb)), tf.matMul(tf.transpose(sa), dy)];
      },
    };
  },
) as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;

/**
 * x [b, in] -> x W + bias [b, out].
 */
export function dense(p: DenseParams, x: tf.Tensor2D): tf.Tensor2D {
  return tf.add(matMulFast(x, p.kernel as tf.Tensor2D), p.bias);
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
  if (width % pieces !== 0) throw new Error(`maxout: ${width} outputs do not split into ${pieces} pieces`);
  return tf.max(tf.reshape(z, [b, width / pieces, pieces]), 2) as tf.Tensor2D;
}

/**
 * Inverted dropout: keeps each unit with probability `keep` and scales the
 * survivors by 1/keep, so inference (`training: false`) is the identity.
 * The same seed gives the same mask.
 */
export function dropout<T extends tf.Tensor>(x: T, keep: number, training: boolean, seed: number): T {
  if (!training || keep >= 1) return x;
  return tf.dropout(x, 1 - keep, undefined, seed) as T;
}
