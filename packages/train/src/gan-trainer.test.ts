import { initBackend } from '@latent/backend';
import type { ImageSet } from '@latent/datasets';
import { sliceImages } from '@latent/datasets';
import { loadMnist } from '@latent/datasets/node';
import { dcgan, flattenParams, mlpGan, type ParamTree } from '@latent/models';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type GanRunConfigInput, resolveGanRunConfig } from './config.js';
import type { TrainEvent } from './events.js';
import { TrainingDivergedError } from './events.js';
import { GanTrainer } from './gan-trainer.js';
import { paperSettings } from './registry.js';
import { planRun } from './run.js';

let data: ImageSet;
const small = () => mlpGan({ generatorHidden: [64], discriminatorHidden: [32] });

beforeAll(async () => {
  data = sliceImages((await loadMnist()).train, 0, 600, 'mnist-600');
});

async function collect(trainer: GanTrainer, signal?: AbortSignal): Promise<TrainEvent[]> {
  const events: TrainEvent[] = [];
  for await (const e of trainer.run({ signal })) events.push(e);
  return events;
}

describe('GanTrainer', () => {
  it('keeps the number of live tensors flat over training steps', async () => {
    await initBackend('wasm');
    const trainer = new GanTrainer({
      model: small(),
      data,
      config: resolveGanRunConfig({ batchSize: 20, k: 2 }),
    });
    const take = () => trainer.trainStep().stats.dispose();
    take();
    take();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) take();
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose();
  });

  it('simultaneous updates take D and G gradients at the same parameters, with no tensor left', async () => {
    await initBackend('wasm');
    const after = (input: GanRunConfigInput) => {
      const trainer = new GanTrainer({
        model: small(),
        data,
        config: resolveGanRunConfig({ batchSize: 20, ...input }),
      });
      trainer.trainStep().stats.dispose();
      const read = (tree: ParamTree) =>
        Object.values(flattenParams(tree)).flatMap((v) => Array.from(v.dataSync()));
      const params = { d: read(trainer.discriminator), g: read(trainer.generator) };
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) trainer.trainStep().stats.dispose();
      expect(tf.memory().numTensors).toBe(before);
      trainer.dispose();
      return params;
    };
    // A large rate, so that D's first update changes what G's gradient sees.
    const together = after({ updates: 'simultaneous', learningRate: 1 });
    const alternating = after({ learningRate: 1 });
    // G against the initial D: D's learning rate too small to move it.
    const frozenD = after({ learningRate: 1, discriminatorLearningRate: 1e-30 });
    const maxDiff = (a: number[], b: number[]) =>
      a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] as number))), 0);
    // D's update is the same either way: it comes first in both.
    expect(maxDiff(together.d, alternating.d)).toBeLessThan(1e-7);
    // G's is the one against the D of before the step, not the updated one.
    // (Measured: 0 and 4e-9 for the equal pairs, 2e-5 for this one.)
    expect(maxDiff(together.g, frozenD.g)).toBeLessThan(1e-7);
    expect(maxDiff(together.g, alternating.g)).toBeGreaterThan(1e-6);
    expect(() => resolveGanRunConfig({ updates: 'simultaneous', k: 2 })).toThrow(/use k 1/);
    // The paper's GAN trains so by default, as its authors' code; asked for k > 1, it alternates.
    expect(paperSettings(mlpGan())).toEqual({ updates: 'simultaneous' });
    expect(paperSettings(mlpGan(), { k: 5 })).toEqual({});
  });

  it('restores a checkpoint written before `updates` and `augment` existed as alternating, unaugmented', async () => {
    await initBackend('wasm');
    const make = (input: GanRunConfigInput) =>
      new GanTrainer({
        model: small(),
        data,
        config: resolveGanRunConfig({ batchSize: 20, ...input }),
      });
    const trainer = make({});
    trainer.trainStep().stats.dispose();
    const checkpoint = await trainer.checkpoint();
    trainer.dispose();
    const { updates, augment, ...older } = checkpoint.manifest.config;
    expect(updates).toBe('alternating');
    // Nor `augment`: those ran without augmentation.
    expect(augment).toEqual([]);
    const old = { ...checkpoint, manifest: { ...checkpoint.manifest, config: older } };
    const alternating = make({});
    alternating.restore(old);
    expect(alternating.step).toBe(1);
    alternating.dispose();
    const simultaneous = make({ updates: 'simultaneous' });
    expect(() => simultaneous.restore(old)).toThrow(/updates is "alternating" there/);
    simultaneous.dispose();
    const augmented = make({ augment: ['cutout'] });
    expect(() => augmented.restore(old)).toThrow(/augment is \[\] there, \["cutout"\] here/);
    augmented.dispose();
  });

  it('emits start, samples at epoch 0, steps, logs, epochs, samples per epoch and done', async () => {
    await initBackend('wasm');
    // 600 / 5 = 120 steps an epoch: each epoch end is recorded.
    const config = resolveGanRunConfig({ batchSize: 5, epochs: 2, logEvery: 100, sampleCount: 9 });
    const trainer = new GanTrainer({ model: small(), data, config });
    expect(trainer.epochsPerRecord).toBe(1);
    const events = await collect(trainer);
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('start');
    expect(types.filter((t) => t === 'step')).toHaveLength(240);
    expect(types.filter((t) => t === 'log')).toHaveLength(3); // at 100, 200 and the end
    const epochs = events.filter((e) => e.type === 'epoch');
    expect(epochs.map((e) => [e.epoch, e.recorded])).toEqual([
      [1, true],
      [2, true],
    ]);
    const samples = events.filter((e) => e.type === 'samples');
    expect(samples.map((e) => e.epoch)).toEqual([0, 1, 2]);
    for (const s of samples) {
      expect(s.images.length).toBe(9 * 784);
      expect(s.shape).toEqual([28, 28, 1]);
    }
    expect(events.at(-1)).toMatchObject({ type: 'done', step: 240, epoch: 2, reason: 'finished' });
    trainer.dispose();
  });

  it('records every few epochs when epochs are short, and the last one', async () => {
    await initBackend('wasm');
    // 600 / 100 = 6 steps an epoch: a recorded end every 9 epochs (54 steps), and the run's last.
    const config = resolveGanRunConfig({ batchSize: 100, epochs: 20, sampleCount: 4 });
    const trainer = new GanTrainer({ model: small(), data, config });
    expect(trainer.epochsPerRecord).toBe(9);
    const events = await collect(trainer);
    const epochs = events.filter((e) => e.type === 'epoch');
    expect(epochs).toHaveLength(20);
    expect(epochs.filter((e) => e.recorded).map((e) => e.epoch)).toEqual([9, 18]);
    const samples = events.filter((e) => e.type === 'samples');
    expect(samples.map((e) => [e.epoch, e.step, e.partial])).toEqual([
      [0, 0, false],
      [9, 54, false],
      [18, 108, false],
      [20, 120, false],
    ]);
    trainer.dispose();
  });

  it('measures sample diversity and warns of mode collapse after an epoch', async () => {
    await initBackend('wasm');
    const run = async (collapseThreshold: number) => {
      const config = resolveGanRunConfig({
        batchSize: 5,
        epochs: 2,
        sampleCount: 16,
        collapseThreshold,
      });
      const trainer = new GanTrainer({ model: small(), data, config });
      const events = await collect(trainer);
      trainer.dispose();
      return events;
    };
    const always = await run(1);
    const samples = always.filter((e) => e.type === 'samples');
    // G starts at the data's mean image: every z gives nearly the same picture.
    expect(samples[0]!.diversity).toBeGreaterThan(0);
    expect(samples[0]!.diversity).toBeLessThan(0.05);
    const warnings = always.filter((e) => e.type === 'warning');
    expect(warnings.map((w) => [w.kind, w.epoch])).toEqual([
      ['mode-collapse', 1],
      ['mode-collapse', 2],
    ]);
    expect(warnings[0]!.message).toMatch(/near-identical after epoch 1/);
    expect((await run(0)).filter((e) => e.type === 'warning')).toHaveLength(0);
  });

  it('is reproducible: the same seed gives identical losses step for step', async () => {
    await initBackend('wasm');
    const losses = async (seed: number) => {
      const trainer = new GanTrainer({
        model: small(),
        data,
        config: resolveGanRunConfig({ seed, batchSize: 50, maxSteps: 5 }),
      });
      const out = (await collect(trainer)).flatMap((e) =>
        e.type === 'step' ? [e.dLoss, e.gLoss] : [],
      );
      trainer.dispose();
      return out;
    };
    const a = await losses(4);
    expect(await losses(4)).toEqual(a);
    expect(await losses(5)).not.toEqual(a);
  });

  it('gives the same first-step losses on cpu and wasm', async () => {
    const first = async (backend: 'cpu' | 'wasm') => {
      await initBackend(backend);
      const trainer = new GanTrainer({
        model: small(),
        data,
        config: resolveGanRunConfig({ batchSize: 50, maxSteps: 2 }),
      });
      const steps = (await collect(trainer)).filter((e) => e.type === 'step');
      trainer.dispose();
      return steps.flatMap((e) => [e.dLoss, e.gLoss, e.dReal, e.dFake]);
    };
    const cpu = await first('cpu');
    const wasm = await first('wasm');
    cpu.forEach((v, i) => {
      expect(wasm[i]).toBeCloseTo(v, 4);
    });
  });

  it('learns: D separates data from samples within a few dozen steps', async () => {
    await initBackend('wasm');
    const trainer = new GanTrainer({
      model: small(),
      data,
      config: resolveGanRunConfig({ batchSize: 50, maxSteps: 30, logEvery: 10 }),
    });
    const logs = (await collect(trainer)).filter((e) => e.type === 'log');
    const lastLog = logs.at(-1)!;
    expect(lastLog.dReal).toBeGreaterThan(lastLog.dFake);
    expect(lastLog.dLoss).toBeLessThan(2 * Math.LN2);
    trainer.dispose();
  });

  it('stops between steps when aborted', async () => {
    await initBackend('wasm');
    const trainer = new GanTrainer({
      model: small(),
      data,
      config: resolveGanRunConfig({ batchSize: 50, epochs: 5 }),
    });
    const controller = new AbortController();
    const events: TrainEvent[] = [];
    for await (const e of trainer.run({ signal: controller.signal })) {
      events.push(e);
      if (e.type === 'step' && e.step === 3) controller.abort();
    }
    expect(events.at(-1)).toMatchObject({ type: 'done', step: 3, reason: 'aborted' });
    expect(events.filter((e) => e.type === 'samples').at(-1)).toMatchObject({
      partial: true,
      step: 3,
    });
    trainer.dispose();
  });

  it('stops with a message naming the network and step when a loss becomes NaN', async () => {
    await initBackend('wasm');
    const trainer = new GanTrainer({
      model: small(),
      data,
      config: resolveGanRunConfig({ batchSize: 50, epochs: 1 }),
    });
    const events: TrainEvent[] = [];
    const run = async () => {
      for await (const e of trainer.run()) {
        events.push(e);
        // Poison D's output layer after the second step.
        if (e.type === 'step' && e.step === 2) {
          const bias = Object.values(trainer.discriminator).at(-1) as { bias: tf.Variable };
          bias.bias.assign(tf.fill(bias.bias.shape, Number.NaN));
        }
      }
    };
    const error = await run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingDivergedError);
    expect((error as Error).message).toMatch(/discriminator loss became NaN at step 3 \(epoch 1\)/);
    expect(events.at(-1)).toMatchObject({ type: 'step', step: 2 });
    trainer.dispose();
  });
});

