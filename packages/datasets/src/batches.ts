import * as tf from '@tensorflow/tfjs-core';
import type { ImageSet } from './images.js';
import { deriveSeed, Rng } from './rng.js';

/** The value range pixels are scaled to: `[0,1]` (sigmoid outputs) or `[-1,1]` (tanh outputs). */
export type PixelRange = '[0,1]' | '[-1,1]';

export interface BatchOptions {
  batchSize: number;
  /** Seeds the per-epoch shuffle; the same seed gives the same batches. */
  seed: number;
  /** Shuffle each epoch (default true). */
  shuffle?: boolean;
  /** Drop the last incomplete batch of an epoch (default true: every batch has batchSize images). */
  dropLast?: boolean;
  range?: PixelRange;
  /** `flat`: x is [b, h*w*c] (MLPs); `image`: x is [b, h, w, c] (conv nets). Default `flat`. */
  layout?: 'flat' | 'image';
}

/** Where an iterator stands; save it with a checkpoint to see exactly the same batches after resume. */
export interface BatchState {
  seed: number;
  epoch: number;
  /** Index of the next batch within the epoch. */
  batch: number;
}

export interface Batch {
  /** float32 pixels in the requested range, shape per `layout`. The caller disposes it. */
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
 * An endless iterator of minibatches over an ImageSet. Each epoch is a fresh
 * permutation drawn from (seed, epoch) alone, so the position is three numbers
 * and a restored iterator continues batch for batch.
 */
export class BatchIterator {
  readonly batchesPerEpoch: number;
  private readonly opts: Required<BatchOptions>;
  private epoch = 0;
  private batch = 0;
  private order: Uint32Array | null = null;
  private orderEpoch = -1;

  constructor(
    readonly set: ImageSet,
    options: BatchOptions,
  ) {
    this.opts = { shuffle: true, dropLast: true, range: '[0,1]', layout: 'flat', ...options };
    const { batchSize } = this.opts;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
    }
    if (this.opts.dropLast && batchSize > set.count) {
      throw new RangeError(
        `batch size ${batchSize} is larger than the ${set.count} images of ${set.name}`,
      );
    }
    this.batchesPerEpoch = this.opts.dropLast
      ? Math.floor(set.count / batchSize)
      : Math.ceil(set.count / batchSize);
  }

  get state(): BatchState {
    return { seed: this.opts.seed, epoch: this.epoch, batch: this.batch };
  }

  restore(state: BatchState): void {
    if (state.seed !== this.opts.seed) {
      throw new Error(
        `batch state was saved with seed ${state.seed}, this iterator uses ${this.opts.seed}`,
      );
    }
    if (state.batch < 0 || state.batch >= this.batchesPerEpoch || state.epoch < 0) {
      throw new RangeError(
        `batch state ${JSON.stringify(state)} is outside this data (${this.batchesPerEpoch} batches per epoch)`,
      );
    }
    this.epoch = state.epoch;
    this.batch = state.batch;
  }

  next(): Batch {
    const { batchSize, range, layout } = this.opts;
    const { set } = this;
    const order = this.orderFor(this.epoch);
    const start = this.batch * batchSize;
    const b = Math.min(batchSize, set.count - start);
    const size = set.height * set.width * set.channels;
    const pixels = new Float32Array(b * size);
    // One multiply-add per pixel: bytes -> [0,1] or [-1,1].
    const scale = range === '[0,1]' ? 1 / 255 : 2 / 255;
    const shift = range === '[0,1]' ? 0 : -1;
    const labels = set.labels ? new Int32Array(b) : undefined;
    for (let i = 0; i < b; i++) {
      const src = order[start + i] as number;
      const from = set.images.subarray(src * size, (src + 1) * size);
      const at = i * size;
      for (let j = 0; j < size; j++) pixels[at + j] = (from[j] as number) * scale + shift;
      if (labels && set.labels) labels[i] = set.labels[src] as number;
    }
    const shape = layout === 'flat' ? [b, size] : [b, set.height, set.width, set.channels];
    const result: Batch = {
      x: tf.tensor(pixels, shape, 'float32'),
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
      const order = new Uint32Array(this.set.count);
      for (let i = 0; i < order.length; i++) order[i] = i;
      if (this.opts.shuffle) new Rng(deriveSeed(this.opts.seed, 'epoch', epoch)).shuffle(order);
      this.order = order;
      this.orderEpoch = epoch;
    }
    return this.order;
  }
}
