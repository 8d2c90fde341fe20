import { deriveSeed } from '@latent/datasets';
import { createEvaluator, type Evaluator } from '@latent/metrics';
import type { GanTrainer } from '@latent/train';
import type * as tf from '@tensorflow/tfjs-core';
import type { Measurement } from '../protocol.js';
import type { RunControl } from './control.js';
import { testImages } from './data.js';
import { post } from './post.js';
import { session } from './session.js';

/** What the page measures: `latent train --eval fid,is,coverage`. */
const METRICS = ['fid', 'is', 'coverage'] as const;

/**
 * Sample quality of an images run as it trains: FID against the dataset's
 * test images, IS and class coverage by the classifier `@latent/metrics`
 * ships, from one draw of `n` samples. The noise is the same at every
 * measurement and derived from the run's seed as `latent train --eval`
 * derives it, so the values of a run compare across steps and with the CLI's.
 * The classifier and the test images' statistics are prepared at the first
 * measurement; measurements never overlap.
 */
export class SampleQuality {
  private evaluator: Evaluator<(typeof METRICS)[number]> | undefined;
  /** The measurement in progress (or the last), so the next one and a reset wait for it. */
  private busy: Promise<unknown> = Promise.resolve();
  private disposed = false;

  constructor(
    private readonly trainer: GanTrainer,
    private readonly dataset: 'mnist' | 'fashion-mnist',
    readonly n: number,
  ) {}

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
  }

  private async run(): Promise<Measurement> {
    if (this.disposed) throw new Error('the run was reset');
    const t0 = performance.now();
    const { model, config } = this.trainer.options;
    if (!this.evaluator) {
      const evaluator = await createEvaluator({
        metrics: METRICS,
        n: this.n,
        pixelRange: model.pixelRange,
        reference: await testImages(this.dataset),
        classifier: this.dataset,
      });
      if (this.disposed) {
        evaluator.dispose();
        throw new Error('the run was reset');
      }
      this.evaluator = evaluator;
    }
    const { step } = this.trainer;
    const base = deriveSeed(config.seed, 'eval');
    let call = 0;
    const generate = (count: number): tf.Tensor =>
      this.trainer.generate(count, deriveSeed(base, 'batch', call++));
    const values = await this.evaluator.evaluate(generate);
    return { step, n: this.n, values, seconds: (performance.now() - t0) / 1000 };
  }
}

/** Measures the images run between two of its steps and posts the values (the Measure button). */
export function measureNow(control: RunControl | undefined): void {
  const quality = session.quality;
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
export async function measureAndPost(quality: SampleQuality, control: RunControl): Promise<void> {
  control.post({ type: 'measuring', step: session.trainer?.step ?? 0, n: quality.n });
  try {
    control.post({ type: 'measured', quality: await quality.measure() });
  } catch (error) {
    control.post({
      type: 'measure-error',
      message: error instanceof Error ? error.message : String(error),
    });
  }
}
