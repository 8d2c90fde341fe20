// The Node entry: file-system and worker-thread pieces of the run core.
export {
  type Better,
  bestMetric,
  checkpointName,
  findCheckpoint,
  keepBestCheckpoint,
  listCheckpoints,
  pruneCheckpoints,
  readCheckpoint,
  writeCheckpoint,
} from './checkpoint-files.js';
export { loadData, readRunRequest, resolveRunHere } from './node-data.js';
export {
  type CheckpointFolderEvalOptions,
  evaluateCheckpointFolder,
  type FoundCheckpoint,
  loadEvalData,
} from './node-evaluation.js';
export {
  createParallelGanTrainer,
  createParallelTrainer,
  createParallelVaeTrainer,
  defaultWorkers,
  type ParallelOptions,
  replicaScriptData,
  SharedMemoryShard,
  serveReplica,
} from './parallel.js';
export { datedRunName, RunFolder, type RunPolicy, writeFileAtomic } from './run-folder.js';
export { type Recorded, type RunEvent, RunRecorder, recordRun } from './run-recorder.js';
export { writeRunReport } from './run-report.js';
