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
  type EvaluationReport,
  type Evaluator,
  type EvaluatorOptions,
  type Generate,
  isBetter,
  METRICS,
  type MetricName,
  type MetricReport,
  type SampleMetric,
  type VaeMetric,
} from './evaluator.js';
export { frechetDistance, type GaussianStats, gaussianStats } from './fid.js';
export { drawSamples, imagePoints } from './images.js';
export { type SquareMatrix, sqrtPsd, symmetricEigen, traceSqrtProduct } from './linalg.js';
export { metricText } from './metric-text.js';
export {
  type Kid,
  kernelInceptionDistance,
  kthNeighbourRadii,
  type Nearest,
  nearestNeighbours,
  type PrecisionRecall,
  precisionRecall,
  shareInBalls,
  unitRows,
} from './neighbours.js';
export {
  PAPER_SIGMAS,
  type ParzenResult,
  ParzenWindow,
  type Points,
  type ProgressCallback,
  parzenLogLikelihood,
} from './parzen.js';
export {
  createRunEvaluator,
  memorizationPairs,
  protocolSamples,
  type RunEvaluator,
  type RunEvaluatorOptions,
  type RunReport,
  type RunSubject,
  reportValues,
  type SamplerLike,
  type VaeTestData,
  vaeTestData,
} from './protocol.js';
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
