import { type GanTrainer, RunMeasurer } from '@latent/train';
import type { Measurement } from '../protocol.js';
import type { RunControl } from './control.js';
import { served } from './data.js';
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
 * eval` and `latent train --eval` (`RunMeasurer` of @latent/train): FID and
 * KID against the dataset's test images, IS, class coverage, precision and
 * recall by the classifier @latent/metrics ships, and each sample's distance
 * to its nearest training image, from one draw of `n` samples seeded by the
 * run's seed, so a run's values compare across steps and with the CLI's. The
 * classifier and the real images' statistics are prepared at the first
 * measurement; measurements never overlap.
 */
export function sampleQuality(trainer: GanTrainer, n: number): Measurer {
  return new RunMeasurer(trainer, { metrics: [...METRICS], every: 1, n }, served.evalData, {
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
    control.post({ type: 'measured', quality: (await quality.measure()) as Measurement });
  } catch (error) {
    control.post({
      type: 'measure-error',
      message: error instanceof Error ? error.message : String(error),
    });
  }
}
