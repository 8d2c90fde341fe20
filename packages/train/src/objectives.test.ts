import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@latent/backend';
import { type ImageSet, sliceImages } from '@latent/datasets';
import { loadMnist } from '@latent/datasets/node';
import { mlpGan } from '@latent/models';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type GanRunConfigInput, resolveGanRunConfig } from './config.js';
import { GanTrainer } from './gan-trainer.js';
import { readCheckpoint, writeCheckpoint } from './node.js';

let data: ImageSet;
const small = () => mlpGan({ generatorHidden: [32], discriminatorHidden: [16] });

beforeAll(async () => {
  data = sliceImages((await loadMnist()).train, 0, 200, 'mnist-200');
  await initBackend('wasm');
});

async function steps(config: GanRunConfigInput): Promise<number[][]> {
  const trainer = new GanTrainer({
    model: small(),
    data,
    config: resolveGanRunConfig({ batchSize: 20, ...config }),
  });
  const out: number[][] = [];
  for await (const e of trainer.run())
    if (e.type === 'step') out.push([e.dLoss, e.gLoss, e.dReal, e.dFake]);
  trainer.dispose();
  return out;
}

describe('every objective and optimizer trains', () => {
  it.each<[string, GanRunConfigInput]>([
    ['lsgan + adam', { loss: 'lsgan', optimizer: 'adam' }],
    [
      'wgan-gp + n_critic 5 + adam',
      { loss: 'wgan-gp', k: 5, optimizer: 'adam', beta1: 0, beta2: 0.9 },
    ],
    ['hinge + rmsprop', { loss: 'hinge', optimizer: 'rmsprop' }],
    ['gan + R1 + label smoothing + EMA', { r1: 10, labelSmoothing: 0.1, emaDecay: 0.9 }],
    ['minimax generator loss', { generatorLoss: 'minimax' }],
  ])('%s: finite losses, no leaked tensors', async (_name, config) => {
    const trainer = new GanTrainer({
      model: small(),
      data,
      config: resolveGanRunConfig({ batchSize: 20, ...config }),
    });
    const take = () => {
      const { stats } = trainer.trainStep();
      const v = Array.from(stats.dataSync());
      stats.dispose();
      return v;
    };
    take();
    const before = tf.memory().numTensors;
    const values = [take(), take(), take()].flat();
    expect(tf.memory().numTensors).toBe(before);
    expect(values.every(Number.isFinite)).toBe(true);
    trainer.dispose();
  });

  it('WGAN-GP: n_critic = k critic steps per generator step; the penalty dominates at init', async () => {
    // 200 images at batch 20 = 10 critic batches an epoch: 2 generator steps per epoch with k = 5.
    const out = await steps({ loss: 'wgan-gp', k: 5, optimizer: 'adam', epochs: 2 });
    expect(out).toHaveLength(4);
    // E D(G(z)) - E D(x) + 10 (||grad|| - 1)^2 with a near-zero critic gradient: close to 10.
    expect(out[0]![0]).toBeGreaterThan(5);
    expect(out[0]![0]).toBeLessThan(11);
  });

  it('resumes Adam with EMA exactly (moments and the average are in the checkpoint)', async () => {
    const config = { optimizer: 'adam', emaDecay: 0.99, epochs: 2, seed: 5 } as const;
    const want = await steps({ ...config, maxSteps: 6 });
    const first = new GanTrainer({
      model: small(),
      data,
      config: resolveGanRunConfig({ batchSize: 20, ...config, maxSteps: 2 }),
    });
    for await (const _ of first.run()) {
      // run to step 2
    }
    const dir = join(await mkdtemp(join(tmpdir(), 'latent-ckpt-')), 'step-00000002');
    await writeCheckpoint(dir, await first.checkpoint());
    const firstSamples = await first.samples();
    first.dispose();
    const resumed = new GanTrainer({
      model: small(),
      data,
      config: resolveGanRunConfig({ batchSize: 20, ...config, maxSteps: 6 }),
    });
    resumed.restore(await readCheckpoint(dir));
    expect(Array.from(await resumed.samples())).toEqual(Array.from(firstSamples));
    const tail: number[][] = [];
    for await (const e of resumed.run())
      if (e.type === 'step') tail.push([e.dLoss, e.gLoss, e.dReal, e.dFake]);
    resumed.dispose();
    expect(tail).toEqual(want.slice(2));
  });

  it("warms the EMA up: after G's first update it is 2/11 of the initial G and 9/11 of G", async () => {
    const config = resolveGanRunConfig({
      batchSize: 20,
      optimizer: 'adam',
      emaDecay: 0.999,
      maxSteps: 1,
    });
    const trainer = new GanTrainer({ model: small(), data, config });
    const weights = async () => {
      const { manifest, weights } = await trainer.checkpoint();
      const named = tf.io.decodeWeights(weights, manifest.weights.specs);
      const read = (prefix: string) =>
        Object.entries(named)
          .filter(([name]) => name.startsWith(prefix))
          .flatMap(([, t]) => Array.from(t.dataSync()));
      const out = { generator: read('generator.'), ema: read('ema.') };
      tf.dispose(Object.values(named));
      return out;
    };
    const before = await weights();
    for await (const _ of trainer.run()) {
      // one step
    }
    const after = await weights();
    trainer.dispose();
    expect(after.ema).toHaveLength(before.generator.length);
    const worst = after.ema.reduce((m, e, i) => {
      const want =
        (2 / 11) * (before.generator[i] as number) + (9 / 11) * (after.generator[i] as number);
      return Math.max(m, Math.abs(e - want));
    }, 0);
    expect(worst).toBeLessThan(1e-6);
    // G moved, so the check tells the warm-up (2/11) from a plain 0.999 average.
    expect(
      after.generator.some((g, i) => Math.abs(g - (before.generator[i] as number)) > 1e-4),
    ).toBe(true);
  });

  it('refuses label smoothing with a loss other than gan', () => {
    expect(() => resolveGanRunConfig({ loss: 'hinge', labelSmoothing: 0.1 })).toThrow(
      /labelSmoothing: label smoothing applies to loss 'gan' only/,
    );
  });

  it("picks each optimizer's usual learning rate when none is given", () => {
    expect(resolveGanRunConfig({ optimizer: 'adam' })).toMatchObject({
      learningRate: 2e-4,
      decayFactor: 1,
    });
    expect(resolveGanRunConfig({})).toMatchObject({ learningRate: 0.1, decayFactor: 1.000004 });
    expect(
      resolveGanRunConfig({ learningRate: 0.01, discriminatorLearningRate: 0.04 }),
    ).toMatchObject({
      generatorLearningRate: 0.01,
      discriminatorLearningRate: 0.04,
    });
  });
});
