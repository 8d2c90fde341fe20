import { initBackend } from '@latent/backend';
import { type ImageSet, sliceImages } from '@latent/datasets';
import { loadMnist } from '@latent/datasets/node';
import { acgan, conditionalGan, dcgan, dcganConfig, type GanModel } from '@latent/models';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveGanRunConfig } from './config.js';
import { GanTrainer } from './gan-trainer.js';

let data: ImageSet;
// DCGAN-family models with an eighth of the filters keep a wasm step quick.
const tiny = {
  generatorFilters: [16, 8],
  discriminatorConvs: dcganConfig().discriminatorConvs.map((c) => ({
    ...c,
    filters: c.filters / 8,
  })),
};
const shrink = (make: typeof dcgan): GanModel => make(tiny);

beforeAll(async () => {
  data = sliceImages((await loadMnist()).train, 0, 200, 'mnist-200');
  await initBackend('wasm');
});

describe('the trainer drives the model zoo', () => {
  it.each([
    ['dcgan', dcgan],
    ['conditional GAN', conditionalGan],
    ['AC-GAN', acgan],
  ] as const)(
    '%s: steps on images in [-1, 1] with labels, no leaked tensors, finite losses',
    async (_name, make) => {
      const model = shrink(make);
      expect(model.layout).toBe('image');
      const trainer = new GanTrainer({
        model,
        data,
        config: resolveGanRunConfig({ batchSize: 20, optimizer: 'adam', sampleCount: 20 }),
      });
      const take = () => {
        const { stats } = trainer.trainStep();
        const v = Array.from(stats.dataSync());
        stats.dispose();
        return v;
      };
      take();
      const before = tf.memory().numTensors;
      const values = [take(), take()].flat();
      expect(tf.memory().numTensors).toBe(before);
      expect(values.every(Number.isFinite)).toBe(true);
      const samples = await trainer.samples();
      expect(samples.length).toBe(20 * 28 * 28);
      expect(Math.min(...samples)).toBeGreaterThanOrEqual(-1);
      expect(Math.max(...samples)).toBeLessThanOrEqual(1);
      trainer.dispose();
    },
  );

  it('refuses a conditional model on data without labels', () => {
    const unlabelled = { ...data, labels: undefined };
    expect(
      () =>
        new GanTrainer({
          model: shrink(conditionalGan),
          data: unlabelled,
          config: resolveGanRunConfig({}),
        }),
    ).toThrow(/cgan is conditional: its training data needs labels/);
  });
});
