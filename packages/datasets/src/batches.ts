import * as tf from '@tensorflow/tfjs-core';
import { DatasetFormatError } from './idx.js';
import type { ImageSet } from './images.js';
import type { PointSet } from './points.js';
import { deriveSeed, Rng } from './rng.js';

/**
 * The values pixels are turned into:
 * - `[0,1]`: byte / 255 (sigmoid outputs, Bernoulli means);
 * - `[-1,1]`: 2 * byte / 255 - 1 (tanh outputs);
 * - `binary`: dynamic binarization, each pixel 1 with probability byte/255,
 *   drawn afresh for every batch from (seed, epoch, batch), so a resumed run
 *   draws the same bits. For static binarization see `binarizeImages`.
 *
 * Points (toy distributions) are real numbers and ignore the range.
 */
export type PixelRange = '[0,1]' | '[-1,1]' | 'binary';

/** Anything `BatchIterator` batches: images kept as bytes, or real-valued points. */
export type DataSet = ImageSet | PointSet;

/** True for a `PointSet` (toy distribution samples), false for an `ImageSet`. */
export function isPointSet(set: DataSet): set is PointSet {
  return 'points' in set;
}

export interface BatchOptions {
  batchSize: number;
  /** Seeds the per-epoch shuffle (and dynamic binarization); the same seed gives the same batches. */
  seed: number;
  /** Shuffle each epoch (default true). */
  shuffle?: boolean;
  /** Drop the last incomplete batch of an epoch (default true: every batch has batchSize examples). */
  dropLast?: boolean;
  /** Pixel values of image batches (default `[0,1]`); ignored for points. */
  range?: PixelRange;
  /**
   * `flat`: x is [b, h*w*c] (MLPs); `image`: x is [b, h, w, c] (conv nets).
   * Default `flat`. Points are always [b, dim].
   */
  layout?: 'flat' | 'image';
}

/**
 * Where an iterator stands; save it with a checkpoint to see exactly the same
 * batches after resume. Every random choice (the epoch's permutation, the bits
 * of dynamic binarization) is derived from these three numbers, so they are
 * the whole RNG state.
 */
export interface BatchState {
  seed: number;
  epoch: number;
  /** Index of the next batch within the epoch. */
  batch: number;
}

export interface Batch {
  /**
   * float32 examples, the caller disposes it. Images: values per `range`,
   * shape [b, h*w*c] (`flat`) or [b, h, w, c] (`image`). Points: [b, dim].
   */
  x: tf.Tensor;
  /** int32 [b] class indices, when the set is labelled. The caller disposes it. */
  labels?: tf.Tensor1D;
  /** Epoch this batch belongs to (0-based). */
  epoch: number;
  /** Its index within the epoch. */
  batch: number;
  /** True for the epoch's final batch. */
  lastInEpoch: boolean;
}

/**
 * An endless iterator of minibatches over an `ImageSet` or a `PointSet`. Each
 * epoch is a fresh permutation drawn from (seed, epoch) alone, so the position
 * is three numbers and a restored iterator continues batch for batch.
 * Each `next()` makes exactly the tensors it returns (x, and labels when
 * labelled); nothing else stays allocated.
 */
export class BatchIterator {
  readonly batchesPerEpoch: number;
  private readonly opts: Required<BatchOptions>;
  private readonly size: number;
  private readonly lut: Float32Array;
  private epoch = 0;
  private batch = 0;
  private order: Uint32Array | null = null;
  private orderEpoch = -1;

