import type { GaussianComponent, ImageSet, ToyDistribution } from '@latent/datasets';
import type * as tf from '@tensorflow/tfjs-core';
import {
  CLASSIFIER_FEATURES,
  CLASSIFIER_IMAGE_SHAPE,
  type Classifier,
  type ClassifierName,
  loadClassifier,
} from './classifier.js';
import { frechetDistance, type GaussianStats, gaussianStats } from './fid.js';
import { drawSamples, imagePoints } from './images.js';
import {
  type Kid,
  kernelInceptionDistance,
  kthNeighbourRadii,
  nearestNeighbours,
  precisionRecall,
  unitRows,
} from './neighbours.js';
import { type Points, type ProgressCallback, parzenLogLikelihood } from './parzen.js';
import { type ClassCoverage, classCoverage, inceptionScore } from './scores.js';
import { type GridOptions, gridDivergence, modeCoverage } from './toy.js';

/** Metrics of a generator's samples. */
export type SampleMetric =
  | 'parzen'
  | 'fid'
  | 'is'
  | 'coverage'
  | 'kid'
  | 'precision'
  | 'recall'
  | 'memorization'
  | 'kl'
  | 'js'
  | 'modes';
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
  kid: {
    better: 'lower',
    about: 'kernel inception distance on classifier features, unbiased (Bińkowski et al. 2018)',
    data: 'images',
  },
  precision: {
    better: 'higher',
    about: 'share of samples inside the real k-NN manifold, k = 3 (Kynkäänniemi et al. 2019)',
    data: 'images',
  },
  recall: {
    better: 'higher',
    about: "share of real images inside the samples' k-NN manifold, k = 3",
    data: 'images',
  },
  memorization: {
    better: 'higher',
    about: 'median distance of a sample to its nearest training image (pixels in [0, 1])',
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

/** Returns `count` samples; see `Evaluator.evaluate`. */
export type Generate = (count: number) => tf.Tensor | Promise<tf.Tensor>;

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
  /**
   * Images metrics: the real images (`fid`: compared with; `parzen`: the test
   * images scored; `memorization`: how near they lie to the training images
   * sets what counts as a copy). `memorization` alone may go without: a
   * folder has no held-out images, and each training image's distance to its
   * nearest other one sets the threshold instead.
   */
  reference?: ImageSet;
  /**
   * Training images. `fid`, `kid`: as many as `reference` give each its floor
   * (training against test images); `memorization`: every one is searched for
   * each sample's nearest, unless `trainedOn` names fewer.
   */
  training?: ImageSet;
  /**
   * `memorization`: the images the generator was trained on, where that is
   * not all of `training` (a run on the first 100 images copies those 100,
   * and a nearest image among 60,000 it never saw says nothing of that).
   */
  trainedOn?: ImageSet;
  /** `kid`: random subsets (default 100) of `kidSubsetSize` (default 1,000) rows. */
  kidSubsets?: number;
  kidSubsetSize?: number;
  /** `parzen`: the images sigma is chosen on (the first 1,000 are used, as in the paper). */
  validation?: ImageSet;
  /** `fid`, `is`, `coverage`: a shipped classifier by name (default `mnist`) or a loaded one (not disposed here). */
  classifier?: ClassifierName | Classifier;
  /** `kl`, `js`, `modes`: the true distribution. */
  toy?: ToyDistribution;
  /** `kl`, `js`: the grid. */
  grid?: GridOptions;
  /** Progress of drawing the samples. */
  onProgress?: ProgressCallback;
  /** Progress of each stage (`sampling`, `parzen`, `memorization`). */
  onStageProgress?: (stage: string, done: number, total: number) => void;
}

/** One metric's value and what it was measured with (eval.json's entries). */
export interface MetricReport {
  value: number;
  better: 'lower' | 'higher';
  [detail: string]: unknown;
}

