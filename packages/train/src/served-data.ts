import {
  type FashionMnist,
  fetchFashionMnist,
  fetchMnist,
  type ImageSet,
  imageSetFromBrowserFiles,
  type Mnist,
} from '@latent/datasets';
import { type DataLoader, dataLoader } from './data-source.js';
import { type EvalData, type EvalDataLoader, evalSplits } from './evaluation.js';

/** What a served loader reports while it reads: `what` is a dataset's name, or `images` for a folder. */
export type ServedProgress = (what: string, loaded: number, total: number) => void;

/**
 * The data of a web page, the browser's counterpart of `loadData` and
 * `loadEvalData` in `./node`: MNIST and Fashion-MNIST fetched from
 * `<baseUrl>mnist/` and `<baseUrl>fashion-mnist/` (the files `fetchMnist`
 * and `fetchFashionMnist` read), each once per page and fetched again after
 * a failure; toys drawn from the run's seed; and a folder the user picked,
 * whatever path the run request names it by.
 */
export class ServedData {
  // Kept across runs: a second run should not read 55 MB again.
  private mnist: Promise<Mnist> | undefined;
  private fashion: Promise<FashionMnist> | undefined;

  constructor(
    private readonly baseUrl: string,
    private readonly onProgress: ServedProgress = () => {},
  ) {}

  /** MNIST or Fashion-MNIST, all splits. */
  private served(name: 'mnist' | 'fashion-mnist'): Promise<Mnist | FashionMnist> {
    const progress = (label: string) => (loaded: number, total: number) =>
      this.onProgress(label, loaded, total);
    if (name === 'mnist') {
      this.mnist ??= fetchMnist(`${this.baseUrl}mnist/`, progress('MNIST')).catch((e: unknown) => {
        this.mnist = undefined;
        throw e;
      });
      return this.mnist;
    }
    this.fashion ??= fetchFashionMnist(
      `${this.baseUrl}fashion-mnist/`,
      progress('Fashion-MNIST'),
    ).catch((e: unknown) => {
      this.fashion = undefined;
      throw new Error(
        `Fashion-MNIST is not served with this build (${(e as Error).message}). Build the app where Debian's dataset-fashion-mnist package is installed.`,
      );
    });
    return this.fashion;
  }

  /** The evaluation images sample quality is measured against (`RunMeasurer`'s loader). */
  readonly evalData: EvalDataLoader = async (dataset: string): Promise<EvalData> => {
    if (dataset !== 'mnist' && dataset !== 'fashion-mnist')
      throw new Error(`The page measures mnist and fashion-mnist runs, not ${dataset} runs.`);
    return evalSplits(await this.served(dataset));
  };

  /**
   * The `resolveRun` loader: served sets, toys, and `folder`'s files for a
   * folder dataset, scaled and cropped to the request's `imageSize` (else
   * `folderSize`).
   */
  loader(folder: readonly File[] | undefined, folderSize: number, folderName: string): DataLoader {
    return dataLoader({
      named: async (name) => (await this.served(name)).train,
      folder: (_, options): Promise<ImageSet> => {
        if (!folder || folder.length === 0) throw new Error('Choose a folder of images first.');
        const side = options.imageSize ?? folderSize;
        return imageSetFromBrowserFiles(folder, {
          height: side,
          width: side,
          ...(options.channels ? { channels: options.channels } : {}),
          name: folderName,
          onImage: (done, total) => this.onProgress('images', done, total),
        });
      },
    });
  }
}
