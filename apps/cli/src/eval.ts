import { join, resolve } from 'node:path';
import { initBackend } from '@latent/backend';
import { type ImageSet, sliceImages } from '@latent/datasets';
import { loadFashionMnist, loadMnist } from '@latent/datasets/node';
import {
  type ClassifierName,
  createRunEvaluator,
  METRICS,
  type MetricName,
  type MetricReport,
  memorizationPairs,
  type RunEvaluator,
  type RunEvaluatorOptions,
  type RunReport,
  type TrainedVae,
  vaeTestData,
} from '@latent/metrics';
import { disposeParams } from '@latent/models';
import {
  type Checkpoint,
  parseDataSource,
  samplerFromCheckpoint,
  type ToyName,
  toyOf,
  trainedVaeFromCheckpoint,
} from '@latent/train';
import { findCheckpoint, readCheckpoint, writeFileAtomic } from '@latent/train/node';
import { encodePng, neighbourGrid } from '@latent/vis';
import { UsageError } from './errors.js';

import { formatDuration } from './progress.js';
import { writeRunReport as writeReport } from '@latent/train/node';

/** What `latent eval` computes for each kind of run, when --metric is not given. */
export const DEFAULT_METRICS: Record<'gan' | 'vae', MetricName[]> = {
  gan: ['parzen', 'fid', 'is', 'coverage'],
  vae: ['elbo', 'iwae'],
};
/** Metrics of generated images: every GAN and VAE run has them. */
const SAMPLE_METRICS: MetricName[] = [
  'parzen',
  'fid',
  'is',
  'coverage',
  'kid',
  'precision',
  'recall',
  'memorization',
];
/** Metrics that need a VAE's encoder. */
const VAE_ONLY: MetricName[] = ['elbo', 'iwae'];
/** Metrics of a toy distribution's samples: they need its true density. */
const TOY_METRICS: MetricName[] = ['kl', 'js', 'modes'];

export interface EvalCommandOptions {
  /** A run folder (its newest checkpoint is used) or a checkpoint folder. */
  target: string;
  /** Metric names; default per model kind (`DEFAULT_METRICS`). */
  metrics?: string[];
  /** Generated samples for the sample metrics (the paper: 10,000). */
  n: number;
  seed: number;
  /** Use only the first `limit` test images (and as many training images for the FID floor). */
  limit?: number;
  /** Importance samples per image for `iwae`. */
  k: number;
  backend: string;
  ema: boolean;
  json: boolean;
  /** Where to write eval.json (default: the run folder, or the checkpoint folder). */
  out?: string;
}

/** Progress of one stage on stderr: redrawn on a terminal, a line every 10 s elsewhere. */
class StageProgress {
  private last = 0;
  private start = performance.now();
  constructor(
    private readonly label: string,
    private readonly quiet: boolean,
  ) {}
  update(done: number, total: number): void {
    if (this.quiet) return;
    const now = performance.now();
    const tty = process.stderr.isTTY;
    if (!tty && now - this.last < 10_000 && done < total) return;
    this.last = now;
    const elapsed = (now - this.start) / 1000;
    const eta = done > 0 ? (elapsed * (total - done)) / done : Number.NaN;
    const line = `${this.label}: ${((100 * done) / total).toFixed(0).padStart(3)}% ${done}/${total} · ${formatDuration(elapsed)} elapsed · ETA ${formatDuration(eta)}`;
    process.stderr.write(tty ? `\r\x1b[2K${line}${done >= total ? '\n' : ''}` : `${line}\n`);
  }
}

export interface EvalData {
  train: ImageSet;
  /** Parzen's sigma choice: the paper's validation images (MNIST train[50000:60000]). */
  validation: ImageSet;
  test: ImageSet;
}

/** The images metrics compare with: the test set, the validation images for Parzen's sigma, and training images for the FID floor. */
export async function loadEvalData(dataset: string): Promise<EvalData> {
  if (dataset === 'mnist') {
    const m = await loadMnist();
    return { train: m.train, validation: m.validation, test: m.test };
  }
  if (dataset === 'fashion-mnist') {
    // No official validation split: the last 10,000 training images play its part.
    const f = await loadFashionMnist();
    return {
      train: f.train,
      validation: sliceImages(f.train, f.train.count - 10_000, f.train.count, 'fashion-val'),
      test: f.test,
    };
  }
  throw new UsageError(`latent eval knows mnist and fashion-mnist runs, not ${dataset} runs.`);
}

