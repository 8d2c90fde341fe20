// A worker replica of the shared-memory exchange test (parallel.test.ts):
// writes the contribution it is given, sums, and posts what it read back.
import { parentPort, workerData } from 'node:worker_threads';
import { SharedMemoryShard } from './parallel.js';

const { buffer, rank, count, values } = workerData as {
  buffer: SharedArrayBuffer;
  rank: number;
  count: number;
  values: Float32Array;
};
const shard = new SharedMemoryShard(buffer, rank, count);
shard.contribution(values.length).set(values);
shard.ready();
parentPort?.postMessage(Array.from(shard.allReduce(values.length)));
