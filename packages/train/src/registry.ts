import {
  acgan,
  type ConvGanConfig,
  type ConvVaeConfig,
  conditionalGan,
  conditionalVae,
  convGan,
  convVae,
  dcgan,
  type GanModel,
  GLOROT_INIT,
  HE_INIT,
  type MlpGanConfig,
  type MlpVaeConfig,
  mlpGan,
  mlpVae,
  sngan,
  type ToyGanConfig,
  toyGan,
  VAE_INIT,
  type VaeModel,
  wganGp,
} from '@latent/models';
import type { GanRunConfigInput, VaeRunConfig } from './config.js';
import type { GanName, ModelName, VaeName } from './model-names.js';

export { GAN_NAMES, type GanName, type ModelName, VAE_NAMES, type VaeName } from './model-names.js';

/** [height, width, channels] of the training images; a toy point set of dimension d is [1, 1, d]. */
export type ImageShape = [number, number, number];

/** What a model is built for: the shape of one example and the classes of the data (0: unlabelled). */
export interface DataShape {
  imageShape: ImageShape;
  classes: number;
}

/** The shape a VAE run config may give its model; absent fields keep the model's own. */
export type VaeShape = Pick<
  VaeRunConfig,
  'latentDim' | 'hidden' | 'decoder' | 'activation' | 'init'
>;

interface EntryBase<Name extends ModelName> {
  name: Name;
  /** One line for `latent models` and the page's model lists. */
  about: string;
  /** Whether the model takes class labels: its data must have classes (sub-folders), 2 or more. */
  conditional: boolean;
  /** What it trains on: image sets, or the toy 1-D and 2-D point sets. */
  data: 'images' | 'points';
}

/** A GAN of the registry. */
export interface GanEntry extends EntryBase<GanName> {
  kind: 'gan';
  /** The model for data of this shape. */
  build(shape: DataShape): GanModel;
  /** The model a checkpoint's manifest describes (its `model.config`). */
  fromManifest(config: unknown): GanModel;
  /** Run-config fields the model's paper sets where the user left them open; see `paperSettings`. */
  paperSettings(model: GanModel, requested: Partial<GanRunConfigInput>): Partial<GanRunConfigInput>;
}

/** A VAE of the registry. */
export interface VaeEntry extends EntryBase<VaeName> {
  kind: 'vae';
  build(shape: DataShape, vae?: VaeShape): VaeModel;
  fromManifest(config: unknown): VaeModel;
}

export type ModelEntry = GanEntry | VaeEntry;

const VAE_INITS = { paper: VAE_INIT, glorot: GLOROT_INIT, he: HE_INIT } as const;

/** An MLP VAE's config overrides from a run config, leaving out what it does not set. */
function mlpVaeShape({ latentDim, hidden, decoder, activation, init }: VaeShape = {}) {
  return {
    ...(latentDim ? { latentDim } : {}),
    ...(hidden ? { hidden } : {}),
    ...(decoder ? { likelihood: decoder } : {}),
    ...(activation ? { activation } : {}),
    ...(init ? { init: VAE_INITS[init] } : {}),
  } satisfies Partial<MlpVaeConfig>;
}

/**
 * The conv GANs' paper settings: Adam and the paper's batch size; a
 * Wasserstein critic gets WGAN-GP's objective, 5 critic steps and betas.
 */
function convPaperSettings(model: GanModel): Partial<GanRunConfigInput> {
  const settings: Partial<GanRunConfigInput> = {
    optimizer: 'adam',
    batchSize: model.paperBatchSize,
  };
  if (model.loss === 'wasserstein')
    Object.assign(settings, { loss: 'wgan-gp', k: 5, beta1: 0, beta2: 0.9 });
  return settings;
}

/** A conv GAN of the zoo: built by `make` for the data's shape, rebuilt from its config by `convGan`. */
function convEntry(
  name: Exclude<GanName, 'mlp-gan' | 'toy-gan'>,
  about: string,
  make: (overrides: Partial<ConvGanConfig>) => GanModel,
  conditional = false,
): GanEntry {
  return {
    name,
    kind: 'gan',
    about,
    conditional,
    data: 'images',
    build: ({ imageShape, classes }) => make({ imageShape, ...(conditional ? { classes } : {}) }),
    fromManifest: (config) => convGan(name, config as ConvGanConfig),
    paperSettings: convPaperSettings,
  };
}

const GANS: readonly GanEntry[] = [
  {
    name: 'mlp-gan',
    kind: 'gan',
    about: 'Goodfellow et al. 2014: MLP generator, maxout discriminator with dropout (the default)',
    conditional: false,
    data: 'images',
    build: ({ imageShape }) => mlpGan({ imageShape }),
    fromManifest: (config) => mlpGan(config as MlpGanConfig),
    // D and G updated simultaneously as the authors' released code does (with k 1, theirs; a
    // requested k above 1 keeps Algorithm 1's alternation): with the alternation D won within
    // the first epoch and G collapsed in every seed tried (see docs/ARCHITECTURE.md).
    paperSettings: (_model, requested) =>
      (requested.k ?? 1) === 1 ? { updates: 'simultaneous' } : {},
  },
  convEntry('dcgan', 'Radford et al. 2016: transposed-conv G, conv D, batch norm', dcgan),
  convEntry('cgan', 'conditional DCGAN: the class label enters G and D', conditionalGan, true),
  convEntry('acgan', 'Odena et al. 2017: D also predicts the class', acgan, true),
  convEntry(
    'wgan-gp',
    'Gulrajani et al. 2017: critic without batch norm; trains with --loss wgan-gp --k 5',
    wganGp,
  ),
  convEntry('sngan', 'Miyato et al. 2018: spectrally normalized D', sngan),
  {
    name: 'toy-gan',
    kind: 'gan',
    about: 'small MLPs for the toy 1-D and 2-D distributions (the default on them)',
    conditional: false,
    data: 'points',
    // z as wide as the data: the 1-D picture draws the mapping from z to x.
    build: ({ imageShape }) => toyGan({ dataDim: imageShape[2], noiseDim: imageShape[2] }),
    fromManifest: (config) => toyGan(config as Partial<ToyGanConfig>),
    // Adam, as the toy experiments of later GAN papers and GAN Lab train.
    paperSettings: (model) => ({ optimizer: 'adam', batchSize: model.paperBatchSize }),
  },
];

