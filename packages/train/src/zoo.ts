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
  VAE_INIT,
  type VaeModel,
  wganGp,
} from '@latent/models';
import type { GanRunConfig, GanRunConfigInput, VaeRunConfig } from './config.js';

/** The image GANs of the run config's `model` names (the toy GAN is built for points, not images). */
export type ImageGanName = Exclude<GanRunConfig['model'], 'toy-gan'>;
export type VaeName = VaeRunConfig['model'];
/** [height, width, channels] of the training images. */
export type ImageShape = [number, number, number];

/** The image GANs by run-config name, each built for the data's image shape; the CLI and the web app offer these. */
export const GAN_ZOO: Record<
  ImageGanName,
  { about: string; make: (imageShape: ImageShape) => GanModel }
> = {
  'mlp-gan': {
    about: 'Goodfellow et al. 2014: MLP generator, maxout discriminator with dropout (the default)',
    make: (imageShape) => mlpGan({ imageShape }),
  },
  dcgan: {
    about: 'Radford et al. 2016: transposed-conv G, conv D, batch norm',
    make: (imageShape) => dcgan({ imageShape }),
  },
  cgan: {
    about: 'conditional DCGAN: the class label enters G and D',
    make: (imageShape) => conditionalGan({ imageShape }),
  },
  acgan: {
    about: 'Odena et al. 2017: D also predicts the class',
    make: (imageShape) => acgan({ imageShape }),
  },
  'wgan-gp': {
    about: 'Gulrajani et al. 2017: critic without batch norm; trains with --loss wgan-gp --k 5',
    make: (imageShape) => wganGp({ imageShape }),
  },
  sngan: {
    about: 'Miyato et al. 2018: spectrally normalized D',
    make: (imageShape) => sngan({ imageShape }),
  },
};

/** The VAEs by run-config name. */
/** The shape a VAE run config may give its model; absent fields keep the model's own. */
export type VaeShape = Pick<
  VaeRunConfig,
  'latentDim' | 'hidden' | 'decoder' | 'activation' | 'init'
>;

const VAE_INITS = { paper: VAE_INIT, glorot: GLOROT_INIT, he: HE_INIT } as const;

/** An MLP VAE's config overrides from a run config, leaving out what it does not set. */
function mlpShape({
  latentDim,
  hidden,
  decoder,
  activation,
  init,
}: VaeShape): Partial<MlpVaeConfig> {
  return {
    ...(latentDim ? { latentDim } : {}),
    ...(hidden ? { hidden } : {}),
    ...(decoder ? { likelihood: decoder } : {}),
    ...(activation ? { activation } : {}),
    ...(init ? { init: VAE_INITS[init] } : {}),
  };
}

/** The VAEs of the zoo, by run-config name, shaped by the run config's VAE settings. */
export const VAE_ZOO: Record<
  VaeName,
  { about: string; make: (imageShape: ImageShape, shape?: VaeShape) => VaeModel }
> = {
  'mlp-vae': {
    about:
      'Kingma & Welling 2014: MLP encoder and decoder (Bernoulli or Gaussian), 20 latent dimensions',
    make: (imageShape, shape = {}) => mlpVae({ imageShape, ...mlpShape(shape) }),
  },
  'conv-vae': {
    about: 'a convolutional encoder and decoder',
    make: (imageShape, { latentDim } = {}) =>
      convVae({ imageShape, ...(latentDim ? { latentDim } : {}) }),
  },
  cvae: {
    about: 'conditional MLP VAE: the class label enters encoder and decoder',
    make: (imageShape, shape = {}) => conditionalVae({ imageShape, ...mlpShape(shape) }),
  },
};

/**
 * The settings a model's paper trains it with, where the run config leaves
 * them open: its batch size, Adam for the conv models, WGAN-GP's objective.
 * The 2014 MLP GAN keeps the run config's defaults (its paper's), with D and
 * G updated simultaneously as the authors' released code does (with k 1,
 * theirs; a `requested` k above 1 keeps Algorithm 1's alternation): with the
 * alternation D won within the first epoch and G collapsed in every seed
 * tried (see docs/ARCHITECTURE.md).
 */
export function paperSettings(
  model: GanModel,
  requested: Partial<GanRunConfigInput> = {},
): Partial<GanRunConfigInput> {
  if (model.name === 'mlp-gan') return (requested.k ?? 1) === 1 ? { updates: 'simultaneous' } : {};
  const settings: Partial<GanRunConfigInput> = {
    optimizer: 'adam',
    batchSize: model.paperBatchSize,
  };
  if (model.loss === 'wasserstein')
    Object.assign(settings, { loss: 'wgan-gp', k: 5, beta1: 0, beta2: 0.9 });
  return settings;
}

/** Rebuilds the GAN a checkpoint was trained with, from its manifest's model name and config. */
export function ganFromCheckpoint(name: string, config: unknown, where: string): GanModel {
  if (name === 'mlp-gan') return mlpGan(config as MlpGanConfig);
  if (name in GAN_ZOO) return convGan(name, config as ConvGanConfig);
  throw new Error(`${where} holds a '${name}' model, which this latent does not know as a GAN.`);
}

/** Rebuilds the VAE a checkpoint was trained with. */
export function vaeFromCheckpoint(name: string, config: unknown, where: string): VaeModel {
  if (name === 'mlp-vae' || name === 'cvae') return mlpVae(config as MlpVaeConfig);
  if (name === 'conv-vae') return convVae(config as ConvVaeConfig);
  throw new Error(`${where} holds a '${name}' model, which this latent does not know as a VAE.`);
}
