import { applicableMetrics, type GanTrainer, RunMeasurer } from '@latent/train';
import type { Measurement } from '../protocol.js';
import type { RunControl } from './control.js';
import { served } from './data.js';
import { post } from './post.js';
import { type Measurer, session } from './session.js';

/** The one metric that applies the page leaves out: Parzen's sigma search takes minutes. */
const TOO_SLOW = 'parzen';
/** Training images the memorization check searches: bounded so a measurement stays seconds long. */
const MEMORIZATION_IMAGES = 10_000;
/** KID's random subsets: 20 rather than `latent eval`'s 100, so a live measurement stays short. */
const KID_SUBSETS = 20;

/**
 * Sample quality of an images run as it trains, by the protocol of `latent
 * eval` and `latent train --eval` (`RunMeasurer` of @latent/train): on MNIST
 * and Fashion-MNIST, FID and KID against the test images, IS, class coverage,
 * precision and recall by the classifier @latent/metrics ships; on every
 * dataset, a picked folder too, each sample's distance to its nearest
 * training image. One draw of `n` samples seeded by the run's seed, so a
 * run's values compare across steps and with the CLI's. The classifier and
 * the real images' statistics are prepared at the first measurement;
 * measurements never overlap.
 */
export function sampleQuality(trainer: GanTrainer, n: number): Measurer {
  const metrics = applicableMetrics('gan', trainer.options.config.dataset).filter(
    (m) => m !== TOO_SLOW,
  );
  return new RunMeasurer(trainer, { metrics, every: 1, n }, served.evalData, {
    trainingImages: MEMORIZATION_IMAGES,
    kidSubsets: KID_SUBSETS,
  });
}

/** Measures the images run between two of its steps and posts the values (the Measure button). */
export function measureNow(control: RunControl | undefined): void {
  const quality = session().quality;
  if (!control || !quality) {
    post({
      type: 'measure-error',
      message: 'Sample quality is measured for a GAN training on images: start one.',
    });
    return;
  }
  control.atSafePoint(() => measureAndPost(quality, control));
}

/** One measurement, announced and reported to the page (errors too: training goes on). */
export async function measureAndPost(quality: Measurer, control: RunControl): Promise<void> {
  control.post({ type: 'measuring', step: session().trainer?.step ?? 0, n: quality.n });
  try {
    control.post({ type: 'measured', quality: (await quality.measure()) as Measurement });
  } catch (error) {
    control.post({
      type: 'measure-error',
      message: error instanceof Error ? error.message : String(error),
    });
  }
}