/**
 * The metrics to compute for a run of this kind on this data source:
 * --metric, checked, or the defaults. Image metrics need held-out MNIST or
 * Fashion-MNIST images and the classifier shipped for them, so an
 * image-folder run has none yet; a toy run has its distribution's.
 */
export function resolveMetrics(
  kind: 'gan' | 'vae',
  dataset: string,
  requested?: string[],
): MetricName[] {
  const source = parseDataSource(dataset);
  if (source.kind === 'folder') {
    throw new UsageError(
      `${dataset} is an image folder: no metric of latent eval applies to it yet. Parzen needs held-out test images, and FID, KID, IS, coverage, precision, recall and memorization a classifier trained on such pictures; they measure mnist and fashion-mnist runs (toy runs: ${TOY_METRICS.join(', ')}).`,
    );
  }
  const allowed =
    source.kind === 'toy'
      ? TOY_METRICS
      : kind === 'vae'
        ? [...SAMPLE_METRICS, ...VAE_ONLY]
        : SAMPLE_METRICS;
  if (!requested || requested.length === 0)
    return source.kind === 'toy' ? TOY_METRICS : DEFAULT_METRICS[kind];
  const out: MetricName[] = [];
  for (const raw of requested) {
    const name = raw.trim().toLowerCase();
    if (!Object.hasOwn(METRICS, name))
      throw new UsageError(
        `unknown metric '${raw}'; latent eval knows ${[...SAMPLE_METRICS.slice(0, 4), ...VAE_ONLY, ...SAMPLE_METRICS.slice(4), ...TOY_METRICS].join(', ')}.`,
      );
    if (!allowed.includes(name as MetricName)) {
      throw new UsageError(
        `metric '${name}' does not apply to a ${kind.toUpperCase()} run on ${dataset}: ${whyNot(name as MetricName)}. For this run: ${allowed.join(', ')}.`,
      );
    }
    if (!out.includes(name as MetricName)) out.push(name as MetricName);
  }
  return out;
}

function whyNot(metric: MetricName): string {
  const data = METRICS[metric].data;
  if (data === 'toy') return "it compares samples with a toy distribution's true density";
  if (data === 'vae') return 'it needs an encoder, so it applies to VAE runs only';
  return 'it measures images, and a toy run draws points';
}

/** The metrics' inputs for a run's dataset: test, validation and training images, and the VAE's test data. */
export function runEvaluatorOptions(
  data: EvalData,
  test: ImageSet,
  dataset: string,
  metrics: MetricName[],
  settings: { n: number; binarize: boolean; k?: number },
): RunEvaluatorOptions {
  const vae = metrics.some((m) => METRICS[m].data === 'vae');
  return {
    metrics,
    n: settings.n,
    reference: test,
    validation: data.validation,
    // The FID and KID floors take the first test.count training images; memorization all of them.
    training: data.train,
    classifier: dataset as ClassifierName,
    ...(vae ? { vaeData: vaeTestData(test, settings.binarize) } : {}),
    ...(settings.k ? { k: settings.k } : {}),
  };
}

