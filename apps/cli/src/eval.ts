import { join, resolve } from 'node:path';
import { initBackend } from '@latent/backend';
import { binarizeImages, deriveSeed, type ImageSet, sliceImages } from '@latent/datasets';
import { loadFashionMnist, loadMnist } from '@latent/datasets/node';
import {
  type ClassCoverage,
  type ClassifierName,
  classCoverage,
  drawSamples,
  frechetDistance,
  gaussianStats,
  imagePoints,
  inceptionScore,
  iwaeLogLikelihood,
  loadClassifier,
  METRICS,
  type MetricName,
  type Points,
  parzenLogLikelihood,
  type TrainedVae,
  vaeElbo,
} from '@latent/metrics';
import { disposeParams, loadParams } from '@latent/models';
import type { Checkpoint } from '@latent/train';
import { vaeFromCheckpoint } from '@latent/train';
import { readCheckpoint, writeFileAtomic } from '@latent/train/node';
import * as tf from '@tensorflow/tfjs-core';
import { UsageError } from './errors.js';
import { formatDuration } from './progress.js';
import { findCheckpoint, type Sampler, samplerOf } from './sample.js';

/** What `latent eval` computes for each kind of run, when --metric is not given. */
export const DEFAULT_METRICS: Record<'gan' | 'vae', MetricName[]> = {
  gan: ['parzen', 'fid', 'is', 'coverage'],
  vae: ['elbo', 'iwae'],
};
/** Metrics of generated images: every GAN and VAE run has them. */
const SAMPLE_METRICS: MetricName[] = ['parzen', 'fid', 'is', 'coverage'];
/** Metrics that need a VAE's encoder. */
const VAE_ONLY: MetricName[] = ['elbo', 'iwae'];

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

/** One metric's entry in eval.json and the table. */
interface MetricResult {
  value: number;
  better: 'lower' | 'higher';
  [detail: string]: unknown;
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

/** The metrics to compute: --metric (validated against the run's kind) or the kind's defaults. */
export function resolveMetrics(kind: 'gan' | 'vae', requested?: string[]): MetricName[] {
  if (!requested || requested.length === 0) return DEFAULT_METRICS[kind];
  const allowed = kind === 'vae' ? [...SAMPLE_METRICS, ...VAE_ONLY] : SAMPLE_METRICS;
  const out: MetricName[] = [];
  for (const raw of requested) {
    const name = raw.trim().toLowerCase();
    if (!(name in METRICS))
      throw new UsageError(
        `unknown metric '${raw}'; latent eval knows ${[...SAMPLE_METRICS, ...VAE_ONLY].join(', ')}.`,
      );
    if (!allowed.includes(name as MetricName)) {
      const why =
        METRICS[name as MetricName].data === 'toy'
          ? 'it applies to toy 1-D/2-D runs, which the terminal does not train'
          : 'it needs an encoder, so it applies to VAE runs only';
      throw new UsageError(
        `metric '${name}' does not apply to a ${kind.toUpperCase()} run: ${why}. For this run: ${allowed.join(', ')}.`,
      );
    }
    if (!out.includes(name as MetricName)) out.push(name as MetricName);
  }
  return out;
}

/** Encoder and decoder of a VAE checkpoint. */
function loadVae({ manifest, weights }: Checkpoint, dir: string): TrainedVae {
  const model = vaeFromCheckpoint(manifest.model.name, manifest.model.config, dir);
  const { encoder, decoder } = model.init(0);
  try {
    const encoded = { specs: manifest.weights.specs, data: weights };
    loadParams(encoder, encoded, 'encoder');
    loadParams(decoder, encoded, 'decoder');
  } catch (e) {
    disposeParams(encoder);
    disposeParams(decoder);
    throw new Error(`${dir}: ${(e as Error).message}`);
  }
  return { model, encoder, decoder };
}

/** `latent eval`: scores a checkpoint with the chosen metrics, prints a table and writes eval.json. */
export async function evalCommand(opts: EvalCommandOptions): Promise<void> {
  const { dir, runDir } = await findCheckpoint(resolve(opts.target));
  const checkpoint = await readCheckpoint(dir);
  const { manifest } = checkpoint;
  const kind = manifest.kind;
  const metrics = resolveMetrics(kind, opts.metrics);
  if (opts.ema && kind === 'vae')
    throw new UsageError(`${dir} is a VAE checkpoint; --ema applies to GANs trained with --ema.`);
  const dataset = String(manifest.config.dataset ?? 'mnist');
  const quiet = opts.json;
  const say = (line: string) => {
    if (!quiet) process.stderr.write(`latent: ${line}\n`);
  };
  const backend = await initBackend(opts.backend);
  const data = await loadEvalData(dataset);
  const limit = Math.min(opts.limit ?? data.test.count, data.test.count);
  const test =
    limit < data.test.count ? sliceImages(data.test, 0, limit, `test[:${limit}]`) : data.test;
  say(
    `evaluating ${manifest.model.name} (${kind}, ${dataset}) at step ${manifest.progress.step}${opts.ema ? ' (EMA)' : ''} on ${backend.name}: ${metrics.join(', ')}`,
  );

  const results: Partial<Record<MetricName, MetricResult>> = {};
  const seconds: Partial<Record<string, number>> = {};
  const timed = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const out = await f();
    seconds[name] = Math.round((performance.now() - t0) / 100) / 10;
    return out;
  };

