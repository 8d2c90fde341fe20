import { join } from 'node:path';
import {
  type BackendInfo,
  GpuDeviceLostError,
  initBackend,
  replicaCount,
  useLatentWasmGemm,
} from '@latent/backend';
import {
  checkEvalSettings,
  continueFrom,
  describeRun,
  type EvalSettings,
  type GanTrainer,
  planRun,
  type ResolvedRun,
  type ResumeOverrides,
  type RunStamp,
  resumeRun,
  type SamplesEvent,
  type VaeTrainer,
} from '@latent/train';
import {
  createParallelTrainer,
  datedRunName,
  defaultWorkers,
  loadData,
  type Recorded,
  type RunEvent,
  RunFolder,
  readRunRequest,
  recordRun,
  resolveRunHere,
} from '@latent/train/node';
import { ansiColorMode, ansiImage } from '@latent/vis';
import { asUsage, usageOnRequestError } from './errors.js';
import { formatDuration, Progress } from './progress.js';
import type { ReplicaData } from './worker.js';

/** How a run reports and how often and how many checkpoints it keeps. */
export interface RunOutput {
  /** Write a checkpoint every `checkpointEvery` steps; absent: with each epoch's grid. Always when the run stops. */
  checkpointEvery?: number;
  /** Keep the newest `keep` checkpoints; absent: three. */
  keep?: number;
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
  /** Data-parallel replicas (worker threads with their own backend); absent: `defaultWorkers(run)`. */
  workers?: number;
  out: string;
  name?: string;
  output: RunOutput;
}

/** A trainer the CLI can drive. */
type RunnableTrainer = GanTrainer | VaeTrainer;

/**
 * `latent train`: resolves the request (every flag, the model and the data
 * checked before anything is written), makes the run folder and trains.
 */
export async function trainCommand(opts: TrainCommandOptions): Promise<void> {
  const fromFile = opts.configFile
    ? await usageOnRequestError(readRunRequest(opts.configFile))
    : {};
  const request = { ...fromFile, ...opts.config };
  const { entry, requested } = asUsage(() => planRun(request));
  const settings = opts.output.eval;
  if (settings)
    asUsage(() => checkEvalSettings(entry.kind, String(requested.dataset ?? 'mnist'), settings));
  const backend = await initBackend(opts.backend);
  const run = await usageOnRequestError(resolveRunHere(request));
  const workers = asUsage(() => replicaCount(backend.name, opts.workers, defaultWorkers(run)));
  const folder = await RunFolder.create(
    join(opts.out, opts.name ?? datedRunName('run')),
    run,
    stampOf(backend, workers, opts.output),
  );
  const trainer = createParallelTrainer(run, replicas(workers, backend));
  await drive(trainer, run, folder, opts.output, `with ${describeBackend(backend, workers)}`);
}

export interface ResumeCommandOptions {
  run: string;
  /** Run config fields that may change on resume. */
  config: ResumeOverrides;
  backend?: string;
  /** Data-parallel replicas; absent: as many as the run trained with. */
  workers?: number;
  output: RunOutput;
}

/**
 * `latent resume`: continues a run from its newest checkpoint, exactly as if
 * it had never stopped, writing into the same run folder. On wasm it runs the
 * GEMM the run trained with; where this engine cannot give that one, it says
 * so and goes on with the one it gives.
 */
export async function resumeCommand(opts: ResumeCommandOptions): Promise<void> {
  const { folder, checkpoint } = await RunFolder.open(opts.run);
  const { manifest } = checkpoint;
  const run = await usageOnRequestError(resumeRun(manifest, opts.config, loadData, folder.dir));
  const trained = folder.stamp.gemm;
  useLatentWasmGemm(trained ?? true);
  const backend = await initBackend(opts.backend ?? folder.stamp.backend);
  if (trained && backend.gemm && backend.gemm !== trained)
    process.stderr.write(
      `latent: warning: this run trained with ${trained}; this engine gives ${backend.gemm}, ` +
        "so the resumed run's float rounding differs from an unbroken run's\n",
    );
  const workers = asUsage(() =>
    replicaCount(backend.name, opts.workers ?? folder.stamp.workers, 1),
  );
  const output = { ...opts.output, ...folder.continuedPolicy(opts.output) };
  await folder.restamp(stampOf(backend, workers, output), run);
  const trainer = createParallelTrainer(run, replicas(workers, backend));
  continueFrom(trainer, checkpoint, folder.dir);
  const how = `from step ${manifest.progress.step} with ${describeBackend(backend, workers)}`;
  await drive(trainer, run, folder, output, how);
}

