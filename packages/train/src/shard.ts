import type { BatchRows } from '@latent/models';
import * as tf from '@tensorflow/tfjs-core';
import type { Checkpoint } from './checkpoint.js';

/**
 * One replica of data-parallel training. Every replica holds the whole model
 * and optimizer, draws the same minibatch, noise and masks for the full batch,
 * trains on its own rows of it, and sums gradients with the others before each
 * update, so all replicas apply the same update and stay identical.
 * `@latent/train/node` implements it over worker threads and shared memory.
 */
export interface Shard {
  /** This replica's index, 0 .. count - 1; replica 0 reports and checkpoints. */
  readonly rank: number;
  readonly count: number;
  /**
   * Where this replica writes the `size` values it contributes to the next
   * `allReduce` (shared memory: written in place, no copy).
   */
  contribution(size: number): Float32Array;
  /**
   * Element-wise sum of every replica's contribution of `size` values, added
   * in the same order for every replica, so all get bitwise the same result;
   * blocks until every replica has contributed. The view is valid until the
   * next exchange.
   */
  allReduce(size: number): Float32Array;
  /** Called as each step starts: replica 0 tells the others to take it too. */
  stepping?(): void;
  /** Called after a checkpoint was restored: replica 0 hands it to the others. */
  restored?(checkpoint: Checkpoint): void;
  /** Called when the trainer is disposed: replica 0 stops the others. */
  close?(): void;
}

/** The rows of a batch of `total` that a replica trains on: contiguous, sizes differing by at most one. */
export interface ShardRows extends BatchRows {
  count: number;
}

export function shardRows(shard: Shard | undefined, total: number): ShardRows | undefined {
  if (!shard || shard.count === 1) return undefined;
  const base = Math.floor(total / shard.count);
  const extra = total % shard.count;
  const count = base + (shard.rank < extra ? 1 : 0);
  const offset = shard.rank * base + Math.min(shard.rank, extra);
  if (count === 0)
    throw new Error(`a batch of ${total} cannot be split over ${shard.count} replicas`);
  return { offset, count, total };
}

/** Rows `rows.offset`.. of x [total, ...] (x itself when not sharded or absent). */
export function takeRows<T extends tf.Tensor | undefined>(x: T, rows: ShardRows | undefined): T {
  if (!rows || !x) return x;
  const begin = x.shape.map((_, i) => (i === 0 ? rows.offset : 0));
  const size = x.shape.map((n, i) => (i === 0 ? rows.count : n));
  return tf.slice(x, begin, size) as T;
}

/**
 * The values of a float32 tensor without a copy where the backend allows:
 * the wasm backend's heap view (`typedArrayFromHeap`), the cpu backend's own
 * array (`dataSync` returns it). A fresh 15 MB array per update (the paper's
 * GAN) costs more than the copy itself where memory is first touched slowly.
 */
function valuesOf(t: tf.Tensor): Float32Array {
  const backend = tf.backend() as { typedArrayFromHeap?: (t: tf.Tensor) => Float32Array };
  return backend.typedArrayFromHeap
    ? backend.typedArrayFromHeap(t)
    : (t.dataSync() as Float32Array);
}

/**
 * Sums gradients and statistics over the replicas: each tensor is copied into
 * this replica's shared slot, the slots are summed, and the sums come back as
 * new tensors. Each replica's terms are means over its own rows scaled by
 * rows/total (see `shareOfBatch`), so the sums are the full batch's means. A
 * missing gradient counts as zero.
 *
 * The exchange reads values in JavaScript, a synchronous read; on wasm and
 * cpu it is a memory copy, not a wait for a device.
 *
 * @returns the summed gradients (shaped like `variables`) and statistics
 */
export function reduceAcrossReplicas(
  shard: Shard,
  variables: tf.Variable[],
  grads: (tf.Tensor | undefined)[],
  stats: tf.Tensor1D,
): { grads: tf.Tensor[]; stats: tf.Tensor1D } {
  const size = variables.reduce((n, v) => n + v.size, 0) + stats.size;
  const slot = shard.contribution(size);
  let offset = 0;
  for (const [i, v] of variables.entries()) {
    const g = grads[i];
    if (g) slot.set(valuesOf(g), offset);
    else slot.fill(0, offset, offset + v.size);
    offset += v.size;
  }
  slot.set(valuesOf(stats), offset);
  const summed = shard.allReduce(size);
  // The wasm backend copies new tensors' values onto its heap; the cpu backend
  // keeps the array it is given, which must not be the shared one.
  const own = 'typedArrayFromHeap' in tf.backend();
  const take = (from: number, n: number) => {
    const part = summed.subarray(from, from + n);
    return own ? part : part.slice();
  };
  offset = 0;
  const out = variables.map((v) => {
    const t = tf.tensor(take(offset, v.size), v.shape, 'float32');
    offset += v.size;
    return t;
  });
  return { grads: out, stats: tf.tensor1d(take(offset, stats.size)) };
}

/** The weight of one replica's batch means in the full batch's: rows / total (1 when not sharded). */
export function shareOfBatch(rows: ShardRows | undefined): number {
  return rows ? rows.count / rows.total : 1;
}
