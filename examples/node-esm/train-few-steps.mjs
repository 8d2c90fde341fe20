// Plain Node, no bundler or test runner: the packages' dist/ builds must load
// (tfjs-core's own ESM files cannot; see docs/ARCHITECTURE.md) and train.
// Usage: node train-few-steps.mjs [backend] (wasm by default; CI runs webgpu too).
import assert from 'node:assert/strict';
import { initBackend } from '@latent/backend';
import { sliceImages } from '@latent/datasets';
import { loadMnist } from '@latent/datasets/node';
import { mlpGan } from '@latent/models';
import { GanTrainer, resolveGanRunConfig } from '@latent/train';
import { encodePng, imageGrid } from '@latent/vis';
import * as tf from '@tensorflow/tfjs-core';

const backend = process.argv[2] ?? 'wasm';
const info = await initBackend(backend);
const mnist = await loadMnist();
assert.equal(mnist.train.count, 50_000);

const model = mlpGan({ generatorHidden: [64], discriminatorHidden: [32] });
const data = sliceImages(mnist.train, 0, 500, 'mnist-500');
const trainer = new GanTrainer({
  model,
  data,
  config: resolveGanRunConfig({ batchSize: 50, maxSteps: 3 }),
});
const losses = [];
let png;
for await (const event of trainer.run()) {
  if (event.type === 'step') losses.push(event.dLoss, event.gLoss);
  if (event.type === 'samples') {
    png = encodePng(
      imageGrid(event.images, {
        count: event.count,
        height: 28,
        width: 28,
        channels: 1,
        range: event.pixelRange,
      }),
    );
  }
}
trainer.dispose();
assert.equal(losses.length, 6);
assert.ok(losses.every(Number.isFinite), `losses not finite: ${losses}`);
assert.ok(png && png.length > 100);
// Gradients came from the bundled registration and reached the one engine.
assert.equal(tf.getBackend(), backend);
console.log(
  `plain node: trained 3 steps on ${info.name}${info.adapter ? ` (${info.adapter})` : ''} (tfjs ${info.tfjsVersion}); losses ${losses.map((l) => l.toFixed(3)).join(' ')}`,
);