function stampOf(backend: BackendInfo, workers: number, output: RunOutput): RunStamp {
  return {
    backend: backend.name,
    ...(backend.gemm ? { gemm: backend.gemm } : {}),
    workers,
    ...(output.keep ? { keep: output.keep } : {}),
    ...(output.checkpointEvery ? { checkpointEvery: output.checkpointEvery } : {}),
    ...(output.eval ? { eval: output.eval } : {}),
  };
}

/** The worker replicas of `--workers`: dist/worker.js beside this bundle, on this thread's backend and GEMM. */
function replicas(workers: number, backend: BackendInfo) {
  const script = new URL('./worker.js', import.meta.url);
  const scriptData: ReplicaData = { backend: backend.name, gemm: backend.gemm };
  return { workers, script, scriptData };
}

/** "wasm (SIMD, latent-fma) on 2 threads", for the first progress line. */
function describeBackend(backend: BackendInfo, workers: number): string {
  const traits = [backend.simd ? 'SIMD' : '', backend.gemm ?? ''].filter(Boolean).join(', ');
  const adapter = backend.adapter ? ` on ${backend.adapter}` : '';
  return `${backend.name}${traits ? ` (${traits})` : ''}${adapter}${workers > 1 ? ` on ${workers} threads` : ''}`;
}

/** Drives a trainer: its events become a progress line and the run folder's files. */
async function drive(
  trainer: RunnableTrainer,
  run: ResolvedRun,
  folder: RunFolder,
  output: RunOutput,
  how: string,
): Promise<void> {
  const progress = new Progress(process.stderr, 10, output.json);
  progress.log(`latent: training ${describeRun(run)}; ${how}; writing ${folder.dir}`);
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    progress.log(
      'latent: stopping after this step and saving a checkpoint (Ctrl-C again to quit at once)',
    );
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const view = new RunView(folder, output, progress);
  try {
    await usageOnRequestError(
      recordRun(run, trainer, folder, {
        eval: output.eval,
        signal: controller.signal,
        onEvent: (e, recorded) => view.show(e, recorded),
      }),
    );
  } catch (e) {
    if (e instanceof GpuDeviceLostError)
      throw new GpuDeviceLostError(`${e.message} ${await folder.lastGood()}`);
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
    progress.end();
  }
}

/** Shows one run's events: the progress line, log lines, terminal previews and --json lines. */
class RunView {
  private total = 0;
  private rate = 0;
  private rateFrom: { step: number; time: number } | undefined;
  /** The newest grid, drawn in a terminal when the run ends. */
  private lastGrid: { grid: NonNullable<Recorded['grid']>; step: number } | undefined;
  /** The epochs ended since the last recorded one, and their seconds: one log line covers them all. */
  private sinceRecorded = { epochs: 0, seconds: 0 };

  constructor(
    private readonly folder: RunFolder,
    private readonly output: RunOutput,
    private readonly progress: Progress,
  ) {}

  show(e: RunEvent, recorded: Recorded): void {
    if (this.output.json && e.type !== 'samples') process.stdout.write(`${JSON.stringify(e)}\n`);
    switch (e.type) {
      case 'start':
        this.total = e.totalSteps;
        break;
      case 'step':
        this.onStep(e);
        break;
      case 'epoch':
        this.onEpoch(e);
        break;
      case 'samples':
        this.onSamples(e, recorded);
        break;
      case 'warning':
        this.progress.log(`latent: warning: ${e.message}`);
        break;
      case 'eval':
        this.onEval(e, recorded);
        break;
      case 'done':
        this.onDone(e);
        break;
    }
  }