/** What one evaluation measured. */
export interface EvaluationReport<M extends SampleMetric = SampleMetric> {
  /** Per metric, in the order asked for. */
  metrics: Record<M, MetricReport>;
  /** The samples scored, in [0, 1] (points for toy metrics). */
  samples: Points;
  /** Seconds per stage. */
  seconds: Record<string, number>;
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
  evaluate(generate: Generate): Promise<Record<M, number>>;
  /** As `evaluate`, with each metric's details (standard errors, sigma, floors, histograms). */
  report(generate: Generate): Promise<EvaluationReport<M>>;
  dispose(): void;
}

/**
 * Prepares sample metrics for repeated use (periodic evaluation during
 * training): loads the classifier and computes the real images' statistics,
 * features and k-NN radii once, so each `evaluate` only generates and scores.
 */
export async function createEvaluator<M extends SampleMetric>(
  options: EvaluatorOptions<M>,
): Promise<Evaluator<M>> {
  const metrics = checkMetrics(options.metrics);
  const n = options.n ?? 10_000;
  const score =
    METRICS[metrics[0]!].data === 'toy'
      ? toyScorer(options, metrics)
      : await imageScorer(options, metrics);
  const report = async (generate: Generate): Promise<EvaluationReport<M>> => {
    const seconds: Record<string, number> = {};
    const t0 = performance.now();
    const samples = await drawSamples(generate, n, score.size, {
      batchSize: options.batchSize,
      pixelRange: METRICS[metrics[0]!].data === 'toy' ? undefined : options.pixelRange,
      onProgress: (done, total) => {
        options.onProgress?.(done, total);
        options.onStageProgress?.('sampling', done, total);
      },
    });
    seconds.sampling = elapsed(t0);
    const values = await score.score(samples, seconds);
    return {
      metrics: Object.fromEntries(metrics.map((m) => [m, values[m]])) as Record<M, MetricReport>,
      samples,
      seconds,
    };
  };
  return {
    metrics,
    n,
    report,
    async evaluate(generate) {
      const { metrics: reports } = await report(generate);
      return Object.fromEntries(metrics.map((m) => [m, reports[m].value])) as Record<M, number>;
    },
    dispose: score.dispose,
  };
}

const elapsed = (t0: number) => Math.round((performance.now() - t0) / 100) / 10;

/** The distinct metrics asked for, checked: sample metrics only, toy and image metrics apart. */
function checkMetrics<M extends SampleMetric>(asked: readonly M[]): M[] {
  const metrics = [...new Set(asked)];
  if (metrics.length === 0) throw new RangeError('createEvaluator: no metrics to measure');
  for (const metric of metrics) {
    const info = Object.hasOwn(METRICS, metric) ? METRICS[metric] : undefined;
    if (!info || info.data === 'vae')
      throw new RangeError(
        `createEvaluator: '${metric}' is not a sample metric; one of ${SAMPLE_METRICS.join(', ')}`,
      );
  }
  const toyMetrics = metrics.filter((m) => METRICS[m].data === 'toy');
  if (toyMetrics.length > 0 && toyMetrics.length < metrics.length)
    throw new RangeError(
      `createEvaluator: toy metrics (${toyMetrics.join(', ')}) and image metrics cannot be measured together`,
    );
  return metrics;
}

/** Every sample metric's name. */
const SAMPLE_METRICS = (Object.keys(METRICS) as MetricName[]).filter(
  (m) => METRICS[m].data !== 'vae',
);

type Reports = Partial<Record<SampleMetric, MetricReport>>;

/** Scores one draw of samples; `size` is the values per sample (a toy distribution's dim for points). */
interface Scorer {
  size: number;
  score(samples: Points, seconds: Record<string, number>): Promise<Reports>;
  dispose(): void;
}

function toyScorer(options: EvaluatorOptions, metrics: readonly SampleMetric[]): Scorer {
  const toy = options.toy;
  if (!toy)
    throw new Error(`createEvaluator: ${metrics.join(', ')} need the true distribution (toy)`);
  const components: readonly GaussianComponent[] | undefined = toy.components;
  const wants = (m: SampleMetric) => metrics.includes(m);
  if (wants('modes') && !components)
    throw new Error(`createEvaluator: ${toy.name} is not a Gaussian mixture; 'modes' needs one`);
  return {
    size: toy.dim,
    async score(samples) {
      const out: Reports = {};
      if (wants('modes')) {
        const modes = modeCoverage(components!, samples.data);
        out.modes = { value: modes.captured, better: 'higher', ...modes };
      }
      if (wants('kl') || wants('js')) {
        const g = gridDivergence(toy, samples.data, options.grid);
        out.kl = { value: g.kl, better: 'lower' };
        out.js = { value: g.js, better: 'lower' };
      }
      return out;
    },
    dispose() {},
  };
}

