import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '@latent/backend';
import type { RunStamp } from '@latent/train';
import { listCheckpoints, readCheckpoint } from '@latent/train/node';
import { decodePng, encodePng } from '@latent/vis';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'dist', 'latent.js');
/** Runs the bundled command as a user types it. */
const typed = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: root });

/**
 * The bundled command in a Node whose engine has no relaxed SIMD (an explicit
 * V8 flag the Node entry respects): latent's GEMM without FMA.
 */
const withoutRelaxedSimd = (...args: string[]) =>
  spawnSync(process.execPath, ['--no-experimental-wasm-relaxed-simd', bin, ...args], {
    encoding: 'utf8',
    cwd: root,
  });

/**
 * The same, with `train` pinned to the paper's MLP GAN where the test names no
 * model and trains on MNIST-like images: with no --model `latent train` is the
 * first run's DCGAN (its own test says so), slower for these small checks.
 */
const latent = (...args: string[]) => {
  const dataset = args[args.indexOf('--dataset') + 1];
  const images = !args.includes('--dataset') || /^(mnist|fashion-mnist|\/)/.test(dataset ?? '');
  const pin = args[0] === 'train' && !args.includes('--model') && images;
  return typed(...args, ...(pin ? ['--model', 'mlp-gan'] : []));
};

beforeAll(() => {
  // The test drives the real bundled command, as a user runs it.
  execFileSync(process.execPath, ['build.mjs'], { cwd: root });
});

