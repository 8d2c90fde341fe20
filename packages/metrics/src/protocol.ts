import { binarizeImages, deriveSeed, type ImageSet } from '@latent/datasets';
import * as tf from '@tensorflow/tfjs-core';
import {
  createEvaluator,
  type Evaluator,
  type EvaluatorOptions,
  type Generate,
  METRICS,
  type MetricName,
  type MetricReport,
  type SampleMetric,
  type VaeMetric,
} from './evaluator.js';
import { imagePoints } from './images.js';
import type { Points } from './parzen.js';
import { iwaeLogLikelihood, type TrainedVae, type VaeData, vaeElbo } from './vae.js';

/**
 * The one evaluation protocol of a run: `latent eval`, `latent train --eval`
 * and the web page's Measure all call `createRunEvaluator` and `measure`, so
 * their numbers are the same numbers: the same noise seeds, the same labels,
 * the same test images, the same metric code.
 */

/** What the protocol needs of a model to draw from; `@latent/train`'s `Sampler` is one. */
export interface SamplerLike {
  readonly numClasses?: number;
  /** z [count, dim] from the prior, drawn from `seed`. */
  noise(count: number, seed: number): tf.Tensor2D;
  /** Images [b, ...] in [0, 1] for z (and labels for a conditional model). */
  draw(z: tf.Tensor2D, labels?: tf.Tensor1D): tf.Tensor;
}

/**
 * The protocol's samples: the i-th call draws its z with
 * `deriveSeed(seed, 'eval', i)`; a conditional model is asked for its classes
 * in turn (sample j of the evaluation has class j mod C), so each class is
 * asked for equally. The same seed gives the same samples.
 */
export function protocolSamples(sampler: SamplerLike, seed: number): Generate {
  let batch = 0;
  let drawn = 0;
  return (count) =>
    tf.tidy(() => {
      const z = sampler.noise(count, deriveSeed(seed, 'eval', batch));
      const classes = sampler.numClasses;
      const labels = classes
        ? tf.tensor1d(
            Array.from({ length: count }, (_, i) => (drawn + i) % classes),
            'int32',
          )
        : undefined;
      batch++;
      drawn += count;
      return sampler.draw(z, labels);
    });
}

/** The test images a VAE is scored on, with how they were made. */
export type VaeTestData = VaeData & { binarized: boolean };

/**
 * A VAE's test images: binarized once with a fixed stochastic draw (seed 0)
 * for a Bernoulli decoder trained on binary pixels, the grey levels otherwise
 * (a Gaussian decoder's density, or a Bernoulli bound on grey levels).
 */
export function vaeTestData(test: ImageSet, binarize: boolean): VaeTestData {
  const set = binarize ? binarizeImages(test, { method: 'sample', seed: 0 }) : test;
  return {
    images: imagePoints(set).data,
    count: set.count,
    ...(set.labels ? { labels: set.labels } : {}),
    binarized: binarize,
  };
}

export interface RunEvaluatorOptions
  extends Omit<EvaluatorOptions<SampleMetric>, 'metrics' | 'pixelRange'> {
  /** Sample metrics (of drawn images) and VAE metrics (`elbo`, `iwae`: of test images). */
  metrics: readonly MetricName[];
  /** `elbo`, `iwae`: the test images (`vaeTestData`). */
  vaeData?: VaeTestData;
  /** `iwae`: importance samples per image (default 5,000). */
  k?: number;
}

/** What to measure: a sampler for the sample metrics, the VAE for its likelihoods, and the seed of both. */
export interface RunSubject {
  sampler?: SamplerLike;
  vae?: TrainedVae;
  seed: number;
}

export interface RunReport {
  /** Per metric, in the order asked for. */
  metrics: Partial<Record<MetricName, MetricReport>>;
  /** The samples the sample metrics scored, in [0, 1]. */
  samples?: Points;
  /** Seconds per stage. */
  seconds: Record<string, number>;
}

export interface RunEvaluator {
  readonly metrics: readonly MetricName[];
  /** Samples per measurement for the sample metrics. */
  readonly n: number;
  measure(subject: RunSubject): Promise<RunReport>;
  dispose(): void;
}

const isVaeMetric = (m: MetricName): m is VaeMetric => METRICS[m]?.data === 'vae';

/**
 * Prepares a run's metrics once (classifier, real statistics, radii, test
 * data) on `createEvaluator`; each `measure` then draws `n` samples by the
 * protocol (`protocolSamples`) and scores the VAE's test likelihoods.
 */
