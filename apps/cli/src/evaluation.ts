import {
  createRunEvaluator,
  METRICS,
  type MetricName,
  type RunEvaluatorOptions,
  reportValues,
} from '@latent/metrics';
import {
  type Evaluation,
  GanTrainer,
  parseDataSource,
  toyOf,
  type VaeTrainer,
} from '@latent/train';
import { UsageError } from './errors.js';
import { loadEvalData, resolveMetrics, runEvaluatorOptions } from './eval.js';

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
  dataset: string,
  settings: EvalSettings,
): { metrics: MetricName[]; best: RunEvaluation['best'] } {
  const metrics = resolveMetrics(kind, dataset, settings.metrics);
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

/** What the evaluator of a run measures against: the toy's true density, or the image set's splits. */
async function evaluatorOptions(
  config: GanTrainer['options']['config'] | VaeTrainer['options']['config'],
  metrics: MetricName[],
  n: number,
): Promise<RunEvaluatorOptions> {
  const source = parseDataSource(config.dataset);
  if (source.kind === 'toy') return { metrics, n, toy: toyOf(source.name) };
  const data = await loadEvalData(config.dataset);
  const binarize = 'binarize' in config && config.binarize !== 'none';
  return runEvaluatorOptions(data, data.test, config.dataset, metrics, { n, binarize });
}

/**
 * Builds the evaluation `latent train --eval` runs after every `every`-th
 * epoch, by the protocol `latent eval` follows (`createRunEvaluator`): the
 * trainer's sampler with the run's seed, so every evaluation draws the same
 * noise and epochs compare fairly (and the last one is `latent eval --seed
 * <run seed>` of the final weights), and for a VAE the test ELBO. The real
 * images' statistics and the classifier are prepared once here.
 */
export async function runEvaluation(
  trainer: GanTrainer | VaeTrainer,
  settings: EvalSettings,
): Promise<RunEvaluation> {
  const gan = trainer instanceof GanTrainer;
  const { config } = trainer.options;
  const { metrics, best } = checkEvalSettings(gan ? 'gan' : 'vae', config.dataset, settings);
  const evaluator = await createRunEvaluator(await evaluatorOptions(config, metrics, settings.n));
  const sampler = trainer.sampler();
  const vae = gan
    ? undefined
    : { model: trainer.options.model, encoder: trainer.encoder, decoder: trainer.decoder };
  return {
    best,
    evaluation: {
      every: settings.every,
      run: async () => reportValues(await evaluator.measure({ sampler, vae, seed: config.seed })),
    },
    dispose() {
      evaluator.dispose();
      sampler.dispose();
    },
  };
}
