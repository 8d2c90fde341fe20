// KID, precision, recall and memorization at latent eval's scale (n = 10,000
// samples, the 10,000 MNIST test images as reference, the 50,000 training
// images for the floors and the memorization search) on samples whose answer
// is known: held-out real digits (the validation images), copies of training
// images, uniform noise, and one training image repeated.
//   node scripts/run-ts.mjs packages/metrics/bench/sample-checks.ts
import { initBackend } from '@latent/backend';
import { type ImageSet, sliceImages } from '@latent/datasets';
import { loadMnist } from '@latent/datasets/node';
import * as tf from '@tensorflow/tfjs-core';
import { createEvaluator, type EvaluationReport, type Generate } from '../src/evaluator.js';
import { imagePoints } from '../src/images.js';

const info = await initBackend('wasm');
console.log(`backend ${info.name}`);
const mnist = await loadMnist();

/** A generator handing out a set's images in order. */
function images(set: ImageSet): Generate {
  const all = imagePoints(set).data;
  let at = 0;
  return (count) => {
    const t = tf.tensor4d(all.subarray(at * 784, (at + count) * 784), [count, 28, 28, 1]);
    at = (at + count) % set.count;
    return t;
  };
}

const t0 = performance.now();
const evaluator = await createEvaluator({
  metrics: ['fid', 'kid', 'precision', 'recall', 'memorization'],
  reference: mnist.test,
  training: mnist.train,
  classifier: 'mnist',
  n: 10_000,
});
console.log(`prepared in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
const f = (x: unknown, digits = 3) => (x as number).toFixed(digits);
type Checked = 'fid' | 'kid' | 'precision' | 'recall' | 'memorization';
function show(name: string, { metrics: m, seconds }: EvaluationReport<Checked>) {
  console.log(
    `${name}: FID ${f(m.fid.value, 2)} (floor ${f(m.fid.floor, 2)}); KID ${f(m.kid.value)} ± ${f(m.kid.std)} (floor ${f(m.kid.floor)}); ` +
      `precision ${f(m.precision.value)}, recall ${f(m.recall.value)}; nearest training image: median ${f(m.memorization.value, 2)} ` +
      `(test images ${f(m.memorization.real, 2)}), copies ${f(100 * (m.memorization.copies as number), 2)}%; seconds ${JSON.stringify(seconds)}`,
  );
}
const one = imagePoints(mnist.train, 0, 1).data;
const cases: [string, Generate][] = [
  ['validation images (held-out real digits)', images(mnist.validation)],
  ['copies of training images', images(sliceImages(mnist.train, 0, 10_000, 'train-10k'))],
  ['uniform noise', (c) => tf.randomUniform([c, 28, 28, 1], 0, 1, 'float32', c)],
  [
    'one training image repeated',
    (c) => tf.tidy(() => tf.tile(tf.tensor4d(one, [1, 28, 28, 1]), [c, 1, 1, 1])),
  ],
];
for (const [name, generate] of cases) show(name, await evaluator.report(generate));
evaluator.dispose();
