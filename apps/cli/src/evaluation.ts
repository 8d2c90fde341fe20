import { binarizeImages, deriveSeed } from '@latent/datasets';
import {
  type ClassifierName,
  createEvaluator,
  type Evaluator,
  imagePoints,
  METRICS,
  type MetricName,
  type SampleMetric,
  vaeElbo,
} from '@latent/metrics';
import { type Evaluation, GanTrainer, type VaeTrainer } from '@latent/train';
import type * as tf from '@tensorflow/tfjs-core';
import { UsageError } from './errors.js';
import { loadEvalData, resolveMetrics } from './eval.js';

/** What a run measures while it trains (`--eval`, `--eval-every`, `--eval-n`, `--keep-best`). */
export interface EvalSettings {
  metrics: string[];
  every: number;
  /** Samples per evaluation for the sample metrics. */
  n: number;
  /** Keep the best checkpoint by this metric (one of `metrics`). */
  keepBest?: string;
}

/**
 * The metrics `--eval` names for a run of this kind, and what `--keep-best`
 * ranks by; a usage error for a metric that does not apply. Called before a
 * run folder is made, so a wrong flag leaves nothing behind.
 */
export function checkEvalSettings(
  kind: 'gan' | 'vae',
  settings: EvalSettings,
): { metrics: MetricName[]; best: RunEvaluation['best'] } {
  const metrics = resolveMetrics(kind, settings.metrics);
  if (metrics.includes('iwae'))
    throw new UsageError(
      'iwae takes minutes per evaluation (5,000 samples per image); measure it once with latent eval instead',
    );
  if (settings.keepBest === undefined) return { metrics, best: undefined };
  const metric = settings.keepBest.trim().toLowerCase() as MetricName;
  if (!metrics.includes(metric))
    throw new UsageError(
      `--keep-best ${settings.keepBest}: it must be one of the --eval metrics (${metrics.join(', ')})`,
    );
  return { metrics, best: { metric, better: METRICS[metric].better } };
}

/** Periodic evaluation for a run, and what to free when it ends. */
export interface RunEvaluation {
  evaluation: Evaluation;
  /** The metric and direction `--keep-best` ranks checkpoints by, when asked. */
  best?: { metric: MetricName; better: 'lower' | 'higher' };
  dispose(): void;
}

/**
 * Builds the evaluation `latent train --eval` runs after every `every`-th
 * epoch: sample metrics through the trainer's generator (the same noise at
 * every evaluation, so epochs compare fairly) and, for a VAE, the test ELBO.
 * The real images' statistics and the classifier are prepared once here.
 */
export async function runEvaluation(
  trainer: GanTrainer | VaeTrainer,
  settings: EvalSettings,
): Promise<RunEvaluation> {
  const { metrics, best } = checkEvalSettings(
    trainer instanceof GanTrainer ? 'gan' : 'vae',
    settings,
  );
  const { config } = trainer.options;
  const dataset = config.dataset;
  const data = await loadEvalData(dataset);
  const model = trainer.options.model;
  const pixelRange = 'pixelRange' in model ? model.pixelRange : '[0,1]';
  const sampleMetrics = metrics.filter((m): m is SampleMetric => m !== 'elbo');
  // One draw of samples and one classifier pass serve every sample metric.
  const evaluator: Evaluator | undefined =
    sampleMetrics.length === 0
      ? undefined
      : await createEvaluator({
          metrics: sampleMetrics,
          n: settings.n,
          pixelRange,
          reference: data.test,
          validation: data.validation,
          classifier: dataset as ClassifierName,
        });
  const base = deriveSeed(config.seed, 'eval');
  // The test images once binarized (seed 0), as latent eval scores a Bernoulli VAE.
  const binarized = 'binarize' in config && config.binarize !== 'none';
  const testForElbo = binarized
    ? binarizeImages(data.test, { method: 'sample', seed: 0 })
    : data.test;
  const elboData = metrics.includes('elbo')
    ? {
        images: imagePoints(testForElbo).data,
        count: testForElbo.count,
        labels: testForElbo.labels,
      }
    : undefined;

  return {
    best,
    evaluation: {
      every: settings.every,
      run: async () => {
        let call = 0;
        const generate = (count: number): tf.Tensor =>
          trainer.generate(count, deriveSeed(base, 'batch', call++));
        const values: Record<string, number> = evaluator ? await evaluator.evaluate(generate) : {};
        if (elboData) {
          const vae = trainer as VaeTrainer;
          const result = await vaeElbo(
            { model: vae.options.model, encoder: vae.encoder, decoder: vae.decoder },
            elboData,
            { seed: base },
          );
          values.elbo = result.mean;
        }
        return values;
      },
    },
    dispose() {
      evaluator?.dispose();
    },
  };
}
