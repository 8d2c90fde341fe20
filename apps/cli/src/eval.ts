import { resolve } from 'node:path';
import { initBackend } from '@latent/backend';
import { type MetricName, type MetricReport, metricText } from '@latent/metrics';
import { planCheckpointEval } from '@latent/train';
import { evaluateCheckpointFolder, findCheckpoint, readCheckpoint } from '@latent/train/node';
import { asUsage, usageOnRequestError } from './errors.js';
import { Progress } from './progress.js';

export interface EvalCommandOptions {
  /** A run folder (its newest checkpoint is used) or a checkpoint folder. */
  target: string;
  /** Metric names; default per model kind (`DEFAULT_METRICS` of @latent/train). */
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

/** `latent eval`: scores a checkpoint with the chosen metrics, prints a table and writes eval.json. */
export async function evalCommand(opts: EvalCommandOptions): Promise<void> {
  const found = await findCheckpoint(resolve(opts.target));
  const checkpoint = await readCheckpoint(found.dir);
  const { manifest } = checkpoint;
  const plan = asUsage(() => planCheckpointEval(checkpoint, opts, found.dir));
  const say = (line: string) => {
    if (!opts.json) process.stderr.write(`latent: ${line}\n`);
  };
  const backend = await initBackend(opts.backend);
  const { metrics, dataset } = plan;
  const onStart = (testImages: number | undefined) => {
    const at = `at step ${manifest.progress.step}`;
    if (plan.toy)
      return say(`evaluating ${manifest.model.name} on ${dataset} ${at}: ${metrics.join(', ')}`);
    say(
      `evaluating ${manifest.model.name} (${manifest.kind}, ${dataset}) ${at}${opts.ema ? ' (EMA)' : ''} on ${backend.name}: ${metrics.join(', ')}`,
    );
    if (metrics.includes('iwae'))
      say(
        `iwae: k = ${opts.k} importance samples for each of ${testImages} images${opts.limit ? '' : ' (--limit n for a quicker estimate on the first n)'}`,
      );
  };
  const { record, path, report } = await usageOnRequestError(
    evaluateCheckpointFolder(found, checkpoint, plan, {
      ...opts,
      backend: backend.name,
      onStageProgress: stageProgress(opts),
      onStart,
    }),
  );
  if (opts.json) process.stdout.write(`${JSON.stringify(record)}\n`);
  else {
    process.stdout.write(formatTable(report.metrics));
    say(`wrote ${path}`);
  }
}

/** One progress bar per stage on stderr (none with --json), each ended when its stage is done. */
function stageProgress(opts: EvalCommandOptions) {
  const stages = new Map<string, { bar: Progress; start: number; first: number }>();
  const label = (stage: string) =>
    stage === 'sampling'
      ? `sampling ${opts.n} images`
      : stage === 'iwae'
        ? `iwae k=${opts.k}`
        : stage;
  return (stage: string, done: number, total: number) => {
    // A stage reports first after its first batch: the rate counts from that report, so
    // the first line shows no rate (and no ETA) rather than a batch over a millisecond.
    const s = stages.get(stage) ?? {
      bar: new Progress(process.stderr, 10, opts.json, 'images'),
      start: performance.now(),
      first: done,
    };
    stages.set(stage, s);
    const elapsed = performance.now() - s.start;
    const rate = elapsed > 0 ? (1000 * (done - s.first)) / elapsed : 0;
    s.bar.update(done, total, rate, label(stage));
    if (done >= total) s.bar.end();
  };
}

/** The results as an aligned table: metric, value, the real-data reference beside it, direction. */
export function formatTable(results: Partial<Record<MetricName, MetricReport>>): string {
  const rows: string[][] = [['metric', 'value', 'real data', 'better']];
  for (const [name, r] of Object.entries(results) as [MetricName, MetricReport][]) {
    const { value, reference } = metricText(name, r);
    rows.push([name, value, reference, r.better]);
  }
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i]!.length)));
  return `${rows.map((row) => row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell)).join('  ')).join('\n')}\n`;
}
