import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@latent/backend';
import { isPointSet } from '@latent/datasets';
import { encodePng } from '@latent/vis';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { RunRequestError } from './data-source.js';
import { loadData, RunFolder, resolveRunHere } from './node.js';
import { createTrainer, describeRun, planRun, resumeRun } from './run.js';

let root: string;

/** A PNG of a square of side `size`, coloured by class, on a dark ground. */
function squarePng(size: number, k: number, i: number): Uint8Array {
  const data = new Uint8ClampedArray(size * size * 4);
  for (let p = 0; p < size * size; p++) {
    const [x, y] = [(p % size) - size / 2, Math.floor(p / size) - size / 2];
    const inside = Math.max(Math.abs(x), Math.abs(y)) < 3 + 3 * k;
    data.set(inside ? [60 * i, 200 - 50 * k, 40 + 80 * k, 255] : [10, 10, 30, 255], p * 4);
  }
  return encodePng({ width: size, height: size, data });
}

/** A folder of PNGs: `classes` sub-folders (or none) of `perClass` images of side `size`. */
async function folderOf(name: string, classes: number, perClass: number, size = 40) {
  const dir = join(root, name);
  for (let k = 0; k < Math.max(classes, 1); k++) {
    const sub = classes > 0 ? join(dir, `class-${k}`) : dir;
    await mkdir(sub, { recursive: true });
    for (let i = 0; i < perClass; i++)
      await writeFile(join(sub, `${i}.png`), squarePng(size, k, i));
  }
  return dir;
}

beforeAll(async () => {
  await initBackend('wasm');
  root = await mkdtemp(join(tmpdir(), 'latent-run-'));
});

describe('resolveRun', () => {
  it('names no model: the first run, a DCGAN on MNIST for 3 epochs at batch 64', async () => {
    const run = await resolveRunHere({ dataLimit: 200, epochs: undefined });
    expect(run.kind).toBe('gan');
    expect(run.model.name).toBe('dcgan');
    expect(run.config).toMatchObject({
      dataset: 'mnist',
      optimizer: 'adam',
      batchSize: 64,
      epochs: 3,
      dataLimit: 200,
    });
    expect(run.data.count).toBe(200);
    // What the request gives wins; a named model gets its own defaults.
    expect(planRun({ batchSize: 32 }).requested).toMatchObject({ model: 'dcgan', batchSize: 32 });
    expect((await resolveRunHere({ model: 'dcgan', dataLimit: 200 })).config).toMatchObject({
      batchSize: 128,
      epochs: 1,
    });
  });

  it("--model mlp-gan: the 2014 paper's GAN, with its authors' simultaneous updates", async () => {
    const run = await resolveRunHere({ model: 'mlp-gan', dataLimit: 200 });
    expect(run.model.name).toBe('mlp-gan');
    expect(run.config).toMatchObject({ dataset: 'mnist', updates: 'simultaneous', dataLimit: 200 });
  });

  it('trains a DCGAN on a folder of colour images at 32 px; the folder is recorded by its absolute path', async () => {
    const dir = await folderOf('colour', 0, 6);
    const request = { model: 'dcgan', dataset: dir, imageSize: 32 };
    expect(planRun(request).requested).toMatchObject(request);
    const run = await resolveRunHere({ ...request, batchSize: 3 });
    expect(run.model.imageShape).toEqual([32, 32, 3]);
    expect(run.config).toMatchObject({ dataset: dir, optimizer: 'adam', batchSize: 3 });
    const trainer = createTrainer(run);
    const before = tf.memory().numTensors;
    trainer.trainStep().stats.dispose();
    trainer.trainStep().stats.dispose();
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose();
  });

  it('builds a conditional GAN for the class count of the folder', async () => {
    const dir = await folderOf('three', 3, 2, 28);
    const run = await resolveRunHere({ model: 'cgan', dataset: dir });
    expect(run.model.numClasses).toBe(3);
    // The paper's batch size, where the request leaves it open.
    expect(run.config.batchSize).toBe(100);
    expect(run.data).toMatchObject({ classNames: ['class-0', 'class-1', 'class-2'], count: 6 });
  });

  it('picks the toy GAN on a toy distribution, with z as wide as the data', async () => {
    const ring = await resolveRunHere({ dataset: 'ring' });
    expect(ring.model.name).toBe('toy-gan');
    expect(isPointSet(ring.data) && ring.data.dim).toBe(2);
    expect(ring.config.optimizer).toBe('adam');
    const line = await resolveRunHere({ dataset: 'mixture-1d' });
    expect(line.kind === 'gan' && line.model.noiseDim).toBe(1);
  });

  it.each([
    [{ model: '__proto__' }, /model is "__proto__", which latent does not know/],
    [{ model: 'constructor' }, /model is "constructor"/],
    [
      { model: 'dcgan', dataset: 'ring' },
      /dcgan trains on images; the toy distribution ring needs toy-gan/,
    ],
    [{ model: 'toy-gan' }, /toy-gan trains on the toy distributions, not on mnist/],
    [{ model: 'mlp-vae', k: 5 }, /k applies to GANs only, not to mlp-vae/],
    [{ batchSize: -1 }, /batchSize/],
    [{ dataset: 'rnig' }, /rnig is neither a dataset latent knows .* nor a folder of images/],
    [{ dataset: 'mnist', imageSize: 32 }, /image size and channels apply to image folders/],
  ])('refuses %j before training', async (request, message) => {
    await expect(resolveRunHere(request)).rejects.toThrow(message);
    await expect(resolveRunHere(request)).rejects.toBeInstanceOf(RunRequestError);
  });

  it('refuses a folder a model cannot use, naming what is wrong', async () => {
    const empty = join(root, 'empty');
    await mkdir(empty);
    await expect(resolveRunHere({ dataset: empty })).rejects.toThrow(/no PNG or JPEG images/);
    const flat = await folderOf('flat', 0, 3, 28);
    await expect(resolveRunHere({ model: 'cgan', dataset: flat })).rejects.toThrow(
      /cgan is conditional and .* has no classes/,
    );
    const one = await folderOf('one', 1, 3, 28);
    await expect(resolveRunHere({ model: 'acgan', dataset: one })).rejects.toThrow(/one class/);
    const mixed = await folderOf('mixed', 0, 2, 28);
    await writeFile(join(mixed, 'z.png'), squarePng(30, 0, 0));
    await expect(resolveRunHere({ dataset: mixed })).rejects.toThrow(/mixed sizes/);
    await writeFile(join(mixed, 'broken.png'), new Uint8Array([137, 80, 78, 71, 1, 2, 3]));
    await expect(resolveRunHere({ dataset: mixed, imageSize: 28 })).rejects.toThrow(/broken\.png/);
  });

  it('describes a run in one line, the same in both shells (describeRun)', async () => {
    const paper = await resolveRunHere({ model: 'mlp-gan', dataLimit: 1200, batchSize: 32 });
    expect(describeRun(paper)).toBe(
      'mlp-gan on mnist-train[:1200] (1,200 images): gan loss, k 1 (D and G updated simultaneously), sgd lr G 0.1 / D 0.1, batch 32',
    );
    const ring = await resolveRunHere({ dataset: 'ring', loss: 'hinge' });
    expect(describeRun(ring)).toMatch(
      /^toy-gan on ring \(20,000 points\): hinge loss, k 1, adam lr G /,
    );
    const vae = await resolveRunHere({ model: 'mlp-vae', latentDim: 2, dataLimit: 300 });
    expect(describeRun(vae)).toBe(
      'mlp-vae on mnist-train[:300] (300 images), 2-d latent: adam lr 0.001, batch 100, dynamic binarization',
    );
  });

  it('checks every field without loading data (planRun)', () => {
    expect(planRun({ dataset: 'spiral' }).entry.name).toBe('toy-gan');
    expect(() => planRun({ model: 'dcgan', lr: 1 })).toThrow(/lr/);
  });
});