/** Classifier features as points. */
const featurePoints = (out: { features: Float32Array; count: number }): Points => ({
  data: out.features,
  count: out.count,
  dim: CLASSIFIER_FEATURES,
});

/** What the image metrics compare with, computed once. */
interface RealSide {
  classifier?: Classifier;
  owned: boolean;
  /** The reference images through the classifier. */
  real?: {
    features: Points;
    probabilities: Float32Array;
    stats: GaussianStats;
    /** Precision and recall: the features on the unit sphere and their k-NN radii. */
    unit?: { features: Points; radii: Float32Array };
  };
  /** As many training images through the classifier: the floors. */
  train?: { features: Points; stats: GaussianStats; kid?: Kid };
  parzen?: { validation: Points; test: Points };
  /** `real`: how near real images lie to the training set, each a distance (`reference` says which images). */
  memorization?: { training: Points; real: Float32Array; reference: 'test' | 'leave-one-out' };
}

/** Images the memorization check's reference distances are measured for. */
const MEMORIZATION_REFERENCE = 1000;

/** At most `count` of the points, evenly spaced through them. */
function spread(p: Points, count: number): Points {
  if (p.count <= count) return p;
  const data = new Float32Array(count * p.dim);
  for (let i = 0; i < count; i++) {
    const from = Math.floor((i * p.count) / count) * p.dim;
    data.set(p.data.subarray(from, from + p.dim), i * p.dim);
  }
  return { data, count, dim: p.dim };
}

/** How near test images (the first 1,000) lie to the training set. */
async function testToTraining(reference: ImageSet, training: Points): Promise<Float32Array> {
  const some = imagePoints(reference, 0, Math.min(MEMORIZATION_REFERENCE, reference.count));
  return (await nearestNeighbours(some, training)).distance;
}

/**
 * Without held-out images (an image folder): how near each training image
 * (1,000 spread through the set, as a folder comes sorted by class) lies to
 * the nearest other one. An image with a duplicate in the set is left out,
 * as its distance ~0 says nothing of how near distinct pictures come.
 */
async function leaveOneOut(training: Points): Promise<Float32Array> {
  if (training.count < 2)
    throw new Error(
      'createEvaluator: memorization without reference images needs 2 or more training images',
    );
  const squared = await kthNeighbourRadii(training, 1, spread(training, MEMORIZATION_REFERENCE));
  // Duplicates: an RMS difference under a quarter of one grey level (and float rounding's near-0).
  const same = 1e-6 * training.dim;
  const distinct = Float32Array.from(
    squared.filter((d) => d > same),
    Math.sqrt,
  );
  if (distinct.length === 0)
    throw new Error('createEvaluator: memorization: every training image has a duplicate');
  return distinct;
}

const CLASSIFIED: readonly SampleMetric[] = ['fid', 'is', 'coverage', 'kid', 'precision', 'recall'];

async function imageScorer(
  options: EvaluatorOptions,
  metrics: readonly SampleMetric[],
): Promise<Scorer> {
  const wants = (m: SampleMetric) => metrics.includes(m);
  const reference = options.reference;
  const classified = metrics.filter((m) => CLASSIFIED.includes(m));
  if (wants('parzen') && (!reference || !options.validation))
    throw new Error("createEvaluator: 'parzen' needs reference (test) and validation images");
  for (const m of ['fid', 'kid', 'precision', 'recall'] as const)
    if (wants(m) && !reference)
      throw new Error(`createEvaluator: '${m}' needs reference (real) images`);
  if (wants('memorization') && !options.training && !options.trainedOn)
    throw new Error("createEvaluator: 'memorization' needs the training images (training)");
  // The images samples are compared with: a folder's own when there are no held-out ones.
  const real = reference ?? options.trainedOn ?? options.training;
  const size = real ? real.height * real.width * real.channels : CLASSIFIER_IMAGE_SIZE;
  if (classified.length > 0 && size !== CLASSIFIER_IMAGE_SIZE)
    throw new Error(
      `createEvaluator: ${classified.join(', ')} classify 28x28 grey images; the reference images are ${real!.height}x${real!.width}x${real!.channels}`,
    );
  const side = await realSide(options, metrics);
  return {
    size,
    score: (samples, seconds) => scoreImages(options, metrics, side, samples, seconds),
    dispose() {
      if (side.owned) side.classifier?.dispose();
    },
  };
}

