import { sliceImages } from '@latent/datasets';
import { createRunEvaluator, type RunEvaluator, reportValues } from '@latent/metrics';
import type { GanTrainer, Sampler } from '@latent/train';
import type { Measurement } from '../protocol.js';
import type { RunControl } from './control.js';
import { testImages, trainingImages } from './data.js';
import { post } from './post.js';
import { type Measurer, session } from './session.js';

/** What the page measures: `latent train --eval fid,is,coverage,kid,precision,recall,memorization`. */
const METRICS = ['fid', 'is', 'coverage', 'kid', 'precision', 'recall', 'memorization'] as const;
/** Training images the memorization check searches: bounded so a measurement stays seconds long. */
const MEMORIZATION_IMAGES = 10_000;
/** KID's random subsets: 20 rather than `latent eval`'s 100, so a live measurement stays short. */
const KID_SUBSETS = 20;

/**
 * Sample quality of an images run as it trains, by the protocol of `latent
 * eval` and `latent train --eval` (`createRunEvaluator` of @latent/metrics):
 * FID and KID against the dataset's test images, IS, class coverage,
 * precision and recall by the classifier @latent/metrics ships, and each
 * sample's distance to its nearest training image, from one draw of `n`
 * samples. The noise and labels are the protocol's, seeded by the run's seed,
 * so a run's values compare across steps and with the CLI's. The classifier
 * and the real images' statistics are prepared at the first measurement;
 * measurements never overlap.
 */
export class SampleQuality implements Measurer {
  private evaluator: RunEvaluator | undefined;
  private readonly sampler: Sampler;
  /** The measurement in progress (or the last), so the next one and a reset wait for it. */
  private busy: Promise<unknown> = Promise.resolve();
  private disposed = false;

  constructor(
    private readonly trainer: GanTrainer,
    private readonly dataset: 'mnist' | 'fashion-mnist',
    readonly n: number,
  ) {
    this.sampler = trainer.sampler();
  }

  /** Measures the generator as it is now. */
  measure(): Promise<Measurement> {
    const next = this.busy.then(() => this.run());
    this.busy = next.catch(() => {});
    return next;
  }

  /** Resolves once no measurement is in progress. */
  async settled(): Promise<void> {
    await this.busy;
  }

  /** Frees the classifier; call after `settled()`. */
  dispose(): void {
    this.disposed = true;
    this.evaluator?.dispose();
    this.evaluator = undefined;
    this.sampler.dispose();
  }

  private async prepare(): Promise<RunEvaluator> {
    const train = await trainingImages(this.dataset);
    const evaluator = await createRunEvaluator({
      metrics: METRICS,
      n: this.n,
      reference: await testImages(this.dataset),
      training: sliceImages(train, 0, Math.min(MEMORIZATION_IMAGES, train.count), 'train'),
      kidSubsets: KID_SUBSETS,
      classifier: this.dataset,
    });
    if (this.disposed) {
      evaluator.dispose();
      throw new Error('the run was reset');
    }
    return evaluator;
  }

  private async run(): Promise<Measurement> {
    if (this.disposed) throw new Error('the run was reset');
    const t0 = performance.now();
    this.evaluator ??= await this.prepare();
    const { step } = this.trainer;
    const report = await this.evaluator.measure({
      sampler: this.sampler,
      seed: this.trainer.options.config.seed,
    });
    const values = reportValues(report) as Measurement['values'];
    return { step, n: this.n, values, seconds: (performance.now() - t0) / 1000 };
  }
}

/** Measures the images run between two of its steps and posts the values (the Measure button). */
export function measureNow(control: RunControl | undefined): void {
  const quality = session().quality;
  if (!control || !quality) {
    post({
      type: 'measure-error',
      message:
        'Sample quality is measured for a GAN training on MNIST or Fashion-MNIST: start one.',
    });
    return;
  }
  control.atSafePoint(() => measureAndPost(quality, control));
}

/** One measurement, announced and reported to the page (errors too: training goes on). */
export async function measureAndPost(quality: Measurer, control: RunControl): Promise<void> {
  control.post({ type: 'measuring', step: session().trainer?.step ?? 0, n: quality.n });
  try {
    control.post({ type: 'measured', quality: await quality.measure() });
  } catch (error) {
    control.post({
      type: 'measure-error',
      message: error instanceof Error ? error.message : String(error),
    });
  }
}
