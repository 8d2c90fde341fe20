import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@latent/backend';
import { type ImageSet, sliceImages } from '@latent/datasets';
import { loadMnist } from '@latent/datasets/node';
import { conditionalVae, mlpGan, mlpVae } from '@latent/models';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError } from './checkpoint.js';
import { resolveGanRunConfig, resolveVaeRunConfig } from './config.js';
import type { TrainEvent } from './events.js';
import { GanTrainer } from './gan-trainer.js';
import { readCheckpoint, writeCheckpoint } from './node.js';
import type { VaeStats } from './vae-trainer.js';
import { VaeTrainer } from './vae-trainer.js';

let data: ImageSet;
beforeAll(async () => {
  data = sliceImages((await loadMnist()).train, 0, 1000, 'mnist-1000');
  await initBackend('wasm');
});

describe('VaeTrainer', () => {
  it('keeps the tensor count flat and lowers -ELBO on MNIST within an epoch', async () => {
    const trainer = new VaeTrainer({
      model: mlpVae(),
      data,
      config: resolveVaeRunConfig({ batchSize: 50, epochs: 2, logEvery: 10 }),
    });
    const take = () => trainer.trainStep().stats.dispose();
    take();
    const before = tf.memory().numTensors;
    take();
    take();
    expect(tf.memory().numTensors).toBe(before);
    const logs: (TrainEvent<VaeStats> & { type: 'log' })[] = [];
    for await (const e of trainer.run()) if (e.type === 'log') logs.push(e);
    const first = logs[0]!;
    const last = logs.at(-1)!;
    // -ELBO = reconstruction + KL; a binarized MNIST digit starts near 784 log 2 = 543 nats.
    expect(first.loss).toBeCloseTo(first.reconstruction + first.kl, 3);
    expect(first.loss).toBeGreaterThan(200);
    expect(last.loss).toBeLessThan(first.loss - 50);
    expect(last.kl).toBeGreaterThan(0);
    const samples = await trainer.samples();
    expect(samples.length).toBe(100 * 784);
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...samples)).toBeLessThanOrEqual(1);
    trainer.dispose();
  });

  it('trains a Gaussian decoder on grey levels: finite, falling -ELBO and mean images in [0, 1]', async () => {
    const model = mlpVae({ likelihood: 'gaussian', hidden: [64], latentDim: 8 });
    const trainer = new VaeTrainer({
      model,
      data,
      config: resolveVaeRunConfig({
        batchSize: 50,
        epochs: 2,
        logEvery: 10,
        decoder: 'gaussian',
        binarize: 'none',
      }),
    });
    const out = model.decode(trainer.decoder, tf.zeros([3, 8]), { training: false, seed: 0 });
    // The mean and the log-variance of each of the 784 pixels.
    expect(out.shape).toEqual([3, 2 * 784]);
    out.dispose();
    const logs: (TrainEvent<VaeStats> & { type: 'log' })[] = [];
    for await (const e of trainer.run()) if (e.type === 'log') logs.push(e);
    const first = logs[0]!;
    const last = logs.at(-1)!;
    expect(first.loss).toBeCloseTo(first.reconstruction + first.kl, 2);
    // A continuous density: -log p(x|z) goes below 0 once the variances shrink under 1/(2 pi e).
    expect(last.loss).toBeLessThan(first.loss - 100);
    const samples = await trainer.samples();
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...samples)).toBeLessThanOrEqual(1);
    trainer.dispose();
  });

  it('refuses a Gaussian decoder on binarized pixels and MLP settings for the conv VAE', () => {
    expect(() => resolveVaeRunConfig({ decoder: 'gaussian' })).toThrow(/set binarize to none/);
    expect(() => resolveVaeRunConfig({ model: 'conv-vae', hidden: [100] })).toThrow(/not conv-vae/);
  });

  it('warms the KL weight up from 0: the first loss is the reconstruction alone', async () => {
    const trainer = new VaeTrainer({
      model: mlpVae(),
      data,
      config: resolveVaeRunConfig({ batchSize: 50, klWarmupSteps: 100, maxSteps: 1 }),
    });
    const { stats } = trainer.trainStep();
    const [loss, reconstruction, kl] = Array.from(stats.dataSync());
    stats.dispose();
    expect(kl).toBeGreaterThan(0);
    expect(loss).toBeCloseTo(reconstruction!, 3);
    trainer.dispose();
  });

  it('trains a conditional VAE with the labels', async () => {
    const trainer = new VaeTrainer({
      model: conditionalVae(),
      data,
      config: resolveVaeRunConfig({ batchSize: 50, maxSteps: 2, sampleCount: 20 }),
    });
    const events = [];
    for await (const e of trainer.run()) events.push(e);
    expect(events.filter((e) => e.type === 'step')).toHaveLength(2);
    expect(events.at(-1)).toMatchObject({ type: 'done', step: 2 });
    trainer.dispose();
  });
});

describe('VAE checkpoints', () => {
  it('resume exactly, and a GAN trainer refuses them', async () => {
    const config = (maxSteps: number) =>
      resolveVaeRunConfig({ batchSize: 50, epochs: 2, maxSteps, seed: 3 });
    const losses = async (trainer: VaeTrainer) => {
      const out: number[] = [];
      for await (const e of trainer.run()) if (e.type === 'step') out.push(e.loss, e.kl);
      return out;
    };
    const straight = new VaeTrainer({ model: mlpVae(), data, config: config(25) });
    const want = await losses(straight);
    straight.dispose();
    const first = new VaeTrainer({ model: mlpVae(), data, config: config(20) });
    const head = await losses(first);
    const dir = join(await mkdtemp(join(tmpdir(), 'latent-vae-')), 'step-00000020');
    await writeCheckpoint(dir, await first.checkpoint());
    first.dispose();
    const checkpoint = await readCheckpoint(dir);
    const resumed = new VaeTrainer({ model: mlpVae(), data, config: config(25) });
    resumed.restore(checkpoint);
    expect([...head, ...(await losses(resumed))]).toEqual(want);
    resumed.dispose();

    const gan = new GanTrainer({ model: mlpGan(), data, config: resolveGanRunConfig({}) });
    expect(() => gan.restore(checkpoint)).toThrow(CheckpointError);
    expect(() => gan.restore(checkpoint)).toThrow(
      /written by the vae trainer, this is the gan trainer/,
    );
    gan.dispose();
  });
});
