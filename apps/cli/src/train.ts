import { appendFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { initBackend } from '@latent/backend';
import { sliceImages } from '@latent/datasets';
import { loadMnist } from '@latent/datasets/node';
import { mlpGan } from '@latent/models';
import { GanTrainer, resolveGanRunConfig, type TrainEvent } from '@latent/train';
import { encodePng, imageGrid } from '@latent/vis';
import { writeFileAtomic } from './files.js';
import { formatDuration, Progress } from './progress.js';

export interface TrainCommandOptions {
  /** Run config fields given on the command line (override `configFile`). */
  config: Record<string, unknown>;
  configFile?: string;
  backend: string;
  out: string;
  name?: string;
  /** Use only the first N training images (quick experiments, tests). */
  dataLimit?: number;
}

/**
 * `latent train`: trains a GAN and writes runs/<name>/ — config.json, a sample
 * grid per epoch from fixed noise (samples/epoch-000.png is before training),
 * and metrics.jsonl with one line per logging interval.
 */
export async function trainCommand(opts: TrainCommandOptions): Promise<void> {
  const fromFile = opts.configFile ? await readConfigFile(opts.configFile) : {};
  const config = resolveGanRunConfig({ ...fromFile, ...opts.config });
  const runDir = resolve(opts.out, opts.name ?? defaultRunName());
  await claimRunDir(runDir);

  const progress = new Progress();
  const backend = await initBackend(opts.backend);
  const mnist = await loadMnist();
  const data = opts.dataLimit
    ? sliceImages(
        mnist.train,
        0,
        Math.min(opts.dataLimit, mnist.train.count),
        `mnist-train[:${opts.dataLimit}]`,
      )
    : mnist.train;
  const model = mlpGan();
  const trainer = new GanTrainer({ model, data, config });

  await writeFileAtomic(
    join(runDir, 'config.json'),
    `${JSON.stringify({ ...config, backend: backend.name, dataLimit: opts.dataLimit, model: model.name, modelConfig: model.config }, null, 2)}\n`,
  );
  progress.log(
    `latent: training ${model.name} on ${data.name} (${data.count} images) with ${backend.name}` +
      `${backend.simd ? ' (SIMD)' : ''}, tfjs ${backend.tfjsVersion}; writing ${runDir}`,
  );

  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    progress.log('latent: stopping after this step (Ctrl-C again to quit at once)');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const metricsPath = join(runDir, 'metrics.jsonl');
  let total = 0;
  let rate = 0;
  let rateFrom: { step: number; time: number } | undefined;
  try {
    for await (const event of trainer.run({ signal: controller.signal })) {
      await handle(event);
    }
  } finally {
    process.off('SIGINT', onSigint);
    progress.end();
    trainer.dispose();
  }

  async function handle(e: TrainEvent): Promise<void> {
    switch (e.type) {
      case 'start':
        total = e.totalSteps;
        break;
      case 'step':
        // Steps per second since the first step (which pays one-off warm-up costs).
        if (!rateFrom) rateFrom = { step: e.step, time: performance.now() };
        else rate = ((e.step - rateFrom.step) * 1000) / (performance.now() - rateFrom.time);
        progress.update(
          e.step,
          total,
          rate,
          `epoch ${e.epoch + 1} · D ${e.dLoss.toFixed(3)} G ${e.gLoss.toFixed(3)} · D(x) ${e.dReal.toFixed(2)} D(G(z)) ${e.dFake.toFixed(2)}`,
        );
        break;
      case 'log': {
        const stepsPerSecond = e.steps / Math.max(e.seconds, 1e-9);
        const { dLoss, gLoss, dReal, dFake, step, epoch } = e;
        await appendFile(
          metricsPath,
          `${JSON.stringify({ step, epoch, dLoss, gLoss, dReal, dFake, stepsPerSecond })}\n`,
        );
        break;
      }
      case 'epoch':
        progress.log(`epoch ${e.epoch} done in ${formatDuration(e.seconds)} (${e.step} steps)`);
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
        break;
      }
      case 'done':
        progress.end();
        progress.log(
          `latent: ${e.reason === 'aborted' ? 'stopped' : 'finished'} at step ${e.step} (epoch ${e.epoch}) after ${formatDuration(e.seconds)}; samples in ${join(runDir, 'samples')}`,
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
    throw new Error(`Cannot read config file ${path}: ${(e as Error).message}`);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new Error('expected a JSON object');
    return value as Record<string, unknown>;
  } catch (e) {
    throw new Error(`Config file ${path} is not a JSON object: ${(e as Error).message}`);
  }
}

/** Creates the run folder; refuses one that already holds files, so no earlier run is overwritten. */
async function claimRunDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const existing = await readdir(dir);
  if (existing.length > 0) {
    throw new Error(
      `Run folder ${dir} already exists and is not empty; choose another --name or --out.`,
    );
  }
}

function defaultRunName(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return `gan-mnist-${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}