async function realSide(
  options: EvaluatorOptions,
  metrics: readonly SampleMetric[],
): Promise<RealSide> {
  const wants = (m: SampleMetric) => metrics.includes(m);
  const reference = options.reference;
  const side: RealSide = { owned: false };
  if (wants('parzen'))
    side.parzen = {
      validation: imagePoints(options.validation!, 0, Math.min(1000, options.validation!.count)),
      test: imagePoints(reference!),
    };
  if (wants('memorization')) {
    const training = imagePoints((options.trainedOn ?? options.training)!);
    side.memorization = reference
      ? { training, real: await testToTraining(reference, training), reference: 'test' }
      : { training, real: await leaveOneOut(training), reference: 'leave-one-out' };
  }
  if (!metrics.some((m) => CLASSIFIED.includes(m))) return side;
  side.owned = typeof options.classifier !== 'object';
  side.classifier =
    typeof options.classifier === 'object'
      ? options.classifier
      : await loadClassifier(options.classifier ?? 'mnist');
  try {
    if (reference) {
      const out = await side.classifier.run(imagePoints(reference).data);
      const features = featurePoints(out);
      side.real = {
        features,
        probabilities: out.probabilities,
        stats: gaussianStats(out.features, CLASSIFIER_FEATURES),
        ...(wants('precision') || wants('recall') ? { unit: await unitSide(features) } : {}),
      };
      const training = options.training;
      if (training && (wants('fid') || wants('kid'))) {
        const count = Math.min(reference.count, training.count);
        const train = await side.classifier.run(imagePoints(training, 0, count).data);
        const features = featurePoints(train);
        side.train = {
          features,
          stats: gaussianStats(train.features, CLASSIFIER_FEATURES),
          ...(wants('kid')
            ? { kid: kernelInceptionDistance(side.real.features, features, kidOptions(options)) }
            : {}),
        };
      }
    }
  } catch (error) {
    if (side.owned) side.classifier.dispose();
    throw error;
  }
  return side;
}

/**
 * Precision and recall compare directions of the classifier features: the
 * shipped classifiers map noise to short feature vectors that fall inside the
 * wide k-NN balls of outlying digits (uniform noise scored precision 0.99
 * against 10,000 MNIST test images with raw features, 0 on the unit sphere,
 * where held-out digits score 0.86 against 2,000).
 */
async function unitSide(features: Points): Promise<{ features: Points; radii: Float32Array }> {
  const unit = unitRows(features);
  return { features: unit, radii: await kthNeighbourRadii(unit, PR_K) };
}

const kidOptions = (options: EvaluatorOptions) => ({
  subsets: options.kidSubsets,
  subsetSize: options.kidSubsetSize,
});

/** Kynkäänniemi et al.'s neighbourhood size. */
const PR_K = 3;

async function scoreImages(
  options: EvaluatorOptions,
  metrics: readonly SampleMetric[],
  side: RealSide,
  samples: Points,
  seconds: Record<string, number>,
): Promise<Reports> {
  const wants = (m: SampleMetric) => metrics.includes(m);
  const out: Reports = {};
  if (side.parzen) {
    const t0 = performance.now();
    const r = await parzenLogLikelihood(samples, side.parzen.validation, side.parzen.test, {
      onProgress: (d, t) => options.onStageProgress?.('parzen', d, t),
    });
    seconds.parzen = elapsed(t0);
    out.parzen = {
      value: r.mean,
      better: 'higher',
      stdErr: r.stdErr,
      sigma: r.sigma,
      samples: r.sampleCount,
      testImages: r.testCount,
      validation: r.validation,
    };
  }
  if (side.classifier) {
    const t0 = performance.now();
    Object.assign(out, await classifierReports(options, wants, side, samples));
    seconds.classifier = elapsed(t0);
  }
  if (side.memorization) {
    const t0 = performance.now();
    out.memorization = await memorizationReport(side.memorization, samples);
    seconds.memorization = elapsed(t0);
  }
  return out;
}

