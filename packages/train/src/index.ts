export {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  type Checkpoint,
  CheckpointError,
  type CheckpointManifest,
  checksum,
  parseCheckpoint,
} from './checkpoint.js';
export {
  type GanRunConfig,
  type GanRunConfigInput,
  ganRunConfigSchema,
  resolveGanRunConfig,
} from './config.js';
export { type GanStats, type TrainEvent, TrainingDivergedError } from './events.js';
export { GanTrainer, type GanTrainerOptions, type RunOptions } from './gan-trainer.js';
export {
  type GeneratorLossKind,
  ganValue,
  generatorLoss,
  logOneMinusSigmoid,
  logSigmoid,
} from './losses.js';
export { learningRateAt, momentumAt, SgdMomentum, type SgdSchedule } from './optim.js';