export async function createRunEvaluator(options: RunEvaluatorOptions): Promise<RunEvaluator> {
  const metrics = [...new Set(options.metrics)];
  const sampleMetrics = metrics.filter((m): m is SampleMetric => !isVaeMetric(m));
  const vaeMetrics = metrics.filter(isVaeMetric);
  if (vaeMetrics.length > 0 && !options.vaeData)
    throw new Error(`createRunEvaluator: ${vaeMetrics.join(', ')} need the test images (vaeData)`);
  const evaluator: Evaluator | undefined =
    sampleMetrics.length > 0
      ? await createEvaluator({ ...options, metrics: sampleMetrics, pixelRange: '[0,1]' })
      : undefined;
  return {
    metrics,
    n: evaluator?.n ?? 0,
    async measure(subject) {
      const seconds: Record<string, number> = {};
      const out: RunReport['metrics'] = {};
      let samples: Points | undefined;
      if (evaluator) {
        if (!subject.sampler) throw new Error(`${sampleMetrics.join(', ')} need a sampler`);
        const r = await evaluator.report(protocolSamples(subject.sampler, subject.seed));
        Object.assign(out, r.metrics);
        Object.assign(seconds, r.seconds);
        samples = r.samples;
      }
      if (vaeMetrics.length > 0) {
        if (!subject.vae) throw new Error(`${vaeMetrics.join(', ')} need a VAE`);
        Object.assign(out, await vaeReports(options, vaeMetrics, subject, seconds));
      }
      return {
        metrics: Object.fromEntries(metrics.map((m) => [m, out[m]])),
        ...(samples ? { samples } : {}),
        seconds,
      };
    },
    dispose() {
      evaluator?.dispose();
    },
  };
}

async function vaeReports(
  options: RunEvaluatorOptions,
  metrics: readonly VaeMetric[],
  subject: RunSubject,
  seconds: Record<string, number>,
): Promise<Partial<Record<VaeMetric, MetricReport>>> {
  const data = options.vaeData!;
  const vae = subject.vae!;
  const about = {
    images: data.count,
    binarized: data.binarized,
    likelihood: vae.model.likelihood,
  };
  const out: Partial<Record<VaeMetric, MetricReport>> = {};
  const progress = (stage: string) => (done: number, total: number) =>
    options.onStageProgress?.(stage, done, total);
  if (metrics.includes('elbo')) {
    const t0 = performance.now();
    const r = await vaeElbo(vae, data, { seed: subject.seed, onProgress: progress('elbo') });
    seconds.elbo = Math.round((performance.now() - t0) / 100) / 10;
    out.elbo = { value: r.mean, better: 'higher', stdErr: r.stdErr, ...about };
  }
  if (metrics.includes('iwae')) {
    const k = options.k ?? 5000;
    const t0 = performance.now();
    const r = await iwaeLogLikelihood(vae, data, k, {
      seed: subject.seed,
      onProgress: progress('iwae'),
    });
    const s = (performance.now() - t0) / 1000;
    seconds.iwae = Math.round(s * 10) / 10;
    out.iwae = {
      value: r.mean,
      better: 'higher',
      stdErr: r.stdErr,
      k,
      ...about,
      secondsPerImage: s / data.count,
    };
  }
  return out;
}

/** A report's values by metric name (for `--keep-best` and the page). */
export function reportValues(report: RunReport): Record<string, number> {
  return Object.fromEntries(
    Object.entries(report.metrics).map(([name, r]) => [name, (r as MetricReport).value]),
  );
}

/**
 * The memorization check's closest samples and their nearest training images,
 * for a picture (`neighbourGrid` of `@latent/vis`): `count` images each,
 * [count * size] in [0, 1]. Undefined when the report has no memorization.
 */
export function memorizationPairs(
  report: RunReport,
  training: ImageSet,
): { samples: Float32Array; neighbours: Float32Array; count: number } | undefined {
  const closest = report.metrics.memorization?.closest as
    | { sample: number; train: number }[]
    | undefined;
  const drawn = report.samples;
  if (!closest || !drawn) return undefined;
  const size = drawn.dim;
  const samples = new Float32Array(closest.length * size);
  const neighbours = new Float32Array(closest.length * size);
  closest.forEach((c, i) => {
    samples.set(drawn.data.subarray(c.sample * size, (c.sample + 1) * size), i * size);
    neighbours.set(imagePoints(training, c.train, c.train + 1).data, i * size);
  });
  return { samples, neighbours, count: closest.length };
}
