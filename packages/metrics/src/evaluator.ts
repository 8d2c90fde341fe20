import type { GaussianComponent, ImageSet, ToyDistribution } from '@latent/datasets';
import type * as tf from '@tensorflow/tfjs-core';
import {
  CLASSIFIER_IMAGE_SHAPE,
  type Classifier,
  type ClassifierName,
  loadClassifier,
} from './classifier.js';
import { frechetDistance, type GaussianStats, gaussianStats } from './fid.js';
import { drawSamples, imagePoints } from './images.js';
import { type ProgressCallback, parzenLogLikelihood } from './parzen.js';
import { classCoverage, inceptionScore } from './scores.js';
import { type GridOptions, gridDivergence, modeCoverage } from './toy.js';

/** Metrics of a generator's samples. */
export type SampleMetric = 'parzen' | 'fid' | 'is' | 'coverage' | 'kl' | 'js' | 'modes';
/** Metrics of a VAE on test images (`vaeElbo`, `iwaeLogLikelihood`). */
export type VaeMetric = 'elbo' | 'iwae';
export type MetricName = SampleMetric | VaeMetric;

/** What each metric measures, and which direction is better. */
export const METRICS: Readonly<
  Record<MetricName, { better: 'lower' | 'higher'; about: string; data: 'images' | 'toy' | 'vae' }>
> = Object.freeze({
  parzen: {
    better: 'higher',
    about: 'Parzen-window log-likelihood of the test images, nats (Goodfellow et al. 2014)',
    data: 'images',
  },
  fid: {
    better: 'lower',
    about: 'Fréchet distance of classifier features to real images',
    data: 'images',
  },
  is: { better: 'higher', about: 'classifier inception score, 1 to 10', data: 'images' },
  coverage: {
    better: 'higher',
    about: 'classes predicted for >= 1% of the samples, of 10',
    data: 'images',
  },
  kl: { better: 'lower', about: 'KL(true || samples) on a grid, nats (GAN Lab)', data: 'toy' },
  js: {
    better: 'lower',
    about: 'Jensen-Shannon divergence on a grid, nats (GAN Lab)',
    data: 'toy',
  },
  modes: { better: 'higher', about: 'mixture modes captured within 3 sigma', data: 'toy' },
  elbo: { better: 'higher', about: 'test ELBO, nats per image', data: 'vae' },
  iwae: {
    better: 'higher',
    about: 'importance-weighted log-likelihood bound (Burda et al.), nats',
    data: 'vae',
  },
});

/** Pixels of one image the shipped classifiers take. */
const CLASSIFIER_IMAGE_SIZE = CLASSIFIER_IMAGE_SHAPE.reduce<number>((a, b) => a * b, 1);

/** Whether a metric value `a` is better than `b`. */
export function isBetter(metric: MetricName, a: number, b: number): boolean {
  return METRICS[metric].better === 'higher' ? a > b : a < b;
}

export interface EvaluatorOptions<M extends SampleMetric = SampleMetric> {
  /**
   * What to measure. Image metrics share one draw of `n` samples and the
   * classifier metrics (`fid`, `is`, `coverage`) one classifier pass, so
   * asking for several costs little more than asking for one. Toy metrics
   * (`kl`, `js`, `modes`) and image metrics do not mix.
   */
  metrics: readonly M[];
  /** Samples drawn per evaluation (default 10,000, the paper's count for Parzen). */
  n?: number;
  /** `generate` is called with at most this many at a time (default 500). */
  batchSize?: number;
  /** Range of the generator's images (default `[0,1]`); `[-1,1]` images are mapped to [0, 1]. */
  pixelRange?: '[0,1]' | '[-1,1]';
  /** Images metrics: the real images (`fid`: compared with; `parzen`: the test images scored). */
  reference?: ImageSet;
  /** `parzen`: the images sigma is chosen on (the first 1,000 are used, as in the paper). */
  validation?: ImageSet;
  /** `fid`, `is`, `coverage`: a shipped classifier by name (default `mnist`) or a loaded one (not disposed here). */
  classifier?: ClassifierName | Classifier;
  /** `kl`, `js`, `modes`: the true distribution. */
  toy?: ToyDistribution;
  /** `kl`, `js`: the grid. */
  grid?: GridOptions;
  onProgress?: ProgressCallback;
}

/** Prepared metrics: call `evaluate` as often as needed, then `dispose`. */
export interface Evaluator<M extends SampleMetric = SampleMetric> {
  readonly metrics: readonly M[];
  readonly n: number;
  /**
   * Draws `n` samples through `generate` and scores them by every metric.
   *
   * @param generate returns `count` images [count, h, w, c] or [count, h*w*c]
   *   in `pixelRange` (or points [count, dim] for toy metrics); the evaluator
   *   disposes what it returns
   */
  evaluate(generate: (count: number) => tf.Tensor | Promise<tf.Tensor>): Promise<Record<M, number>>;
  dispose(): void;
}

