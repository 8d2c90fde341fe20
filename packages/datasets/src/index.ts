export {
  type Batch,
  BatchIterator,
  type BatchOptions,
  type BatchState,
  type PixelRange,
} from './batches.js';
export { DatasetFormatError, type IdxArray, parseIdx } from './idx.js';
export { type ImageSet, imageSetFromIdx, pixelMean, sliceImages } from './images.js';
export {
  fetchMnist,
  MNIST_CLASSES,
  MNIST_FILES,
  type Mnist,
  type MnistBytes,
  type MnistFile,
  mnistFromBytes,
} from './mnist.js';
export { deriveSeed, Rng } from './rng.js';
