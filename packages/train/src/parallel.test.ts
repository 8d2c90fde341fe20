import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { initBackend } from '@latent/backend';
import { type ImageSet, sliceImages } from '@latent/datasets';
import { loadMnist } from '@latent/datasets/node';
import { dcgan, flattenParams, mlpGan, mlpVae, type ParamTree } from '@latent/models';
import * as tf from '@tensorflow/tfjs-core';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeBundleOptions } from '../../../scripts/node-bundle.mjs';
import type { Checkpoint } from './checkpoint.js';
import { resolveGanRunConfig, resolveVaeRunConfig } from './config.js';
import { GanTrainer } from './gan-trainer.js';
import {
  createParallelGanTrainer,
  createParallelVaeTrainer,
  SharedMemoryShard,
} from './parallel.js';
import { VaeTrainer } from './vae-trainer.js';

// Worker threads run plain JavaScript: bundle the worker script as the CLI's
// build does, beside this file so it finds the wasm binaries.
const script = fileURLToPath(new URL(`./.latent-run-replica-${process.pid}.mjs`, import.meta.url));
const shardScript = fileURLToPath(
  new URL(`./.latent-run-shard-${process.pid}.mjs`, import.meta.url),
);
let data: ImageSet;

beforeAll(async () => {
  for (const [entry, outfile] of [
    ['./parallel.test-worker.ts', script],
    ['./shard.test-worker.ts', shardScript],
  ] as const)
    await build({
      ...nodeBundleOptions,
      entryPoints: [fileURLToPath(new URL(entry, import.meta.url))],
      outfile,
    });
  data = sliceImages((await loadMnist()).train, 0, 200, 'mnist-200');
});

afterAll(() => {
  rmSync(script, { force: true });
  rmSync(shardScript, { force: true });
});

const parallel = (workers: number) => ({ workers, script, scriptData: { backend: 'wasm' } });

async function steps(
  trainer: { trainStep(): { stats: tf.Tensor } },
  n: number,
): Promise<number[][]> {
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    const { stats } = trainer.trainStep();
    out.push(Array.from(await stats.data()));
    stats.dispose();
  }
  return out;
}

function weights(tree: ParamTree): Float32Array[] {
  return Object.values(flattenParams(tree)).map((v) => v.dataSync() as Float32Array);
}

function maxRelDiff(a: number[] | Float32Array, b: number[] | Float32Array): number {
  let diff = 0;
  let scale = 1e-12;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs((a[i] as number) - (b[i] as number)));
    scale = Math.max(scale, Math.abs(b[i] as number));
  }
  return diff / scale;
}

/**
 * Three steps of one thread and of replicas from the same start agree to float
 * noise: the statistics of each step, and the weights after (to `tolerance`).
 */
async function expectAsOneThread<T extends GanTrainer | VaeTrainer>(
  single: T,
  replicated: T,
  tree: (trainer: T) => ParamTree,
  tolerance: number,
): Promise<void> {
  const [want, got] = [await steps(single, 3), await steps(replicated, 3)];
  const [wantWeights, gotWeights] = [weights(tree(single)), weights(tree(replicated))];
  single.dispose();
  replicated.dispose();
  for (let i = 0; i < 3; i++) expect(maxRelDiff(got[i]!, want[i]!)).toBeLessThan(1e-4);
  for (const [i, w] of gotWeights.entries())
    expect(maxRelDiff(w, wantWeights[i]!)).toBeLessThan(tolerance);
}

const smallGan = () =>
  mlpGan({ generatorHidden: [32], discriminatorHidden: [16], maxoutPieces: 3, noiseDim: 10 });

describe('the shared-memory exchange', () => {
  it('gives every replica the same sums, added in rank order', async () => {
    const [count, size] = [3, 1001]; // chunks of 334, 334 and 333 values
    // Values whose float32 sum depends on the order they are added in.
    const big = [1e8, 1, -1e8];
    const values = Array.from({ length: count }, (_, rank) =>
      Float32Array.from({ length: size }, (_, i) => (big[(rank + i) % 3] as number) + (i % 7) / 10),
    );
    const rankOrder = values[0]!.map((v, i) =>
      Math.fround(Math.fround(v + values[1]![i]!) + values[2]![i]!),
    );
    const reversed = values[2]!.map((v, i) =>
      Math.fround(Math.fround(v + values[1]![i]!) + values[0]![i]!),
    );
    expect(rankOrder.some((v, i) => v !== reversed[i])).toBe(true);

    const buffer = SharedMemoryShard.allocate(count, size + 5);
    const fromWorkers = [1, 2].map(
      (rank) =>
        new Promise<number[]>((resolve, reject) => {
          const worker = new Worker(shardScript, {
            workerData: { buffer, rank, count, values: values[rank] },
          });
          worker.once('message', (sums: number[]) => resolve(sums));
          worker.once('error', reject);
        }),
    );
    const shard = new SharedMemoryShard(buffer, 0, count);
    shard.contribution(size).set(values[0]!);
    const own = Array.from(shard.allReduce(size));
    expect(own).toEqual(Array.from(rankOrder));
    for (const sums of await Promise.all(fromWorkers)) expect(sums).toEqual(own);
  });
});