  // ---- metrics of generated images: draw the n samples once and share them.
  const wantsSamples = metrics.some((m) => SAMPLE_METRICS.includes(m));
  if (wantsSamples) {
    let sampler: Sampler;
    try {
      sampler = samplerOf(checkpoint, dir, opts.ema);
    } catch (e) {
      const message = (e as Error).message;
      throw new Error(message.startsWith(dir) ? message : `${dir}: ${message}`);
    }
    const [h, w, c] = sampler.imageShape;
    const size = h * w * c;
    let samples: Points;
    try {
      const progress = new StageProgress(`sampling ${opts.n} images`, quiet);
      let batch = 0;
      let drawn = 0;
      samples = await timed('sampling', () =>
        drawSamples(
          (count) =>
            tf.tidy(() => {
              const z = sampler.noise(count, deriveSeed(opts.seed, 'eval', batch));
              // Conditional models: classes in turn, so every class is asked for equally.
              const labels = sampler.numClasses
                ? tf.tensor1d(
                    Array.from({ length: count }, (_, i) => (drawn + i) % sampler.numClasses!),
                    'int32',
                  )
                : undefined;
              batch++;
              drawn += count;
              return sampler.draw(z, labels);
            }),
          opts.n,
          size,
          {
            batchSize: 500,
            pixelRange: sampler.pixelRange,
            onProgress: (d, t) => progress.update(d, t),
          },
        ),
      );
    } finally {
      sampler.dispose();
    }

    if (metrics.includes('parzen')) {
      const progress = new StageProgress('parzen', quiet);
      const r = await timed('parzen', () =>
        parzenLogLikelihood(samples, imagePoints(data.validation, 0, 1000), imagePoints(test), {
          onProgress: (d, t) => progress.update(d, t),
        }),
      );
      results.parzen = {
        value: r.mean,
        better: 'higher',
        stdErr: r.stdErr,
        sigma: r.sigma,
        samples: r.sampleCount,
        testImages: r.testCount,
        validation: r.validation,
      };
    }

    const classifierMetrics = metrics.filter((m) => m === 'fid' || m === 'is' || m === 'coverage');
    if (classifierMetrics.length > 0) {
      if (h !== 28 || w !== 28 || c !== 1)
        throw new UsageError(
          `fid, is and coverage use a 28x28 grey-image classifier; this model draws ${h}x${w}x${c} images.`,
        );
      const classifier = await loadClassifier(dataset as ClassifierName);
      try {
        await timed('classifier', async () => {
          const fake = await classifier.run(samples.data);
          const real = await classifier.run(imagePoints(test).data);
          if (metrics.includes('fid')) {
            // The floor: as many training images against the same test images.
            const train = await classifier.run(imagePoints(data.train, 0, test.count).data);
            const realStats = gaussianStats(real.features, 128);
            results.fid = {
              value: frechetDistance(gaussianStats(fake.features, 128), realStats),
              better: 'lower',
              floor: frechetDistance(gaussianStats(train.features, 128), realStats),
              samples: fake.count,
              realImages: real.count,
            };
          }
          if (metrics.includes('is'))
            results.is = {
              value: inceptionScore(fake.probabilities),
              better: 'higher',
              real: inceptionScore(real.probabilities),
            };
          if (metrics.includes('coverage')) {
            const cov: ClassCoverage = classCoverage(fake.probabilities);
            const realCov = classCoverage(real.probabilities);
            results.coverage = {
              value: cov.covered,
              better: 'higher',
              classes: cov.classes,
              minShare: cov.minShare,
              klToUniform: cov.klToUniform,
              histogram: cov.histogram,
              real: realCov.covered,
              realKlToUniform: realCov.klToUniform,
            };
          }
        });
      } finally {
        classifier.dispose();
      }
    }
  }

