#!/usr/bin/env node
import { BACKENDS } from '@latent/backend';
import { DEFAULT_METRICS, MODELS, NAMED_DATASETS } from '@latent/train';
import { Command, CommanderError, Option } from 'commander';
import { UsageError } from './errors.js';
import { evalCommand } from './eval.js';
import { addExportCommands } from './export.js';
import { addRunFlags, FLAG_OF_FIELD, integer, positive, runConfigOf } from './flags.js';
import { sampleCommand } from './sample.js';
import { type RunOutput, resumeCommand, trainCommand } from './train.js';

const program = new Command()
  .name('latent')
  .description(
    'Train generative models (GANs as in Goodfellow et al. 2014, and VAEs) on TensorFlow.js from a terminal.',
  )
  .showHelpAfterError('(run with --help for usage)')
  .configureOutput({ outputError: (text, write) => write(`latent: ${text}`) })
  // Throw instead of exiting, so usage errors get status 2 below.
  .exitOverride();

/** The options of `train` and `resume` that say how a run reports and keeps checkpoints. */
function withRunOutput(command: Command): Command {
  return command
    .option(
      '--checkpoint-every <steps>',
      "write a checkpoint every n steps (default: with each epoch's grid; resume: as the run did), and always when the run stops",
      positive,
    )
    .option(
      '--keep <n>',
      'keep the newest n checkpoints (default: 3; resume: as the run did)',
      positive,
    )
    .option(
      '--eval <metrics>',
      'measure the model every --eval-every epochs, e.g. fid,is,coverage (GANs) or elbo (VAEs); see `latent eval --help`',
    )
    .option('--eval-every <epochs>', 'epochs between evaluations', positive, 1)
    .option('--eval-n <n>', 'generated samples per evaluation', positive, 10_000)
    .option(
      '--keep-best <metric>',
      'also keep the best checkpoint by this --eval metric in checkpoints/best/',
    )
    .option('--json', 'print every training event as one JSON line on stdout, for scripts', false)
    .option('--preview', "draw each epoch's sample grid in the terminal", false);
}

function runOutput(o: Record<string, unknown>): RunOutput {
  return {
    checkpointEvery: o.checkpointEvery as number | undefined,
    keep: o.keep as number | undefined,
    json: o.json === true,
    preview: o.preview === true,
    ...(o.eval !== undefined || o.keepBest !== undefined
      ? {
          eval: {
            metrics: String(o.eval ?? o.keepBest).split(','),
            every: o.evalEvery as number,
            n: o.evalN as number,
            keepBest: o.keepBest as string | undefined,
          },
        }
      : {}),
  };
}

const train = program
  .command('train')
  .summary('train a GAN or a VAE (default: a DCGAN on MNIST, 3 epochs)')
  .description(
    "Train a GAN or a VAE. With no --model, the first run: a DCGAN (Radford et al.) on MNIST for 3 epochs at minibatch 64 with Adam, which draws every digit in under ten minutes on two cores. --model mlp-gan trains the 2014 paper's GAN (Goodfellow et al.) as the paper and its authors' released code did: SGD with momentum, D and G updated simultaneously (--updates alternating gives Algorithm 1's order). A named model takes its paper's settings.",
  )
  .addHelpText(
    'after',
    `
Writes runs/<name>/:
  config.json          the resolved run config
  samples/epoch-NNN.png  a grid from the same fixed noise before training (000), after each epoch
                         (every few when epochs are under 50 steps) and at the end
  metrics.jsonl        one JSON line per logging interval: dLoss, gLoss, dReal = mean D(x), dFake = mean D(G(z))

Examples:
  latent train                              the first run: a DCGAN on MNIST for 3 epochs
  latent train --model mlp-gan --epochs 50 --name paper   the 2014 paper's GAN, 50 epochs into runs/paper
  latent train --max-steps 50 --data-limit 1000   a quick trial
  latent train --model dcgan --dataset photos/ --image-size 32   a DCGAN on a folder of colour images
  latent train --dataset ring --epochs 3 --eval modes,kl       the toy GAN on GAN Lab's ring`,
  );
addRunFlags(train)
  .option('--config <file>', 'a JSON run config; flags override its fields')
  .addOption(new Option('--backend <name>', 'tfjs backend').choices(BACKENDS).default('wasm'))
  .option(
    '--workers <n>',
    'data-parallel replicas, each a thread with its own backend (1: this thread only) (default: 2 for GANs where there are 2 cores, 1 for VAEs)',
    positive,
  )
  .option('--out <dir>', 'folder that holds the run folders', 'runs')
  .option('--name <name>', 'run folder name (default: run-<date>-<time>)');
withRunOutput(train).action(async (o) => {
  await trainCommand({
    config: runConfigOf(o),
    configFile: o.config,
    backend: o.backend,
    workers: o.workers,
    out: o.out,
    name: o.name,
    output: runOutput(o),
  });
});

const resume = program
  .command('resume')
  .summary('continue a run from its newest checkpoint')
  .description(
    'Continue a run from the newest checkpoint in <run>/checkpoints, exactly as if it had never stopped (same data order, noise and dropout), writing into the same run folder.',
  )
  .argument(
    '<run>',
    'the run folder, e.g. runs/gan-mnist-20261126-101500, or a folder holding the checkpoint.json and weights.bin the web app saved',
  )
  .option('--epochs <n>', 'train until this many epochs in all (to extend a finished run)', integer)
  .option('--max-steps <n>', 'stop at this step', integer)
  .option('--log-every <n>', 'steps per metrics.jsonl line', integer)
  .addOption(
    new Option('--backend <name>', 'tfjs backend (default: the one the run used)').choices(
      BACKENDS,
    ),
  )
  .option(
    '--workers <n>',
    'data-parallel replicas (default: as many as the run used; with batch norm a different count changes the training)',
    positive,
  );
