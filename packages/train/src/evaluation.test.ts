import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@latent/backend';
import type { ImageSet } from '@latent/datasets';
import { encodePng } from '@latent/vis';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { RunRequestError } from './data-source.js';
import {
  applicableMetrics,
  checkEvalSettings,
  DEFAULT_METRICS,
  evalSplits,
  evalTestImages,
  evaluateCheckpoint,
  planCheckpointEval,
  RunMeasurer,
  resolveMetrics,
} from './evaluation.js';
import type { GanTrainer } from './gan-trainer.js';
import { evaluateCheckpointFolder, loadEvalData, resolveRunHere } from './node.js';
import { createTrainer } from './run.js';

beforeAll(async () => {
  await initBackend('wasm');
});

/** A few steps of a run, and its trainer. */
async function trained(request: Record<string, unknown>, steps: number) {
  const run = await resolveRunHere({ maxSteps: steps, ...request });
  const trainer = createTrainer(run);
  for await (const _ of trainer.run());
  return trainer;
}

const images = (count: number, name: string): ImageSet => ({
  name,
  count,
  height: 1,
  width: 1,
  channels: 1,
  images: Uint8Array.from({ length: count }, (_, i) => i),
});

describe('which metrics apply', () => {
  it('defaults by run kind and data source', () => {
    expect(resolveMetrics('gan', 'mnist')).toEqual(DEFAULT_METRICS.gan);
    expect(resolveMetrics('vae', 'fashion-mnist', [])).toEqual(['elbo', 'iwae']);
    expect(resolveMetrics('gan', 'ring')).toEqual(['kl', 'js', 'modes']);
    // A curve is no mixture: no mode coverage, by default or when asked.
    expect(resolveMetrics('gan', 'moons')).toEqual(['kl', 'js']);
    // A folder has no held-out images and no classifier: its samples are searched among its images.
    expect(resolveMetrics('vae', 'photos/')).toEqual(['memorization']);
    // Named ones: trimmed, lower-cased, once each, in the order asked.
    expect(resolveMetrics('vae', 'mnist', [' IS', 'elbo', 'is'])).toEqual(['is', 'elbo']);
  });

  it('lists every metric that applies, for a page that measures what it can afford', () => {
    const mnist = applicableMetrics('gan', 'mnist');
    expect(mnist).toEqual(expect.arrayContaining([...DEFAULT_METRICS.gan, 'kid', 'memorization']));
    expect(mnist).not.toContain('elbo');
    expect(applicableMetrics('vae', 'mnist')).toContain('iwae');
    expect(applicableMetrics('gan', 'photos/')).toEqual(['memorization']);
    expect(applicableMetrics('gan', 'moons')).toEqual(['kl', 'js']);
  });

  it.each([
    ['gan', 'mnist', ['fid', 'inception'], /unknown metric 'inception'; latent eval knows parzen/],
    ['gan', 'mnist', ['iwae'], /'iwae' does not apply to a GAN run on mnist: it needs an encoder/],
    ['gan', 'mnist', ['modes'], /compares samples with a toy distribution's true density/],
    [
      'gan',
      'ring',
      ['fid'],
      /'fid' does not apply .* it measures images, and a toy run draws points/,
    ],
    [
      'gan',
      'photos/',
      ['fid'],
      /'fid' does not apply to a GAN run on photos\/: it needs a classifier trained on such pictures.*For this run: memorization\./,
    ],
    ['vae', 'photos/', ['elbo'], /'elbo' does not apply .* it needs held-out test images/],
    [
      'gan',
      'spiral',
      ['kl', 'modes'],
      /'modes' does not apply .* spiral: .* this distribution is a curve/,
    ],
  ] as const)('refuses %s on %s: %j', (kind, dataset, requested, message) => {
    expect(() => resolveMetrics(kind, dataset, requested)).toThrow(message);
    expect(() => resolveMetrics(kind, dataset, requested)).toThrow(RunRequestError);
  });

  it('checks what a run measures as it trains, and what keeps the best checkpoint', () => {
    const settings = { metrics: ['fid', 'is'], every: 1, n: 100 };
    expect(checkEvalSettings('gan', 'mnist', { ...settings, keepBest: 'FID' })).toEqual({
      metrics: ['fid', 'is'],
      best: { metric: 'fid', better: 'lower' },
    });
    expect(checkEvalSettings('vae', 'mnist', { ...settings, metrics: ['elbo'] }).best).toBe(
      undefined,
    );
    expect(() => checkEvalSettings('gan', 'mnist', { ...settings, keepBest: 'kid' })).toThrow(
      /--keep-best kid: it must be one of the --eval metrics \(fid, is\)/,
    );
    expect(() => checkEvalSettings('vae', 'mnist', { ...settings, metrics: ['iwae'] })).toThrow(
      /iwae takes minutes per evaluation/,
    );
  });

  it("splits a set without a validation split (Fashion-MNIST's last 10,000), and cuts the test images", () => {
    const data = evalSplits({ train: images(12_000, 'train'), test: images(50, 'test') });
    expect(data.validation.count).toBe(10_000);
    expect(data.validation.images[0]).toBe(2000 % 256);
    const mnist = evalSplits({ ...data, validation: images(3, 'val') });
    expect(mnist.validation.name).toBe('val');
    expect(evalTestImages(data, 20).count).toBe(20);
    expect(evalTestImages(data, 500)).toBe(data.test);
    expect(evalTestImages(data)).toBe(data.test);
  });
});

describe('evaluating a checkpoint', () => {
  it("scores a toy GAN's checkpoint against the true density, and writes eval.json", async () => {
    const trainer = await trained({ dataset: 'ring', batchSize: 64 }, 3);
    const checkpoint = await trainer.checkpoint();
    trainer.dispose();
    const plan = planCheckpointEval(checkpoint, { metrics: ['kl', 'modes'], ema: false }, 'here');
    expect(plan).toEqual({ metrics: ['kl', 'modes'], dataset: 'ring', toy: true });
    const before = tf.memory().numTensors;
    const options = { n: 500, seed: 3, ema: false };
    const report = await evaluateCheckpoint(checkpoint, 'here', plan, options);
    expect(Object.keys(report.metrics)).toEqual(['kl', 'modes']);
    expect(report.metrics.kl?.value).toBeGreaterThan(0);
    // The same seed draws the same samples: the same values.
    const again = await evaluateCheckpoint(checkpoint, 'here', plan, options);
    expect(again.metrics.kl?.value).toBe(report.metrics.kl?.value);
    expect(tf.memory().numTensors).toBe(before);

    const dir = await mkdtemp(join(tmpdir(), 'latent-eval-'));
    let started: number | undefined | null = null;
    const done = await evaluateCheckpointFolder({ dir }, checkpoint, plan, {
      ...options,
      onStart: (testImages) => {
        started = testImages;
      },
    });
    expect(started).toBeUndefined();
    expect(done.path).toBe(join(dir, 'eval.json'));
    const json = JSON.parse(await readFile(done.path, 'utf8'));
    expect(Object.keys(json)).toEqual([
      ...['checkpoint', 'kind', 'model', 'dataset', 'step', 'seed', 'samples'],
      ...['createdAt', 'metrics', 'seconds'],
    ]);
    expect(json).toMatchObject({ model: 'toy-gan', dataset: 'ring', step: 3, samples: 500 });
    expect(json.metrics.kl.value).toBe(report.metrics.kl?.value);
  });

  it('refuses --ema for a VAE, and the classifier metrics for images it was not trained on', async () => {
    const vae = await trained(
      { model: 'mlp-vae', dataLimit: 100, batchSize: 50, hidden: [16], latentDim: 2 },
      1,
    );
    const checkpoint = await vae.checkpoint();
    vae.dispose();
    expect(() => planCheckpointEval(checkpoint, { ema: true }, 'v')).toThrow(
      /v is a VAE checkpoint; --ema applies to GANs trained with --ema/,
    );
    const gan = await trained({ dataset: 'spiral', batchSize: 32 }, 1);
    const toy = await gan.checkpoint();
    gan.dispose();
    // A toy GAN draws points, 1x1x2 "images": not what the 28x28 classifier measures.
    const plan = { metrics: ['is' as const], dataset: 'mnist', toy: false };
    const data = { train: images(10, 't'), validation: images(10, 'v'), test: images(10, 't') };
    await expect(
      evaluateCheckpoint(toy, 'toy', plan, { n: 10, seed: 0, ema: false }, data),
    ).rejects.toThrow(/is use a 28x28 grey-image classifier; this model draws 1x1x2 images/);
  });

  it("scores an MNIST GAN's checkpoint with this machine's test images: IS and FID with its floor", async () => {
    const trainer = await trained({ dataLimit: 100, batchSize: 20 }, 2);
    const checkpoint = await trainer.checkpoint();
    trainer.dispose();
    const plan = planCheckpointEval(checkpoint, { metrics: ['is', 'fid'], ema: false }, 'g');
    const dir = await mkdtemp(join(tmpdir(), 'latent-eval-'));
    const stages = new Set<string>();
    let started: number | undefined;
    const { record, report } = await evaluateCheckpointFolder({ dir }, checkpoint, plan, {
      n: 50,
      seed: 1,
      ema: false,
      limit: 100,
      backend: 'wasm',
      onStageProgress: (stage) => stages.add(stage),
      onStart: (testImages) => {
        started = testImages;
      },
    });
    expect(started).toBe(100);
    expect(stages.has('sampling')).toBe(true);
    expect(record).toMatchObject({ ema: false, backend: 'wasm', samples: 50, testImages: 100 });
    expect(Object.keys(report.metrics)).toEqual(['is', 'fid']);
    expect(report.metrics.fid?.value).toBeGreaterThan(report.metrics.fid?.floor as number);
  });

  it('knows the evaluation images of mnist and fashion-mnist only', async () => {
    await expect(loadEvalData('ring')).rejects.toThrow(
      /latent eval knows mnist and fashion-mnist runs, not ring runs/,
    );
  });
});

describe('RunMeasurer', () => {
  it("measures a trainer by the protocol, one measurement at a time, as the trainer's evaluate hook", async () => {
    const trainer = (await trained({ dataset: 'ring', batchSize: 64 }, 2)) as GanTrainer;
    const load = () => Promise.reject(new Error('a toy run loads no images'));
    const measurer = new RunMeasurer(
      trainer,
      { metrics: ['js', 'modes'], every: 2, n: 400, keepBest: 'js' },
      load,
    );
    expect(measurer.best).toEqual({ metric: 'js', better: 'lower' });
    expect(measurer.evaluation.every).toBe(2);
    const [a, b] = await Promise.all([measurer.measure(), measurer.measure()]);
    expect(a).toMatchObject({ step: 2, n: 400 });
    expect(Object.keys(a.values)).toEqual(['js', 'modes']);
    // The protocol's seed: the same weights give the same values.
    expect(b.values).toEqual(a.values);
    expect(await measurer.evaluation.run()).toEqual(a.values);
    await measurer.settled();
    measurer.dispose();
    await expect(measurer.measure()).rejects.toThrow(/the run was reset/);
    expect(() => new RunMeasurer(trainer, { metrics: ['fid'], every: 1, n: 10 }, load)).toThrow(
      /'fid' does not apply to a GAN run on ring/,
    );
    trainer.dispose();
  });

  it("measures a folder run's samples against the folder it trained on, loading nothing else", async () => {
    const folder = await mkdtemp(join(tmpdir(), 'latent-measure-'));
    for (let i = 0; i < 6; i++) {
      // Grey squares of six sizes on black.
      const data = new Uint8ClampedArray(16 * 16 * 4);
      for (let p = 0; p < 256; p++) {
        const inside = Math.max(Math.abs((p % 16) - 8), Math.abs(Math.floor(p / 16) - 8)) < 2 + i;
        data.set(inside ? [200, 200, 200, 255] : [0, 0, 0, 255], p * 4);
      }
      await writeFile(join(folder, `${i}.png`), encodePng({ width: 16, height: 16, data }));
    }
    const trainer = (await trained(
      { model: 'dcgan', dataset: folder, imageSize: 16, channels: 1, batchSize: 3 },
      1,
    )) as GanTrainer;
    const load = () => Promise.reject(new Error('a folder run loads no evaluation images'));
    const measurer = new RunMeasurer(trainer, { metrics: [], every: 1, n: 50 }, load);
    expect(measurer.metrics).toEqual(['memorization']);
    const { values } = await measurer.measure();
    // An untrained G's samples are no copies: they lie about as far as the folder's squares from each other, or farther.
    expect(values.memorization).toBeGreaterThan(1);
    await measurer.settled();
    measurer.dispose();
    trainer.dispose();
  });
});