describe('data-parallel training', () => {
  it('two replicas train the small GAN as one thread does (losses, weights; exact resume)', async () => {
    await initBackend('wasm');
    const config = resolveGanRunConfig({ batchSize: 25, k: 2, emaDecay: 0.9 });
    const single = new GanTrainer({ model: smallGan(), data, config });
    const want = await steps(single, 4);
    const wantWeights = weights({ g: single.generator, d: single.discriminator });
    single.dispose();

    const first = createParallelGanTrainer({ model: smallGan(), data, config }, parallel(2));
    const got = await steps(first, 2);
    const checkpoint: Checkpoint = await first.checkpoint();
    first.dispose();
    // A fresh pair of replicas resumes from replica 0's checkpoint.
    const second = createParallelGanTrainer({ model: smallGan(), data, config }, parallel(2));
    second.restore(checkpoint);
    got.push(...(await steps(second, 2)));
    const gotWeights = weights({ g: second.generator, d: second.discriminator });
    // Replicas add float partial sums in another order than one thread: agreement to float noise.
    for (let i = 0; i < 4; i++) expect(maxRelDiff(got[i]!, want[i]!)).toBeLessThan(1e-4);
    // Four SGD updates at the paper's rate 0.1 with momentum grow that noise a little.
    for (const [i, w] of gotWeights.entries())
      expect(maxRelDiff(w, wantWeights[i]!)).toBeLessThan(1e-3);
    const before = tf.memory().numTensors;
    await steps(second, 2);
    expect(tf.memory().numTensors).toBe(before);
    second.dispose();
  });

  it('two replicas augment their rows as one thread augments the batch (DiffAugment)', async () => {
    await initBackend('wasm');
    // 25 rows: replicas of 13 and 12, so each must take its own rows of the batch's draws.
    const config = resolveGanRunConfig({
      batchSize: 25,
      k: 2,
      emaDecay: 0.9,
      augment: ['color', 'translation', 'cutout'],
    });
    await expectAsOneThread(
      new GanTrainer({ model: smallGan(), data, config }),
      createParallelGanTrainer({ model: smallGan(), data, config }, parallel(2)),
      (t) => ({ g: t.generator, d: t.discriminator }),
      1e-3,
    );
  });

  it('two replicas train the small VAE as one thread does', async () => {
    await initBackend('wasm');
    const model = () => mlpVae({ hidden: [32], latentDim: 4 });
    // SGD: Adam divides by the root of tiny squared gradients and so magnifies
    // float noise in near-zero gradients into whole learning-rate steps.
    const config = resolveVaeRunConfig({ batchSize: 20, optimizer: 'sgd', learningRate: 0.01 });
    await expectAsOneThread(
      new VaeTrainer({ model: model(), data, config }),
      createParallelVaeTrainer({ model: model(), data, config }, parallel(2)),
      (t) => ({ e: t.encoder, d: t.decoder }),
      1e-4,
    );
  });

  it('batch norm normalizes each replica with its own rows, so a DCGAN differs from one thread', async () => {
    await initBackend('wasm');
    const model = () => dcgan({ imageShape: [28, 28, 1] });
    const config = resolveGanRunConfig({ model: 'dcgan', batchSize: 8, optimizer: 'adam' });
    const single = new GanTrainer({ model: model(), data, config });
    const [want] = await steps(single, 1);
    single.dispose();
    const replicated = createParallelGanTrainer({ model: model(), data, config }, parallel(2));
    const [got] = await steps(replicated, 1);
    replicated.dispose();
    // Same weights and inputs, per-half statistics: the losses move, but only a little.
    const diff = maxRelDiff(got!, want!);
    expect(diff).toBeGreaterThan(1e-4);
    expect(diff).toBeLessThan(0.5);
  });
});