const VAES: readonly VaeEntry[] = [
  {
    name: 'mlp-vae',
    kind: 'vae',
    about:
      'Kingma & Welling 2014: MLP encoder and decoder (Bernoulli or Gaussian), 20 latent dimensions',
    conditional: false,
    data: 'images',
    build: ({ imageShape }, shape) => mlpVae({ imageShape, ...mlpVaeShape(shape) }),
    fromManifest: (config) => mlpVae(config as MlpVaeConfig),
  },
  {
    name: 'conv-vae',
    kind: 'vae',
    about: 'a convolutional encoder and decoder',
    conditional: false,
    data: 'images',
    build: ({ imageShape }, shape) =>
      convVae({ imageShape, ...(shape?.latentDim ? { latentDim: shape.latentDim } : {}) }),
    fromManifest: (config) => convVae(config as ConvVaeConfig),
  },
  {
    name: 'cvae',
    kind: 'vae',
    about: 'conditional MLP VAE: the class label enters encoder and decoder',
    conditional: true,
    data: 'images',
    build: ({ imageShape, classes }, shape) =>
      conditionalVae({ imageShape, classes, ...mlpVaeShape(shape) }),
    fromManifest: (config) => mlpVae(config as MlpVaeConfig),
  },
];

/** Every model latent trains, GANs first, in the order `latent models` lists them. */
export const MODELS: readonly ModelEntry[] = [...GANS, ...VAES];

const BY_NAME = new Map<string, ModelEntry>(MODELS.map((e) => [e.name, e]));

/** An error about a model name: unknown, or of the wrong kind for where it was used. */
export class UnknownModelError extends Error {
  override name = 'UnknownModelError';
}

/**
 * The registry entry of a model name. Names are looked up in a Map, never as
 * object keys, so `__proto__`, `constructor` and the like are unknown names.
 *
 * @param where names the source of the name in the error (a flag, a checkpoint folder)
 */
export function modelEntry(name: unknown, where = 'the model name'): ModelEntry {
  const entry = typeof name === 'string' ? BY_NAME.get(name) : undefined;
  if (!entry) {
    throw new UnknownModelError(
      `${where} is ${JSON.stringify(name)}, which latent does not know; the models are ${[...BY_NAME.keys()].join(', ')}`,
    );
  }
  return entry;
}

/** The GAN entry of a name; refuses VAEs and unknown names. */
export function ganEntry(name: unknown, where?: string): GanEntry {
  const entry = modelEntry(name, where);
  if (entry.kind !== 'gan')
    throw new UnknownModelError(`${where ?? 'the model'}: ${entry.name} is a VAE, not a GAN`);
  return entry;
}

/** The VAE entry of a name; refuses GANs and unknown names. */
export function vaeEntry(name: unknown, where?: string): VaeEntry {
  const entry = modelEntry(name, where);
  if (entry.kind !== 'vae')
    throw new UnknownModelError(`${where ?? 'the model'}: ${entry.name} is a GAN, not a VAE`);
  return entry;
}

/**
 * The settings a model's paper trains it with, where the run config leaves
 * them open (its batch size, Adam for the conv models, WGAN-GP's objective);
 * `resolveRun` applies them once, under what the user asked for.
 */
export function paperSettings(
  model: GanModel,
  requested: Partial<GanRunConfigInput> = {},
): Partial<GanRunConfigInput> {
  return ganEntry(model.name).paperSettings(model, requested);
}

/** Rebuilds the GAN a checkpoint was trained with, from its manifest's model name and config. */
export function ganFromCheckpoint(name: string, config: unknown, where: string): GanModel {
  return ganEntry(name, `${where} holds a model whose name`).fromManifest(config);
}

/** Rebuilds the VAE a checkpoint was trained with. */
export function vaeFromCheckpoint(name: string, config: unknown, where: string): VaeModel {
  return vaeEntry(name, `${where} holds a model whose name`).fromManifest(config);
}

/**
 * The model a checkpoint's manifest names, rebuilt from its config: the one
 * place a checkpoint's model is rebuilt. Refuses names the registry does not
 * know and a name of the other kind than the trainer that wrote it.
 */
export function modelFromManifest(
  manifest: { kind: 'gan' | 'vae'; model: { name: string; config: unknown } },
  where: string,
): { kind: 'gan'; model: GanModel } | { kind: 'vae'; model: VaeModel } {
  const { name, config } = manifest.model;
  return manifest.kind === 'vae'
    ? { kind: 'vae', model: vaeFromCheckpoint(name, config, where) }
    : { kind: 'gan', model: ganFromCheckpoint(name, config, where) };
}