/** `latent eval`: scores a checkpoint with the chosen metrics, prints a table and writes eval.json. */
export async function evalCommand(opts: EvalCommandOptions): Promise<void> {
  const { dir, runDir } = await findCheckpoint(resolve(opts.target));
  const checkpoint = await readCheckpoint(dir);
  const { manifest } = checkpoint;
  const kind = manifest.kind;
  const dataset = String(manifest.config.dataset ?? 'mnist');
  const metrics = resolveMetrics(kind, dataset, opts.metrics);
  if (opts.ema && kind === 'vae')
    throw new UsageError(`${dir} is a VAE checkpoint; --ema applies to GANs trained with --ema.`);
  const say = (line: string) => {
    if (!opts.json) process.stderr.write(`latent: ${line}\n`);
  };
  const backend = await initBackend(opts.backend);
  const source = parseDataSource(dataset);
  if (source.kind === 'toy')
    return evalToy(checkpoint, source.name, { dir, runDir }, metrics, opts, say);
  const data = await loadEvalData(dataset);
  const limit = Math.min(opts.limit ?? data.test.count, data.test.count);
  const test =
    limit < data.test.count ? sliceImages(data.test, 0, limit, `test[:${limit}]`) : data.test;
  say(
    `evaluating ${manifest.model.name} (${kind}, ${dataset}) at step ${manifest.progress.step}${opts.ema ? ' (EMA)' : ''} on ${backend.name}: ${metrics.join(', ')}`,
  );
  if (metrics.includes('iwae'))
    say(
      `iwae: k = ${opts.k} importance samples for each of ${test.count} images${opts.limit ? '' : ' (--limit n for a quicker estimate on the first n)'}`,
    );
  const wantsSamples = metrics.some((m) => METRICS[m].data !== 'vae');
  const report = await measureCheckpoint(checkpoint, dir, metrics, opts, {
    ...runEvaluatorOptions(data, test, dataset, metrics, {
      n: opts.n,
      binarize: manifest.config.binarize !== 'none',
      k: opts.k,
    }),
    onStageProgress: stageProgress(opts),
  });
  const outDir = runDir ?? dir;
  await writeMemorizationGrid(outDir, report, data.train);
  const out = resolve(opts.out ?? join(outDir, 'eval.json'));
  const json = {
    checkpoint: dir,
    kind,
    model: manifest.model.name,
    dataset,
    step: manifest.progress.step,
    ema: opts.ema,
    backend: backend.name,
    seed: opts.seed,
    samples: wantsSamples ? opts.n : undefined,
    testImages: test.count,
    createdAt: new Date().toISOString(),
    metrics: report.metrics,
    seconds: report.seconds,
  };
  await writeFileAtomic(out, `${JSON.stringify(json, null, 2)}\n`);
  if (runDir) await writeReport(runDir).catch(() => {});
  if (opts.json) process.stdout.write(`${JSON.stringify(json)}\n`);
  else {
    process.stdout.write(formatTable(report.metrics));
    say(`wrote ${out}`);
  }
}

/** `latent eval` of a toy run: GAN Lab's KL, JS and mode coverage against the true distribution. */
async function evalToy(
  checkpoint: Checkpoint,
  toy: ToyName,
  { dir, runDir }: { dir: string; runDir?: string },
  metrics: MetricName[],
  opts: EvalCommandOptions,
  say: (line: string) => void,
): Promise<void> {
  const { manifest } = checkpoint;
  const dataset = String(manifest.config.dataset);
  say(
    `evaluating ${manifest.model.name} on ${dataset} at step ${manifest.progress.step}: ${metrics.join(', ')}`,
  );
  const report = await measureCheckpoint(checkpoint, dir, metrics, opts, {
    metrics,
    n: opts.n,
    toy: toyOf(toy),
  });
  const out = resolve(opts.out ?? join(runDir ?? dir, 'eval.json'));
  const json = {
    checkpoint: dir,
    kind: manifest.kind,
    model: manifest.model.name,
    dataset,
    step: manifest.progress.step,
    seed: opts.seed,
    samples: opts.n,
    createdAt: new Date().toISOString(),
    metrics: report.metrics,
    seconds: report.seconds,
  };
  await writeFileAtomic(out, `${JSON.stringify(json, null, 2)}\n`);
  if (opts.json) process.stdout.write(`${JSON.stringify(json)}\n`);
  else {
    process.stdout.write(formatTable(report.metrics));
    say(`wrote ${out}`);
  }
}

