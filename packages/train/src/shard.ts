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
   * Element-wise sum of `values` over all replicas, added in the same order
   * for every replica, so all get bitwise the same result; blocks until every
   * replica has contributed.
   */
  allReduce(values: Float32Array): Float32Array;
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
 * Sums gradients and statistics over the replicas: one read of one
 * concatenated tensor, one exchange, one write back. Each replica's terms are
 * means over its own rows scaled by rows/total (see `shareOfBatch`), so the sums are
 * the full batch's means. A missing gradient counts as zero.
 *
 * @returns the summed gradients (shaped like `variables`) and statistics
 */
export function reduceAcrossReplicas(
  shard: Shard,
  variables: tf.Variable[],
  grads: (tf.Tensor | undefined)[],
  stats: tf.Tensor1D,
): { grads: tf.Tensor[]; stats: tf.Tensor1D } {
  const flat = tf.concat([
    ...variables.map((v, i) => tf.reshape(grads[i] ?? tf.zerosLike(v), [-1])),
    stats,
  ]);
  // The exchange needs the values in JavaScript; on wasm and cpu this read is a copy, not a stall.
  const summed = tf.tensor1d(shard.allReduce(flat.dataSync() as Float32Array));
  const parts = tf.split(summed, [...variables.map((v) => v.size), stats.size]);
  return {
    grads: variables.map((v, i) => tf.reshape(parts[i]!, v.shape)),
    stats: parts[variables.length] as tf.Tensor1D,
  };
}

/** The weight of one replica's batch means in the full batch's: rows / total (1 when not sharded). */
export function shareOfBatch(rows: ShardRows | undefined): number {
  return rows ? rows.count / rows.total : 1;
}
