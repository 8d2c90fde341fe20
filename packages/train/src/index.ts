export {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  type Checkpoint,
  CheckpointError,
  type CheckpointManifest,
  parseCheckpoint,
} from './checkpoint.js';
export {
  type GanRunConfig,
  type GanRunConfigInput,
  ganRunConfigSchema,
  resolveGanRunConfig,
  resolveVaeRunConfig,
  type VaeRunConfig,
  vaeRunConfigSchema,
} from './config.js';
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
  type EmaChoice,
  ganSampler,
  modelFromManifest,
  priorRange,
  type Sampler,
  samplerFromCheckpoint,
  trainedVaeFromCheckpoint,
  vaeSampler,
} from './sampler.js';
export {
  reduceAcrossReplicas,
  type Shard,
  type ShardRows,
  shardRows,
  shareOfBatch,
  takeRows,
} from './shard.js';
export {
  type Evaluation,
  type LoopSettings,
  type RunOptions,
  Trainer,
} from './trainer.js';
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
export {
  GAN_ZOO,
  ganFromCheckpoint,
  type ImageGanName,
  type ImageShape,
  paperSettings,
  VAE_ZOO,
  type VaeName,
  type VaeShape,
  vaeFromCheckpoint,
} from './zoo.js';
