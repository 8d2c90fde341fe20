export {
  AUGMENT_POLICIES,
  type AugmentDraw,
  type AugmentImages,
  type AugmentPolicy,
  applyAugment,
  backgroundOf,
  cutoutSize,
  diffAugment,
  drawAugment,
  maxShift,
  takeDrawRows,
} from './augment.js';
export {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  type Checkpoint,
  CheckpointError,
  type CheckpointManifest,
  checkpointJson,
  type InferenceWeights,
  inferenceCheckpoint,
  parseCheckpoint,
  parseCheckpointFiles,
  type RunStamp,
  runStampSchema,
} from './checkpoint.js';
export {
  type CheckpointFiles,
  fetchCheckpointFiles,
  readPickedCheckpoint,
} from './checkpoint-browser.js';
export {
  fieldChoices,
  fieldDefaults,
  type GanRunConfig,
  type GanRunConfigInput,
  ganRunConfigSchema,
  ganRunFields,
  resolveGanRunConfig,
  resolveVaeRunConfig,
  type VaeRunConfig,
  vaeRunConfigSchema,
} from './config.js';
export {
  checkNamedImageSet,
  type DataLoader,
  type DataOptions,
  type DataSource,
  type DataSources,
  dataLoader,
  limitData,
  NAMED_DATASETS,
  parseDataSource,
  RunRequestError,
  TOY_1D,
  TOY_NAMES,
  TOY_POINTS,
  type ToyName,
  toyOf,
  toyPoints,
} from './data-source.js';
export {
  type DrawOptions,
  drawImages,
  drawLatentWalk,
  type LatentWalk,
} from './drawing.js';
export {
  applicableMetrics,
  type BestBy,
  type CheckpointEvalOptions,
  checkEvalSettings,
  DEFAULT_METRICS,
  type EvalData,
  type EvalDataLoader,
  type EvalLimits,
  type EvalPlan,
  type EvalSettings,
  evalSplits,
  evalTestImages,
  evaluateCheckpoint,
  evaluatorOptions,
  type Measured,
  planCheckpointEval,
  RunMeasurer,
  resolveMetrics,
} from './evaluation.js';
export {
  type GanStats,
  type SamplesEvent,
  type TrainEvent,
  TrainingDivergedError,
} from './events.js';
export { GanTrainer, type GanTrainerOptions } from './gan-trainer.js';
export {
  discriminatorLoss,
  discriminatorReport,
  type GanLossKind,
  type GeneratorLossKind,
  ganValue,
  generatorLoss,
  generatorObjective,
  gradientPenalty,
  logOneMinusSigmoid,
  logSigmoid,
  r1Penalty,
} from './losses.js';
export {
  Adam,
  createOptimizer,
  learningRateAt,
  momentumAt,
  type Optimizer,
  type OptimizerKind,
  type OptimizerOptions,
  RmsProp,
  SgdMomentum,
  type SgdSchedule,
  type UpdateSettings,
} from './optim.js';
export {
  type DataShape,
  GAN_NAMES,
  type GanEntry,
  type GanName,
  ganEntry,
  ganFromCheckpoint,
  type ImageShape,
  MODELS,
  type ModelEntry,
  type ModelName,
  modelEntry,
  modelFromManifest,
  paperSettings,
  UnknownModelError,
  VAE_NAMES,
  type VaeEntry,
  type VaeName,
  type VaeShape,
  vaeEntry,
  vaeFromCheckpoint,
} from './registry.js';
export {
  continueFrom,
  createTrainer,
  describeRun,
  FIRST_RUN,
  planRun,
  type ResolvedRun,
  type ResumeOverrides,
  type RunRequest,
  resolveRun,
  resumeRun,
} from './run.js';
export { RunGate } from './run-gate.js';
export {
  type EmaChoice,
  ganSampler,
  priorRange,
  type Sampler,
  samplerFromCheckpoint,
  trainedVaeFromCheckpoint,
  vaeSampler,
} from './sampler.js';
export { ServedData, type ServedProgress } from './served-data.js';
export {
  reduceAcrossReplicas,
  type Shard,
  type ShardRows,
  shardRows,
  shareOfBatch,
  takeRows,
} from './shard.js';
export { ToyFrames } from './toy-frames.js';
export {
  type Evaluation,
  type LoopSettings,
  type RunOptions,
  Trainer,
} from './trainer.js';
export { type StatsLine, type TrainingChartOptions, trainingCharts } from './training-charts.js';
export { latentManifold, normalQuantile, type VaeFrame, VaeFrames } from './vae-frames.js';
export {
  bernoulliLogLikelihood,
  decoderLogLikelihood,
  elbo,
  gaussianKl,
  gaussianLogLikelihood,
  iwaeBound,
  klWeight,
  latentLogDensities,
} from './vae-losses.js';
export {
  type VaeStats,
  VaeTrainer,
  type VaeTrainerOptions,
} from './vae-trainer.js';