  constructor(
    readonly set: DataSet,
    options: BatchOptions,
  ) {
    this.opts = { shuffle: true, dropLast: true, range: '[0,1]', layout: 'flat', ...options };
    const { batchSize, seed, range } = this.opts;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
    }
    if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
    if (range !== '[0,1]' && range !== '[-1,1]' && range !== 'binary') {
      throw new RangeError(`range must be '[0,1]', '[-1,1]' or 'binary', got ${String(range)}`);
    }
    const what = isPointSet(set) ? 'points' : 'images';
    if (set.count < 1) throw new RangeError(`${set.name} has no ${what}`);
    if (this.opts.dropLast && batchSize > set.count) {
      throw new RangeError(
        `batch size ${batchSize} is larger than the ${set.count} ${what} of ${set.name}`,
      );
    }
    this.size = isPointSet(set) ? set.dim : set.height * set.width * set.channels;
    checkConsistent(set, this.size);
    // Byte -> float through a 256-entry table: one load per pixel instead of a multiply-add.
    const scale = range === '[-1,1]' ? 2 / 255 : 1 / 255;
    const shift = range === '[-1,1]' ? -1 : 0;
    this.lut = Float32Array.from({ length: 256 }, (_, v) => v * scale + shift);
    this.batchesPerEpoch = this.opts.dropLast
      ? Math.floor(set.count / batchSize)
      : Math.ceil(set.count / batchSize);
  }

  /** The next batch's position; plain JSON, for checkpoints. */
  get state(): BatchState {
    return { seed: this.opts.seed, epoch: this.epoch, batch: this.batch };
  }

  /** Continues from a saved `state`: the next batch is the one that followed it. */
  restore(state: BatchState): void {
    if (state.seed !== this.opts.seed) {
      throw new Error(
        `batch state was saved with seed ${state.seed}, this iterator uses ${this.opts.seed}`,
      );
    }
    if (
      !Number.isInteger(state.batch) ||
      !Number.isInteger(state.epoch) ||
      state.batch < 0 ||
      state.batch >= this.batchesPerEpoch ||
      state.epoch < 0
    ) {
      throw new RangeError(
        `batch state ${JSON.stringify(state)} is outside this data (${this.batchesPerEpoch} batches per epoch)`,
      );
    }
    this.epoch = state.epoch;
    this.batch = state.batch;
  }

  next(): Batch {
    const { batchSize, range, layout } = this.opts;
    const { set, size } = this;
    const order = this.orderFor(this.epoch);
    const start = this.batch * batchSize;
    const b = Math.min(batchSize, set.count - start);
    const values = new Float32Array(b * size);
    const labels = set.labels ? new Int32Array(b) : undefined;
    if (isPointSet(set)) {
      for (let i = 0; i < b; i++) {
        const src = order[start + i]!;
        values.set(set.points.subarray(src * size, (src + 1) * size), i * size);
      }
    } else if (range === 'binary') {
      const rng = new Rng(deriveSeed(this.opts.seed, 'binarize', this.epoch, this.batch));
      for (let i = 0; i < b; i++) {
        const src = order[start + i]!;
        rng.binarize(set.images.subarray(src * size, (src + 1) * size), values, i * size);
      }
    } else {
      const lut = this.lut;
      for (let i = 0; i < b; i++) {
        const src = order[start + i]!;
        const from = set.images.subarray(src * size, (src + 1) * size);
        const at = i * size;
        for (let j = 0; j < size; j++) values[at + j] = lut[from[j]!]!;
      }
    }
    if (labels && set.labels) {
      for (let i = 0; i < b; i++) labels[i] = set.labels[order[start + i]!]!;
    }
    const shape = isPointSet(set)
      ? [b, size]
      : layout === 'flat'
        ? [b, size]
        : [b, set.height, set.width, set.channels];
    const result: Batch = {
      x: tf.tensor(values, shape, 'float32'),
      labels: labels ? tf.tensor1d(labels, 'int32') : undefined,
      epoch: this.epoch,
      batch: this.batch,
      lastInEpoch: this.batch === this.batchesPerEpoch - 1,
    };
    this.batch += 1;
    if (this.batch === this.batchesPerEpoch) {
      this.batch = 0;
      this.epoch += 1;
    }
    return result;
  }

  private orderFor(epoch: number): Uint32Array {
    if (this.orderEpoch !== epoch || !this.order) {
      const order = this.order ?? new Uint32Array(this.set.count);
      for (let i = 0; i < order.length; i++) order[i] = i;
      if (this.opts.shuffle) new Rng(deriveSeed(this.opts.seed, 'epoch', epoch)).shuffle(order);
      this.order = order;
      this.orderEpoch = epoch;
    }
    return this.order;
  }
}

/** A hand-built set whose arrays disagree with its count would batch garbage: refuse it, naming it. */
function checkConsistent(set: DataSet, size: number): void {
  const values = isPointSet(set) ? set.points.length : set.images.length;
  const what = isPointSet(set)
    ? `${set.dim}-D points`
    : `${set.height}x${set.width}x${set.channels} images`;
  if (!Number.isInteger(set.count) || !(size >= 1) || values !== set.count * size) {
    throw new DatasetFormatError(
      `${set.name}: ${values} values are not ${set.count} ${what} (${set.count * size} values)`,
    );
  }
  if (set.labels && set.labels.length !== set.count) {
    throw new DatasetFormatError(
      `${set.name}: ${set.labels.length} labels for ${set.count} examples`,
    );
  }
}
