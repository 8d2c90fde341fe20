// The trainers on the webgpu backend in Node (Dawn). Where no GPU exists this
// runs on the SwiftShader Vulkan driver of the chromium package (a CPU
// emulation, ~0.6 GFLOP/s), so the models train at small batch sizes here:
// the point is correctness against the cpu backend, not speed.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GpuDeviceLostError, initBackend } from '@latent/backend';
import { type ImageSet, sliceImages } from '@latent/datasets';
import { loadMnist } from '@latent/datasets/node';
import { dcgan, type GanModel, mlpGan, mlpVae } from '@latent/models';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveGanRunConfig, resolveVaeRunConfig } from './config.js';
import { GanTrainer } from './gan-trainer.js';
import { checkpointName, readCheckpoint, writeCheckpoint } from './node.js';
import { paperSettings } from './registry.js';
import { VaeTrainer } from './vae-trainer.js';

const noGpu = await initBackend('webgpu').then(
  () => undefined,
  (e: Error) => e.message,
);
if (noGpu) {
  // CI installs chromium (scripts/setup.sh --browser), whose SwiftShader gives an adapter.
  if (process.env.CI) throw new Error(`webgpu tests cannot run in CI: ${noGpu}`);
  console.error(`\n*** SKIPPING the webgpu trainer tests: ${noGpu}\n`);
}

let data: ImageSet;
beforeAll(async () => {
  data = sliceImages((await loadMnist()).train, 0, 200, 'mnist-200');
});

type AnyTrainer = GanTrainer | VaeTrainer;
interface Run {
  stats: number[];
  /** What the step changed: weights, optimizer slots, batch-norm statistics. */
  update: Float32Array;
}

/** One step on `backend`: its statistics and the change it made to the trainer's state. */
async function oneStep(backend: 'cpu' | 'webgpu', make: () => AnyTrainer): Promise<Run> {
  await initBackend(backend);
  const trainer = make();
  const state = async () => new Float32Array((await trainer.checkpoint()).weights);
  const before = await state();
  const stats: number[] = [];
  for await (const e of trainer.run()) {
    if (e.type === 'step') {
      const { type: _, step, epoch, learningRate, momentum, ...values } = e;
      stats.push(...Object.values(values as Record<string, number>));
    }
  }
  const update = await state();
  trainer.dispose();
  update.forEach((v, i) => {
    update[i] = v - (before[i] as number);
  });
  return { stats, update };
}

/** Relative difference of two vectors in the 2-norm. */
function relative(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    d += ((a[i] as number) - (b[i] as number)) ** 2;
    n += (b[i] as number) ** 2;
  }
  return Math.sqrt(d / Math.max(n, 1e-30));
}

async function expectSameAsCpu(make: () => AnyTrainer, tolerance: number): Promise<void> {
  const cpu = await oneStep('cpu', make);
  const gpu = await oneStep('webgpu', make);
  expect(gpu.stats).toHaveLength(cpu.stats.length);
  expect(gpu.update.length).toBeGreaterThan(1000);
  expect(gpu.update).toHaveLength(cpu.update.length);
  gpu.stats.forEach((v, i) => {
    expect(v).toBeCloseTo(cpu.stats[i] as number, 3);
  });
  const difference = relative(gpu.update, cpu.update);
  console.log(
    `webgpu vs cpu: the step's updates differ by ${difference.toExponential(2)} relative`,
  );
  expect(difference).toBeLessThan(tolerance);
}

const gan = (model: GanModel, batchSize: number, maxSteps = 1) =>
  new GanTrainer({
    model,
    data,
    config: resolveGanRunConfig({
      ...paperSettings(model),
      batchSize,
      maxSteps,
      sampleCount: 4,
      seed: 3,
    }),
  });
const smallGan = (maxSteps: number) =>
  gan(mlpGan({ generatorHidden: [64], discriminatorHidden: [32] }), 20, maxSteps);

