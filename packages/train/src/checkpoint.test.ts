import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WASM_GEMMS as BACKEND_GEMMS, initBackend } from '@latent/backend';
import { type ImageSet, sliceImages } from '@latent/datasets';
import { loadMnist } from '@latent/datasets/node';
import { flattenParams, mlpGan } from '@latent/models';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CheckpointError,
  checkpointJson,
  parseCheckpointFiles,
  runStampSchema,
} from './checkpoint.js';
import { type GanRunConfigInput, resolveGanRunConfig } from './config.js';
import { GanTrainer } from './gan-trainer.js';
import {
  bestMetric,
  checkpointName,
  keepBestCheckpoint,
  listCheckpoints,
  pruneCheckpoints,
  readCheckpoint,
  writeCheckpoint,
} from './node.js';

let data: ImageSet;
const small = (hidden = 32) => mlpGan({ generatorHidden: [hidden], discriminatorHidden: [16] });
// 300 images at batch 50: 6 steps an epoch, so 8 steps cross an epoch boundary.
const config = (maxSteps: number, more: GanRunConfigInput = {}) =>
  resolveGanRunConfig({ batchSize: 50, epochs: 3, maxSteps, seed: 11, ...more });

beforeAll(async () => {
  data = sliceImages((await loadMnist()).train, 0, 300, 'mnist-300');
});

async function losses(trainer: GanTrainer): Promise<number[]> {
  const out: number[] = [];
  for await (const e of trainer.run())
    if (e.type === 'step') out.push(e.dLoss, e.gLoss, e.dReal, e.dFake);
  return out;
}

describe.each(['cpu', 'wasm'] as const)('resume on %s', (backend) => {
  it.each([
    ['', {}],
    [' with DiffAugment', { augment: ['color', 'translation', 'cutout'] }],
  ] as [string, GanRunConfigInput][])(
    'continues exactly%s: the losses after resume equal those of an uninterrupted run',
    async (_, more) => {
      await initBackend(backend);
      const straight = new GanTrainer({ model: small(), data, config: config(8, more) });
      const want = await losses(straight);
      straight.dispose();

      const first = new GanTrainer({ model: small(), data, config: config(3, more) });
      const head = await losses(first);
      const dir = join(await mkdtemp(join(tmpdir(), 'latent-ckpt-')), checkpointName(first.step));
      await writeCheckpoint(dir, await first.checkpoint());
      first.dispose();

      const checkpoint = await readCheckpoint(dir);
      // The manifest records the policies like every other field.
      expect(checkpoint.manifest.config.augment).toEqual(more.augment ?? []);
      const resumed = new GanTrainer({ model: small(), data, config: config(8, more) });
      resumed.restore(checkpoint);
      expect(resumed.step).toBe(3);
      const tail = await losses(resumed);
      resumed.dispose();
      expect([...head, ...tail]).toEqual(want);
      if (more.augment) {
        // ... and a run without them cannot continue it.
        const plain = new GanTrainer({ model: small(), data, config: config(8) });
        expect(() => plain.restore(checkpoint)).toThrow(
          /augment is \["color",.*\] there, \[\] here/,
        );
        plain.dispose();
      }
    },
  );
});

