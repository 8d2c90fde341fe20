export {
  acgan,
  type Conditioning,
  type ConvGanConfig,
  type ConvLayerSpec,
  conditionalGan,
  convGan,
  type DiscriminatorNorm,
  dcgan,
  dcganConfig,
  sampleLabels,
  sngan,
  wganGp,
} from './conv-gan.js';
export type { ApplyOptions, GanModel } from './gan.js';
export {
  DCGAN_INIT,
  fans,
  GLOROT_INIT,
  HE_INIT,
  type Init,
  initTensor,
  seededNormal,
  VAE_INIT,
} from './init.js';
export {
  type Activation,
  activate,
  type BatchNormOptions,
  type BatchNormParams,
  type BatchRows,
  batchNorm,
  type ConvParams,
  type ConvSpec,
  conv2d,
  conv2dTranspose,
  type DenseParams,
  dense,
  denseActivate,
  dropout,
  type EmbeddingParams,
  embedding,
  type FusedActivation,
  initBatchNorm,
  initConv2d,
  initConv2dTranspose,
  initDense,
  initEmbedding,
  initLayerNorm,
  initSpectralNorm,
  type LayerNormParams,
  layerNorm,
  maxout,
  oneHot,
  type SpectralNormParams,
  spectralNormalize,
} from './layers.js';
export {
  bernoulliLogLikelihood,
  decoderLogLikelihood,
  gaussianKl,
  gaussianLogLikelihood,
} from './likelihood.js';
export { type MlpGanConfig, mlpGan, PAPER_MNIST_GAN } from './mlp-gan.js';
export {
  countParams,
  disposeParams,
  flattenParams,
  type ParamTree,
  trainableVariables,
} from './params.js';
export { type EncodedParams, encodeParams, loadParams, toFloat16Bits } from './serialize.js';
export { type SummaryRow, summary, summaryRows } from './summary.js';
export { TOY_GAN, type ToyGanConfig, toyGan } from './toy-gan.js';
export {
  CONV_VAE,
  type ConvVaeConfig,
  conditionalVae,
  convVae,
  decodedMean,
  type MlpVaeConfig,
  mlpVae,
  PAPER_MNIST_VAE,
  reparameterize,
  samplePrior,
  splitGaussian,
  type VaeLikelihood,
  type VaeModel,
} from './vae.js';