// SwiftShader compiles each new shader on the CPU: a model's first step takes seconds.
describe.skipIf(noGpu !== undefined)(
  'trainers on webgpu (Node, Dawn)',
  { timeout: 300_000 },
  () => {
    // Small batches: SwiftShader runs ~0.6 GFLOP/s, and DCGAN's step is ~0.6 GFLOP per image.
    it("the paper's MLP GAN: a step equals the cpu backend's", async () => {
      await expectSameAsCpu(() => gan(mlpGan(), 10), 1e-4);
    });

    it("DCGAN: a step (conv, transposed conv, batch norm, Adam) equals the cpu backend's", async () => {
      await expectSameAsCpu(() => gan(dcgan(), 2), 1e-4);
    });

    it("the paper's MLP VAE: a step equals the cpu backend's", async () => {
      const make = () =>
        new VaeTrainer({
          model: mlpVae(),
          data,
          config: resolveVaeRunConfig({ batchSize: 20, maxSteps: 1, sampleCount: 4, seed: 3 }),
        });
      await expectSameAsCpu(make, 1e-4);
    });

    it('resumes exactly: the losses after a restore equal those of an uninterrupted run', async () => {
      await initBackend('webgpu');
      const losses = async (t: GanTrainer) => {
        const out: number[] = [];
        for await (const e of t.run())
          if (e.type === 'step') out.push(e.dLoss, e.gLoss, e.dReal, e.dFake);
        return out;
      };
      const straight = smallGan(3);
      const want = await losses(straight);
      straight.dispose();
      const first = smallGan(1);
      const head = await losses(first);
      const dir = join(await mkdtemp(join(tmpdir(), 'latent-webgpu-')), checkpointName(first.step));
      await writeCheckpoint(dir, await first.checkpoint());
      first.dispose();
      const resumed = smallGan(3);
      resumed.restore(await readCheckpoint(dir));
      const tail = await losses(resumed);
      resumed.dispose();
      expect([...head, ...tail]).toEqual(want);
    });

    it('keeps tensors and GPU memory flat over steps and releases the GPU buffers on dispose', async () => {
      await initBackend('webgpu');
      const start = tf.memory() as tf.MemoryInfo & { numBytesInGPU: number };
      const trainer = smallGan(100);
      // As the loop does: a read ends each step, so the GPU's queue is flushed
      // and the buffers tfjs frees once their commands ran are back in its pool.
      const take = async () => {
        const { stats } = trainer.trainStep();
        await stats.data();
        stats.dispose();
      };
      await take();
      await take();
      const before = tf.memory() as typeof start;
      expect(before.numBytesInGPU).toBeGreaterThan(start.numBytesInGPU);
      for (let i = 0; i < 3; i++) await take();
      const after = tf.memory() as typeof start;
      expect(after.numTensors).toBe(before.numTensors);
      expect(after.numBytesInGPU).toBe(before.numBytesInGPU);
      trainer.dispose();
      const end = tf.memory() as typeof start;
      expect(end.numTensors).toBe(start.numTensors);
      expect(end.numBytesInGPU).toBe(start.numBytesInGPU);
    });

    it('a device lost mid-run stops the run with a clear error; the last checkpoint stays intact', async () => {
      await initBackend('webgpu');
      const dir = join(await mkdtemp(join(tmpdir(), 'latent-webgpu-lost-')), 'step-1');
      const trainer = smallGan(4);
      const steps: number[] = [];
      const run = async () => {
        for await (const e of trainer.run()) {
          if (e.type !== 'step') continue;
          steps.push(e.step);
          if (e.step === 1) await writeCheckpoint(dir, await trainer.checkpoint());
          // What a driver reset or a removed GPU does to the device.
          if (e.step === 2) (tf.backend() as unknown as { device: GPUDevice }).device.destroy();
        }
      };
      await expect(run()).rejects.toThrow(GpuDeviceLostError);
      await expect(run()).rejects.toThrow(/WebGPU device was lost/);
      expect(steps).toEqual([1, 2]);
      trainer.dispose();

      // A fresh device, and the checkpoint written before the loss continues the run.
      await initBackend('webgpu');
      const resumed = smallGan(3);
      resumed.restore(await readCheckpoint(dir));
      expect(resumed.step).toBe(1);
      const after: number[] = [];
      for await (const e of resumed.run()) if (e.type === 'step') after.push(e.step);
      resumed.dispose();
      expect(after).toEqual([2, 3]);
    });
  },
);
