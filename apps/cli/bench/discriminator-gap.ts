// Does D memorize a data-limited run's images? For each GAN checkpoint given:
// D's mean output D(x) on the images the run trained on (the first
// `dataLimit` training images) against the same number of training images it
// never saw (the next ones) and of test images. A D that has memorized its
// set says "real" to it and "fake" to fresh images of the same distribution:
// the gap DiffAugment (Zhao et al. 2020, Fig. 1) sets out to close. D runs
// in training mode, as in a step: batch norm on the statistics of a batch of
// one kind of image, and for models with dropout a mask seeded per batch.
//   node scripts/run-ts.mjs apps/cli/bench/discriminator-gap.ts <run-or-checkpoint> ...
import { resolve } from 'node:path';
import { initBackend } from '@latent/backend';
import { type ImageSet, sliceImages } from '@latent/datasets';
import { GanTrainer, resumeRun } from '@latent/train';
import { findCheckpoint, loadData, loadEvalData, readCheckpoint } from '@latent/train/node';
import * as tf from '@tensorflow/tfjs-core';

const BATCH = 50;

/** Mean D(x) over `set` in batches of BATCH, as the trainer feeds D (pixels in the model's range). */
function meanD(trainer: GanTrainer, set: ImageSet): number {
  const { model } = trainer.options;
  const [h, w, c] = model.imageShape;
  let sum = 0;
  for (let start = 0; start + BATCH <= set.count; start += BATCH) {
    const pixels = set.images.subarray(start * h * w * c, (start + BATCH) * h * w * c);
    sum += tf.tidy(() => {
      let x: tf.Tensor = tf.div(tf.tensor(pixels, [BATCH, h, w, c], 'float32'), 255);
      if (model.pixelRange === '[-1,1]') x = tf.sub(tf.mul(x, 2), 1);
      if (model.layout === 'flat') x = tf.reshape(x, [BATCH, h * w * c]);
      const logits = model.discriminate(trainer.discriminator, x, { training: true, seed: start });
      return tf.sum(tf.sigmoid(logits)).dataSync()[0] as number;
    });
  }
  return sum / (Math.floor(set.count / BATCH) * BATCH);
}

await initBackend('wasm');
console.log('checkpoint  step  augment  D(trained-on)  D(unseen train)  D(test)  gap');
for (const target of process.argv.slice(2)) {
  const found = await findCheckpoint(resolve(target));
  const checkpoint = await readCheckpoint(found.dir);
  const { manifest } = checkpoint;
  if (manifest.kind !== 'gan') throw new Error(`${target} is not a GAN checkpoint`);
  const run = await resumeRun(manifest, {}, loadData, found.dir);
  if (run.kind !== 'gan') throw new Error(`${target} is not a GAN run`);
  const limit = run.config.dataLimit;
  if (!limit) throw new Error(`${target} trained on the whole set: nothing is unseen`);
  const trainer = new GanTrainer({ model: run.model, data: run.data, config: run.config });
  trainer.restore(checkpoint);
  const data = await loadEvalData(run.config.dataset);
  const count = Math.min(limit, 1000);
  const seen = sliceImages(data.train, 0, count, 'trained-on');
  const unseen = sliceImages(data.train, limit, limit + count, 'unseen');
  const test = sliceImages(data.test, 0, count, 'test');
  const [a, b, t] = [meanD(trainer, seen), meanD(trainer, unseen), meanD(trainer, test)];
  const augment = run.config.augment.join(',') || 'none';
  console.log(
    `${target}  ${manifest.progress.step}  ${augment}  ${a.toFixed(3)}  ${b.toFixed(3)}  ${t.toFixed(3)}  ${(a - b).toFixed(3)}`,
  );
  trainer.dispose();
}
