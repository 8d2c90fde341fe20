import { appendFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { type BackendInfo, GpuDeviceLostError, initBackend, replicaCount } from '@latent/backend';
import {
  type Checkpoint,
  type GanRunConfig,
  type GanStats,
  type GanTrainer,
  resolveGanRunConfig,
  resolveVaeRunConfig,
  type TrainEvent,
  TrainingDivergedError,
  type VaeStats,
  type VaeTrainer,
  vaeRunConfigSchema,
} from '@latent/train';
import {
  checkpointName,
  createParallelGanTrainer,
  createParallelVaeTrainer,
  keepBestCheckpoint,
  listCheckpoints,
  pruneCheckpoints,
  readCheckpoint,
  writeCheckpoint,
} from '@latent/train/node';
import { ansiColorMode, ansiImage, encodePng, imageGrid } from '@latent/vis';
import { asUsage, UsageError } from './errors.js';
import { checkEvalSettings, type EvalSettings, runEvaluation } from './evaluation.js';
import { writeFileAtomic } from './files.js';
import { formatDuration, Progress } from './progress.js';
import { writeReport } from './report.js';
import {
  ganModel,
  isVae,
  modelFromCheckpoint,
  paperSettings,
  trainingSet,
  VAE_MODELS,
  vaeFromCheckpoint,
} from './zoo.js';

/** How a run reports and how often and how many checkpoints it keeps. */
export interface RunOutput {
  /** Write a checkpoint every `checkpointEvery` steps; absent: at each epoch's end. Always when the run stops. */
  checkpointEvery?: number;
  /** Keep the newest `keep` checkpoints. */
  keep: number;
  /** Print every event as one JSON line on stdout (for scripts) instead of a progress bar. */
  json: boolean;
  /** Draw each epoch's sample grid in the terminal. */
  preview: boolean;
  /** Measure the model every few epochs (and keep the best checkpoint by one metric). */
  eval?: EvalSettings;
}

export interface TrainCommandOptions {
  /** Run config fields given on the command line (override `configFile`). */
  config: Record<string, unknown>;
  configFile?: string;
  backend: string;
  /** Data-parallel replicas (worker threads with their own backend); absent: `defaultWorkers(model)`. */
  workers?: number;
  out: string;
  name?: string;
  /** Use only the first N training images (quick experiments, tests). */
  dataLimit?: number;
  output: RunOutput;
}

/** What a run folder's config.json holds besides the run config and the model's config. */
interface RunInfo {
  backend: string;
  /**
   * Data-parallel replicas the run trains with. `latent resume` keeps it: with
   * batch norm each replica normalizes its own rows, so the count is part of
   * what makes a resumed run continue exactly. Absent (older runs): 1.
   */
  workers?: number;
  dataLimit?: number;
  /** The run's periodic evaluation; `latent resume` keeps it unless told otherwise. */
  eval?: EvalSettings;
}

/**
 * `latent train`: trains a GAN and writes runs/<name>/ — config.json, a sample
 * grid per epoch from fixed noise (samples/epoch-000.png is before training),
 * metrics.jsonl with one line per logging interval, and checkpoints/.
 */
export async function trainCommand(opts: TrainCommandOptions): Promise<void> {
  const fromFile = opts.configFile ? await readConfigFile(opts.configFile) : {};
  const requested = { ...fromFile, ...opts.config };
  if (typeof requested.model === 'string' && isVae(requested.model))
    return trainVae(requested, opts);
  // Validate first (naming any bad field), then fill in what the model's paper uses.
  const named = asUsage(() => resolveGanRunConfig(requested));
  if (opts.output.eval) checkEvalSettings('gan', opts.output.eval);
  const workers = asUsage(() => replicaCount(opts.backend, opts.workers, defaultWorkers('gan')));
  const runDir = resolve(opts.out, opts.name ?? defaultRunName());
  await claimRunDir(runDir);
  const backend = await initBackend(opts.backend);
  const data = await trainingSet(named.dataset, opts.dataLimit);
  const model = ganModel(named.model, [data.height, data.width, data.channels]);
  const config = asUsage(() =>
    resolveGanRunConfig({ ...paperSettings(model, requested), ...requested }),
  );
  const trainer = createParallelGanTrainer(
    { model, data, config },
    replicas(workers, backend.name),
  );
  await startRun(trainer, model, config, runDir, backend, workers, opts);
}

/** `latent train --model <a VAE>`: the same run folder, from the VAE trainer. */
async function trainVae(
  requested: Record<string, unknown>,
  opts: TrainCommandOptions,
): Promise<void> {
  const known = new Set(Object.keys(vaeRunConfigSchema.shape));
  const ganOnly = Object.keys(requested).filter((k) => !known.has(k));
  if (ganOnly.length > 0) {
    throw new UsageError(
      `${ganOnly.join(', ')} ${ganOnly.length > 1 ? 'apply' : 'applies'} to GANs only, not to ${requested.model}`,
    );
  }
  // A Gaussian decoder models grey levels, so it implies unbinarized pixels unless told otherwise.
  const implied = requested.decoder === 'gaussian' ? { binarize: 'none' } : {};
  const config = asUsage(() => resolveVaeRunConfig({ ...implied, ...requested }));
  if (opts.output.eval) checkEvalSettings('vae', opts.output.eval);
  const workers = asUsage(() => replicaCount(opts.backend, opts.workers, defaultWorkers('vae')));
  const runDir = resolve(opts.out, opts.name ?? defaultRunName());
  await claimRunDir(runDir);
  const backend = await initBackend(opts.backend);
  const data = await trainingSet(config.dataset, opts.dataLimit);
  const model = VAE_MODELS[config.model].make([data.height, data.width, data.channels], config);
  const trainer = createParallelVaeTrainer(
    { model, data, config },
    replicas(workers, backend.name),
  );
  await startRun(trainer, model, config, runDir, backend, workers, opts);
}

/**
 * `--workers` when not given. Two replicas train the GANs 1.7x faster on two
 * cores (`pnpm bench`); the VAE's step is too small to gain from a second
 * thread, so it stays on one.
 */
export function defaultWorkers(kind: 'gan' | 'vae'): number {
  return kind === 'gan' ? Math.min(2, availableParallelism()) : 1;
}

/** The worker replicas of `--workers`: dist/worker.js beside this bundle, on the same backend. */
function replicas(workers: number, backend: string) {
  const script = new URL('./worker.js', import.meta.url);
  return { workers, script, scriptData: { backend } };
}

/** Writes the run folder's config.json (run config, backend, data limit, model config) and trains. */
async function startRun(
  trainer: RunnableTrainer,
  model: { name: string; config: unknown },
  config: object,
  runDir: string,
  backend: BackendInfo,
  workers: number,
  opts: TrainCommandOptions,
): Promise<void> {
  const info: RunInfo = {
    backend: backend.name,
    workers,
    dataLimit: opts.dataLimit,
    eval: opts.output.eval,
  };
  await writeFileAtomic(
    join(runDir, 'config.json'),
    `${JSON.stringify({ ...config, ...info, modelConfig: model.config }, null, 2)}\n`,
  );
  await runTrainer(
    trainer,
    model.name,
    runDir,
    opts.output,
    `with ${backend.name}${backend.simd ? ' (SIMD)' : ''}${backend.adapter ? ` on ${backend.adapter}` : ''}${replicaNote(workers)}`,
  );
}

/** " on 2 threads" in the first progress line when training is data-parallel. */
function replicaNote(workers: number): string {
  return workers > 1 ? ` on ${workers} threads` : '';
}

export interface ResumeCommandOptions {
  run: string;
  /** Run config fields that may change on resume: epochs, maxSteps, logEvery. */
  config: Partial<Pick<GanRunConfig, 'epochs' | 'maxSteps' | 'logEvery'>>;
  backend?: string;
  /** Data-parallel replicas; absent: as many as the run trained with. */
  workers?: number;
  output: RunOutput;
}

/**
 * `latent resume`: continues a run from its newest checkpoint, exactly as if
 * it had never stopped, writing into the same run folder.
 */
export async function resumeCommand(opts: ResumeCommandOptions): Promise<void> {
  const runDir = resolve(opts.run);
  const found = await listCheckpoints(join(runDir, 'checkpoints'));
  // A checkpoint downloaded from the web app is its two files, right in the folder.
  const files = await readdir(runDir).catch((): string[] => []);
  const downloaded = files.includes('checkpoint.json');
  const latest = found.at(-1) ?? (downloaded ? { path: runDir } : undefined);
  if (!latest) {
    throw new Error(
      `${runDir} has no checkpoint to resume from (looked in ${join(runDir, 'checkpoints')}).`,
    );
  }
  const checkpoint = await readCheckpoint(latest.path);
  if (downloaded && found.length === 0 && !files.includes('config.json')) {
    // Make it a run folder: the config.json `latent train` would have written (all the data).
    const { config, model } = checkpoint.manifest;
    const info: RunInfo = { backend: opts.backend ?? 'wasm' };
    const text = JSON.stringify({ ...config, ...info, modelConfig: model.config }, null, 2);
    await writeFileAtomic(join(runDir, 'config.json'), `${text}\n`);
  }
  const info = JSON.parse(await readFile(join(runDir, 'config.json'), 'utf8')) as RunInfo;
  const { manifest } = checkpoint;
  const backend = await initBackend(opts.backend ?? info.backend);
  const workers = asUsage(() => replicaCount(backend.name, opts.workers ?? info.workers, 1));
  if (workers !== (info.workers ?? 1)) {
    // Recorded so the next resume uses it too (and the run says how it trained last).
    const text = JSON.stringify({ ...info, workers }, null, 2);
    await writeFileAtomic(join(runDir, 'config.json'), `${text}\n`);
  }
  const { name, config: modelConfig } = manifest.model;
  const how = `from step ${manifest.progress.step} with ${backend.name}${replicaNote(workers)}`;
  const output = { ...opts.output, eval: opts.output.eval ?? info.eval };
  if (manifest.kind === 'vae') {
    const config = asUsage(() => resolveVaeRunConfig({ ...manifest.config, ...opts.config }));
    const model = vaeFromCheckpoint(name, modelConfig, latest.path);
    const data = await trainingSet(config.dataset, info.dataLimit);
    return continueRun(
      createParallelVaeTrainer({ model, data, config }, replicas(workers, backend.name)),
      checkpoint,
      name,
      runDir,
      output,
      how,
    );
  }
  const config = asUsage(() => resolveGanRunConfig({ ...manifest.config, ...opts.config }));
  const model = modelFromCheckpoint(name, modelConfig, latest.path);
  const data = await trainingSet(config.dataset, info.dataLimit);
  return continueRun(
    createParallelGanTrainer({ model, data, config }, replicas(workers, backend.name)),
    checkpoint,
    name,
    runDir,
    output,
    how,
  );
}

/** A trainer the CLI can drive. */
type RunnableTrainer = GanTrainer | VaeTrainer;

async function continueRun(
  trainer: RunnableTrainer,
  checkpoint: Checkpoint,
  modelName: string,
  runDir: string,
  output: RunOutput,
  how: string,
): Promise<void> {
  try {
    trainer.restore(checkpoint);
  } catch (e) {
    trainer.dispose();
    throw e;
  }
  if (trainer.step >= trainer.totalSteps) {
    trainer.dispose();
    throw new Error(
      `${runDir} already reached step ${trainer.step} of ${trainer.totalSteps}; pass a larger --epochs or --max-steps to train on.`,
    );
  }
  await runTrainer(trainer, modelName, runDir, output, how);
}

/** Drives a trainer and turns its events into a progress line and files. */
async function runTrainer(
  trainer: RunnableTrainer,
  modelName: string,
  runDir: string,
  output: RunOutput,
  how: string,
): Promise<void> {
  const { data } = trainer.options;
  const progress = new Progress(process.stderr, 10, output.json);
  progress.log(
    `latent: training ${modelName} on ${data.name} (${data.count} images) ${how}; writing ${runDir}`,
  );
  const checkpointDir = join(runDir, 'checkpoints');
  const metricsPath = join(runDir, 'metrics.jsonl');
  let lastCheckpoint = trainer.step;

  const saveCheckpoint = async () => {
    if (trainer.step === lastCheckpoint) return;
    try {
      await writeCheckpoint(
        join(checkpointDir, checkpointName(trainer.step)),
        await trainer.checkpoint(),
      );
    } catch (e) {
      throw new Error(`${(e as Error).message}. ${await lastGood()}`);
    }
    await pruneCheckpoints(checkpointDir, output.keep);
    lastCheckpoint = trainer.step;
  };
  /** Where the run can be picked up again, for messages about a failure. */
  const lastGood = async () => {
    const kept = (await listCheckpoints(checkpointDir)).at(-1);
    return kept
      ? `The last complete checkpoint, ${kept.path} (step ${kept.step}), is intact: \`latent sample\` and \`latent resume\` use it.`
      : 'No checkpoint of this run was written before.';
  };

  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    progress.log(
      'latent: stopping after this step and saving a checkpoint (Ctrl-C again to quit at once)',
    );
    controller.abort();
  };
  let evaluation: Awaited<ReturnType<typeof runEvaluation>> | undefined;
  try {
    evaluation = output.eval ? await runEvaluation(trainer, output.eval) : undefined;
  } catch (e) {
    trainer.dispose();
    throw e;
  }
  const evalPath = join(runDir, 'eval.jsonl');
  process.on('SIGINT', onSigint);
  let total = 0;
  let rate = 0;
  let rateFrom: { step: number; time: number } | undefined;
  try {
    const run = trainer.run({ signal: controller.signal, evaluate: evaluation?.evaluation });
    for await (const e of run) await handle(e);
  } catch (e) {
    if (e instanceof TrainingDivergedError)
      throw new TrainingDivergedError(`${e.message}. ${await lastGood()}`);
    if (e instanceof GpuDeviceLostError)
      throw new GpuDeviceLostError(`${e.message} ${await lastGood()}`);
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
    progress.end();
    evaluation?.dispose();
    trainer.dispose();
  }

  async function handle(e: TrainEvent<GanStats> | TrainEvent<VaeStats>): Promise<void> {
    if (output.json && e.type !== 'samples') process.stdout.write(`${JSON.stringify(e)}\n`);
    switch (e.type) {
      case 'start':
        total = e.totalSteps;
        break;
      case 'step':
        // Steps per second since the first step (which pays one-off warm-up costs).
        if (!rateFrom) rateFrom = { step: e.step, time: performance.now() };
        else rate = ((e.step - rateFrom.step) * 1000) / (performance.now() - rateFrom.time);
        progress.update(e.step, total, rate, `epoch ${e.epoch + 1} · ${describeStats(e)}`);
        if (output.checkpointEvery && e.step % output.checkpointEvery === 0) await saveCheckpoint();
        break;
      case 'log': {
        const { type: _, step, epoch, steps, seconds, ...stats } = e;
        const stepsPerSecond = steps / Math.max(seconds, 1e-9);
        await appendFile(
          metricsPath,
          `${JSON.stringify({ step, epoch, ...stats, stepsPerSecond })}\n`,
        );
        break;
      }
      case 'epoch':
        progress.log(`epoch ${e.epoch} done in ${formatDuration(e.seconds)} (${e.step} steps)`);
        if (output.checkpointEvery === undefined) await saveCheckpoint();
        break;
      case 'samples': {
        const grid = imageGrid(e.images, {
          count: e.count,
          height: e.shape[0],
          width: e.shape[1],
          channels: e.shape[2] as 1 | 3,
          range: e.pixelRange,
          scale: 2,
        });
        const file = e.partial
          ? `step-${String(e.step).padStart(6, '0')}.png`
          : `epoch-${String(e.epoch).padStart(3, '0')}.png`;
        await writeFileAtomic(join(runDir, 'samples', file), encodePng(grid));
        if (output.preview && !e.partial) {
          const width = Math.min(grid.width, (process.stderr.columns ?? 80) - 1);
          progress.log(
            `epoch ${e.epoch} samples:\n${ansiImage(grid, { width, color: ansiColorMode(process.env) })}`,
          );
        }
        if (!e.partial && e.epoch > 0) await writeReport(runDir);
        if (output.json) {
          const { type, epoch, step, partial, diversity } = e;
          process.stdout.write(
            `${JSON.stringify({ type, epoch, step, partial, diversity, file: join(runDir, 'samples', file) })}\n`,
          );
        }
        break;
      }
      case 'warning':
        progress.log(`latent: warning: ${e.message}`);
        break;
      case 'eval': {
        await appendFile(
          evalPath,
          `${JSON.stringify({ step: e.step, epoch: e.epoch, ...e.values, seconds: e.seconds })}\n`,
        );
        const shown = Object.entries(e.values)
          .map(([name, v]) => `${name} ${v.toFixed(2)}`)
          .join(' · ');
        let kept = '';
        if (evaluation?.best) {
          const { metric, better } = evaluation.best;
          const result = await keepBestCheckpoint(
            checkpointDir,
            await trainer.checkpoint(),
            metric,
            better,
          );
          kept = result.kept
            ? `; best ${metric} so far, kept in ${join(checkpointDir, 'best')}`
            : `; best ${metric} stays ${result.best.toFixed(2)}`;
        }
        progress.log(`epoch ${e.epoch} eval: ${shown} (${formatDuration(e.seconds)})${kept}`);
        break;
      }
      case 'done':
        await saveCheckpoint();
        await writeReport(runDir);
        progress.end();
        progress.log(
          `latent: ${e.reason === 'aborted' ? 'stopped' : 'finished'} at step ${e.step} (epoch ${e.epoch}) after ${formatDuration(e.seconds)}; ` +
            `samples in ${join(runDir, 'samples')}, checkpoint in ${join(checkpointDir, checkpointName(e.step))}` +
            (e.reason === 'finished' ? '' : `; continue with: latent resume ${runDir}`),
        );
        break;
    }
  }
}

async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new UsageError(`Cannot read config file ${path}: ${(e as Error).message}`);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new Error('expected a JSON object');
    return value as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`Config file ${path} is not a JSON object: ${(e as Error).message}`);
  }
}

/** Creates the run folder; refuses one that already holds files, so no earlier run is overwritten. */
async function claimRunDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const existing = await readdir(dir);
  if (existing.length > 0) {
    throw new Error(
      `Run folder ${dir} already exists and is not empty; choose another --name or --out, or continue it with: latent resume ${dir}`,
    );
  }
}

/** The live numbers of a step, for the progress line: a GAN's losses and D's outputs, a VAE's ELBO terms. */
function describeStats(stats: object): string {
  const s = stats as Record<string, number>;
  if ('dLoss' in s) {
    return `D ${s.dLoss?.toFixed(3)} G ${s.gLoss?.toFixed(3)} · D(x) ${s.dReal?.toFixed(2)} D(G(z)) ${s.dFake?.toFixed(2)}`;
  }
  return `-ELBO ${s.loss?.toFixed(1)} · reconstruction ${s.reconstruction?.toFixed(1)} · KL ${s.kl?.toFixed(1)} nats`;
}

function defaultRunName(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return `run-${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}
