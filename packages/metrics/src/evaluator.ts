import type { GaussianComponent, ImageSet, ToyDistribution } from '@latent/datasets';
import type * as tf from '@tensorflow/tfjs-core';
import { type Classifier, type ClassifierName, loadClassifier } from './classifier.js';
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

/** Whether a metric value `a` is better than `b`. */
export function isBetter(metric: MetricName, a: number, b: number): boolean {
  return METRICS[metric].better === 'higher' ? a > b : a < b;
}

export interface EvaluatorOptions {
  metric: SampleMetric;
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
  /** `fid`, `is`, `coverage`: a shipped classifier by name (default `mnist`) or a loaded one. */
  classifier?: ClassifierName | Classifier;
  /** `kl`, `js`, `modes`: the true distribution. */
  toy?: ToyDistribution;
  /** `kl`, `js`: the grid. */
  grid?: GridOptions;
  onProgress?: ProgressCallback;
}

/** A prepared metric: call `evaluate` as often as needed, then `dispose`. */
export interface Evaluator {
  readonly metric: SampleMetric;
  readonly better: 'lower' | 'higher';
  readonly n: number;
  /**
   * Draws `n` samples through `generate` and scores them.
   *
   * @param generate returns `count` images [count, h, w, c] or [count, h*w*c]
   *   in `pixelRange` (or points [count, dim] for toy metrics); the evaluator
   *   disposes what it returns
   */
  evaluate(generate: (count: number) => tf.Tensor | Promise<tf.Tensor>): Promise<number>;
  dispose(): void;
}

/**
 * Prepares one sample metric for repeated use (periodic evaluation during
 * training): loads the classifier and computes the real images' statistics
 * once, so each `evaluate` only generates and scores.
 */
export async function createEvaluator(options: EvaluatorOptions): Promise<Evaluator> {
  const { metric } = options;
  const info = METRICS[metric];
  if (!info || info.data === 'vae')
    throw new RangeError(
      `createEvaluator: '${metric}' is not a sample metric; one of parzen, fid, is, coverage, kl, js, modes`,
    );
  const n = options.n ?? 10_000;
  const base = { metric, better: info.better, n } as const;
  const draw = (generate: Parameters<Evaluator['evaluate']>[0], size: number) =>
    drawSamples(generate, n, size, {
      batchSize: options.batchSize,
      pixelRange: options.pixelRange,
      onProgress: options.onProgress,
    });

  if (info.data === 'toy') {
    const toy = options.toy;
    if (!toy) throw new Error(`createEvaluator: '${metric}' needs the true distribution (toy)`);
    const components: readonly GaussianComponent[] | undefined = toy.components;
    if (metric === 'modes' && !components)
      throw new Error(`createEvaluator: ${toy.name} is not a Gaussian mixture; 'modes' needs one`);
    return {
      ...base,
      async evaluate(generate) {
        const { data } = await drawSamples(generate, n, toy.dim, { batchSize: options.batchSize });
        if (metric === 'modes') return modeCoverage(components!, data).captured;
        const g = gridDivergence(toy, data, options.grid);
        return metric === 'kl' ? g.kl : g.js;
      },
      dispose() {},
    };
  }

  const reference = options.reference;
  if (metric === 'parzen') {
    if (!reference || !options.validation)
      throw new Error("createEvaluator: 'parzen' needs reference (test) and validation images");
    const size = reference.height * reference.width * reference.channels;
    const validation = imagePoints(options.validation, 0, Math.min(1000, options.validation.count));
    const test = imagePoints(reference);
    return {
      ...base,
      async evaluate(generate) {
        const samples = await draw(generate, size);
        return (await parzenLogLikelihood(samples, validation, test)).mean;
      },
      dispose() {},
    };
  }

  const owned = typeof options.classifier !== 'object';
  const classifier =
    typeof options.classifier === 'object'
      ? options.classifier
      : await loadClassifier(options.classifier ?? 'mnist');
  let real: GaussianStats | undefined;
  if (metric === 'fid') {
    if (!reference) {
      if (owned) classifier.dispose();
      throw new Error("createEvaluator: 'fid' needs reference (real) images");
    }
    real = gaussianStats((await classifier.run(imagePoints(reference).data)).features, 128);
  }
  return {
    ...base,
    async evaluate(generate) {
      const samples = await draw(generate, 28 * 28);
      const { features, probabilities } = await classifier.run(samples.data);
      if (metric === 'fid') return frechetDistance(gaussianStats(features, 128), real!);
      if (metric === 'is') return inceptionScore(probabilities);
      return classCoverage(probabilities).covered;
    },
    dispose() {
      if (owned) classifier.dispose();
    },
  };
}
