import { type DataSet, type ImageSet, isPointSet } from '@latent/datasets';
import type { GanModel, VaeModel } from '@latent/models';
import type { Checkpoint, CheckpointManifest } from './checkpoint.js';
import {
  type GanRunConfig,
  type GanRunConfigInput,
  resolveGanRunConfig,
  resolveVaeRunConfig,
  type VaeRunConfig,
  vaeRunConfigSchema,
} from './config.js';
import {
  type DataLoader,
  type DataOptions,
  type DataSource,
  parseDataSource,
  RunRequestError,
} from './data-source.js';
import { GanTrainer } from './gan-trainer.js';
import {
  type DataShape,
  type GanEntry,
  type ModelEntry,
  modelEntry,
  type VaeEntry,
} from './registry.js';
import { VaeTrainer } from './vae-trainer.js';

/** A run ready to train: its registry entry, the model built for its data, the resolved config. */
export type ResolvedRun =
  | { kind: 'gan'; entry: GanEntry; model: GanModel; config: GanRunConfig; data: DataSet }
  | { kind: 'vae'; entry: VaeEntry; model: VaeModel; config: VaeRunConfig; data: ImageSet };

/** Run-config fields a request gives: flags, a config file, the web form (`model`, `dataset` among them). */
export type RunRequest = Record<string, unknown>;

/**
 * The run a request that names no model makes on images: a DCGAN for three
 * epochs at minibatch 64 (PyTorch's DCGAN example's; 2,343 updates on
 * MNIST), the first run that draws every digit in under ten minutes on two
 * cores — the 2014 paper's GAN needs about ten times as long (README, "What
 * it reaches"). Fields the request gives override these; naming a model
 * (`mlp-gan` for the paper's) gets that model's own defaults instead.
 */
export const FIRST_RUN: Readonly<RunRequest> = Object.freeze({
  model: 'dcgan',
  batchSize: 64,
  epochs: 3,
});

/** The request with FIRST_RUN's fields where it names no model and trains on images. */
function withFirstRun(request: RunRequest, source: DataSource): RunRequest {
  if (request.model !== undefined || source.kind === 'toy') return request;
  const given = Object.entries(request).filter(([, v]) => v !== undefined);
  return { ...FIRST_RUN, ...Object.fromEntries(given) };
}

/**
 * From what a user asked to a run: picks the model (the toy GAN on a toy
 * distribution, else FIRST_RUN's DCGAN), checks every field before loading
 * anything, loads the data with `load`, builds the model for the data's shape
 * and classes, and applies the model's paper settings once, under the fields
 * the user gave. The CLI and the web app both call it; only their loaders
 * differ.
 *
 * @throws RunRequestError naming the field, model or data that is wrong
 */
export async function resolveRun(request: RunRequest, load: DataLoader): Promise<ResolvedRun> {
  const { entry, source, requested } = planRun(request);
  const data = await load(source, dataOptions(requested));
  const shape = dataShape(entry, data);
  if (entry.kind === 'vae') {
    const config = asRequestError(() => resolveVaeRunConfig(requested));
    const model = asRequestError(() => entry.build(shape, config));
    return { kind: 'vae', entry, model, config, data: data as ImageSet };
  }
  const model = asRequestError(() => entry.build(shape));
  const input = requested as Partial<GanRunConfigInput>;
  const config = asRequestError(() =>
    resolveGanRunConfig({ ...entry.paperSettings(model, input), ...input }),
  );
  return { kind: 'gan', entry, model, config, data };
}

/** Run-config fields a resumed run may change: how long it trains and how it reports. */
export type ResumeOverrides = Partial<Pick<GanRunConfig, 'epochs' | 'maxSteps' | 'logEvery'>>;

/**
 * The run a checkpoint continues: its model rebuilt from the manifest, its
 * run config with `overrides`, its data loaded again from the source the
 * config names (a folder run needs its folder where it was).
 *
 * @param where names the checkpoint in errors
 */
export async function resumeRun(
  manifest: CheckpointManifest,
  overrides: ResumeOverrides,
  load: DataLoader,
  where: string,
): Promise<ResolvedRun> {
  const entry = asRequestError(() => modelEntry(manifest.model.name, `${where}'s model`));
  if (entry.kind !== manifest.kind)
    throw new RunRequestError(
      `${where} was written by the ${manifest.kind} trainer, but ${entry.name} is a ${entry.kind}`,
    );
  const requested: RunRequest = { ...manifest.config, ...overrides };
  const source = asRequestError(() => parseDataSource(String(requested.dataset)));
  const data = await load(source, dataOptions(requested));
  if (entry.kind === 'vae') {
    const config = asRequestError(() => resolveVaeRunConfig(requested));
    const model = asRequestError(() => entry.fromManifest(manifest.model.config));
    return { kind: 'vae', entry, model, config, data: data as ImageSet };
  }
  const config = asRequestError(() => resolveGanRunConfig(requested));
  const model = asRequestError(() => entry.fromManifest(manifest.model.config));
  return { kind: 'gan', entry, model, config, data };
}

