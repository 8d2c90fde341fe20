import {
  type FashionMnist,
  fetchFashionMnist,
  fetchMnist,
  type ImageSet,
  imageSetFromBrowserFiles,
  type Mnist,
} from '@latent/datasets';
import { type DataLoader, dataLoader, type EvalData, evalSplits } from '@latent/train';
import { post } from './post.js';

/** Side of the images a picked folder is scaled and cropped to (the zoo's 28x28 models). */
export const FOLDER_SIZE = 28;
/** The dataset name a picked folder's runs record: the page cannot know its path. */
export const PICKED_FOLDER = 'image folder';

// Kept across runs: a second Start should not read 55 MB again.
let mnist: Promise<Mnist> | undefined;
let fashion: Promise<FashionMnist> | undefined;

const url = (path: string) => new URL(`${import.meta.env.BASE_URL}${path}`, location.href).href;

function progress(what: string) {
  return (loaded: number, total: number) => post({ type: 'loading', what, loaded, total });
}

/** Forgets a failed load, so the next Start tries again. */
function retryable<T>(p: Promise<T>, forget: () => void): Promise<T> {
  return p.catch((error: unknown) => {
    forget();
    throw error;
  });
}

/** The evaluation images of a dataset the app serves: what sample quality is measured against. */
export async function evalImages(dataset: string): Promise<EvalData> {
  if (dataset !== 'mnist' && dataset !== 'fashion-mnist')
    throw new Error(`The page measures mnist and fashion-mnist runs, not ${dataset} runs.`);
  // Loading the training images caches the whole dataset, test images included.
  await trainingImages(dataset);
  return evalSplits(dataset === 'mnist' ? await mnist! : await fashion!);
}

/** The training images of a dataset the app serves (at data/<name>/). */
export async function trainingImages(dataset: 'mnist' | 'fashion-mnist'): Promise<ImageSet> {
  switch (dataset) {
    case 'mnist':
      mnist ??= retryable(fetchMnist(url('data/mnist/'), progress('MNIST')), () => {
        mnist = undefined;
      });
      return (await mnist).train;
    case 'fashion-mnist':
      fashion ??= retryable(
        fetchFashionMnist(url('data/fashion-mnist/'), progress('Fashion-MNIST')).catch(
          (e: unknown) => {
            throw new Error(
              `Fashion-MNIST is not served with this build (${(e as Error).message}). Build the app where Debian's dataset-fashion-mnist package is installed.`,
            );
          },
        ),
        () => {
          fashion = undefined;
        },
      );
      return (await fashion).train;
  }
}

function pickedFolder(
  folder: File[] | undefined,
  side: number,
  channels?: 1 | 3,
): Promise<ImageSet> {
  if (!folder || folder.length === 0) throw new Error('Choose a folder of images first.');
  return imageSetFromBrowserFiles(folder, {
    height: side,
    width: side,
    ...(channels ? { channels } : {}),
    name: PICKED_FOLDER,
    onImage: (done, total) => post({ type: 'loading', what: 'images', loaded: done, total }),
  });
}

/**
 * The page's data loader for `resolveRun`: the image sets it serves, the
 * folder the user picked (whatever the request names it), and toy points.
 */
export function pageLoader(folder?: File[]): DataLoader {
  return dataLoader({
    named: (name) => trainingImages(name),
    folder: (_, options) =>
      pickedFolder(folder, options.imageSize ?? FOLDER_SIZE, options.channels),
  });
}