/**
 * Prepares sample metrics for repeated use (periodic evaluation during
 * training): loads the classifier and computes the real images' statistics
 * once, so each `evaluate` only generates and scores.
 */
export async function createEvaluator<M extends SampleMetric>(
  options: EvaluatorOptions<M>,
): Promise<Evaluator<M>> {
  const metrics = [...new Set(options.metrics)];
  if (metrics.length === 0) throw new RangeError('createEvaluator: no metrics to measure');
  for (const metric of metrics) {
    const info = METRICS[metric];
    if (!info || info.data === 'vae')
      throw new RangeError(
        `createEvaluator: '${metric}' is not a sample metric; one of parzen, fid, is, coverage, kl, js, modes`,
      );
  }
  const wants = (metric: SampleMetric) => (metrics as SampleMetric[]).includes(metric);
  const toyMetrics = metrics.filter((m) => METRICS[m].data === 'toy');
  if (toyMetrics.length > 0 && toyMetrics.length < metrics.length)
    throw new RangeError(
      `createEvaluator: toy metrics (${toyMetrics.join(', ')}) and image metrics cannot be measured together`,
    );
  const n = options.n ?? 10_000;
  const draw = (generate: Parameters<Evaluator['evaluate']>[0], size: number) =>
    drawSamples(generate, n, size, {
      batchSize: options.batchSize,
      pixelRange: options.pixelRange,
      onProgress: options.onProgress,
    });

  if (toyMetrics.length > 0) {
    const toy = options.toy;
    if (!toy)
      throw new Error(`createEvaluator: ${toyMetrics.join(', ')} need the true distribution (toy)`);
    const components: readonly GaussianComponent[] | undefined = toy.components;
    if (wants('modes') && !components)
      throw new Error(`createEvaluator: ${toy.name} is not a Gaussian mixture; 'modes' needs one`);
    return {
      metrics,
      n,
      async evaluate(generate) {
        const { data } = await drawSamples(generate, n, toy.dim, { batchSize: options.batchSize });
        const values: Partial<Record<SampleMetric, number>> = {};
        if (wants('modes')) values.modes = modeCoverage(components!, data).captured;
        if (wants('kl') || wants('js')) {
          const g = gridDivergence(toy, data, options.grid);
          values.kl = g.kl;
          values.js = g.js;
        }
        return pick(values, metrics);
      },
      dispose() {},
    };
  }

  const reference = options.reference;
  const classified = metrics.filter((m) => m !== 'parzen');
  if (wants('parzen') && (!reference || !options.validation))
    throw new Error("createEvaluator: 'parzen' needs reference (test) and validation images");
  if (wants('fid') && !reference)
    throw new Error("createEvaluator: 'fid' needs reference (real) images");
  const size = reference
    ? reference.height * reference.width * reference.channels
    : CLASSIFIER_IMAGE_SIZE;
  if (classified.length > 0 && size !== CLASSIFIER_IMAGE_SIZE)
    throw new Error(
      `createEvaluator: ${classified.join(', ')} classify 28x28 grey images; the reference images are ${reference!.height}x${reference!.width}x${reference!.channels}`,
    );
  const parzen = wants('parzen')
    ? {
        validation: imagePoints(options.validation!, 0, Math.min(1000, options.validation!.count)),
        test: imagePoints(reference!),
      }
    : undefined;

  const owned = classified.length > 0 && typeof options.classifier !== 'object';
  const classifier =
    classified.length === 0
      ? undefined
      : typeof options.classifier === 'object'
        ? options.classifier
        : await loadClassifier(options.classifier ?? 'mnist');
  let real: GaussianStats | undefined;
  try {
    if (wants('fid'))
      real = gaussianStats((await classifier!.run(imagePoints(reference!).data)).features, 128);
  } catch (error) {
    if (owned) classifier!.dispose();
    throw error;
  }
  return {
    metrics,
    n,
    async evaluate(generate) {
      const samples = await draw(generate, size);
      const values: Partial<Record<SampleMetric, number>> = {};
      if (parzen)
        values.parzen = (await parzenLogLikelihood(samples, parzen.validation, parzen.test)).mean;
      if (classifier) {
        const { features, probabilities } = await classifier.run(samples.data);
        if (real) values.fid = frechetDistance(gaussianStats(features, 128), real);
        if (wants('is')) values.is = inceptionScore(probabilities);
        if (wants('coverage')) values.coverage = classCoverage(probabilities).covered;
      }
      return pick(values, metrics);
    },
    dispose() {
      if (owned) classifier!.dispose();
    },
  };
}

/** The values of `metrics`, in their order (each was computed above). */
function pick<M extends SampleMetric>(
  values: Partial<Record<SampleMetric, number>>,
  metrics: readonly M[],
): Record<M, number> {
  return Object.fromEntries(metrics.map((m) => [m, values[m]])) as Record<M, number>;
}
