import { initBackend } from '@latent/backend';
import { type ImageSet, sliceImages } from '@latent/datasets';
import { loadMnist } from '@latent/datasets/node';
import { conditionalVae, mlpVae } from '@latent/models';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveVaeRunConfig } from './config.js';
import { normalQuantile, VaeFrames } from './vae-frames.js';
import { VaeTrainer } from './vae-trainer.js';

let data: ImageSet;
beforeAll(async () => {
  data = sliceImages((await loadMnist()).train, 0, 200, 'mnist-200');
  await initBackend('wasm');
});

describe('VaeFrames', () => {
  it('shows 16 inputs beside reconstructions in [0, 1], and the manifold of a 2-D latent, leaking nothing', async () => {
    const trainer = new VaeTrainer({
      model: mlpVae({ latentDim: 2 }),
      data,
      config: resolveVaeRunConfig({ latentDim: 2, batchSize: 50 }),
    });
    const before = tf.memory().numTensors;
    const frames = new VaeFrames(trainer);
    const frame = await frames.frame();
    frames.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(frame).toMatchObject({ step: 0, count: 16, shape: [28, 28, 1], manifoldSize: 15 });
    expect(frame.inputs).toHaveLength(16 * 784);
    expect(frame.inputs[200]).toBeCloseTo(data.images[200]! / 255, 6);
    expect(frame.reconstructions).toHaveLength(16 * 784);
    expect(frame.manifold).toHaveLength(15 * 15 * 784);
    for (const values of [frame.reconstructions, frame.manifold!])
      expect(values.every((v) => v >= 0 && v <= 1)).toBe(true);
    trainer.dispose();
  });

  it('draws no manifold for a wider or a conditional latent', async () => {
    for (const model of [mlpVae(), conditionalVae({ latentDim: 2 })]) {
      const trainer = new VaeTrainer({
        model,
        data,
        config: resolveVaeRunConfig({ model: model.name as 'mlp-vae' }),
      });
      const frames = new VaeFrames(trainer);
      expect((await frames.frame()).manifold).toBeUndefined();
      frames.dispose();
      trainer.dispose();
    }
  });

  it("spaces the manifold's z evenly in probability (the normal quantile)", () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326348, 5);
  });
});