  // ---- VAE likelihoods on the test images.
  if (metrics.some((m) => VAE_ONLY.includes(m))) {
    const vae = loadVae(checkpoint, dir);
    try {
      // A Bernoulli likelihood needs binary pixels: a fixed stochastic binarization
      // (seed 0) for runs trained on dynamically binarized data; grey runs are scored
      // on grey levels, which is a bound on no proper likelihood.
      const binary = manifest.config.binarize !== 'none';
      const set = binary ? binarizeImages(test, { method: 'sample', seed: 0 }) : test;
      const vaeData = { images: imagePoints(set).data, count: set.count, labels: set.labels };
      if (metrics.includes('elbo')) {
        const progress = new StageProgress('elbo', quiet);
        const r = await timed('elbo', () =>
          vaeElbo(vae, vaeData, { seed: opts.seed, onProgress: (d, t) => progress.update(d, t) }),
        );
        results.elbo = {
          value: r.mean,
          better: 'higher',
          stdErr: r.stdErr,
          images: set.count,
          binarized: binary,
        };
      }
      if (metrics.includes('iwae')) {
        say(
          `iwae: k = ${opts.k} importance samples for each of ${set.count} images${opts.limit ? '' : ' (--limit n for a quicker estimate on the first n)'}`,
        );
        const progress = new StageProgress(`iwae k=${opts.k}`, quiet);
        const r = await timed('iwae', () =>
          iwaeLogLikelihood(vae, vaeData, opts.k, {
            seed: opts.seed,
            onProgress: (d, t) => progress.update(d, t),
          }),
        );
        results.iwae = {
          value: r.mean,
          better: 'higher',
          stdErr: r.stdErr,
          k: opts.k,
          images: set.count,
          binarized: binary,
          secondsPerImage: (seconds.iwae ?? 0) / set.count,
        };
      }
    } finally {
      disposeParams(vae.encoder);
      disposeParams(vae.decoder);
    }
  }

  const report = {
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
    // In the order asked for.
    metrics: Object.fromEntries(metrics.map((m) => [m, results[m]])) as typeof results,
    seconds,
  };
  const out = resolve(opts.out ?? join(runDir ?? dir, 'eval.json'));
  await writeFileAtomic(out, `${JSON.stringify(report, null, 2)}\n`);
  if (opts.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else {
    process.stdout.write(formatTable(report.metrics));
    say(`wrote ${out}`);
  }
}

const f = (x: number, digits = 2) => x.toFixed(digits);

/** The results as an aligned table: metric, value, the real-data reference beside it, direction. */
export function formatTable(results: Partial<Record<MetricName, MetricResult>>): string {
  const rows: [string, string, string, string][] = [['metric', 'value', 'real data', 'better']];
  for (const [name, r] of Object.entries(results) as [MetricName, MetricResult][]) {
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
