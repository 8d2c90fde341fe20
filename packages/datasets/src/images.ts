import { DatasetFormatError, parseIdx } from './idx.js';

/**
 * Images kept as bytes (0..255), row-major [count, height, width, channels];
 * float tensors are made per batch. MNIST costs 47 MB this way, 188 MB as float32.
 */
export interface ImageSet {
  name: string;
  images: Uint8Array;
  /** One class index per image, or undefined for unlabelled sets. */
  labels?: Uint8Array;
  count: number;
  height: number;
  width: number;
  channels: number;
  /** Class names by index, when labelled. */
  classNames?: readonly string[];
}

/** Builds an ImageSet from the bytes of an IDX image file and its IDX label file. */
export function imageSetFromIdx(
  name: string,
  images: { bytes: Uint8Array; source: string },
  labels: { bytes: Uint8Array; source: string },
  classNames: readonly string[],
): ImageSet {
  const img = parseIdx(images.bytes, images.source, 3);
  const lab = parseIdx(labels.bytes, labels.source, 1);
  const [count, height, width] = img.shape as [number, number, number];
  if (lab.shape[0] !== count) {
    throw new DatasetFormatError(
      `${labels.source}: ${lab.shape[0]} labels for the ${count} images of ${images.source}`,
    );
  }
  for (let i = 0; i < lab.data.length; i++) {
    if ((lab.data[i] as number) >= classNames.length) {
      throw new DatasetFormatError(
        `${labels.source}: label ${lab.data[i]} at index ${i} is outside 0..${classNames.length - 1}`,
      );
    }
  }
  return {
    name,
    images: img.data,
    labels: lab.data,
    count,
    height,
    width,
    channels: 1,
    classNames,
  };
}

/** The images [start, end) of a set, sharing its bytes (no copy). */
export function sliceImages(set: ImageSet, start: number, end: number, name: string): ImageSet {
  if (start < 0 || end > set.count || start >= end) {
    throw new RangeError(
      `slice [${start}, ${end}) is outside the ${set.count} images of ${set.name}`,
    );
  }
  const size = set.height * set.width * set.channels;
  return {
    ...set,
    name,
    images: set.images.subarray(start * size, end * size),
    labels: set.labels?.subarray(start, end),
    count: end - start,
  };
}

/**
 * The mean of each pixel over the set, in [0, 1]: [height * width * channels].
 * Models use it to start their output layer at the data's marginals.
 */
export function pixelMean(set: ImageSet): Float32Array {
  const size = set.height * set.width * set.channels;
  const sums = new Float64Array(size);
  for (let i = 0; i < set.count; i++) {
    const row = set.images.subarray(i * size, (i + 1) * size);
    for (let j = 0; j < size; j++) sums[j]! += row[j]!;
  }
  return Float32Array.from(sums, (v) => v / (255 * set.count));
}