withRunOutput(resume).action(async (run: string, o) => {
  const config = { epochs: o.epochs, maxSteps: o.maxSteps, logEvery: o.logEvery };
  await resumeCommand({
    run,
    config: Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined)),
    backend: o.backend,
    workers: o.workers,
    output: runOutput(o),
  });
});

program
  .command('sample')
  .summary("draw a grid of samples from a run's checkpoint")
  .description(
    'Draw n samples G(z) from a checkpoint — a checkpoint folder, or a run folder whose newest checkpoint is used — and write them as a PNG grid.',
  )
  .argument(
    '<run-or-checkpoint>',
    'e.g. runs/gan-mnist-20261126-101500 or .../checkpoints/step-00000500',
  )
  .option('--n <count>', 'number of samples', positive, 64)
  .option('--seed <n>', 'seeds the noise z', integer, 0)
  .option('--ema', "use the moving average of G's weights (runs trained with --ema)", false)
  .option(
    '--interpolate <steps>',
    'draw --n strips of <steps> images, each walking between two random z',
    positive,
  )
  .option('--linear', 'interpolate linearly instead of along the great circle (slerp)', false)
  .option(
    '--class <c>',
    'conditional models: draw only class c (default: sample i draws class i mod the class count)',
    integer,
  )
  .option('--out <file>', 'PNG file to write (default: <run>/samples/sample-step-N-seed-S.png)')
  .addOption(new Option('--backend <name>', 'tfjs backend').choices(BACKENDS).default('wasm'))
  .action(async (target: string, o) => {
    await sampleCommand({
      target,
      count: o.n,
      seed: o.seed,
      ema: o.ema,
      interpolate: o.interpolate,
      linear: o.linear,
      classIndex: o.class,
      out: o.out,
      backend: o.backend,
    });
  });

program
  .command('eval')
  .summary('score a checkpoint: Parzen log-likelihood, FID, IS, class coverage; VAE ELBO and IWAE')
  .description(
    "Score a checkpoint — a checkpoint folder, or a run folder whose newest checkpoint is used — print a table and write eval.json. GAN runs: the 2014 paper's Parzen-window log-likelihood (10,000 samples, sigma chosen on 1,000 validation images, mean over the test images ± standard error) and a 28x28 classifier's FID (with the real-vs-real floor), inception score and class coverage. VAE runs: test ELBO and the importance-weighted log-likelihood bound with k samples. Image-folder runs: memorization (each sample's nearest folder image, against how near the folder's images lie to each other).",
  )
  .argument(
    '<run-or-checkpoint>',
    'e.g. runs/gan-mnist-20261126-101500 or .../checkpoints/step-00000500',
  )
  .option(
    '--metric <names>',
    `comma-separated: parzen, fid, is, coverage, kid, precision, recall, memorization (GAN and VAE runs), elbo, iwae (VAE runs); image-folder runs: memorization (default: GAN ${DEFAULT_METRICS.gan.join(',')}; VAE ${DEFAULT_METRICS.vae.join(',')})`,
  )
  .option('--n <count>', 'generated samples for parzen, fid, is, coverage', positive, 10_000)
  .option('--seed <n>', 'seeds the noise z and the VAE draws', integer, 0)
  .option(
    '--limit <n>',
    'use only the first n test images (iwae with k = 5000 costs ~0.1-1 s per image)',
    positive,
  )
  .option('--k <n>', 'importance samples per image for iwae (Burda et al.)', positive, 5000)
  .option('--ema', "use the moving average of G's weights (runs trained with --ema)", false)
  .option('--json', 'print the results as one JSON object on stdout instead of the table', false)
  .option('--out <file>', 'where to write eval.json (default: <run>/eval.json)')
  .addOption(new Option('--backend <name>', 'tfjs backend').choices(BACKENDS).default('wasm'))
  .action(async (target: string, o) => {
    await evalCommand({
      target,
      metrics: o.metric ? String(o.metric).split(',') : undefined,
      n: o.n,
      seed: o.seed,
      limit: o.limit,
      k: o.k,
      backend: o.backend,
      ema: o.ema,
      json: o.json,
      out: o.out,
    });
  });

addExportCommands(program);

program
  .command('models')
  .description('list the GANs and VAEs `latent train --model` can train')
  .action(() => {
    for (const { name, about } of MODELS) process.stdout.write(`${name.padEnd(10)} ${about}\n`);
  });

program
  .command('datasets')
  .description(
    'list the training data `latent train --dataset` knows by name; any other value is a folder of images',
  )
  .action(() => {
    for (const { name, about } of NAMED_DATASETS)
      process.stdout.write(`${name.padEnd(14)} ${about}\n`);
    process.stdout.write(
      `${'<folder>'.padEnd(14)} PNG and JPEG images (sub-folders are classes), with --image-size and --channels\n`,
    );
  });

try {
  await program.parseAsync();
} catch (e) {
  if (e instanceof CommanderError) {
    // --help and --version end here with status 0; commander has printed any error.
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  } else {
    const message = (e as Error).message.replace(/^ {2}(\w+):/gm, (line, field: string) => {
      const flag = FLAG_OF_FIELD.get(field);
      return flag ? `  ${field} (${flag}):` : line;
    });
    process.stderr.write(`latent: error: ${message}\n`);
    process.exitCode = e instanceof UsageError ? 2 : 1;
  }
}
