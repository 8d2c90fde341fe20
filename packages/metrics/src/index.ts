export {
  CLASSIFIER_CLASSES,
  CLASSIFIER_FEATURES,
  CLASSIFIER_IMAGE_SHAPE,
  CLASSIFIERS,
  type Classifier,
  type ClassifierApplyOptions,
  type ClassifierName,
  classifierForward,
  classifierFromParams,
  classifierFromWeights,
  decodeShippedWeights,
  encodeFloat16,
  initClassifier,
  loadClassifier,
  type ShippedWeights,
} from './classifier.js';
export {
  createEvaluator,
  type Evaluator,
  type EvaluatorOptions,
  isBetter,
  METRICS,
  type MetricName,
  type SampleMetric,
  type VaeMetric,
} from './evaluator.js';
export { frechetDistance, type GaussianStats, gaussianStats } from './fid.js';
export { drawSamples, imagePoints } from './images.js';
export { type SquareMatrix, sqrtPsd, symmetricEigen, traceSqrtProduct } from './linalg.js';
export {
  PAPER_SIGMAS,
  type ParzenResult,
  ParzenWindow,
  type Points,
  type ProgressCallback,
  parzenLogLikelihood,
} from './parzen.js';
export { type ClassCoverage, classCoverage, inceptionScore } from './scores.js';
export {
  type GridDivergence,
  type GridOptions,
  gridDivergence,
  type ModeCoverage,
  modeCoverage,
} from './toy.js';
export {
  iwaeLogLikelihood,
  type LikelihoodEstimate,
  type TrainedVae,
  type VaeData,
  type VaeEstimateOptions,
  vaeElbo,
} from './vae.js';