describe('latent --help', () => {
  it('lists the commands and explains every train flag', () => {
    const top = latent('--help');
    expect(top.status).toBe(0);
    expect(top.stdout).toMatch(/train \[options\]\s+train a GAN or a VAE/);
    for (const command of ['resume', 'sample', 'models', 'datasets'])
      expect(top.stdout).toContain(command);
    const train = latent('train', '--help');
    for (const flag of [
      '--epochs',
      '--k',
      '--batch-size',
      '--lr',
      '--momentum',
      '--seed',
      '--backend',
      '--out',
      '--max-steps',
    ]) {
      expect(train.stdout).toContain(flag);
    }
    expect(train.stdout).toMatch(
      /--batch-size <n>\s+minibatch size m \(default: 64 when no --model is\s+named; else 100, the conv models/,
    );
  });
});

describe('latent train', () => {
  it('with no --model trains the first run: a DCGAN for 3 epochs at batch 64', async () => {
    const out = await mkdtemp(join(tmpdir(), 'latent-cli-'));
    const run = typed(
      ...['train', '--max-steps', '2', '--data-limit', '200', '--sample-count', '4'],
      ...['--out', out, '--name', 'first'],
    );
    expect(run.stderr).toContain('training dcgan on mnist-train');
    expect(run.status).toBe(0);
    const config = JSON.parse(await readFile(join(out, 'first', 'config.json'), 'utf8'));
    expect(config).toMatchObject({ model: 'dcgan', batchSize: 64, epochs: 3, optimizer: 'adam' });
  });

  it('trains a few steps on a small MNIST subset and writes config, sample grids and metrics', async () => {
    const out = await mkdtemp(join(tmpdir(), 'latent-cli-'));
    const run = latent(
      'train',
      '--epochs',
      '2',
      '--max-steps',
      '6',
      '--batch-size',
      '20',
      '--data-limit',
      '100',
      '--sample-count',
      '16',
      '--log-every',
      '2',
      '--seed',
      '3',
      '--out',
      out,
      '--name',
      'tiny',
    );
    expect(run.stderr).toContain('finished at step 6');
    expect(run.status).toBe(0);
    const dir = join(out, 'tiny');

    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      batchSize: 20,
      k: 1,
      seed: 3,
      maxSteps: 6,
      backend: 'wasm',
      model: 'mlp-gan',
      // The paper's GAN trains as its authors' code did.
      updates: 'simultaneous',
      learningRate: 0.1,
    });

    // 100 images / batch 20 = 5 steps per epoch, too short to record each: a grid before training and at the stop.
    const samples = (await readdir(join(dir, 'samples'))).sort();
    expect(samples).toEqual(['epoch-000.png', 'step-000006.png']);
    const before = decodePng(await readFile(join(dir, 'samples', 'epoch-000.png')));
    const after = decodePng(await readFile(join(dir, 'samples', 'step-000006.png')));
    // 16 images in 4 columns, 28 px scaled x2, 2 px padding around each cell.
    expect([before.width, before.height]).toEqual([4 * 56 + 5 * 2, 4 * 56 + 5 * 2]);
    expect(Buffer.from(after.data).equals(Buffer.from(before.data))).toBe(false);

    // A self-contained report with both charts and the grid inline (one epoch grid: no animation yet).
    const report = await readFile(join(dir, 'report.html'), 'utf8');
    expect(report.match(/<svg/g)?.length).toBe(2);
    expect(report).toContain('data:image/png;base64,');
    expect(report).not.toMatch(/src="(?!data:)/);

    // A checkpoint at the stop (step 6), loadable.
    expect(await readdir(join(dir, 'checkpoints'))).toEqual(['step-00000006']);
    const checkpoint = await readCheckpoint(join(dir, 'checkpoints', 'step-00000006'));
    expect(checkpoint.manifest.progress.step).toBe(6);

    const lines = (await readFile(join(dir, 'metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.step)).toEqual([2, 4, 6]);
    for (const l of lines) {
      for (const key of ['dLoss', 'gLoss', 'dReal', 'dFake', 'stepsPerSecond'])
        expect(Number.isFinite(l[key])).toBe(true);
      expect(l.dReal).toBeGreaterThan(0);
      expect(l.dReal).toBeLessThan(1);
    }
  });

  it('--json prints one event per line for scripts', async () => {
    const out = await mkdtemp(join(tmpdir(), 'latent-cli-'));
    const run = latent(
      'train',
      '--max-steps',
      '3',
      '--batch-size',
      '20',
      '--data-limit',
      '100',
      '--sample-count',
      '4',
      '--json',
      '--out',
      out,
      '--name',
      'j',
    );
    expect(run.status).toBe(0);
    const events = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({ type: 'start', totalSteps: 3 });
    expect(events.filter((e) => e.type === 'step').map((e) => e.step)).toEqual([1, 2, 3]);
    const samples = events.filter((e) => e.type === 'samples');
    expect(samples[0]).toMatchObject({
      epoch: 0,
      file: join(out, 'j', 'samples', 'epoch-000.png'),
    });
    expect(samples[0].images).toBeUndefined();
    expect(events.at(-1)).toMatchObject({ type: 'done', step: 3 });
  });

  it('explains a bad flag value and exits with status 2', () => {
    const bad = latent('train', '--k', '0');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/Invalid run config:\n\s+k: Too small/);
    const lr = latent('train', '--lr', '-1');
    expect(lr.stderr).toMatch(/learningRate \(--lr\): Too small/);
    const nan = latent('train', '--lr', 'fast');
    expect(nan.status).toBe(2);
    expect(nan.stderr).toContain("'fast' is not a number");
    const backend = latent('train', '--backend', 'tpu');
    expect(backend.stderr).toMatch(/Allowed choices are wasm, cpu/);
    expect(backend.status).toBe(2);
    const gpuWorkers = latent('train', '--backend', 'webgpu', '--workers', '2');
    expect(gpuWorkers.stderr).toMatch(/--workers 2 does not apply to the webgpu backend/);
    expect(gpuWorkers.status).toBe(2);
    expect(latent('train', '--no-such-flag').status).toBe(2);
    expect(latent('train', '--help').status).toBe(0);
  });

  it('refuses to write into a run folder that already has files', async () => {
    const out = await mkdtemp(join(tmpdir(), 'latent-cli-'));
    await writeFile(join(out, 'keep.txt'), 'earlier work');
    const run = latent('train', '--out', join(out, '..'), '--name', out.split('/').pop() as string);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/already exists and is not empty/);
    expect(await readFile(join(out, 'keep.txt'), 'utf8')).toBe('earlier work');
  });

  it('reads a JSON config file, flags overriding it, and names a broken one', async () => {
    const out = await mkdtemp(join(tmpdir(), 'latent-cli-'));
    const file = join(out, 'run.json');
    await writeFile(file, JSON.stringify({ batchSize: 25, maxSteps: 1, seed: 9 }));
    const run = latent(
      'train',
      '--config',
      file,
      '--seed',
      '4',
      '--data-limit',
      '50',
      '--out',
      out,
      '--name',
      'r',
    );
    expect(run.status).toBe(0);
    expect(JSON.parse(await readFile(join(out, 'r', 'config.json'), 'utf8'))).toMatchObject({
      batchSize: 25,
      maxSteps: 1,
      seed: 4,
    });
    await writeFile(file, '{"batchSize": ');
    const broken = latent('train', '--config', file, '--out', out, '--name', 'r2');
    expect(broken.status).toBe(2);
    expect(broken.stderr).toContain(`Config file ${file} is not a JSON object`);
  });
});

/** The manifest of a run folder's newest checkpoint. */
const newest = async (dir: string) => {
  const last = (await listCheckpoints(join(dir, 'checkpoints'))).at(-1);
  if (!last) throw new Error(`${dir} has no checkpoint`);
  return (await readCheckpoint(last.path)).manifest;
};

/** Rewrites the GEMM in the stamp of a run folder's newest checkpoint. */
async function restampNewest(dir: string, gemm: RunStamp['gemm']): Promise<void> {
  const last = (await listCheckpoints(join(dir, 'checkpoints'))).at(-1)!;
  const file = join(last.path, 'checkpoint.json');
  const manifest = JSON.parse(await readFile(file, 'utf8'));
  await writeFile(file, JSON.stringify({ ...manifest, run: { ...manifest.run, gemm } }));
}

const metrics = async (dir: string) =>
  (await readFile(join(dir, 'metrics.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { step: number; dLoss: number; gLoss: number });

describe('the model zoo and datasets', () => {
  it('lists them, and trains a conditional DCGAN on Fashion-MNIST with its paper settings', async () => {
    expect(latent('models').stdout).toMatch(/^dcgan +Radford et al\. 2016/m);
    expect(latent('datasets').stdout).toMatch(/^fashion-mnist +Fashion-MNIST/m);
    const out = await mkdtemp(join(tmpdir(), 'latent-cli-'));
    const run = latent(
      'train',
      '--model',
      'cgan',
      '--dataset',
      'fashion-mnist',
      '--max-steps',
      '2',
      '--data-limit',
      '200',
      '--batch-size',
      '20',
      '--sample-count',
      '20',
      '--out',
      out,
      '--name',
      'c',
    );
    expect(run.status, run.stderr).toBe(0);
    const config = JSON.parse(await readFile(join(out, 'c', 'config.json'), 'utf8'));
    // The DCGAN paper's optimizer fills what the command line left open; flags still win.
    expect(config).toMatchObject({
      model: 'cgan',
      dataset: 'fashion-mnist',
      optimizer: 'adam',
      learningRate: 0.0002,
      batchSize: 20,
    });
    expect(config.modelConfig.classes).toBe(10);
    const sample = latent('sample', join(out, 'c'), '--n', '10');
    expect(sample.status, sample.stderr).toBe(0);
    expect(latent('sample', join(out, 'c'), '--n', '4', '--class', '7').status).toBe(0);
    expect(latent('sample', join(out, 'c'), '--class', '10').stderr).toMatch(
      /--class 10 is out of range: cgan knows classes 0 to 9/,
    );
  });
});

describe('a VAE from the terminal', () => {
  it('trains, samples and resumes the Kingma & Welling VAE, and refuses GAN-only flags', async () => {
    const out = await mkdtemp(join(tmpdir(), 'latent-cli-'));
    const run = join(out, 'v');
    const common = [
      '--data-limit',
      '200',
      '--batch-size',
      '50',
      '--log-every',
      '2',
      '--sample-count',
      '16',
    ];
    const trained = latent(
      'train',
      '--model',
      'mlp-vae',
      '--epochs',
      '1',
      ...common,
      '--out',
      out,
      '--name',
      'v',
    );
    expect(trained.status, trained.stderr).toBe(0);
    expect(trained.stderr).toMatch(/-ELBO [\d.]+ · reconstruction [\d.]+ · KL [\d.]+ nats/);
    const lines = (await readFile(join(run, 'metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ step: 2 });
    expect(lines[0].loss).toBeCloseTo(lines[0].reconstruction + lines[0].kl, 3);
    expect(await readFile(join(run, 'report.html'), 'utf8')).toContain(
      'Loss (−ELBO, nats per image)',
    );
    expect(latent('sample', run, '--n', '4', '--out', join(out, 's.png')).status).toBe(0);
    const resumed = latent('resume', run, '--epochs', '2');
    expect(resumed.stderr).toContain('finished at step 8');
    expect(latent('train', '--model', 'mlp-vae', '--k', '2', '--out', out).stderr).toMatch(
      /k applies to GANs only/,
    );
  });
});

describe('a VAE shaped from the terminal', () => {
  it('takes the latent size, hidden widths and a Gaussian decoder on grey levels', async () => {
    const out = await mkdtemp(join(tmpdir(), 'latent-cli-'));
    const trained = latent(
      ...['train', '--model', 'mlp-vae', '--decoder', 'gaussian', '--latent-dim', '4'],
      ...['--hidden', '32,16', '--data-limit', '100', '--batch-size', '50'],
      ...['--sample-count', '4', '--out', out, '--name', 'g'],
    );
    expect(trained.status, trained.stderr).toBe(0);
    const config = JSON.parse(await readFile(join(out, 'g', 'config.json'), 'utf8'));
    expect(config).toMatchObject({ decoder: 'gaussian', binarize: 'none', latentDim: 4 });
    expect(config.modelConfig).toMatchObject({ likelihood: 'gaussian', hidden: [32, 16] });
    const sampled = latent('sample', join(out, 'g'), '--n', '4', '--out', join(out, 'g.png'));
    expect(sampled.status, sampled.stderr).toBe(0);
    // 100 images at batch 50: the first run ends with its epoch at step 2; a second epoch follows.
    expect(latent('resume', join(out, 'g'), '--epochs', '2').stderr).toContain(
      'finished at step 4',
    );
    const conv = latent('train', '--model', 'conv-vae', '--hidden', '64', '--out', out);
    expect(conv.status).toBe(2);
    expect(conv.stderr).toMatch(/not conv-vae/);
  });
});

describe('evaluation while training', () => {
  it('measures the test ELBO every epoch, keeps the best checkpoint, and goes on doing so after resume', async () => {
    const out = await mkdtemp(join(tmpdir(), 'latent-cli-'));
    const run = join(out, 'e');
    const trained = latent(
      ...['train', '--model', 'mlp-vae', '--data-limit', '200', '--batch-size', '50'],
      ...['--epochs', '2', '--sample-count', '4', '--eval', 'elbo', '--keep-best', 'elbo'],
      ...['--out', out, '--name', 'e'],
    );
    expect(trained.status, trained.stderr).toBe(0);
    expect(trained.stderr).toMatch(/epoch 1 eval: elbo -\d+\.\d\d .*best elbo so far/);
    const resumed = latent('resume', run, '--epochs', '3');
    expect(resumed.status, resumed.stderr).toBe(0);
    const lines = (await readFile(join(run, 'eval.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { step: number; epoch: number; elbo: number });
    expect(lines.map((l) => [l.epoch, l.step])).toEqual([
      [1, 4],
      [2, 8],
      [3, 12],
    ]);
    // A test ELBO in nats per binarized image: far below 0, above the 784 log 2 of a coin flip per pixel.
    for (const l of lines) expect(l.elbo).toBeGreaterThan(-784 * Math.log(2));
    const best = lines.reduce((a, b) => (b.elbo > a.elbo ? b : a));
    const kept = await listCheckpoints(join(run, 'checkpoints', 'best'));
    expect(kept.map((k) => k.step)).toEqual([best.step]);
    const { manifest } = await readCheckpoint(kept[0]!.path);
    expect(manifest.metrics?.elbo).toBeCloseTo(best.elbo, 6);

    const wrong = latent(
      ...['train', '--model', 'mlp-vae', '--eval', 'elbo', '--keep-best', 'fid'],
      ...['--out', out, '--name', 'wrong'],
    );
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/--keep-best fid: it must be one of the --eval metrics \(elbo\)/);
    // A wrong flag is refused before the run folder is made.
    expect(await readdir(out)).toEqual(['e']);
  });
});

describe('latent sample', () => {
  it('draws a grid from a run folder or a checkpoint, and says what is wrong otherwise', async () => {
    const out = await mkdtemp(join(tmpdir(), 'latent-cli-'));
    const trained = latent(
      'train',
      '--max-steps',
      '2',
      '--batch-size',
      '20',
      '--data-limit',
      '100',
      '--ema',
      '0.9',
      '--out',
      out,
      '--name',
      'r',
    );
    expect(trained.status).toBe(0);
    const run = join(out, 'r');
    const a = latent('sample', run, '--n', '9', '--seed', '4');
    expect(a.status, a.stderr).toBe(0);
    const fileA = join(run, 'samples', 'sample-step-000002-seed-4.png');
    const grid = decodePng(await readFile(fileA));
    expect([grid.width, grid.height]).toEqual([3 * 56 + 4 * 2, 3 * 56 + 4 * 2]);
    // The same seed from the checkpoint folder itself gives the same picture; another seed does not.
    const same = join(out, 'same.png');
    expect(
      latent(
        'sample',
        join(run, 'checkpoints', 'step-00000002'),
        '--n',
        '9',
        '--seed',
        '4',
        '--out',
        same,
      ).status,
    ).toBe(0);
    expect((await readFile(same)).equals(await readFile(fileA))).toBe(true);
    const other = join(out, 'other.png');
    expect(latent('sample', run, '--n', '9', '--seed', '5', '--out', other).status).toBe(0);
    expect((await readFile(other)).equals(await readFile(fileA))).toBe(false);
    expect(latent('sample', run, '--ema', '--out', join(out, 'ema.png')).status).toBe(0);
    // 3 strips of 5 images between pairs of random z.
    expect(
      latent('sample', run, '--n', '3', '--interpolate', '5', '--out', join(out, 'walk.png'))
        .status,
    ).toBe(0);
    const walk = decodePng(await readFile(join(out, 'walk.png')));
    expect([walk.width, walk.height]).toEqual([5 * 56 + 6 * 2, 3 * 56 + 4 * 2]);

    const missing = latent('sample', out);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(
      /neither a checkpoint folder .* nor a run folder with checkpoints/,
    );
  });
});

describe('latent resume', () => {
  /** A small run: 5 steps an epoch, every step logged. */
  const small = [
    '--epochs',
    '2',
    '--batch-size',
    '20',
    '--data-limit',
    '100',
    '--log-every',
    '1',
    '--sample-count',
    '4',
  ];

  it('continues a stopped run exactly: the same losses as a run that never stopped', async () => {
    const out = await mkdtemp(join(tmpdir(), 'latent-cli-'));
    const common = [...small, '--out', out];
    expect(latent('train', ...common, '--max-steps', '8', '--name', 'straight').status).toBe(0);
    expect(latent('train', ...common, '--max-steps', '3', '--name', 'split').status).toBe(0);
    const resumed = latent('resume', join(out, 'split'), '--max-steps', '8');
    expect(resumed.stderr).toContain('from step 3');
    expect(resumed.status).toBe(0);
    const want = await metrics(join(out, 'straight'));
    const got = await metrics(join(out, 'split'));
    expect(got.map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(got.map((l) => [l.dLoss, l.gLoss])).toEqual(want.map((l) => [l.dLoss, l.gLoss]));

    // A GAN trains on one replica per core, up to two; the run records the count and resume keeps it.
    const configOf = async () =>
      JSON.parse(await readFile(join(out, 'split', 'config.json'), 'utf8'));
    const replicas = Math.min(2, availableParallelism());
    expect((await configOf()).workers).toBe(replicas);
    if (replicas > 1) expect(resumed.stderr).toContain('on 2 threads');
    const single = latent('resume', join(out, 'split'), '--max-steps', '9', '--workers', '1');
    expect(single.status, single.stderr).toBe(0);
    expect(single.stderr).not.toContain('threads');
    expect((await configOf()).workers).toBe(1);
    // Each checkpoint records the GEMM that ran: latent's, with FMA where this engine has relaxed SIMD.
    const engine = (await initBackend('wasm')).gemm;
    expect(engine).toMatch(/^latent-/);
    expect((await newest(join(out, 'straight'))).run?.gemm).toBe(engine);
    expect((await newest(join(out, 'split'))).run?.gemm).toBe(engine);
    expect(resumed.stderr).toContain(`with wasm (SIMD, ${engine})`);
  });

  describe('on the GEMM the run trained with', () => {
    // One run of 2 steps on this engine's GEMM (latent-fma), copied for each continuation.
    let out: string;
    const copyOfBase = async (name: string, gemm?: RunStamp['gemm']) => {
      const dir = join(out, name);
      await cp(join(out, 'base'), dir, { recursive: true });
      if (gemm) await restampNewest(dir, gemm);
      return dir;
    };
    beforeAll(async () => {
      out = await mkdtemp(join(tmpdir(), 'latent-cli-'));
      const base = latent('train', ...small, '--max-steps', '2', '--out', out, '--name', 'base');
      expect(base.status, base.stderr).toBe(0);
      expect((await newest(join(out, 'base'))).run?.gemm).toBe('latent-fma');
    });

    it('resumes a run stamped xnnpack on XNNPACK, in every replica, exactly as an unbroken XNNPACK run', async () => {
      // A run trained with latent's GEMM off (useLatentWasmGemm(false) in a script) is
      // stamped xnnpack: here the base's stamp is rewritten to stand for one.
      const whole = await copyOfBase('whole', 'xnnpack');
      const split = await copyOfBase('split', 'xnnpack');
      const fma = await copyOfBase('fma');
      const unbroken = latent('resume', whole, '--max-steps', '8');
      expect(unbroken.status, unbroken.stderr).toBe(0);
      expect(unbroken.stderr).toContain('with wasm (SIMD, xnnpack)');
      if (Math.min(2, availableParallelism()) > 1)
        expect(unbroken.stderr).toContain('on 2 threads');
      // A replica that ran another GEMM than the main thread would say so.
      expect(unbroken.stderr).not.toContain('warning: a replica');
      expect(unbroken.stderr).not.toContain('trained with');
      for (const steps of ['5', '8']) {
        const resumed = latent('resume', split, '--max-steps', steps);
        expect(resumed.status, resumed.stderr).toBe(0);
        expect(resumed.stderr).toContain('with wasm (SIMD, xnnpack)');
        expect(resumed.stderr).not.toContain('warning: a replica');
      }
      expect(latent('resume', fma, '--max-steps', '8').status).toBe(0);
      const losses = async (dir: string) =>
        (await metrics(dir)).map((l) => [l.step, l.dLoss, l.gLoss]);
      expect(await losses(split)).toEqual(await losses(whole));
      const [got, want, other] = await Promise.all([split, whole, fma].map(newest));
      expect(got!.run?.gemm).toBe('xnnpack');
      expect(got!.progress.step).toBe(8);
      // The weights too, bit for bit; latent's GEMM would have rounded them otherwise.
      expect(got!.weights.checksum).toBe(want!.weights.checksum);
      expect(other!.weights.checksum).not.toBe(want!.weights.checksum);
    });

    it('goes on with a one-line notice where the engine cannot give that GEMM, and records what ran', async () => {
      const split = await copyOfBase('no-fma');
      const whole = await copyOfBase('no-fma-whole');
      // latent-fma needs relaxed SIMD: this engine gives latent's GEMM with mul+add.
      const first = withoutRelaxedSimd('resume', split, '--max-steps', '5');
      expect(first.status, first.stderr).toBe(0);
      const notice =
        "latent: warning: this run trained with latent-fma; this engine gives latent-simd128, so the resumed run's float rounding differs from an unbroken run's";
      expect(first.stderr.split('\n').filter((l) => l.includes('trained with'))).toEqual([notice]);
      expect(first.stderr).toContain('finished at step 5');
      expect((await newest(split)).run?.gemm).toBe('latent-simd128');
      // A run stamped latent-simd128 keeps mul+add on an engine that has FMA, so it continues exactly.
      const second = latent('resume', split, '--max-steps', '8');
      expect(second.status, second.stderr).toBe(0);
      expect(second.stderr).toContain('with wasm (SIMD, latent-simd128)');
      expect(second.stderr).not.toContain('trained with');
      expect(withoutRelaxedSimd('resume', whole, '--max-steps', '8').status).toBe(0);
      const [got, want] = await Promise.all([split, whole].map(newest));
      expect(got!.run?.gemm).toBe('latent-simd128');
      expect(got!.weights.checksum).toBe(want!.weights.checksum);
    });
  });

  it('says when there is nothing to resume', async () => {
    const out = await mkdtemp(join(tmpdir(), 'latent-cli-'));
    const none = latent('resume', out);
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/has no checkpoint to resume from/);
  });
});

describe('Ctrl-C', () => {
  it('stops after the current step, saves a checkpoint that loads, and the run resumes from it', async () => {
    const out = await mkdtemp(join(tmpdir(), 'latent-cli-'));
    const child = spawn(
      process.execPath,
      [
        bin,
        'train',
        '--model',
        'mlp-gan',
        '--batch-size',
        '20',
        '--data-limit',
        '1000',
        '--epochs',
        '50',
        '--sample-count',
        '4',
        '--out',
        out,
        '--name',
        'run',
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    await new Promise<void>((started) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/\d+\/2500 steps/.test(stderr)) started();
      });
    });
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    const stopped = /stopped at step (\d+)/.exec(stderr);
    expect(stopped, stderr).not.toBeNull();
    const step = Number(stopped?.[1]);
    const checkpoint = await readCheckpoint(
      join(out, 'run', 'checkpoints', `step-${String(step).padStart(8, '0')}`),
    );
    expect(checkpoint.manifest.progress.step).toBe(step);

    const resumed = latent('resume', join(out, 'run'), '--max-steps', String(step + 2));
    expect(resumed.status).toBe(0);
    expect(resumed.stderr).toContain(`finished at step ${step + 2}`);
  });
});

describe('killed at random moments', () => {
  it('always resumes from the last complete checkpoint and loses none', async () => {
    const out = await mkdtemp(join(tmpdir(), 'latent-cli-'));
    const run = join(out, 'run');
    const checkpoints = join(run, 'checkpoints');
    // 100 images at batch 20: 5-step epochs, recorded every 10, so a checkpoint (about 48 MB for
    // the paper's model) every 50 steps.
    // Kills alternate between a random moment and the inside of a checkpoint write.
    const train = [
      'train',
      '--model',
      'mlp-gan',
      '--batch-size',
      '20',
      '--data-limit',
      '100',
      '--epochs',
      '200',
      '--sample-count',
      '4',
    ];
    let random = 12345;
    const nextRandom = () => {
      random = (random * 1103515245 + 12345) % 2 ** 31;
      return random / 2 ** 31;
    };
    const kills = 6;
    let resumes = 0;
    let lost = 0;
    let midWrite = 0;
    let newest = -1;
    for (let i = 0; i < kills; i++) {
      const args = i === 0 ? [...train, '--out', out, '--name', 'run'] : ['resume', run];
      if (i > 0) resumes++;
      const child = spawn(process.execPath, [bin, ...args], { cwd: root, stdio: 'ignore' });
      const exited = new Promise<void>((done) => child.on('exit', () => done()));
      // Wait for a checkpoint newer than the last one seen, then kill after a random delay.
      for (;;) {
        const found = (await listCheckpoints(checkpoints)).at(-1);
        if (found && found.step > newest) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      if (i % 2 === 0) {
        await new Promise((r) => setTimeout(r, nextRandom() * 600));
      } else {
        // Aim inside a checkpoint write: kill as soon as a partial folder appears.
        const deadline = Date.now() + 10_000;
        while (
          Date.now() < deadline &&
          !(await readdir(checkpoints)).some((e) => e.includes('.partial-'))
        ) {
          await new Promise((r) => setTimeout(r, 2));
        }
      }
      child.kill('SIGKILL');
      await exited;
      const entries = await readdir(checkpoints);
      if (entries.some((e) => e.includes('.partial-'))) midWrite++;
      const latest = (await listCheckpoints(checkpoints)).at(-1);
      try {
        if (!latest || latest.step <= newest) throw new Error('no newer checkpoint');
        await readCheckpoint(latest.path);
        newest = latest.step;
      } catch {
        lost++;
      }
    }
    const finish = latent('resume', run, '--max-steps', String(newest + 5));
    resumes++;
    expect(finish.status, finish.stderr).toBe(0);
    expect(finish.stderr).toContain(`from step ${newest}`);
    console.log(
      `${kills} kills (${midWrite} during a checkpoint write), ${resumes} resumes, ${lost} lost`,
    );
    expect(lost).toBe(0);
  });
});

describe('resume and the checkpoint policy', () => {
  it('goes on writing a checkpoint every --checkpoint-every steps and keeping --keep of them unless told otherwise', async () => {
    const out = await mkdtemp(join(tmpdir(), 'latent-cli-'));
    const run = join(out, 'every');
    const trained = latent(
      ...['train', '--model', 'mlp-gan', '--batch-size', '20', '--data-limit', '100'],
      ...['--epochs', '10', '--max-steps', '4', '--checkpoint-every', '2', '--keep', '5'],
      ...['--sample-count', '4', '--out', out, '--name', 'every'],
    );
    expect(trained.status, trained.stderr).toBe(0);
    const resumed = latent('resume', run, '--max-steps', '12');
    expect(resumed.status, resumed.stderr).toBe(0);
    // 5-step epochs are recorded only every 10: without the policy the resumed run would checkpoint at 12 alone,
    // and without the stamped --keep it would keep the newest three.
    const steps = (await listCheckpoints(join(run, 'checkpoints'))).map((c) => c.step);
    expect(steps).toEqual([4, 6, 8, 10, 12]);
    const extended = latent('resume', run, '--max-steps', '50', '--keep', '1');
    expect(extended.status, extended.stderr).toBe(0);
    expect((await listCheckpoints(join(run, 'checkpoints'))).map((c) => c.step)).toEqual([50]);
    // The one log line for the ten epochs recorded together names them all.
    expect(extended.stderr).toMatch(/epochs 3-10 done in \d+:\d\d, at step 50\n/);
  });
});

describe('faults that stop a run', () => {
  it('a loss that turns NaN or infinite stops the run, names the network and step, and the last good checkpoint loads', async () => {
    const out = await mkdtemp(join(tmpdir(), 'latent-cli-'));
    const run = join(out, 'nan');
    // A learning rate of 1e5 sends the weights to infinity within a few updates.
    const trained = latent(
      ...['train', '--batch-size', '20', '--data-limit', '100', '--epochs', '5'],
      ...['--checkpoint-every', '2', '--lr', '1e5', '--sample-count', '4'],
      ...['--out', out, '--name', 'nan'],
    );
    expect(trained.status).toBe(1);
    const match =
      /(generator|discriminator) loss became (NaN|Infinity|-Infinity) at step (\d+) \(epoch 1\)/.exec(
        trained.stderr,
      );
    expect(match, trained.stderr).not.toBeNull();
    const diverged = Number(match![3]);
    const kept = await listCheckpoints(join(run, 'checkpoints'));
    expect(kept.length).toBeGreaterThan(0);
    const last = kept.at(-1)!;
    // Checkpoints are taken only between finite steps: none at or after the bad one.
    expect(last.step).toBeLessThanOrEqual(diverged);
    expect(trained.stderr).toContain(
      `The last complete checkpoint, ${last.path} (step ${last.step}), is intact`,
    );
    expect((await readCheckpoint(last.path)).manifest.progress.step).toBe(last.step);
    const sampled = latent('sample', run, '--n', '4', '--out', join(out, 'after-nan.png'));
    expect(sampled.status, sampled.stderr).toBe(0);
  });

  // A real full disk: a small tmpfs mounted in a private mount namespace.
  const canMount = spawnSync('unshare', ['-rm', 'true']).status === 0;
  it.skipIf(!canMount)(
    'a full disk fails the checkpoint write with a clear error and leaves the previous checkpoint intact',
    async () => {
      const out = await mkdtemp(join(tmpdir(), 'latent-cli-'));
      const disk = join(out, 'disk');
      // The paper's GAN takes about 29 MB a checkpoint (weights and momentum):
      // the first fits in 40 MB, the second does not.
      const script = `
        set -u
        mkdir -p "$DISK" && mount -t tmpfs -o size=40m tmpfs "$DISK" || exit 99
        node "$BIN" train --model mlp-gan --batch-size 20 --data-limit 100 --epochs 3 --checkpoint-every 2 \\
          --sample-count 4 --out "$DISK" --name full
        echo "train-status=$?"
        ls -a "$DISK/full/checkpoints"
        node "$BIN" sample "$DISK/full" --n 4 --out "$OUT/from-full-disk.png" && echo sample-ok
        # The same disk made read-only (as a permission error would): resume fails and changes nothing.
        mount -o remount,ro "$DISK" || exit 98
        node "$BIN" resume "$DISK/full" --max-steps 8
        echo "resume-status=$?"
        ls -a "$DISK/full/checkpoints"
      `;
      const result = spawnSync('unshare', ['-rm', 'sh', '-c', script], {
        encoding: 'utf8',
        cwd: root,
        env: { ...process.env, DISK: disk, BIN: bin, OUT: out },
      });
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toContain('train-status=1');
      expect(result.stderr).toMatch(
        /Could not write checkpoint .*step-00000004: ENOSPC: no space left on device/,
      );
      expect(result.stderr).toContain('(step 2), is intact');
      // Only the complete checkpoint: the partial folder of the failed write was removed.
      const listed = result.stdout
        .split('\n')
        .filter((l) => l.startsWith('step-') || l.startsWith('.step'));
      // Listed twice: after the failed write, and after the failed resume.
      expect(listed).toEqual(['step-00000002', 'step-00000002']);
      expect(result.stdout).toContain('sample-ok');
      expect(result.stdout).toContain('resume-status=1');
      expect(result.stderr).toMatch(/EROFS: read-only file system/);
      expect(decodePng(await readFile(join(out, 'from-full-disk.png'))).width).toBeGreaterThan(0);
    },
  );
});

/** A folder of 40x40 colour PNGs: a square per image, its size and colour by class; `classes` 0 puts them at the top. */
async function colourFolder(classes: number, perClass: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'latent-folder-'));
  for (let k = 0; k < Math.max(1, classes); k++) {
    const sub = classes > 0 ? join(dir, `class-${k}`) : dir;
    await mkdir(sub, { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const data = new Uint8ClampedArray(40 * 40 * 4);
      for (let p = 0; p < 40 * 40; p++) {
        const [x, y] = [(p % 40) - 20, Math.floor(p / 40) - 20];
        const inside = Math.max(Math.abs(x), Math.abs(y)) < 4 + 4 * k + i;
        data.set(inside ? [230 - 70 * k, 60 + 80 * k, 40 * i, 255] : [20, 20, 40, 255], p * 4);
      }
      await writeFile(join(sub, `${i}.png`), encodePng({ width: 40, height: 40, data }));
    }
  }
  return dir;
}

describe('the run core from the terminal', () => {
  it('trains with --augment, records the policies, resumes exactly, and refuses an unknown policy', async () => {
    const folder = await colourFolder(0, 8);
    const out = await mkdtemp(join(tmpdir(), 'latent-cli-'));
    const run = (name: string, steps: string) =>
      latent(
        ...['train', '--model', 'dcgan', '--dataset', folder, '--image-size', '16'],
        ...['--augment', 'color,translation,cutout', '--batch-size', '4', '--epochs', '5'],
        ...['--log-every', '1', '--sample-count', '4', '--max-steps', steps],
        ...['--out', out, '--name', name],
      );
    const straight = run('straight', '4');
    expect(straight.status, straight.stderr).toBe(0);
    expect(run('split', '2').status).toBe(0);
    const config = JSON.parse(await readFile(join(out, 'split', 'config.json'), 'utf8'));
    expect(config.augment).toEqual(['color', 'translation', 'cutout']);
    const resumed = latent('resume', join(out, 'split'), '--max-steps', '4');
    expect(resumed.status, resumed.stderr).toBe(0);
    const want = await metrics(join(out, 'straight'));
    const got = await metrics(join(out, 'split'));
    expect(got.map((l) => [l.dLoss, l.gLoss])).toEqual(want.map((l) => [l.dLoss, l.gLoss]));

    expect(latent('train', '--help').stdout).toMatch(
      /--augment <policies>\s+GANs on images: DiffAugment/,
    );
    const unknown = latent('train', '--augment', 'color,flip');
    expect(unknown.status).toBe(2);
    // The run-config schema checks the names, as it does a config file's.
    expect(unknown.stderr).toContain(
      'augment.1: Invalid option: expected one of "color"|"translation"|"cutout"',
    );
    expect(latent('train', '--augment', 'cutout,cutout').stderr).toContain(
      'name each augmentation policy once',
    );
    const vae = latent('train', '--model', 'mlp-vae', '--augment', 'color');
    expect(vae.status).toBe(2);
    expect(vae.stderr).toContain('augment applies to GANs only');
    const toy = latent('train', '--dataset', 'ring', '--augment', 'color');
    expect(toy.status).toBe(2);
    expect(toy.stderr).toContain('augment applies to images');
  });

  it('trains a DCGAN on a folder of colour images at 32 and 64 px, resumes it exactly, samples it', async () => {
    const folder = await colourFolder(0, 8);
    const out = await mkdtemp(join(tmpdir(), 'latent-cli-'));
    const common = ['--model', 'dcgan', '--dataset', folder, '--image-size', '32', '--epochs', '5'];
    const run = (name: string, steps: string) =>
      latent(
        'train',
        ...common,
        '--batch-size',
        '4',
        '--log-every',
        '1',
        '--sample-count',
        '4',
        '--max-steps',
        steps,
        '--out',
        out,
        '--name',
        name,
      );
    expect(run('straight', '4').status).toBe(0);
    const split = run('split', '2');
    expect(split.status, split.stderr).toBe(0);
    expect(split.stderr).toContain(`training dcgan on ${folder} (8 images)`);
    // The folder is moved away from the working directory: resume needs only the checkpoint.
    await rm(join(out, 'split', 'config.json'));
    const resumed = latent('resume', join(out, 'split'), '--max-steps', '4');
    expect(resumed.status, resumed.stderr).toBe(0);
    const want = await metrics(join(out, 'straight'));
    const got = await metrics(join(out, 'split'));
    expect(got.map((l) => [l.dLoss, l.gLoss])).toEqual(want.map((l) => [l.dLoss, l.gLoss]));
    const grid = decodePng(await readFile(join(out, 'split', 'samples', 'epoch-000.png')));
    // A 2x2 grid of 64x64 images (32 px at scale 2), from a G that draws colour.
    expect(grid.width).toBe(2 * 64 + 3 * 2);
    const config = JSON.parse(await readFile(join(out, 'straight', 'config.json'), 'utf8'));
    expect(config.modelConfig.imageShape).toEqual([32, 32, 3]);
    // A folder run is searched among its own images, with their distances to each other as the reference.
    const evaluated = latent('eval', join(out, 'split'), '--n', '100');
    expect(evaluated.status, evaluated.stderr).toBe(0);
    expect(evaluated.stdout).toMatch(/memorization .* \(training images to each other\)/);
    const record = JSON.parse(await readFile(join(out, 'split', 'eval.json'), 'utf8'));
    expect(record.metrics.memorization).toMatchObject({
      reference: 'leave-one-out',
      trainingImages: 8,
      realImages: 8,
    });
    expect(record.testImages).toBe(undefined);
    // 16 pairs of 32x32 colour images at scale 2: a sample, then its nearest folder image.
    const pairs = decodePng(await readFile(join(out, 'split', 'memorization.png')));
    expect(pairs.width).toBeGreaterThan(2 * 64);
    const fid = latent('eval', join(out, 'split'), '--metric', 'fid');
    expect(fid.status).toBe(2);
    expect(fid.stderr).toMatch(
      /'fid' does not apply .* needs a classifier trained on such pictures/,
    );
    const sample = latent('sample', join(out, 'split'), '--n', '4', '--out', join(out, 's.png'));
    expect(sample.status, sample.stderr).toBe(0);
    expect(decodePng(await readFile(join(out, 's.png'))).width).toBe(2 * 64 + 3 * 2);

    const big = latent(
      'train',
      '--model',
      'dcgan',
      '--dataset',
      folder,
      '--image-size',
      '64',
      '--batch-size',
      '2',
      '--max-steps',
      '1',
      '--sample-count',
      '1',
      '--workers',
      '1',
      '--out',
      out,
      '--name',
      'big',
    );
    expect(big.status, big.stderr).toBe(0);
    const checkpoint = await readCheckpoint(
      (await listCheckpoints(join(out, 'big', 'checkpoints')))[0]!.path,
    );
    expect(checkpoint.manifest.model.config).toMatchObject({ imageShape: [64, 64, 3] });
  });

  it('trains a conditional GAN on a folder of three class sub-folders and samples it by class', async () => {
    const folder = await colourFolder(3, 2);
    const out = await mkdtemp(join(tmpdir(), 'latent-cli-'));
    const trained = latent(
      'train',
      '--model',
      'cgan',
      '--dataset',
      folder,
      '--image-size',
      '28',
      '--batch-size',
      '6',
      '--max-steps',
      '2',
      '--out',
      out,
      '--name',
      'c',
    );
    expect(trained.status, trained.stderr).toBe(0);
    const config = JSON.parse(await readFile(join(out, 'c', 'config.json'), 'utf8'));
    expect(config.modelConfig.classes).toBe(3);
    const byClass = latent(
      'sample',
      join(out, 'c'),
      '--n',
      '3',
      '--class',
      '2',
      '--out',
      join(out, 'c2.png'),
    );
    expect(byClass.status, byClass.stderr).toBe(0);
    expect(latent('sample', join(out, 'c'), '--class', '3').stderr).toMatch(/classes 0 to 2/);
  });

  it("trains the toy GAN on GAN Lab's ring and the 1-D mixture, drawing the game per epoch", async () => {
    const out = await mkdtemp(join(tmpdir(), 'latent-cli-'));
    const ring = latent(
      'train',
      '--dataset',
      'ring',
      '--epochs',
      '2',
      '--eval',
      'modes,kl',
      '--out',
      out,
      '--name',
      'ring',
    );
    expect(ring.status, ring.stderr).toBe(0);
    expect(ring.stderr).toContain('training toy-gan on ring (20,000 points)');
    expect(await readdir(join(out, 'ring', 'samples'))).toEqual([
      'epoch-000.svg',
      'epoch-001.svg',
      'epoch-002.svg',
    ]);
    expect(ring.stderr).toMatch(/epoch 2 eval: modes \d\.00 · kl \d+\.\d\d/);
    const scored = latent('eval', join(out, 'ring'), '--json');
    expect(scored.status, scored.stderr).toBe(0);
    expect(Object.keys(JSON.parse(scored.stdout).metrics)).toEqual(['kl', 'js', 'modes']);
    const report = await readFile(join(out, 'ring', 'report.html'), 'utf8');
    expect(report).toContain('The game per epoch');
    expect(report.match(/<svg/g)?.length).toBeGreaterThanOrEqual(3 + 2);
    const line = latent('train', '--dataset', 'mixture-1d', '--out', out, '--name', 'line');
    expect(line.status, line.stderr).toBe(0);
    const svg = await readFile(join(out, 'line', 'samples', 'epoch-001.svg'), 'utf8');
    expect(svg).toContain('data p_data');
  });

  it('refuses bad requests before any run folder is made', async () => {
    const out = await mkdtemp(join(tmpdir(), 'latent-cli-'));
    const empty = await mkdtemp(join(tmpdir(), 'latent-empty-'));
    const flat = await colourFolder(0, 2);
    for (const [args, message] of [
      [['--dataset', empty], /no PNG or JPEG images/],
      [['--dataset', 'rnig'], /rnig is neither a dataset latent knows/],
      [['--model', 'cgan', '--dataset', flat], /cgan is conditional and .* has no classes/],
      [['--model', 'dcgan', '--dataset', 'ring'], /the toy distribution ring needs toy-gan/],
      [['--channels', '2'], /use 1 \(grey\) or 3 \(colour\)/],
    ] as const) {
      const result = latent('train', ...args, '--out', out, '--name', 'x');
      expect(result.status, result.stderr).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    expect(await readdir(out)).toEqual([]);
  });
});
