import { type ImageSet, sliceImages } from '@latent/datasets';
import {
  type ClassifierName,
  createRunEvaluator,
  METRICS,
  type MetricName,
  type RunEvaluator,
  type RunEvaluatorOptions,
  type RunReport,
  reportValues,
  type TrainedVae,
  vaeTestData,
} from '@latent/metrics';
import { disposeParams } from '@latent/models';
import type { Checkpoint, RunStamp } from './checkpoint.js';
import { type DataSource, parseDataSource, RunRequestError, toyOf } from './data-source.js';
import { GanTrainer } from './gan-trainer.js';
import { type Sampler, samplerFromCheckpoint, trainedVaeFromCheckpoint } from './sampler.js';
import type { Evaluation } from './trainer.js';
import type { VaeTrainer } from './vae-trainer.js';

/**
 * How a run is measured, for every surface: which metrics apply to which run
 * kind and data source, what they are measured against, and the one protocol
 * (`createRunEvaluator` of `@latent/metrics`) that `latent eval`, `latent
 * train --eval` and the web page's Measure share.
 */

/** What `latent eval` computes for each kind of run, when no metric is named. */
export const DEFAULT_METRICS: Readonly<Record<'gan' | 'vae', readonly MetricName[]>> = {
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
/** The metrics that run the shipped 28x28 classifier. */
const METRICS_28: MetricName[] = ['fid', 'is', 'coverage', 'kid', 'precision', 'recall'];

/** The images metrics compare with: the test set, the validation images for Parzen's sigma, and training images for the FID floor. */
export interface EvalData {
  train: ImageSet;
  /** Parzen's sigma choice: the paper's validation images (MNIST train[50000:60000]). */
  validation: ImageSet;
  test: ImageSet;
}

/** Loads the evaluation images of a named image set (`loadEvalData` of `./node`, or a page's). */
export type EvalDataLoader = (dataset: string) => Promise<EvalData>;

/**
 * The evaluation splits of a loaded MNIST or Fashion-MNIST. Fashion-MNIST has
 * no official validation split: the last 10,000 training images play its part.
 */
export function evalSplits(loaded: {
  train: ImageSet;
  validation?: ImageSet;
  test: ImageSet;
}): EvalData {
  const { train, test } = loaded;
  const validation =
    loaded.validation ?? sliceImages(train, train.count - 10_000, train.count, 'fashion-val');
  return { train, validation, test };
}

/**
 * The metrics to compute for a run of this kind on this data source: the
 * requested ones, checked, or the defaults. Most image metrics need held-out
 * MNIST or Fashion-MNIST images and the classifier shipped for them, so an
 * image-folder run has memorization only; a toy run has its distribution's.
 *
 * @throws RunRequestError naming the metric and why it does not apply
 */
export function resolveMetrics(
  kind: 'gan' | 'vae',
  dataset: string,
  requested?: readonly string[],
): MetricName[] {
  const source = parseDataSource(dataset);
  const { allowed, defaults } = metricsFor(kind, source);
  if (!requested || requested.length === 0) return [...defaults];
  const out: MetricName[] = [];
  for (const raw of requested) {
    const name = raw.trim().toLowerCase();
    if (!Object.hasOwn(METRICS, name))
      throw new RunRequestError(
        `unknown metric '${raw}'; latent eval knows ${[...SAMPLE_METRICS.slice(0, 4), ...VAE_ONLY, ...SAMPLE_METRICS.slice(4), ...TOY_METRICS].join(', ')}.`,
      );
    if (!allowed.includes(name as MetricName)) {
      throw new RunRequestError(
        `metric '${name}' does not apply to a ${kind.toUpperCase()} run on ${dataset}: ${whyNot(name as MetricName, source)}. For this run: ${allowed.join(', ')}.`,
      );
    }
    if (!out.includes(name as MetricName)) out.push(name as MetricName);
  }
  return out;
}

/** Every metric that applies to a run of this kind on this dataset (a page picks the ones it can afford). */
export function applicableMetrics(kind: 'gan' | 'vae', dataset: string): MetricName[] {
  return [...metricsFor(kind, parseDataSource(dataset)).allowed];
}

/** An image folder has no held-out images and no classifier: its samples are searched among its images. */
const FOLDER_METRICS: MetricName[] = ['memorization'];

/** The metrics that apply to a run of this kind on this source, and those measured when none is named. */
function metricsFor(
  kind: 'gan' | 'vae',
  source: DataSource,
): { allowed: readonly MetricName[]; defaults: readonly MetricName[] } {
  if (source.kind === 'folder') return { allowed: FOLDER_METRICS, defaults: FOLDER_METRICS };
  if (source.kind === 'toy') {
    // Mode coverage counts samples near each Gaussian component: curves (line, spiral, moons) have none.
    const toy = toyOf(source.name).components
      ? TOY_METRICS
      : TOY_METRICS.filter((m) => m !== 'modes');
    return { allowed: toy, defaults: toy };
  }
  const allowed = kind === 'vae' ? [...SAMPLE_METRICS, ...VAE_ONLY] : SAMPLE_METRICS;
  return { allowed, defaults: DEFAULT_METRICS[kind] };
}

function whyNot(metric: MetricName, source: DataSource): string {
  if (source.kind === 'toy' && metric === 'modes')
    return 'it counts samples near each component of a Gaussian mixture, and this distribution is a curve';
  const data = METRICS[metric].data;
  if (data === 'toy') return "it compares samples with a toy distribution's true density";
  if (source.kind === 'folder')
    return METRICS_28.includes(metric)
      ? 'it needs a classifier trained on such pictures, and latent ships them for mnist and fashion-mnist only'
      : 'it needs held-out test images, and an image folder has none';
  if (data === 'vae') return 'it needs an encoder, so it applies to VAE runs only';
  return 'it measures images, and a toy run draws points';
}

/** How the protocol's inputs may be cut down, for a measurement that must stay short (the page's). */
export interface EvalLimits {
  /** Training images the memorization check searches (default: all). */
  trainingImages?: number;
  /** KID's random subsets (default: the metric's 100). */
  kidSubsets?: number;
}

/** The metrics' inputs for a run's image set: test, validation and training images, and the VAE's test data. */
export function evaluatorOptions(
  data: EvalData,
  test: ImageSet,
  dataset: string,
  metrics: readonly MetricName[],
  settings: { n: number; binarize: boolean; k?: number; dataLimit?: number } & EvalLimits,
): RunEvaluatorOptions {
  const vae = metrics.some((m) => METRICS[m].data === 'vae');
  const limit = settings.trainingImages;
  const first = (count: number | undefined) =>
    count && count < data.train.count
      ? sliceImages(data.train, 0, count, `train[:${count}]`)
      : undefined;
  // A run on `dataLimit` images trained on the first that many (`limitData`): memorization searches those.
  const trainedOn = settings.dataLimit && first(Math.min(settings.dataLimit, limit ?? Infinity));
  return {
    metrics,
    n: settings.n,
    reference: test,
    validation: data.validation,
    // The FID and KID floors take the first test.count training images; memorization the run's own.
    training: first(limit) ?? data.train,
    ...(trainedOn ? { trainedOn } : {}),
    classifier: dataset as ClassifierName,
    ...(vae ? { vaeData: vaeTestData(test, settings.binarize) } : {}),
    ...(settings.k ? { k: settings.k } : {}),
    ...(settings.kidSubsets ? { kidSubsets: settings.kidSubsets } : {}),
  };
}

/** An image-folder run's images, as the run loaded them (sized, coloured and limited by its config). */
export interface FolderImages {
  folder: ImageSet;
}

/**
 * The metrics' inputs for an image-folder run: its samples are searched among
 * the folder's images, and with no held-out images the folder's images to
 * each other say what counts as a copy.
 */
export function folderEvaluatorOptions(
  folder: ImageSet,
  metrics: readonly MetricName[],
  n: number,
): RunEvaluatorOptions {
  return { metrics, n, trainedOn: folder };
}

/** What a run measures while it trains (`--eval`, `--eval-every`, `--eval-n`, `--keep-best`), as its stamp records it. */
export type EvalSettings = NonNullable<RunStamp['eval']>;

/** The metric and direction the best checkpoint is ranked by. */
export type BestBy = { metric: MetricName; better: 'lower' | 'higher' };

/**
 * The metrics the settings name for a run of this kind, and what
 * `keepBest` ranks by. Called before anything is loaded or written.
 *
 * @throws RunRequestError for a metric that does not apply or takes too long
 */
export function checkEvalSettings(
  kind: 'gan' | 'vae',
  dataset: string,
  settings: EvalSettings,
): { metrics: MetricName[]; best: BestBy | undefined } {
  const metrics = resolveMetrics(kind, dataset, settings.metrics);
  if (metrics.includes('iwae'))
    throw new RunRequestError(
      'iwae takes minutes per evaluation (5,000 samples per image); measure it once with latent eval instead',
    );
  if (settings.keepBest === undefined) return { metrics, best: undefined };
  const metric = settings.keepBest.trim().toLowerCase() as MetricName;
  if (!metrics.includes(metric))
    throw new RunRequestError(
      `--keep-best ${settings.keepBest}: it must be one of the --eval metrics (${metrics.join(', ')})`,
    );
  return { metrics, best: { metric, better: METRICS[metric].better } };
}

/** One measurement of a trainer: its step, the values by metric, and how long it took. */
export interface Measured {
  step: number;
  /** Samples drawn for the sample metrics. */
  n: number;
  values: Record<string, number>;
  seconds: number;
}

/**
 * Measures a trainer as it trains, by the protocol of `latent eval`: the
 * trainer's sampler with the run's seed, so every measurement draws the same
 * noise and steps compare fairly (and the last one is `latent eval --seed
 * <run seed>` of the final weights), and for a VAE the test ELBO. The real
 * images' statistics and the classifier are prepared once (`prepare`, or the
 * first measurement); measurements never overlap. `latent train --eval`
 * passes `evaluation` to `trainer.run`; the web page measures on demand.
 */
export class RunMeasurer {
  readonly metrics: readonly MetricName[];
  /** What the best checkpoint is ranked by, when the settings keep one. */
  readonly best: BestBy | undefined;
  private readonly sampler: Sampler;
  private evaluator: RunEvaluator | undefined;
  private preparing: Promise<RunEvaluator> | undefined;
  /** The measurement in progress (or the last), so the next one and a dispose wait for it. */
  private busy: Promise<unknown> = Promise.resolve();
  private disposed = false;

  /** @throws RunRequestError when the settings do not fit the run (`checkEvalSettings`) */
  constructor(
    private readonly trainer: GanTrainer | VaeTrainer,
    private readonly settings: EvalSettings,
    private readonly load: EvalDataLoader,
    private readonly limits: EvalLimits = {},
  ) {
    const kind = trainer instanceof GanTrainer ? 'gan' : 'vae';
    ({ metrics: this.metrics, best: this.best } = checkEvalSettings(
      kind,
      trainer.options.config.dataset,
      settings,
    ));
    this.sampler = trainer.sampler();
  }

  /** Samples per measurement. */
  get n(): number {
    return this.settings.n;
  }

  /** The trainer's `evaluate` hook: a measurement after every `settings.every`-th epoch. */
  get evaluation(): Evaluation {
    return { every: this.settings.every, run: async () => (await this.measure()).values };
  }

  /** Loads the data and the classifier, once. */
  async prepare(): Promise<void> {
    this.preparing ??= this.createEvaluator().catch((e: unknown) => {
      this.preparing = undefined;
      throw e;
    });
    this.evaluator = await this.preparing;
  }

  /** Measures the model as it is now. */
  measure(): Promise<Measured> {
    const next = this.busy.then(() => this.run());
    this.busy = next.catch(() => {});
    return next;
  }

  /** Resolves once no measurement is in progress. */
  async settled(): Promise<void> {
    await this.busy;
  }

  /** Frees the classifier and the sampler; call after `settled()`. */
  dispose(): void {
    this.disposed = true;
    this.evaluator?.dispose();
    this.evaluator = undefined;
    this.sampler.dispose();
  }

  private async createEvaluator(): Promise<RunEvaluator> {
    const evaluator = await createRunEvaluator(await this.evaluatorInputs());
    if (this.disposed) {
      evaluator.dispose();
      throw new Error('the run was reset');
    }
    return evaluator;
  }

  /** What the run is measured against: a toy's density, a folder's own images, or a named set's splits. */
  private async evaluatorInputs(): Promise<RunEvaluatorOptions> {
    const { config, data: trained } = this.trainer.options;
    const { metrics, settings } = this;
    const source = parseDataSource(config.dataset);
    if (source.kind === 'toy') return { metrics, n: settings.n, toy: toyOf(source.name) };
    if (source.kind === 'folder')
      return folderEvaluatorOptions(trained as ImageSet, metrics, settings.n);
    const data = await this.load(config.dataset);
    return evaluatorOptions(data, data.test, config.dataset, metrics, {
      n: settings.n,
      binarize: 'binarize' in config && config.binarize !== 'none',
      dataLimit: config.dataLimit,
      ...this.limits,
    });
  }

  private async run(): Promise<Measured> {
    if (this.disposed) throw new Error('the run was reset');
    const t0 = performance.now();
    await this.prepare();
    const evaluator = this.evaluator!;
    const { trainer } = this;
    const vae =
      trainer instanceof GanTrainer
        ? undefined
        : { model: trainer.options.model, encoder: trainer.encoder, decoder: trainer.decoder };
    const { step } = trainer;
    const report = await evaluator.measure({
      sampler: this.sampler,
      vae,
      seed: trainer.options.config.seed,
    });
    const seconds = (performance.now() - t0) / 1000;
    return { step, n: this.settings.n, values: reportValues(report), seconds };
  }
}

/** How a checkpoint is scored (`latent eval`). */
export interface CheckpointEvalOptions {
  /** Metric names; absent or empty: the defaults of the run's kind and data (`resolveMetrics`). */
  metrics?: readonly string[];
  /** Generated samples for the sample metrics (the paper: 10,000). */
  n: number;
  seed: number;
  /** Draw through a GAN's moving average of G. */
  ema: boolean;
  /** Use only the first `limit` test images. */
  limit?: number;
  /** Importance samples per image for `iwae`. */
  k?: number;
  onStageProgress?: RunEvaluatorOptions['onStageProgress'];
}

/** What a checkpoint's evaluation measures: the metrics, the data source, and the test images used. */
export interface EvalPlan {
  metrics: MetricName[];
  dataset: string;
  /** A toy run's distribution; absent for image runs. */
  toy: boolean;
  /** The run trained on the first `dataLimit` training images (absent: all). */
  dataLimit?: number;
}

/**
 * Checks what `latent eval` is asked of a checkpoint before anything is
 * loaded: the metrics for its kind and data, and `ema` for a GAN.
 *
 * @throws RunRequestError naming what does not apply
 */
export function planCheckpointEval(
  checkpoint: Checkpoint,
  options: Pick<CheckpointEvalOptions, 'metrics' | 'ema'>,
  where: string,
): EvalPlan {
  const { manifest } = checkpoint;
  const dataset = String(manifest.config.dataset ?? 'mnist');
  const metrics = resolveMetrics(manifest.kind, dataset, options.metrics);
  if (options.ema && manifest.kind === 'vae')
    throw new RunRequestError(
      `${where} is a VAE checkpoint; --ema applies to GANs trained with --ema.`,
    );
  const { dataLimit } = manifest.config;
  return {
    metrics,
    dataset,
    toy: parseDataSource(dataset).kind === 'toy',
    ...(typeof dataLimit === 'number' ? { dataLimit } : {}),
  };
}

/** The test images a checkpoint is scored on: the first `limit` of the test set. */
export function evalTestImages(data: EvalData, limit?: number): ImageSet {
  const n = Math.min(limit ?? data.test.count, data.test.count);
  return n < data.test.count ? sliceImages(data.test, 0, n, `test[:${n}]`) : data.test;
}

/**
 * Scores a checkpoint by the one protocol: its sampler (a GAN's moving average
 * with `ema`) for the sample metrics and a VAE's encoder and decoder for its
 * likelihoods, against a toy run's true density or `data` (an image run's
 * evaluation images), then frees them.
 *
 * @throws RunRequestError when the classifier metrics meet images other than 28x28 grey ones
 */
export async function evaluateCheckpoint(
  checkpoint: Checkpoint,
  where: string,
  plan: EvalPlan,
  options: CheckpointEvalOptions,
  data?: EvalData | FolderImages,
): Promise<RunReport> {
  const { metrics, dataset } = plan;
  const source = parseDataSource(dataset);
  let evaluatorInputs: RunEvaluatorOptions;
  if (source.kind === 'toy') evaluatorInputs = { metrics, n: options.n, toy: toyOf(source.name) };
  else if (data && 'folder' in data)
    evaluatorInputs = {
      ...folderEvaluatorOptions(data.folder, metrics, options.n),
      ...(options.onStageProgress ? { onStageProgress: options.onStageProgress } : {}),
    };
  else {
    if (!data) throw new Error(`evaluateCheckpoint: ${dataset} needs its evaluation images`);
    evaluatorInputs = {
      ...evaluatorOptions(data, evalTestImages(data, options.limit), dataset, metrics, {
        n: options.n,
        binarize: checkpoint.manifest.config.binarize !== 'none',
        dataLimit: plan.dataLimit,
        ...(options.k ? { k: options.k } : {}),
      }),
      ...(options.onStageProgress ? { onStageProgress: options.onStageProgress } : {}),
    };
  }
  const wantsSamples = metrics.some((m) => METRICS[m].data !== 'vae');
  const wantsVae = metrics.some((m) => METRICS[m].data === 'vae');
  const sampler = wantsSamples
    ? samplerFromCheckpoint(checkpoint, { ema: options.ema, where })
    : undefined;
  let vae: TrainedVae | undefined;
  let evaluator: RunEvaluator | undefined;
  try {
    vae = wantsVae ? trainedVaeFromCheckpoint(checkpoint, where) : undefined;
    if (sampler) checkClassifierShape(sampler, metrics);
    evaluator = await createRunEvaluator(evaluatorInputs);
    return await evaluator.measure({ sampler, vae, seed: options.seed });
  } finally {
    evaluator?.dispose();
    sampler?.dispose();
    if (vae) {
      disposeParams(vae.encoder);
      disposeParams(vae.decoder);
    }
  }
}

/** The classifier metrics need the 28x28 grey images the shipped classifiers were trained on. */
function checkClassifierShape(sampler: Sampler, metrics: readonly MetricName[]): void {
  const named = METRICS_28.filter((m) => metrics.includes(m));
  if (named.length === 0) return;
  const [h, w, c] = sampler.imageShape;
  if (h !== 28 || w !== 28 || c !== 1)
    throw new RunRequestError(
      `${named.join(', ')} use a 28x28 grey-image classifier; this model draws ${h}x${w}x${c} images.`,
    );
}
