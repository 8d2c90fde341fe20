import { resolve } from 'node:path';
import { initBackend } from '@latent/backend';
import type { MetricName, MetricReport } from '@latent/metrics';
import { planCheckpointEval } from '@latent/train';
import { evaluateCheckpointFolder, findCheckpoint, readCheckpoint } from '@latent/train/node';
import { asUsage, usageOnRequestError } from './errors.js';
import { formatDuration } from './progress.js';

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
    if (testImages === undefined)
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