  private onStep(e: Extract<RunEvent, { type: 'step' }>): void {
    // Steps per second since the first step (which pays one-off warm-up costs).
    if (!this.rateFrom) this.rateFrom = { step: e.step, time: performance.now() };
    else
      this.rate = ((e.step - this.rateFrom.step) * 1000) / (performance.now() - this.rateFrom.time);
    this.progress.update(
      e.step,
      this.total,
      this.rate,
      `epoch ${e.epoch + 1} · ${describeStats(e)}`,
    );
  }

  /** "epoch 3 done in 3:12, at step 2811", or for short epochs "epochs 51-100 done in 0:26, at step 100". */
  private onEpoch(e: Extract<RunEvent, { type: 'epoch' }>): void {
    const span = {
      epochs: this.sinceRecorded.epochs + 1,
      seconds: this.sinceRecorded.seconds + e.seconds,
    };
    if (!e.recorded) {
      this.sinceRecorded = span;
      return;
    }
    this.sinceRecorded = { epochs: 0, seconds: 0 };
    const which =
      span.epochs === 1 ? `epoch ${e.epoch}` : `epochs ${e.epoch - span.epochs + 1}-${e.epoch}`;
    // The step is the run's, not the span's: "(100 steps)" read as the span's own count.
    this.progress.log(`${which} done in ${formatDuration(span.seconds)}, at step ${e.step}`);
  }

  /** An epoch's grid in the terminal (--preview), and the picture's file as a --json line. */
  private onSamples(e: SamplesEvent, { file, grid }: Recorded): void {
    if (grid) this.lastGrid = { grid, step: e.step };
    if (grid && this.output.preview && !e.partial) this.drawGrid(grid, `epoch ${e.epoch} samples`);
    if (this.output.json && file) {
      const { type, epoch, step, partial, diversity } = e;
      const line = { type, epoch, step, partial, ...(grid ? { diversity } : {}), file };
      process.stdout.write(`${JSON.stringify(line)}\n`);
    }
  }

  private onEval(e: Extract<RunEvent, { type: 'eval' }>, { best }: Recorded): void {
    const shown = Object.entries(e.values)
      .map(([name, v]) => `${name} ${v.toFixed(2)}`)
      .join(' · ');
    const kept = !best
      ? ''
      : best.kept
        ? `; best ${best.metric} so far, kept in ${join(this.folder.checkpoints, 'best')}`
        : `; best ${best.metric} stays ${best.best.toFixed(2)}`;
    this.progress.log(`epoch ${e.epoch} eval: ${shown} (${formatDuration(e.seconds)})${kept}`);
  }

  private drawGrid(grid: NonNullable<Recorded['grid']>, title: string): void {
    const width = Math.min(grid.width, (process.stderr.columns ?? 80) - 1);
    const color = ansiColorMode(process.env);
    this.progress.log(`${title}:\n${ansiImage(grid, { width, color })}`);
  }

  private onDone(e: Extract<RunEvent, { type: 'done' }>): void {
    this.progress.end();
    // A person at a terminal sees what the run learned (--preview drew it already).
    const last = this.lastGrid;
    if (last && process.stderr.isTTY && !this.output.preview && !this.output.json)
      this.drawGrid(last.grid, `samples at step ${last.step}, from the fixed noise`);
    this.progress.log(
      `latent: ${e.reason === 'aborted' ? 'stopped' : 'finished'} at step ${e.step} (epoch ${e.epoch}) after ${formatDuration(e.seconds)}; ` +
        `samples in ${join(this.folder.dir, 'samples')}, checkpoint in ${this.folder.checkpointAt(e.step)}` +
        (e.reason === 'finished' ? '' : `; continue with: latent resume ${this.folder.dir}`),
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
