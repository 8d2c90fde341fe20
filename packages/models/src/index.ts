export type { ApplyOptions, GanModel } from './gan.js';
export { type DenseParams, dense, dropout, initDense, maxout } from './layers.js';
export { type MlpGanConfig, mlpGan, PAPER_MNIST_GAN } from './mlp-gan.js';
export {
  countParams,
  disposeParams,
  flattenParams,
  type ParamTree,
  trainableVariables,
} from './params.js';
export { type EncodedParams, encodeParams, loadParams } from './serialize.js';