/** The checkpoint's sampler and VAE measured by the one protocol, then freed. */
async function measureCheckpoint(
  checkpoint: Checkpoint,
  dir: string,
  metrics: MetricName[],
  opts: EvalCommandOptions,
  options: RunEvaluatorOptions,
): Promise<RunReport> {
  const wantsSamples = metrics.some((m) => METRICS[m].data !== 'vae');
  const wantsVae = metrics.some((m) => METRICS[m].data === 'vae');
  const sampler = wantsSamples
    ? samplerFromCheckpoint(checkpoint, { ema: opts.ema, where: dir })
    : undefined;
  let vae: TrainedVae | undefined;
  let evaluator: RunEvaluator | undefined;
  try {
    vae = wantsVae ? trainedVaeFromCheckpoint(checkpoint, dir) : undefined;
    if (sampler && METRICS_28.some((m) => metrics.includes(m))) {
      const [h, w, c] = sampler.imageShape;
      if (h !== 28 || w !== 28 || c !== 1)
        throw new UsageError(
          `${METRICS_28.filter((m) => metrics.includes(m)).join(', ')} use a 28x28 grey-image classifier; this model draws ${h}x${w}x${c} images.`,
        );
    }
    evaluator = await createRunEvaluator(options);
    return await evaluator.measure({ sampler, vae, seed: opts.seed });
  } finally {
    evaluator?.dispose();
    sampler?.dispose();
    if (vae) {
      disposeParams(vae.encoder);
      disposeParams(vae.decoder);
    }
  }
}

/** The metrics that run the shipped 28x28 classifier. */
const METRICS_28: MetricName[] = ['fid', 'is', 'coverage', 'kid', 'precision', 'recall'];

/** One progress line per stage on stderr (none with --json). */
function stageProgress(opts: EvalCommandOptions) {
  const stages = new Map<string, StageProgress>();
  const label = (stage: string) =>
    stage === 'sampling'
      ? `sampling ${opts.n} images`
      : stage === 'iwae'
        ? `iwae k=${opts.k}`
        : stage;
  return (stage: string, done: number, total: number) => {
    const p = stages.get(stage) ?? new StageProgress(label(stage), opts.json);
    stages.set(stage, p);
    p.update(done, total);
  };
}

/** memorization.png: the samples nearest to a training image, each beside that image. */
async function writeMemorizationGrid(dir: string, report: RunReport, train: ImageSet) {
  const pairs = memorizationPairs(report, train);
  if (!pairs) return;
  const grid = neighbourGrid(pairs.samples, pairs.neighbours, {
    count: pairs.count,
    height: train.height,
    width: train.width,
    channels: train.channels as 1 | 3,
    scale: 2,
  });
  await writeFileAtomic(join(dir, 'memorization.png'), encodePng(grid));
}

const f = (x: number, digits = 2) => x.toFixed(digits);

/** The results as an aligned table: metric, value, the real-data reference beside it, direction. */
export function formatTable(results: Partial<Record<MetricName, MetricReport>>): string {
  const rows: [string, string, string, string][] = [['metric', 'value', 'real data', 'better']];
  for (const [name, r] of Object.entries(results) as [MetricName, MetricReport][]) {
    let value = f(r.value);
    let reference = '';
    switch (name) {
      case 'parzen':
        value = `${f(r.value, 1)} ± ${f(r.stdErr as number, 1)}`;
        reference = `sigma ${f(r.sigma as number, 3)}`;
        break;
      case 'fid':
        reference = `floor ${f(r.floor as number)} (train vs test)`;
        break;
      case 'is':
        reference = `${f(r.real as number)} (test images)`;
        break;
      case 'coverage':
        value = `${r.value}/${r.classes} (KL ${f(r.klToUniform as number, 3)})`;
        reference = `${r.real}/${r.classes} (KL ${f(r.realKlToUniform as number, 3)})`;
        break;
      case 'kid':
        value = `${f(r.value, 3)} ± ${f(r.std as number, 3)}`;
        reference = r.floor === undefined ? '' : `floor ${f(r.floor as number, 3)} (train vs test)`;
        break;
      case 'precision':
      case 'recall':
        value = f(r.value, 3);
        reference = `k = ${r.k}, ${r.realImages} test images`;
        break;
      case 'memorization':
        value = `${f(r.value)} (copies ${f(100 * (r.copies as number), 1)}%)`;
        reference = `${f(r.real as number)} (test images)`;
        break;
      case 'elbo':
      case 'iwae':
        value = `${f(r.value)} ± ${f(r.stdErr as number)}`;
        reference = `${r.images} test images${name === 'iwae' ? `, k = ${r.k}` : ''}`;
        break;
    }
    rows.push([name, value, reference, r.better]);
  }
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i]!.length)));
  return `${rows.map((row) => row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell)).join('  ')).join('\n')}\n`;
}
