// The metrics of real data: what a perfect generator would score under each
// protocol. FID floor (the first 10,000 training images vs the 10,000 test
// images), inception score and class coverage of the test images, test
// accuracy of the shipped classifiers, and (MNIST) the Parzen-window
// log-likelihood with 10,000 training images as the "samples".
// `--parzen-samples 1000,10000,50000` scores MNIST's Parzen with that many
// training images as the samples instead (how the estimator moves with the
// sample count) and prints the validation curve over sigma.
//   node scripts/run-ts.mjs packages/metrics/bench/real-data.ts [--no-parzen] [--parzen-samples n,...]
import { initBackend } from '@latent/backend';
import { type ImageSet, sliceImages } from '@latent/datasets';
import { loadFashionMnist, loadMnist } from '@latent/datasets/node';
import { type ClassifierName, loadClassifier } from '../src/classifier.js';
import { frechetDistance, gaussianStats } from '../src/fid.js';
import { imagePoints } from '../src/images.js';
import { parzenLogLikelihood } from '../src/parzen.js';
import { classCoverage, inceptionScore } from '../src/scores.js';

const parzen = !process.argv.includes('--no-parzen');
const countsAt = process.argv.indexOf('--parzen-samples');
const parzenCounts =
  countsAt >= 0 ? (process.argv[countsAt + 1] ?? '').split(',').map(Number) : undefined;
const info = await initBackend('wasm');
console.log(`backend ${info.name}`);

async function report(name: ClassifierName, train: ImageSet, validation: ImageSet, test: ImageSet) {
  const t0 = performance.now();
  const classifier = await loadClassifier(name);
  const real = await classifier.run(imagePoints(test).data);
  const ref = await classifier.run(imagePoints(train, 0, 10_000).data);
  let right = 0;
  for (let i = 0; i < test.count; i++) {
    const row = Array.from(real.probabilities.subarray(i * 10, i * 10 + 10));
    if (row.indexOf(Math.max(...row)) === test.labels![i]) right++;
  }
  const fid = frechetDistance(gaussianStats(ref.features, 128), gaussianStats(real.features, 128));
  const cov = classCoverage(real.probabilities);
  classifier.dispose();
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `${name}: classifier test accuracy ${((100 * right) / test.count).toFixed(2)}%; FID floor (train 10k vs test 10k) ${fid.toFixed(3)}; ` +
      `IS of test images ${inceptionScore(real.probabilities).toFixed(3)} (train 10k: ${inceptionScore(ref.probabilities).toFixed(3)}); ` +
      `coverage ${cov.covered}/10, KL to uniform ${cov.klToUniform.toFixed(4)}; ${seconds.toFixed(1)} s for 20,000 images`,
  );
  if (parzen) await parzenBySampleCount(name, train, validation, test, 10_000);
}

/** Parzen with `count` training images as the samples, and the validation log-likelihood per sigma. */
async function parzenBySampleCount(
  name: string,
  train: ImageSet,
  validation: ImageSet,
  test: ImageSet,
  count: number,
) {
  const t0 = performance.now();
  const r = await parzenLogLikelihood(
    imagePoints(train, 0, count),
    imagePoints(validation, 0, 1000),
    imagePoints(test),
  );
  const curve = r.validation.map((v) => `${v.sigma.toFixed(3)}: ${v.mean.toFixed(1)}`).join(', ');
  console.log(
    `${name}: Parzen with ${count} training images as samples: ${r.mean.toFixed(1)} ± ${r.stdErr.toFixed(1)} nats ` +
      `(sigma ${r.sigma.toFixed(4)}; validation by sigma ${curve}), ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
}

const mnist = await loadMnist();
if (parzenCounts) {
  for (const count of parzenCounts)
    await parzenBySampleCount('mnist', mnist.train, mnist.validation, mnist.test, count);
  process.exit(0);
}
await report('mnist', mnist.train, mnist.validation, mnist.test);
const fashion = await loadFashionMnist();
const val = sliceImages(fashion.train, 50_000, 60_000, 'fashion-val');
await report('fashion-mnist', fashion.train, val, fashion.test);
