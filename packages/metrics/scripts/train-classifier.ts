// Trains the metric classifier of @latent/metrics on MNIST or Fashion-MNIST on
// the wasm backend and writes its float16 weights into
// packages/metrics/src/weights/<name>.ts (a generated module, see the README).
//
// From the repository root:
//   node scripts/run-ts.mjs packages/metrics/scripts/train-classifier.ts mnist [--epochs 4] [--batch 128]
//   node scripts/run-ts.mjs packages/metrics/scripts/train-classifier.ts fashion-mnist --epochs 4
// Add --dry to train and report without writing the weights module, --continue
// to start from the weights the module holds now (more epochs on a shipped net).
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '@latent/backend';
import { BatchIterator, fnv1a, type ImageSet } from '@latent/datasets';
import { loadFashionMnist, loadMnist } from '@latent/datasets/node';
import { flattenParams, loadParams, trainableVariables } from '@latent/models';
import * as tf from '@tensorflow/tfjs-core';
import {
  bytesToBase64,
  type Classifier,
  classifierForward,
  classifierFromParams,
  classifierFromWeights,
  decodeShippedWeights,
  encodeFloat16,
  initClassifier,
} from '../src/classifier.js';

const args = process.argv.slice(2);
const name = args[0];
if (name !== 'mnist' && name !== 'fashion-mnist') {
  console.error('usage: train-classifier.ts mnist|fashion-mnist [--epochs n] [--batch n] [--dry]');
  process.exit(2);
}
const flag = (f: string, d: number) => {
  const i = args.indexOf(f);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const epochs = flag('--epochs', 4);
const batchSize = flag('--batch', 128);
const lr = flag('--lr', 1e-3);
const seed = flag('--seed', 0);
const dry = args.includes('--dry');
const resume = args.includes('--continue');

const info = await initBackend('wasm');
// MNIST: train on all 60,000 training images (the paper split's train and
// validation); the test images stay unseen. Fashion-MNIST: its 60,000.
let train: ImageSet;
let test: ImageSet;
if (name === 'mnist') {
  const m = await loadMnist();
  const join2 = (a: ImageSet, b: ImageSet): ImageSet => {
    const images = new Uint8Array(a.images.length + b.images.length);
    images.set(a.images);
    images.set(b.images, a.images.length);
    const labels = new Uint8Array(a.count + b.count);
    labels.set(a.labels!);
    labels.set(b.labels!, a.count);
    return { ...a, name: 'mnist-train-60k', images, labels, count: a.count + b.count };
  };
  train = join2(m.train, m.validation);
  test = m.test;
} else {
  const f = await loadFashionMnist();
  train = f.train;
  test = f.test;
}
console.log(
  `${name}: ${train.count} training, ${test.count} test images; wasm ${info.name}; ${epochs} epochs, batch ${batchSize}, Adam ${lr}`,
);

const params = initClassifier(seed);
let history = '';
if (resume) {
  const shipped =
    name === 'mnist'
      ? (await import('../src/weights/mnist.js')).MNIST_CLASSIFIER
      : (await import('../src/weights/fashion-mnist.js')).FASHION_MNIST_CLASSIFIER;
  loadParams(params, decodeShippedWeights(shipped));
  history = ` continued from weights ${shipped.checksum} (test accuracy ${shipped.testAccuracy}):`;
  console.log(`starting from the shipped weights ${shipped.checksum}`);
}
const vars = trainableVariables(params);
const optimizer = tf.train.adam(lr);
const batches = new BatchIterator(train, { batchSize, seed, layout: 'image' });
const steps = epochs * batches.batchesPerEpoch;
const t0 = performance.now();

async function accuracy(c: Classifier, set: ImageSet): Promise<number> {
  const x = new Float32Array(set.images.length);
  for (let i = 0; i < x.length; i++) x[i] = set.images[i]! / 255;
  const { probabilities } = await c.run(x);
  let right = 0;
  for (let i = 0; i < set.count; i++) {
    const row = probabilities.subarray(i * 10, i * 10 + 10);
    if (row.indexOf(Math.max(...row)) === set.labels![i]) right++;
  }
  return right / set.count;
}

for (let step = 0; step < steps; step++) {
  // Last epoch at a tenth of the rate: the usual final decay, worth ~0.1-0.2% here.
  const epoch = Math.floor(step / batches.batchesPerEpoch);
  (optimizer as unknown as { learningRate: number }).learningRate =
    epoch === epochs - 1 && epochs > 1 ? lr / 10 : lr;
  const batch = batches.next();
  const cost = optimizer.minimize(
    () => {
      const { logits } = classifierForward(params, batch.x, { training: true, seed: seed + step });
      return tf.losses.softmaxCrossEntropy(tf.oneHot(batch.labels!, 10), logits);
    },
    true,
    vars,
  );
  const loss = (await cost!.data())[0]!;
  tf.dispose([cost!, batch.x, batch.labels!]);
  if ((step + 1) % 50 === 0 || step + 1 === steps) {
    const s = (performance.now() - t0) / 1000;
    process.stdout.write(
      `step ${step + 1}/${steps} epoch ${epoch + 1} loss ${loss.toFixed(4)} ${s.toFixed(0)} s\n`,
    );
  }
}
const trainSeconds = (performance.now() - t0) / 1000;
const trained = classifierFromParams(params, name);
const acc32 = await accuracy(trained, test);
console.log(`trained in ${trainSeconds.toFixed(0)} s; test accuracy (float32) ${acc32}`);

const encoded = encodeFloat16(flattenParams(params));
const half = classifierFromWeights(encoded, name);
const acc16 = await accuracy(half, test);
const bytes = new Uint8Array(encoded.data);
const sum = fnv1a(bytes);
console.log(
  `float16 weights: ${bytes.length} bytes, FNV-1a ${sum}; test accuracy (float16) ${acc16}`,
);
half.dispose();
trained.dispose();
optimizer.dispose();

if (!dry) {
  const constName = name === 'mnist' ? 'MNIST_CLASSIFIER' : 'FASHION_MNIST_CLASSIFIER';
  const here = dirname(fileURLToPath(import.meta.url));
  const out = join(here, '..', 'src', 'weights', `${name}.ts`);
  const source = [
    '// Generated by packages/metrics/scripts/train-classifier.ts; do not edit.',
    `// ${name} metric classifier:${history} ${epochs} epochs, batch ${batchSize}, Adam ${lr}, seed ${seed};`,
    `// test accuracy ${acc16} (float16 weights), ${bytes.length} bytes, FNV-1a ${sum}.`,
    "import type { ShippedWeights } from '../classifier.js';",
    '',
    `export const ${constName}: ShippedWeights = {`,
    `  specs: ${JSON.stringify(encoded.specs)},`,
    `  checksum: '${sum}',`,
    `  testAccuracy: ${acc16},`,
    `  base64:\n    '${bytesToBase64(bytes)}',`,
    '};',
    '',
  ].join('\n');
  writeFileSync(out, source);
  console.log(`wrote ${out}`);
}
