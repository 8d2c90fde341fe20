// What would a generator that copies its training images score? The first
// `count` training images, cycled to `latent eval`'s 10,000 samples, scored
// exactly as `latent eval` scores a run trained with `--data-limit <count>`
// (the same test images, classifier and memorization search). FID and KID
// against the test set do not penalize copying, so a data-limited run's
// figures are read beside this one.
//   node scripts/run-ts.mjs apps/cli/bench/copy-floor.ts [fashion-mnist|mnist] [count]
import { initBackend } from '@latent/backend';
import { createRunEvaluator, type MetricReport } from '@latent/metrics';
import { evaluatorOptions } from '@latent/train';
import { loadEvalData } from '@latent/train/node';
import * as tf from '@tensorflow/tfjs-core';

const [dataset = 'fashion-mnist', countArg = '100'] = process.argv.slice(2);
const count = Number(countArg);
if (!Number.isInteger(count) || count < 1)
  throw new Error(`count must be a whole number, not ${countArg}`);

await initBackend('wasm');
const data = await loadEvalData(dataset);
const metrics = ['fid', 'kid', 'precision', 'recall', 'coverage', 'memorization'] as const;
const options = evaluatorOptions(data, data.test, dataset, metrics, {
  n: 10_000,
  binarize: false,
  dataLimit: count,
});
const evaluator = await createRunEvaluator(options);

/**
 * A sampler whose "noise" is the index of the training image to hand out:
 * the i-th sample of an evaluation is image i mod `count`.
 */
function copier(images: tf.Tensor) {
  let next = 0;
  return {
    noise(n: number) {
      const indices = Array.from({ length: n }, (_, i) => (next + i) % count);
      next = (next + n) % count;
      return tf.tensor2d(indices, [n, 1], 'int32');
    },
    draw: (z: tf.Tensor2D) => tf.gather(images, tf.reshape(z, [-1])),
  };
}

const { height: h, width: w, channels: c } = data.train;
const pixels = data.train.images.subarray(0, count * h * w * c);
const images = tf.tidy(() => tf.div(tf.tensor4d(pixels, [count, h, w, c], 'float32'), 255));
const report = await evaluator.measure({ sampler: copier(images), seed: 0 });
images.dispose();
evaluator.dispose();
const m = report.metrics as Record<(typeof metrics)[number], MetricReport>;
console.log(
  `${dataset}, the first ${count} training images cycled to 10,000 samples: ` +
    `FID ${m.fid.value.toFixed(1)}, KID ${m.kid.value.toFixed(2)} ± ${(m.kid.std as number).toFixed(2)}, ` +
    `precision ${m.precision.value.toFixed(3)}, recall ${m.recall.value.toFixed(3)}, coverage ${m.coverage.value}/10, likely copies ${((m.memorization.copies as number) * 100).toFixed(1)}%`,
);
