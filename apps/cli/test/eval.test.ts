import { execFileSync, spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodePng } from '@latent/vis';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
// A bundle of its own, so this file and cli.test.ts never write the same file at once;
// under dist/, so it finds the wasm binaries through apps/cli's dependencies like dist/latent.js.
const bin = join(root, 'dist', 'eval-test', 'latent.js');
/** Runs the bundled command as a user types it. */
const typed = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: root });

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
  const script = [
    "import { build } from 'esbuild';",
    "import { nodeBundleOptions } from '../../scripts/node-bundle.mjs';",
    // worker.js beside latent.js: GAN runs train on worker-thread replicas by default.
    `await build({ ...nodeBundleOptions, entryPoints: ['src/latent.ts', 'src/worker.ts'], outdir: ${JSON.stringify(dirname(bin))} });`,
  ].join('\n');
  execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root });
});

describe('latent eval', () => {
  it('scores a GAN run: Parzen, FID with its floor, IS, coverage; a table, eval.json and --json', async () => {
    const out = await mkdtemp(join(tmpdir(), 'latent-eval-'));
    const trained = latent(
      'train',
      '--max-steps',
      '3',
      '--batch-size',
      '20',
      '--data-limit',
      '100',
      '--out',
      out,
      '--name',
      'g',
    );
    expect(trained.status, trained.stderr).toBe(0);
    const run = join(out, 'g');
    const r = latent('eval', run, '--n', '300', '--limit', '200', '--seed', '1');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^metric\s+value\s+real data\s+better$/m);
    expect(r.stdout).toMatch(/^parzen\s+-?[\d.]+ ± [\d.]+\s+sigma [\d.]+\s+higher$/m);
    expect(r.stdout).toMatch(/^fid\s+[\d.]+\s+floor [\d.]+ \(train vs test\)\s+lower$/m);
    expect(r.stdout).toMatch(/^is\s+[\d.]+\s+[\d.]+ \(test images\)\s+higher$/m);
    expect(r.stdout).toMatch(/^coverage\s+\d+\/10 \(KL [\d.]+\)\s+\d+\/10/m);
    expect(r.stderr).toContain('wrote');

    const report = JSON.parse(await readFile(join(run, 'eval.json'), 'utf8'));
    expect(report).toMatchObject({
      kind: 'gan',
      model: 'mlp-gan',
      dataset: 'mnist',
      step: 3,
      samples: 300,
      testImages: 200,
    });
    const m = report.metrics;
    expect(Object.keys(m)).toEqual(['parzen', 'fid', 'is', 'coverage']);
    expect(m.parzen).toMatchObject({ better: 'higher', samples: 300, testImages: 200 });
    expect(m.parzen.validation).toHaveLength(10);
    // Three steps of training: far from the data, while real images are close to each other.
    expect(m.fid.value).toBeGreaterThan(m.fid.floor);
    expect(m.fid.floor).toBeGreaterThan(0);
    expect(m.is.real).toBeGreaterThan(8);
    expect(m.coverage.real).toBe(10);

    // --json: the same report on stdout; --out elsewhere; --metric picks.
    const other = join(out, 'e.json');
    const j = latent(
      'eval',
      run,
      '--n',
      '100',
      '--limit',
      '50',
      '--metric',
      'is,fid',
      '--json',
      '--out',
      other,
    );
    expect(j.status, j.stderr).toBe(0);
    const parsed = JSON.parse(j.stdout);
    expect(Object.keys(parsed.metrics)).toEqual(['is', 'fid']);
    expect(JSON.parse(await readFile(other, 'utf8')).metrics.is.value).toBe(
      parsed.metrics.is.value,
    );

    // KID, precision and recall, memorization: in the table, in eval.json, and the grid beside it.
    const extra = latent(
      ...['eval', run, '--n', '200', '--limit', '200'],
      ...['--metric', 'kid,precision,recall,memorization'],
    );
    expect(extra.status, extra.stderr).toBe(0);
    expect(extra.stdout).toMatch(
      /^kid\s+-?[\d.]+ ± [\d.]+\s+floor -?[\d.]+ \(train vs test\)\s+lower$/m,
    );
    expect(extra.stdout).toMatch(/^precision\s+[\d.]+\s+k = 3, 200 test images\s+higher$/m);
    expect(extra.stdout).toMatch(
      /^memorization\s+[\d.]+ \(copies [\d.]+%\)\s+[\d.]+ \(test images\)/m,
    );
    const e = JSON.parse(await readFile(join(run, 'eval.json'), 'utf8')).metrics;
    expect(Object.keys(e)).toEqual(['kid', 'precision', 'recall', 'memorization']);
    // Three steps of training: far from the digits, and from every training image.
    expect(e.kid.value).toBeGreaterThan(e.kid.floor + 3 * e.kid.std);
    // The run trained on the first 100 images (--data-limit): the check searches those.
    expect(e.memorization.trainingImages).toBe(100);
    expect(e.memorization.closest).toHaveLength(16);
    const grid = decodePng(await readFile(join(run, 'memorization.png')));
    // 16 pairs of 28x28 images at scale 2, four pairs a row: 8 columns, 4 rows.
    expect([grid.width, grid.height]).toEqual([8 * 56 + 9 * 2, 4 * 56 + 5 * 2]);
    expect(await readFile(join(run, 'report.html'), 'utf8')).toContain('nearest training image');
  });

  it('a Gaussian-decoder VAE: the test ELBO while it trains, and latent eval on grey test images', async () => {
    const out = await mkdtemp(join(tmpdir(), 'latent-eval-'));
    const trained = latent(
      ...['train', '--model', 'mlp-vae', '--decoder', 'gaussian', '--latent-dim', '4'],
      ...['--hidden', '32', '--data-limit', '100', '--batch-size', '50', '--epochs', '1'],
      ...['--eval', 'elbo', '--sample-count', '4', '--out', out, '--name', 'g'],
    );
    expect(trained.status, trained.stderr).toBe(0);
    expect(trained.stderr).toMatch(/epoch 1 eval: elbo -?\d+\.\d\d/);
    const r = latent('eval', join(out, 'g'), '--limit', '20', '--k', '50', '--json');
    expect(r.status, r.stderr).toBe(0);
    const { metrics } = JSON.parse(r.stdout);
    expect(metrics.elbo).toMatchObject({ binarized: false, likelihood: 'gaussian', images: 20 });
    expect(metrics.iwae).toMatchObject({ binarized: false, likelihood: 'gaussian', k: 50 });
    expect(Number.isFinite(metrics.elbo.value)).toBe(true);
    expect(metrics.iwae.value).toBeGreaterThan(metrics.elbo.value);
  });

  it('scores a VAE run with the ELBO and the IWAE bound, and its prior samples with IS', async () => {
    const out = await mkdtemp(join(tmpdir(), 'latent-eval-'));
    const trained = latent(
      'train',
      '--model',
      'mlp-vae',
      '--epochs',
      '1',
      '--data-limit',
      '200',
      '--batch-size',
      '50',
      '--out',
      out,
      '--name',
      'v',
    );
    expect(trained.status, trained.stderr).toBe(0);
    const run = join(out, 'v');
    const r = latent('eval', run, '--limit', '20', '--k', '100', '--json');
    expect(r.status, r.stderr).toBe(0);
    const { metrics } = JSON.parse(r.stdout);
    expect(Object.keys(metrics)).toEqual(['elbo', 'iwae']);
    expect(metrics.iwae).toMatchObject({ k: 100, images: 20, binarized: true, better: 'higher' });
    // Nats per image on binarized 28x28 digits: negative, and the bound tighter than the ELBO.
    expect(metrics.elbo.value).toBeLessThan(0);
    expect(metrics.iwae.value).toBeGreaterThan(metrics.elbo.value);
    const s = latent('eval', run, '--metric', 'is', '--n', '100', '--limit', '20');
    expect(s.status, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/^is\s/m);
  });

  it('says what is wrong: metric names, metrics of another kind, missing folders, weights of another model', async () => {
    const out = await mkdtemp(join(tmpdir(), 'latent-eval-'));
    expect(
      latent(
        'train',
        '--max-steps',
        '1',
        '--batch-size',
        '20',
        '--data-limit',
        '40',
        '--out',
        out,
        '--name',
        'g',
      ).status,
    ).toBe(0);
    const run = join(out, 'g');
    const unknown = latent('eval', run, '--metric', 'fid,inception');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(
      /unknown metric 'inception'; latent eval knows parzen, fid, is, coverage, elbo, iwae/,
    );
    const wrongKind = latent('eval', run, '--metric', 'iwae');
    expect(wrongKind.status).toBe(2);
    expect(wrongKind.stderr).toMatch(
      /'iwae' does not apply to a GAN run on mnist: it needs an encoder/,
    );
    const toy = latent('eval', run, '--metric', 'modes');
    expect(toy.status).toBe(2);
    expect(toy.stderr).toMatch(/compares samples with a toy distribution's true density/);
    const missing = latent('eval', join(out, 'nothing'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(
      /neither a checkpoint folder .* nor a run folder with checkpoints/,
    );

    // A checkpoint whose manifest names a model of another shape than its weights.
    const ckpt = join(run, 'checkpoints', 'step-00000001');
    const forged = join(out, 'forged');
    await cp(ckpt, forged, { recursive: true });
    const manifest = JSON.parse(await readFile(join(forged, 'checkpoint.json'), 'utf8'));
    manifest.model.config.generatorHidden = [64, 64];
    await writeFile(join(forged, 'checkpoint.json'), JSON.stringify(manifest));
    const other = latent('eval', forged, '--metric', 'is', '--n', '10');
    expect(other.status).toBe(1);
    expect(other.stderr).toMatch(/forged: weights do not fit this model/);
  });
});
