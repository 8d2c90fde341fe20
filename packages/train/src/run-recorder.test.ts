import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@latent/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { RunRequestError } from './data-source.js';
import { RunMeasurer } from './evaluation.js';
import {
  listCheckpoints,
  type Recorded,
  RunFolder,
  RunRecorder,
  readRunRequest,
  recordRun,
  resolveRunHere,
} from './node.js';
import { continueFrom, createTrainer } from './run.js';

let root: string;
beforeAll(async () => {
  await initBackend('wasm');
  root = await mkdtemp(join(tmpdir(), 'latent-recorder-'));
});

const stamp = { backend: 'wasm', workers: 1, keep: 2 };
const noImages = () => Promise.reject(new Error('a toy run loads no images'));

/** Trains a run to its end, recording every event; the events with what recording them wrote. */
async function record(
  name: string,
  request: Record<string, unknown>,
  options: { every?: number; eval?: boolean } = {},
) {
  const run = await resolveRunHere(request);
  const policy = options.every ? { ...stamp, checkpointEvery: options.every } : stamp;
  const folder = await RunFolder.create(join(root, name), run, policy);
  const trainer = createTrainer(run);
  const settings = { metrics: ['js'], every: 1, n: 200, keepBest: 'js' };
  const measurer = options.eval ? new RunMeasurer(trainer, settings, noImages) : undefined;
  const recorder = new RunRecorder(run, trainer, folder, measurer?.best);
  const seen: { type: string; partial?: boolean; recorded: Recorded }[] = [];
  try {
    for await (const e of trainer.run({ evaluate: measurer?.evaluation })) {
      const recorded = await recorder.record(e);
      seen.push({ type: e.type, ...('partial' in e ? { partial: e.partial } : {}), recorded });
    }
  } finally {
    recorder.dispose();
    measurer?.dispose();
    trainer.dispose();
  }
  return { dir: folder.dir, folder, seen };
}

describe('RunRecorder', () => {
  it("writes an image run's metrics, grids, checkpoints by the policy and report", async () => {
    const { dir, seen } = await record(
      'images',
      { dataLimit: 40, batchSize: 20, epochs: 2, sampleCount: 4, logEvery: 1 },
      { every: 3 },
    );
    const metrics = (await readFile(join(dir, 'metrics.jsonl'), 'utf8')).trim().split('\n');
    expect(metrics).toHaveLength(4);
    const line = JSON.parse(metrics[0]!);
    expect(Object.keys(line)).toEqual(
      expect.arrayContaining(['step', 'epoch', 'dLoss', 'gLoss', 'stepsPerSecond']),
    );
    expect(line).not.toHaveProperty('type');
    // Two-step epochs: a grid before training and at the end, none between (fewer than 50 steps).
    expect((await readdir(join(dir, 'samples'))).sort()).toEqual([
      'epoch-000.png',
      'epoch-002.png',
    ]);
    const samples = seen.filter((s) => s.type === 'samples');
    expect(samples.map((s) => s.recorded.file)).toEqual(
      ['epoch-000.png', 'epoch-002.png'].map((f) => join(dir, 'samples', f)),
    );
    // 4 images of 28x28 at scale 2: the grid as drawn into the file, for a terminal preview.
    expect(samples[0]!.recorded.grid?.width).toBeGreaterThan(56);
    // Every 3 steps and at the end (step 4), the newest two kept.
    expect((await listCheckpoints(join(dir, 'checkpoints'))).map((c) => c.step)).toEqual([3, 4]);
    expect(await readFile(join(dir, 'report.html'), 'utf8')).toContain('Before and after');
    expect(await readFile(join(dir, 'training.gif'))).toBeDefined();
  });

  it("draws a toy run's pictures, records its evaluations and keeps the best checkpoint", async () => {
    const { dir, seen } = await record(
      'toy',
      { dataset: 'ring', dataLimit: 128, batchSize: 64, epochs: 2 },
      { eval: true },
    );
    expect((await readdir(join(dir, 'samples'))).sort()).toEqual([
      'epoch-000.svg',
      'epoch-002.svg',
    ]);
    expect(await readFile(join(dir, 'samples', 'epoch-002.svg'), 'utf8')).toContain(
      'epoch 2 (step 4)',
    );
    const evals = (await readFile(join(dir, 'eval.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { step: number; epoch: number; js: number });
    expect(evals.map((e) => [e.epoch, e.step])).toEqual([
      [1, 2],
      [2, 4],
    ]);
    const bests = seen.filter((s) => s.type === 'eval').map((s) => s.recorded.best);
    expect(bests[0]).toEqual({ metric: 'js', kept: true, best: evals[0]!.js });
    const best = evals.reduce((a, b) => (b.js < a.js ? b : a));
    const kept = await listCheckpoints(join(dir, 'checkpoints', 'best'));
    expect(kept.map((k) => k.step)).toEqual([best.step]);
    expect(await readFile(join(dir, 'report.html'), 'utf8')).toContain('The game per epoch');
  });
});

describe('recordRun', () => {
  it('trains a run into its folder, shows each event with what was written, frees the trainer; continueFrom goes on', async () => {
    const before = tf.memory().numTensors;
    const run = await resolveRunHere({
      dataset: 'moons',
      dataLimit: 128,
      batchSize: 64,
      epochs: 1,
    });
    const folder = await RunFolder.create(join(root, 'recorded'), run, stamp);
    const shown: string[] = [];
    const settings = { metrics: ['js'], every: 1, n: 100 };
    await recordRun(run, createTrainer(run), folder, {
      eval: settings,
      onEvent: (e, recorded) => shown.push(recorded.file ? `${e.type} file` : e.type),
    });
    expect(shown).toContain('samples file');
    expect(shown).toContain('eval');
    expect(shown.at(-1)).toBe('done');
    expect(tf.memory().numTensors).toBe(before);
    const { checkpoint } = await RunFolder.open(folder.dir);
    const finished = createTrainer(run);
    expect(() => continueFrom(finished, checkpoint, 'the run')).toThrow(
      /the run already reached step 2 of 2; pass a larger --epochs or --max-steps/,
    );
    const longer = await resolveRunHere({
      dataset: 'moons',
      dataLimit: 128,
      batchSize: 64,
      epochs: 2,
    });
    const trainer = createTrainer(longer);
    continueFrom(trainer, checkpoint, 'the run');
    expect(trainer.step).toBe(2);
    trainer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses evaluation settings that do not fit the run, and frees the trainer', async () => {
    const before = tf.memory().numTensors;
    const run = await resolveRunHere({ dataset: 'moons', dataLimit: 128, batchSize: 64 });
    const folder = await RunFolder.create(join(root, 'refused'), run, stamp);
    const settings = { metrics: ['fid'], every: 1, n: 100 };
    await expect(recordRun(run, createTrainer(run), folder, { eval: settings })).rejects.toThrow(
      RunRequestError,
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('readRunRequest', () => {
  it('reads a JSON object, and says what is wrong with anything else', async () => {
    const file = join(root, 'run.json');
    await writeFile(file, '{"model": "dcgan", "epochs": 2}');
    expect(await readRunRequest(file)).toEqual({ model: 'dcgan', epochs: 2 });
    await writeFile(file, '[1, 2]');
    await expect(readRunRequest(file)).rejects.toThrow(
      /run.json is not a JSON object: expected a JSON object/,
    );
    await writeFile(file, '{');
    await expect(readRunRequest(file)).rejects.toThrow(RunRequestError);
    await expect(readRunRequest(join(root, 'none.json'))).rejects.toThrow(
      /Cannot read config file .*none.json/,
    );
  });
});
