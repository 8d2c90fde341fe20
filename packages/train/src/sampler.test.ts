import { initBackend } from '@latent/backend';
import { type ImageSet, sliceImages } from '@latent/datasets';
import { loadMnist } from '@latent/datasets/node';
import { dcgan, disposeParams, mlpVae, splitGaussian, toyGan } from '@latent/models';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError } from './checkpoint.js';
import { resolveGanRunConfig, resolveVaeRunConfig } from './config.js';
import { GanTrainer } from './gan-trainer.js';
import { ganSampler, samplerFromCheckpoint, trainedVaeFromCheckpoint } from './sampler.js';
import { VaeTrainer } from './vae-trainer.js';

let data: ImageSet;
beforeAll(async () => {
  data = sliceImages((await loadMnist()).train, 0, 200, 'mnist-200');
  await initBackend('wasm');
});

const pixels = (t: tf.Tensor) => {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
};

describe('one sampler for a trainer and its checkpoint', () => {
  it('a DCGAN: the same pixels in [0, 1] and the same prior range (U(-1, 1)) live and from its checkpoint', async () => {
    const trainer = new GanTrainer({
      model: dcgan({ imageShape: [28, 28, 1] }),
      data,
      config: resolveGanRunConfig({ model: 'dcgan', batchSize: 20, optimizer: 'adam' }),
    });
    const checkpoint = await trainer.checkpoint();
    const before = tf.memory().numTensors;
    const live = trainer.sampler();
    const opened = samplerFromCheckpoint(checkpoint, { where: 'ck' });
    expect(live.priorRange).toEqual([-1, 1]);
    expect(opened.priorRange).toEqual(live.priorRange);
    expect(opened).toMatchObject({ kind: 'gan', name: 'dcgan', noiseDim: 100, ema: false });
    const z = live.noise(4, 7);
    const a = pixels(live.draw(z));
    const b = pixels(opened.draw(z));
    z.dispose();
    expect(b).toEqual(a);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a)).toBeLessThanOrEqual(1);
    // G's tanh output is [-1, 1]; the sampler maps it, so some pixels fall below 0.5.
    expect(Math.min(...a)).toBeLessThan(0.5);
    expect(() => samplerFromCheckpoint(checkpoint, { ema: true, where: 'ck' })).toThrow(
      /^ck holds no moving average of G/,
    );
    expect(() => trainedVaeFromCheckpoint(checkpoint, 'ck')).toThrow(/^ck is not a VAE checkpoint/);
    const ifKept = samplerFromCheckpoint(checkpoint, { ema: 'if-kept' });
    expect(ifKept.ema).toBe(false);
    ifKept.dispose();
    live.dispose();
    opened.dispose();
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose();
  });

  it("a Gaussian-decoder VAE draws its decoder's mean, not a sigmoid of its output", async () => {
    const model = mlpVae({ likelihood: 'gaussian', hidden: [16], latentDim: 4 });
    const trainer = new VaeTrainer({
      model,
      data,
      config: resolveVaeRunConfig({ decoder: 'gaussian', binarize: 'none', maxSteps: 1 }),
    });
    for await (const _ of trainer.run());
    const checkpoint = await trainer.checkpoint();
    const opened = samplerFromCheckpoint(checkpoint);
    expect(opened).toMatchObject({ kind: 'vae', priorRange: [-3, 3], pixelRange: '[0,1]' });
    const z = opened.noise(3, 1);
    const drawn = pixels(opened.draw(z));
    const mean = pixels(
      tf.tidy(
        () => splitGaussian(model.decode(trainer.decoder, z, { training: false, seed: 0 })).mean,
      ),
    );
    expect(drawn).toHaveLength(3 * 784);
    expect(drawn).toEqual(mean);
    expect(pixels(trainer.sampler().draw(z))).toEqual(mean);
    z.dispose();
    const z2 = opened.noise(2, 3);
    const mean2 = pixels(opened.draw(z2));
    expect(() => samplerFromCheckpoint(checkpoint, { ema: true })).toThrow(
      /is a VAE checkpoint; --ema applies to GANs/,
    );
    const vae = trainedVaeFromCheckpoint(checkpoint);
    expect(vae.model.likelihood).toBe('gaussian');
    const reloaded = pixels(
      tf.tidy(
        () => splitGaussian(vae.model.decode(vae.decoder, z2, { training: false, seed: 0 })).mean,
      ),
    );
    expect(reloaded).toEqual(mean2);
    disposeParams(vae.encoder);
    disposeParams(vae.decoder);
    z2.dispose();
    opened.dispose();
    trainer.dispose();
  });

  it.each(['no-such', '__proto__', 'constructor'])(
    'refuses a checkpoint naming the model %j, which the registry does not know',
    async (name) => {
      const trainer = new VaeTrainer({ model: mlpVae(), data, config: resolveVaeRunConfig({}) });
      const { manifest, weights } = await trainer.checkpoint();
      trainer.dispose();
      const forged = { manifest: { ...manifest, model: { ...manifest.model, name } }, weights };
      expect(() => samplerFromCheckpoint(forged, { where: 'ck' })).toThrow(CheckpointError);
      expect(() => samplerFromCheckpoint(forged, { where: 'ck' })).toThrow(
        `ck holds a model whose name is "${name}", which latent does not know`,
      );
    },
  );

  it("a toy GAN's points come unscaled (its pixel range is nominal)", () => {
    const model = toyGan();
    const { generator, discriminator } = model.init(1);
    disposeParams(discriminator);
    const sampler = ganSampler(model, generator, { ema: false, owned: true });
    const z = sampler.noise(5, 2);
    const want = pixels(model.generate(generator, z, { training: false, seed: 0 }));
    expect(pixels(sampler.draw(z))).toEqual(want);
    z.dispose();
    sampler.dispose();
  });
});
