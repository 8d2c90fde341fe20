// tfjs-core registers no gradients on its own; training needs every kernel's
// gradient in the global registry. Imported once by each entry point.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { wasmGemmOf } from './gemm.js';

/**
 * Re-registers the BatchMatMul gradient so that backward passes of 2-D
 * products use only untransposed products. The built-in gradient multiplies
 * with `transposeA`/`transposeB`, which the wasm backend runs ~10x slower than
 * the plain product (XNNPACK's fast path); an explicit `transpose` of one
 * operand costs little next to the product. Same math, so every backend may
 * use it; batched (rank > 2) products keep the built-in gradient, and so does
 * wasm with latent's GEMM, where a transpose flag is only a stride and an
 * explicit transpose would be a wasted copy.
 */
function registerFastMatMulGradient(): void {
  const builtin = tf.getGradient(tf.BatchMatMul);
  if (!builtin) throw new Error('BatchMatMul gradient missing: register_all_gradients did not run');
  const t = (x: tf.Tensor) => tf.transpose(x as tf.Tensor2D);
  tf.registerGradient({
    kernelName: tf.BatchMatMul,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved, attrs) => {
      const [a, b] = saved as [tf.Tensor, tf.Tensor];
      if (a.rank !== 2 || b.rank !== 2 || transposesAreFree())
        return builtin.gradFunc(dy, saved, attrs);
      const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
      const g = dy as tf.Tensor2D;
      // y = op(a) op(b), with op = transpose where flagged.
      if (!transposeA && !transposeB)
        // g b^T as (b g^T)^T, so that b (a weight, typically) is not repacked.
        return { a: () => t(tf.matMul(b, t(g))), b: () => tf.matMul(t(a), g) };
      if (!transposeA && transposeB)
        return { a: () => tf.matMul(g, b), b: () => tf.matMul(t(g), a) };
      if (transposeA && !transposeB)
        return { a: () => tf.matMul(b, t(g)), b: () => tf.matMul(a, g) };
      return { a: () => tf.matMul(t(b), t(g)), b: () => tf.matMul(t(g), t(a)) };
    },
  });
}

function transposesAreFree(): boolean {
  return tf.getBackend() === 'wasm' && wasmGemmOf(tf.backend()) !== 'xnnpack';
}

registerFastMatMulGradient();

/**
 * Comparisons are piecewise constant, so their gradient is zero almost
 * everywhere; tfjs registers none, which breaks *second* derivatives through
 * ReLU-like masks (the LeakyRelu and Maximum gradients compare with
 * Greater/GreaterEqual): a WGAN-GP or R1 gradient penalty on a leaky-ReLU
 * discriminator failed with "gradient function not found for Greater".
 * Registered only where tfjs has none, so nothing is overridden.
 */
function registerComparisonGradients(): void {
  const comparisons = [tf.Greater, tf.GreaterEqual, tf.Less, tf.LessEqual, tf.Equal, tf.NotEqual];
  for (const kernelName of comparisons) {
    if (tf.getGradient(kernelName)) continue;
    tf.registerGradient({
      kernelName,
      inputsToSave: ['a', 'b'],
      gradFunc: (_dy, saved) => {
        const [a, b] = saved as [tf.Tensor, tf.Tensor];
        return { a: () => tf.zerosLike(a), b: () => tf.zerosLike(b) };
      },
    });
  }
}

registerComparisonGradients();