describe('checkpoints', () => {
  it('refuses a checkpoint of another model or run, changing nothing', async () => {
    await initBackend('wasm');
    const trainer = new GanTrainer({ model: small(), data, config: config(2) });
    const checkpoint = await trainer.checkpoint();
    trainer.dispose();

    const other = new GanTrainer({ model: small(48), data, config: config(2) });
    const before = Array.from(flattenParams(other.generator)['dense0.kernel']!.dataSync());
    expect(() => other.restore(checkpoint)).toThrow(CheckpointError);
    expect(() => other.restore(checkpoint)).toThrow(/another configuration/);
    expect(Array.from(flattenParams(other.generator)['dense0.kernel']!.dataSync())).toEqual(before);
    expect(other.step).toBe(0);
    other.dispose();

    const reseeded = new GanTrainer({
      model: small(),
      data,
      config: resolveGanRunConfig({ ...config(2), seed: 12 }),
    });
    expect(() => reseeded.restore(checkpoint)).toThrow(/seed is 11 there, 12 here/);
    reseeded.dispose();
  });

  it('refuses truncated, corrupted and foreign files with a message naming the defect', async () => {
    await initBackend('wasm');
    const trainer = new GanTrainer({ model: small(), data, config: config(1) });
    const root = await mkdtemp(join(tmpdir(), 'latent-ckpt-'));
    const dir = join(root, checkpointName(0));
    await writeCheckpoint(dir, await trainer.checkpoint());
    trainer.dispose();
    const bin = await readFile(join(dir, 'weights.bin'));
    const json = JSON.parse(await readFile(join(dir, 'checkpoint.json'), 'utf8'));

    const variant = async (name: string, weights: Uint8Array, manifest: unknown) => {
      const d = join(root, name);
      await writeCheckpoint(d, { manifest: json, weights: new Uint8Array(bin).buffer });
      await writeFile(join(d, 'weights.bin'), weights);
      await writeFile(
        join(d, 'checkpoint.json'),
        typeof manifest === 'string' ? manifest : JSON.stringify(manifest),
      );
      return readCheckpoint(d);
    };
    await expect(variant('a', bin.subarray(0, 1000), json)).rejects.toThrow(
      /weights.bin has 1000 bytes, the manifest expects \d+ \(truncated/,
    );
    const flipped = new Uint8Array(bin);
    flipped[77] = flipped[77]! ^ 0xff;
    await expect(variant('b', flipped, json)).rejects.toThrow(
      /weights.bin is corrupted \(checksum/,
    );
    await expect(variant('c', bin, { ...json, version: 99 })).rejects.toThrow(
      /version 99; this version of latent reads version 1/,
    );
    await expect(variant('d', bin, { hello: 1 })).rejects.toThrow(/not a latent checkpoint/);
    await expect(variant('e', bin, '{"format": "latent-che')).rejects.toThrow(
      /checkpoint.json is not valid JSON/,
    );
    await expect(
      variant('f', bin, { ...json, progress: { ...json.progress, step: -1 } }),
    ).rejects.toThrow(/progress.step/);
  });

  it('never overwrites, leaves nothing behind on a failed write, lists and prunes by step', async () => {
    await initBackend('wasm');
    const trainer = new GanTrainer({ model: small(), data, config: config(1) });
    const checkpoint = await trainer.checkpoint();
    trainer.dispose();
    const root = await mkdtemp(join(tmpdir(), 'latent-ckpt-'));
    for (const step of [5, 1, 3])
      await writeCheckpoint(join(root, checkpointName(step)), checkpoint);
    await expect(writeCheckpoint(join(root, checkpointName(3)), checkpoint)).rejects.toThrow(
      /already exists/,
    );

    // A parent that is a file: the write fails, and the existing checkpoints are untouched.
    await writeFile(join(root, 'not-a-folder'), 'x');
    await expect(
      writeCheckpoint(join(root, 'not-a-folder', 'step-00000009'), checkpoint),
    ).rejects.toThrow(/Could not write checkpoint|ENOTDIR|EEXIST/);
    expect((await listCheckpoints(root)).map((c) => c.step)).toEqual([1, 3, 5]);
    await expect(readCheckpoint(join(root, checkpointName(5)))).resolves.toBeTruthy();

    // A writer killed mid-write leaves a hidden partial folder: never listed, removed by the next prune.
    await mkdir(join(root, '.step-00000007.partial-99999'));
    expect((await listCheckpoints(root)).map((c) => c.step)).toEqual([1, 3, 5]);
    await pruneCheckpoints(root, 2);
    expect((await listCheckpoints(root)).map((c) => c.step)).toEqual([3, 5]);
    expect((await readdir(root)).sort()).toEqual([
      'not-a-folder',
      'step-00000003',
      'step-00000005',
    ]);
  });
});

describe('evaluation and the best checkpoint', () => {
  it('evaluates after every n-th epoch, and checkpoints at that step carry the values', async () => {
    await initBackend('wasm');
    const trainer = new GanTrainer({ model: small(), data, config: config(18) });
    const seen: string[] = [];
    let calls = 0;
    const evaluate = {
      every: 2,
      run: async () => {
        calls += 1;
        return { score: 100 - trainer.step };
      },
    };
    let atEval: Awaited<ReturnType<GanTrainer['checkpoint']>> | undefined;
    for await (const e of trainer.run({ evaluate })) {
      if (e.type === 'epoch' || e.type === 'samples') seen.push(`${e.type} ${e.epoch}`);
      if (e.type === 'eval') {
        seen.push(`eval ${e.epoch}`);
        expect(e.values).toEqual({ score: 100 - e.step });
        atEval = await trainer.checkpoint();
      }
    }
    // 6 steps an epoch, 3 epochs: only epoch 2 is a multiple of 2. Epochs
    // that short are not each recorded: grids before training and at the end.
    expect(calls).toBe(1);
    expect(seen).toEqual(['samples 0', 'epoch 1', 'epoch 2', 'eval 2', 'epoch 3', 'samples 3']);
    expect(atEval?.manifest.metrics).toEqual({ score: 88 });
    // A later checkpoint was not evaluated, so it carries no values.
    expect((await trainer.checkpoint()).manifest.metrics).toBeUndefined();
    trainer.dispose();
  });

  it('keeps the best checkpoint by a metric, in either direction, and only one', async () => {
    await initBackend('wasm');
    const trainer = new GanTrainer({ model: small(), data, config: config(2) });
    const base = await trainer.checkpoint();
    trainer.dispose();
    const at = (step: number, fid: number) => ({
      ...base,
      manifest: {
        ...base.manifest,
        progress: { ...base.manifest.progress, step },
        metrics: { fid },
      },
    });
    const lower = await mkdtemp(join(tmpdir(), 'latent-best-'));
    const kept: boolean[] = [];
    for (const [step, fid] of [
      [10, 30],
      [20, 25],
      [30, 27],
      [40, 12],
    ] as const)
      kept.push((await keepBestCheckpoint(lower, at(step, fid), 'fid', 'lower')).kept);
    expect(kept).toEqual([true, true, false, true]);
    expect(await listCheckpoints(join(lower, 'best'))).toEqual([
      { path: join(lower, 'best', checkpointName(40)), step: 40 },
    ]);
    expect(await bestMetric(lower, 'fid')).toBe(12);
    // The kept folder is a whole checkpoint that reads back.
    expect(
      (await readCheckpoint(join(lower, 'best', checkpointName(40)))).manifest.metrics,
    ).toEqual({ fid: 12 });

    const higher = await mkdtemp(join(tmpdir(), 'latent-best-'));
    await keepBestCheckpoint(higher, at(10, 3), 'fid', 'higher');
    expect((await keepBestCheckpoint(higher, at(20, 2), 'fid', 'higher')).kept).toBe(false);
    expect((await keepBestCheckpoint(higher, at(30, 4), 'fid', 'higher')).best).toBe(4);

    await expect(keepBestCheckpoint(higher, base, 'fid', 'higher')).rejects.toThrow(
      /no finite 'fid' value/,
    );
  });
});

describe("a checkpoint's files in a page", () => {
  it('checkpoint.json as writeCheckpoint writes it reads back with its weights; other text is refused', async () => {
    await initBackend('cpu');
    const trainer = new GanTrainer({ model: small(), data, config: config(1) });
    const checkpoint = await trainer.checkpoint();
    trainer.dispose();
    const dir = join(await mkdtemp(join(tmpdir(), 'latent-ckpt-')), checkpointName(0));
    await writeCheckpoint(dir, checkpoint);
    const text = checkpointJson(checkpoint.manifest);
    expect(await readFile(join(dir, 'checkpoint.json'), 'utf8')).toBe(text);
    const opened = parseCheckpointFiles(text, checkpoint.weights, 'picked');
    expect(opened.manifest).toEqual(checkpoint.manifest);
    expect(() => parseCheckpointFiles('{"format', checkpoint.weights, 'picked')).toThrow(
      /^picked: checkpoint.json is not valid JSON/,
    );
    expect(() => parseCheckpointFiles('{"format', checkpoint.weights, 'picked')).toThrow(
      CheckpointError,
    );
  });
});

describe("a checkpoint's run stamp", () => {
  it("records the wasm GEMM by @latent/backend's names; one without it (an older run's) stays valid", async () => {
    // The stamp names exactly the GEMMs the backend reports.
    expect(runStampSchema.shape.gemm.unwrap().options).toEqual([...BACKEND_GEMMS]);

    await initBackend('cpu');
    const trainer = new GanTrainer({ model: small(), data, config: config(1) });
    const { manifest, weights } = await trainer.checkpoint();
    trainer.dispose();
    const stamped = (run: object) => checkpointJson({ ...manifest, run } as typeof manifest);
    const older = { backend: 'wasm', workers: 2, keep: 3 };
    for (const run of [older, ...BACKEND_GEMMS.map((gemm) => ({ ...older, gemm }))])
      expect(parseCheckpointFiles(stamped(run), weights, 'ckpt').manifest.run).toEqual(run);
    expect(() =>
      parseCheckpointFiles(stamped({ ...older, gemm: 'openblas' }), weights, 'ckpt'),
    ).toThrow(/^ckpt: checkpoint.json is invalid: run\.gemm: /);
  });
});
