// Trains, scores and packs the pretrained models the web app opens at first
// visit: `node scripts/run-ts.mjs apps/web/scripts/pretrained.ts [train|pack] [names]`
// from the repository root (no phase: both; names: train only those models;
// it takes ~25 minutes on 2 quiet cores).
//
// train: each model is one `latent train` then one `latent eval` (the CLI's
//        own commands, into runs/pretrained/<name>/ and its eval.json);
// pack:  the newest checkpoint of each run, reduced to the network the page
//        draws with (`inferenceCheckpoint` of @latent/train: the generator or
//        the VAE's decoder, float16), into apps/web/public/pretrained/<name>/,
//        and apps/web/public/pretrained/models.json: what each model is, the
//        commands that made it and the scores `latent eval` gave it.
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { inferenceCheckpoint } from '@latent/train';
import { findCheckpoint, readCheckpoint, writeCheckpoint } from '@latent/train/node';

const repo = resolve(import.meta.dirname, '..', '..', '..');
const cli = join(repo, 'apps', 'cli', 'dist', 'latent.js');
const runs = join(repo, 'runs', 'pretrained');
const target = join(repo, 'apps', 'web', 'public', 'pretrained');

interface Pretrained {
  /** Folder name under runs/pretrained and public/pretrained. */
  name: string;
  /** Said on the page: which model it shows. */
  title: string;
  /** The page tab that opens it at first visit. */
  tab: 'explorer' | 'vae';
  train: string[];
  eval: string[];
}

/**
 * The MNIST DCGAN is the first run (`latent train`, no flags: 3 epochs at
 * batch 64, FID 83 with seed 0); the Fashion-MNIST DCGAN the same recipe for
 * two epochs; the VAE ten epochs with a 2-d latent. About 25 minutes in all
 * on two quiet cores. Each DCGAN packs to 1.5 MB of float16, the VAE decoder
 * to 0.8 MB.
 */
const MODELS: Pretrained[] = [
  {
    name: 'dcgan-mnist',
    title: 'DCGAN on MNIST',
    tab: 'explorer',
    train: [],
    eval: ['--metric', 'fid,is,coverage'],
  },
  {
    name: 'mlp-vae-mnist-2d',
    title: 'MLP VAE with a 2-d latent on MNIST',
    tab: 'vae',
    train: ['--model', 'mlp-vae', '--dataset', 'mnist', '--latent-dim', '2', '--epochs', '10'],
    eval: ['--metric', 'elbo,iwae', '--k', '100', '--limit', '1000'],
  },
  {
    name: 'dcgan-fashion-mnist',
    title: 'DCGAN on Fashion-MNIST',
    tab: 'explorer',
    train: ['--dataset', 'fashion-mnist', '--epochs', '2'],
    eval: ['--metric', 'fid,is,coverage'],
  },
];

function latent(args: string[]): void {
  console.log(`latent ${args.join(' ')}`);
  execFileSync(process.execPath, [cli, ...args], { cwd: repo, stdio: 'inherit' });
}

async function train(only: string[]): Promise<void> {
  execFileSync('pnpm', ['-s', '--filter', '@latent/cli', 'run', 'build'], {
    cwd: repo,
    stdio: 'inherit',
  });
  for (const m of MODELS) {
    if (only.length > 0 && !only.includes(m.name)) continue;
    const folder = join(runs, m.name);
    await rm(folder, { recursive: true, force: true });
    latent(['train', ...m.train, '--out', runs, '--name', m.name]);
    latent(['eval', folder, ...m.eval]);
  }
}

/** `latent train ...` as a user types it (the run folder's name added). */
const command = (verb: string, args: string[], folder: string) =>
  verb === 'train'
    ? ['latent train', ...args, '--out runs/pretrained --name', folder].join(' ')
    : ['latent eval', `runs/pretrained/${folder}`, ...args].join(' ');

async function pack(): Promise<void> {
  await rm(target, { recursive: true, force: true });
  const index = [];
  for (const m of MODELS) {
    const folder = join(runs, m.name);
    const checkpoint = await readCheckpoint((await findCheckpoint(folder)).dir);
    const small = inferenceCheckpoint(checkpoint, { float16: true });
    await writeCheckpoint(join(target, m.name), small);
    const evaluation = JSON.parse(await readFile(join(folder, 'eval.json'), 'utf8'));
    const bytes = (await stat(join(target, m.name, 'weights.bin'))).size;
    const { manifest } = small;
    index.push({
      name: m.name,
      title: m.title,
      tab: m.tab,
      model: manifest.model.name,
      dataset: manifest.config.dataset,
      step: manifest.progress.step,
      weights: manifest.weights.specs[0]?.name.split('.')[0],
      bytes,
      commands: [command('train', m.train, m.name), command('eval', m.eval, m.name)],
      scores: evaluation.metrics,
      evaluated: { samples: evaluation.samples, testImages: evaluation.testImages },
    });
    console.log(`${m.name}: step ${manifest.progress.step}, weights.bin ${bytes} bytes`);
  }
  await mkdir(target, { recursive: true });
  await writeFile(join(target, 'models.json'), `${JSON.stringify(index, null, 2)}\n`);
  await writeFile(join(target, 'README.md'), readme(index));
}

/** The same index for people: what each model is, how it was made, what it scored. */
function readme(
  index: {
    name: string;
    title: string;
    step: number;
    bytes: number;
    commands: string[];
    scores: Record<string, { value?: number }>;
  }[],
): string {
  const lines = [
    '# Pretrained models of the web app',
    '',
    'Written by `node scripts/run-ts.mjs apps/web/scripts/pretrained.ts` (do not edit by hand).',
    'Each folder is an inference checkpoint (`inferenceCheckpoint` of `@latent/train`: the',
    "generator or the VAE's decoder only, float16), opened by the page like any checkpoint.",
    "Scores are `latent eval`'s on the full checkpoint before packing.",
    '',
  ];
  for (const m of index) {
    const scores = Object.entries(m.scores)
      .map(
        ([k, v]) =>
          `${k} ${typeof v?.value === 'number' ? Number(v.value.toFixed(3)) : JSON.stringify(v)}`,
      )
      .join(', ');
    lines.push(
      `## ${m.title} (\`${m.name}/\`, step ${m.step}, weights.bin ${m.bytes} bytes)`,
      '',
      '```sh',
      ...m.commands,
      '```',
      '',
      `Scores: ${scores}.`,
      '',
    );
  }
  return lines.join('\n');
}

const [phase, ...only] = process.argv.slice(2);
if (phase !== 'pack') await train(only);
if (phase !== 'train') await pack();