describe('resumeRun', () => {
  it('rebuilds a folder run from its checkpoint alone, through a run folder', async () => {
    const dir = await folderOf('resume', 0, 4, 28);
    const run = await resolveRunHere({ model: 'dcgan', dataset: dir, batchSize: 2, maxSteps: 1 });
    const out = join(root, 'run-resume');
    const folder = await RunFolder.create(out, run, { backend: 'cpu', workers: 1, keep: 2 });
    const trainer = createTrainer(run);
    for await (const _ of trainer.run());
    await folder.save(trainer);
    trainer.dispose();
    const { folder: opened, checkpoint } = await RunFolder.open(out);
    expect(opened.stamp).toEqual({ backend: 'cpu', workers: 1, keep: 2 });
    const again = await resumeRun(checkpoint.manifest, { maxSteps: 3 }, loadData, out);
    expect(again.model.config).toEqual(run.model.config);
    expect(again.config).toEqual({ ...run.config, maxSteps: 3 });
    const resumed = createTrainer(again);
    resumed.restore(checkpoint);
    expect(resumed.step).toBe(1);
    resumed.dispose();
  });
});

describe('a trainer between steps', () => {
  it('previews the fixed-noise grid of the step it is at, as a partial samples event', async () => {
    const run = await resolveRunHere({ dataLimit: 40, batchSize: 20, sampleCount: 4, maxSteps: 2 });
    const trainer = createTrainer(run);
    for await (const _ of trainer.run());
    const preview = await trainer.preview();
    expect(preview).toMatchObject({ type: 'samples', step: 2, partial: true, count: 4 });
    expect(preview.shape).toEqual([28, 28, 1]);
    expect(preview.images).toEqual(await trainer.samples());
    expect(preview.images).toHaveLength(4 * 28 * 28);
    trainer.dispose();
  });
});
