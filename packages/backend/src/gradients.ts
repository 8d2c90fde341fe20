// tfjs-core registers no gradients on its own; training needs every kernel's
// gradient in the global registry. Imported once by each entry point.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';

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