describe('GanTrainer with DiffAugment', () => {
  const all = ['color', 'translation', 'cutout'] as const;

  it('keeps the number of live tensors flat, on flat (MLP) and image (DCGAN) batches', async () => {
    await initBackend('wasm');
    const models = [
      { model: small(), config: { batchSize: 20, k: 2 } },
      { model: dcgan({ imageShape: [28, 28, 1] }), config: { batchSize: 8, optimizer: 'adam' } },
    ] as const;
    for (const { model, config } of models) {
      const trainer = new GanTrainer({
        model,
        data,
        config: resolveGanRunConfig({ ...config, augment: [...all] }),
      });
      const take = async () => {
        const { stats } = trainer.trainStep();
        const values = Array.from(await stats.data());
        stats.dispose();
        return values;
      };
      await take();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) expect((await take()).every(Number.isFinite)).toBe(true);
      expect(tf.memory().numTensors).toBe(before);
      trainer.dispose();
    }
  });

  it("augments G's update too: its gradient flows through T", async () => {
    await initBackend('wasm');
    // Simultaneous updates take G's gradient against the initial D, so G's first
    // update differs between the two runs only if T stands between G and D.
    const firstG = (augment: (typeof all)[number][]) => {
      const trainer = new GanTrainer({
        model: small(),
        data,
        config: resolveGanRunConfig({ batchSize: 20, updates: 'simultaneous', augment }),
      });
      const before = Object.values(flattenParams(trainer.generator)).flatMap((v) =>
        Array.from(v.dataSync()),
      );
      trainer.trainStep().stats.dispose();
      const after = Object.values(flattenParams(trainer.generator)).flatMap((v) =>
        Array.from(v.dataSync()),
      );
      trainer.dispose();
      return after.map((v, i) => v - (before[i] as number));
    };
    const plain = firstG([]);
    const augmented = firstG([...all]);
    expect(augmented.every(Number.isFinite)).toBe(true);
    expect(augmented.some((v) => v !== 0)).toBe(true);
    expect(
      augmented.reduce((m, v, i) => Math.max(m, Math.abs(v - (plain[i] as number))), 0),
    ).toBeGreaterThan(1e-7);
  });

  it('is refused on a toy distribution, before any data is loaded', () => {
    expect(() => planRun({ dataset: 'ring', augment: ['translation'] })).toThrow(
      /augment applies to images; the toy distribution ring is a set of points/,
    );
  });
});