/** The trainer of a resolved run, in this thread (`createParallelTrainer` in `./node` spreads it). */
export function createTrainer(run: Extract<ResolvedRun, { kind: 'gan' }>): GanTrainer;
export function createTrainer(run: Extract<ResolvedRun, { kind: 'vae' }>): VaeTrainer;
export function createTrainer(run: ResolvedRun): GanTrainer | VaeTrainer;
export function createTrainer(run: ResolvedRun): GanTrainer | VaeTrainer {
  return run.kind === 'gan'
    ? new GanTrainer({ model: run.model, data: run.data, config: run.config })
    : new VaeTrainer({ model: run.model, data: run.data, config: run.config });
}

/**
 * One line about a run: its model, its data and the settings that shape its
 * training, as both shells show it when a run starts, e.g. `dcgan on
 * mnist-train (50,000 images): gan loss, k 1, adam lr G 0.0002 / D 0.0002,
 * batch 64`.
 */
export function describeRun(run: ResolvedRun): string {
  const { model, config, data } = run;
  const what = 'points' in data ? 'points' : 'images';
  const head = `${model.name} on ${data.name} (${data.count.toLocaleString('en')} ${what})`;
  if (run.kind === 'vae')
    return `${head}, ${run.model.latentDim}-d latent: ${config.optimizer} lr ${config.learningRate}, batch ${config.batchSize}, ${run.config.binarize} binarization`;
  const c = run.config;
  const updates = c.updates === 'simultaneous' ? ' (D and G updated simultaneously)' : '';
  return `${head}: ${c.loss} loss, k ${c.k}${updates}, ${c.optimizer} lr G ${c.generatorLearningRate} / D ${c.discriminatorLearningRate}, batch ${c.batchSize}`;
}

/**
 * Restores a run's trainer to a checkpoint to train on (freeing it when that
 * fails); refuses a run that already reached its last step.
 *
 * @param where names the run in the error
 */
export function continueFrom(
  trainer: GanTrainer | VaeTrainer,
  checkpoint: Checkpoint,
  where: string,
): void {
  try {
    trainer.restore(checkpoint);
  } catch (e) {
    trainer.dispose();
    throw e;
  }
  if (trainer.step >= trainer.totalSteps) {
    trainer.dispose();
    throw new Error(
      `${where} already reached step ${trainer.step} of ${trainer.totalSteps}; pass a larger --epochs or --max-steps to train on.`,
    );
  }
}

/**
 * Everything about a request that can be checked without its data: the
 * model, the data source, and every field against the model's schema.
 */
export function planRun(asked: RunRequest): {
  entry: ModelEntry;
  source: DataSource;
  requested: RunRequest;
} {
  const source = asRequestError(() => parseDataSource(String(asked.dataset ?? 'mnist')));
  const request = withFirstRun(asked, source);
  const name = request.model ?? 'toy-gan';
  const entry = asRequestError(() => modelEntry(name, 'model'));
  const onPoints = source.kind === 'toy';
  if (onPoints !== (entry.data === 'points')) {
    throw new RunRequestError(
      onPoints
        ? `${entry.name} trains on images; the toy distribution ${request.dataset} needs toy-gan`
        : `${entry.name} trains on the toy distributions, not on ${request.dataset ?? 'mnist'}`,
    );
  }
  if (onPoints && Array.isArray(request.augment) && request.augment.length > 0)
    throw new RunRequestError(
      `augment applies to images; the toy distribution ${request.dataset} is a set of points`,
    );
  const requested: RunRequest = { ...request, model: entry.name };
  if (entry.kind === 'vae') {
    refuseGanFields(requested, entry.name);
    // A Gaussian decoder models grey levels, so it implies unbinarized pixels unless told otherwise.
    if (requested.decoder === 'gaussian') requested.binarize ??= 'none';
    asRequestError(() => resolveVaeRunConfig(requested));
  } else {
    asRequestError(() => resolveGanRunConfig(requested));
  }
  return { entry, source, requested };
}

function refuseGanFields(requested: RunRequest, model: string): void {
  const known = new Set(Object.keys(vaeRunConfigSchema.shape));
  const ganOnly = Object.keys(requested).filter((k) => !known.has(k));
  if (ganOnly.length > 0) {
    throw new RunRequestError(
      `${ganOnly.join(', ')} ${ganOnly.length > 1 ? 'apply' : 'applies'} to GANs only, not to ${model}`,
    );
  }
}

/** The data fields of a run config, as a loader takes them (a run's and its evaluation's). */
export function dataOptions(requested: RunRequest): DataOptions {
  return {
    imageSize: requested.imageSize as number | undefined,
    channels: requested.channels as 1 | 3 | undefined,
    dataLimit: requested.dataLimit as number | undefined,
    seed: (requested.seed as number | undefined) ?? 0,
  };
}

/** The shape a model is built for, after checking that a conditional model's data has classes. */
function dataShape(entry: ModelEntry, data: DataSet): DataShape {
  if (isPointSet(data)) return { imageShape: [1, 1, data.dim], classes: 0 };
  const classes = data.labels ? (data.classNames?.length ?? 0) : 0;
  if (entry.conditional && classes < 2) {
    throw new RunRequestError(
      `${entry.name} is conditional and ${data.name} has ${classes === 0 ? 'no classes' : 'one class'}; ` +
        'give it a folder with one sub-folder per class (2 or more), or choose an unconditional model',
    );
  }
  return { imageShape: [data.height, data.width, data.channels], classes };
}

/** Runs `f`, turning its error into a RunRequestError with the same message. */
function asRequestError<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof RunRequestError) throw e;
    throw new RunRequestError((e as Error).message);
  }
}
