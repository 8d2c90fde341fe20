import { execFileSync, spawnSync } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSafetensors, writeSafetensors } from '@latent/export';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
// A bundle of its own, so this file and the other CLI tests never write the same file at once.
const bin = join(root, 'dist', 'export-test', 'latent.js');
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

let out: string;

/** A few training steps of a model on 100 MNIST images, as a run folder. */
function train(name: string, ...flags: string[]): string {
  const run = latent(
    'train',
    '--max-steps',
    '2',
    '--batch-size',
    '20',
    '--data-limit',
    '100',
    '--sample-count',
    '4',
    '--workers',
    '1',
    '--out',
    out,
    '--name',
    name,
    ...flags,
  );
  expect(run.stderr).toContain('finished at step 2');
  return join(out, name);
}

beforeAll(async () => {
  const script = [
    "import { build } from 'esbuild';",
    "import { nodeBundleOptions } from '../../scripts/node-bundle.mjs';",
    `await build({ ...nodeBundleOptions, entryPoints: ['src/latent.ts', 'src/worker.ts'], outdir: ${JSON.stringify(dirname(bin))} });`,
  ].join('\n');
  execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root });
  out = await mkdtemp(join(tmpdir(), 'latent-export-'));
});

describe('latent export and latent import', () => {
  it('exports the paper GAN in the three formats, and its safetensors import back to the same samples', async () => {
    const run = train('gan', '--ema', '0.9');
    for (const format of ['onnx', 'tfjs', 'safetensors']) {
      const done = latent('export', run, '--format', format);
      expect(done.stderr).toMatch(/mlp-gan generator at step 2 -> /);
      expect(done.status).toBe(0);
    }
    const ema = latent('export', run, '--format', 'onnx', '--ema');
    expect(ema.stderr).toMatch(/mlp-gan generator \(EMA\) at step 2 -> .*generator-ema\.onnx/);
    expect((await readdir(join(run, 'export'))).sort()).toEqual([
      'generator-ema.onnx',
      'generator-tfjs',
      'generator.onnx',
      'generator.safetensors',
    ]);
    // The average of G is not G.
    const [plain, averaged] = await Promise.all(
      ['generator.onnx', 'generator-ema.onnx'].map((f) => readFile(join(run, 'export', f))),
    );
    expect((averaged as Buffer).equals(plain as Buffer)).toBe(false);
    expect((await readdir(join(run, 'export', 'generator-tfjs'))).sort()).toEqual([
      'model.json',
      'weights.bin',
    ]);
    const file = readSafetensors(
      new Uint8Array(await readFile(join(run, 'export', 'generator.safetensors'))),
      'generator.safetensors',
    );
    expect(file.metadata).toMatchObject({
      model: 'mlp-gan',
      part: 'generator',
      pixelRange: '[0,1]',
    });
    expect(file.tensors.get('dense0.weight')?.shape).toEqual([1200, 100]);

    const back = join(out, 'gan-back');
    const imported = latent(
      'import',
      join(run, 'export', 'generator.safetensors'),
      '--model',
      'mlp-gan',
      '--out',
      back,
    );
    expect(imported.stderr).toContain('checkpoints/step-00000000');
    expect(imported.status).toBe(0);
    const a = join(out, 'a.png');
    const b = join(out, 'b.png');
    expect(latent('sample', run, '--n', '8', '--out', a).status).toBe(0);
    expect(latent('sample', back, '--n', '8', '--out', b).status).toBe(0);
    expect((await readFile(b)).equals(await readFile(a))).toBe(true);
  });

  it("round-trips a 2-D VAE's decoder and encoder, and both go to ONNX", async () => {
    const run = train('vae', '--model', 'mlp-vae', '--latent-dim', '2', '--hidden', '64');
    for (const part of ['decoder', 'encoder']) {
      const done = latent('export', run, '--format', 'safetensors', '--part', part);
      expect(done.status, done.stderr).toBe(0);
      expect(latent('export', run, '--format', 'onnx', '--part', part).status).toBe(0);
    }
    const back = join(out, 'vae-back');
    const files = ['decoder', 'encoder'].map((p) => join(run, 'export', `${p}.safetensors`));
    const imported = latent('import', ...files, '--model', 'mlp-vae', '--out', back);
    expect(imported.status, imported.stderr).toBe(0);
    const a = join(out, 'va.png');
    const b = join(out, 'vb.png');
    expect(latent('sample', run, '--n', '8', '--out', a).status).toBe(0);
    expect(latent('sample', back, '--n', '8', '--out', b).status).toBe(0);
    expect((await readFile(b)).equals(await readFile(a))).toBe(true);
    const checkpoint = JSON.parse(
      await readFile(join(back, 'checkpoints', 'step-00000000', 'checkpoint.json'), 'utf8'),
    );
    expect(checkpoint.model.config.latentDim).toBe(2);
    expect(checkpoint.config).toMatchObject({ model: 'mlp-vae', latentDim: 2, hidden: [64] });
  });

  it('refuses bad input with errors that say what is wrong', async () => {
    const run = train('bad');
    const format = latent('export', run, '--format', 'png');
    expect(format.status).toBe(2);
    expect(format.stderr).toContain('Allowed choices are onnx, tfjs, safetensors');
    const part = latent('export', run, '--format', 'onnx', '--part', 'decoder');
    expect(part.status).toBe(1);
    expect(part.stderr).toContain(
      'a mlp-gan model has a generator and a discriminator, not a decoder',
    );
    const ema = latent('export', run, '--format', 'onnx', '--ema');
    expect(ema.stderr).toContain('holds no moving average of G');

    // A corrupt checkpoint: one byte of weights.bin changed.
    const broken = join(out, 'broken');
    await cp(join(run, 'checkpoints', 'step-00000002'), broken, { recursive: true });
    const bytes = await readFile(join(broken, 'weights.bin'));
    bytes[100] = (bytes[100] as number) ^ 0xff;
    await writeFile(join(broken, 'weights.bin'), bytes);
    const corrupt = latent('export', broken, '--format', 'onnx');
    expect(corrupt.status).toBe(1);
    expect(corrupt.stderr).toContain('weights.bin is corrupted');

    // A file whose shapes do not fit the model.
    const wrong = join(out, 'wrong.safetensors');
    await writeFile(
      wrong,
      writeSafetensors([{ name: 'dense0.weight', shape: [3, 3], data: new Float32Array(9) }]),
    );
    const misfit = latent('import', wrong, '--model', 'mlp-gan', '--out', join(out, 'never'));
    expect(misfit.status).toBe(1);
    expect(misfit.stderr).toContain(
      'does not fit the generator of this mlp-gan: dense0.weight has shape [3,3], the model expects [1200,100]',
    );
    expect(misfit.stderr).toContain('missing dense0.bias [1200]');
    // Weights of another model.
    const other = latent(
      'import',
      join(run, 'checkpoints', 'step-00000002', 'weights.bin'),
      '--model',
      'dcgan',
    );
    expect(other.status).toBe(1);
    expect(other.stderr).toMatch(/weights\.bin: the header claims \d+ bytes but only \d+ follow/);
  });
});