async function classifierReports(
  options: EvaluatorOptions,
  wants: (m: SampleMetric) => boolean,
  side: RealSide,
  samples: Points,
): Promise<Reports> {
  const fake = await side.classifier!.run(samples.data);
  const features = featurePoints(fake);
  const { real, train } = side;
  const out: Reports = {};
  if (wants('fid')) {
    const stats = gaussianStats(fake.features, CLASSIFIER_FEATURES);
    out.fid = {
      value: frechetDistance(stats, real!.stats),
      better: 'lower',
      ...(train ? { floor: frechetDistance(train.stats, real!.stats) } : {}),
      samples: fake.count,
      realImages: real!.features.count,
    };
  }
  if (wants('is'))
    out.is = {
      value: inceptionScore(fake.probabilities),
      better: 'higher',
      ...(real ? { real: inceptionScore(real.probabilities) } : {}),
    };
  if (wants('coverage')) {
    const cov: ClassCoverage = classCoverage(fake.probabilities);
    const realCov = real ? classCoverage(real.probabilities) : undefined;
    out.coverage = {
      value: cov.covered,
      better: 'higher',
      classes: cov.classes,
      minShare: cov.minShare,
      klToUniform: cov.klToUniform,
      histogram: cov.histogram,
      ...(realCov ? { real: realCov.covered, realKlToUniform: realCov.klToUniform } : {}),
    };
  }
  if (wants('kid')) {
    const kid = kernelInceptionDistance(real!.features, features, kidOptions(options));
    const floor = train?.kid;
    out.kid = {
      ...kid,
      better: 'lower',
      ...(floor ? { floor: floor.value, floorStd: floor.std } : {}),
      samples: fake.count,
      realImages: real!.features.count,
    };
  }
  if (wants('precision') || wants('recall')) {
    const unit = real!.unit!;
    const pr = await precisionRecall(unit.features, unitRows(features), {
      k: PR_K,
      realRadii: unit.radii,
    });
    const counts = {
      k: pr.k,
      features: 'classifier, unit length',
      samples: fake.count,
      realImages: real!.features.count,
    };
    if (wants('precision')) out.precision = { value: pr.precision, better: 'higher', ...counts };
    if (wants('recall')) out.recall = { value: pr.recall, better: 'higher', ...counts };
  }
  return out;
}

/** Samples shown beside their nearest training image in a run's report. */
const CLOSEST_SHOWN = 16;

/**
 * Each sample's distance to its nearest training image, against how near
 * real images lie (test images, or for a folder the training images to each
 * other): a sample closer than the nearest 1% of them counts as a likely copy.
 */
async function memorizationReport(
  side: NonNullable<RealSide['memorization']>,
  samples: Points,
): Promise<MetricReport> {
  const { distance, index } = await nearestNeighbours(samples, side.training);
  const sortedReal = Float32Array.from(side.real).sort();
  const threshold = quantile(sortedReal, 0.01);
  const sorted = Float32Array.from(distance).sort();
  const order = Array.from(distance.keys()).sort((a, b) => distance[a]! - distance[b]!);
  return {
    value: quantile(sorted, 0.5),
    better: 'higher',
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    min: sorted[0]!,
    real: quantile(sortedReal, 0.5),
    realImages: side.real.length,
    reference: side.reference,
    copyThreshold: threshold,
    copies: distance.filter((d) => d < threshold).length / distance.length,
    trainingImages: side.training.count,
    closest: order
      .slice(0, CLOSEST_SHOWN)
      .map((i) => ({ sample: i, train: index[i]!, distance: distance[i]! })),
  };
}

/** The q-quantile of sorted values (nearest rank). */
function quantile(sorted: Float32Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
