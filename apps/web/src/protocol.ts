import type { BackendInfo } from '@latent/backend';
import type { TrainEvent } from '@latent/train';

/** What the form sets; the worker validates it through the shared run-config schema. */
export interface TrainSettings {
  backend: 'wasm' | 'cpu';
  batchSize: number;
  k: number;
  learningRate: number;
  epochs: number;
  seed: number;
}

/** Page -> worker. */
export type ToWorker = { type: 'start'; settings: TrainSettings } | { type: 'stop' };

/** A sample grid: G(fixed noise) as [count, h, w, c] floats in `pixelRange`. */
export type Samples = Extract<TrainEvent, { type: 'samples' }>;

/** Worker -> page. */
export type FromWorker =
  | { type: 'backend'; info: BackendInfo }
  | { type: 'loading'; loaded: number; total: number }
  /** Every trainer event, as the trainer yields it. */
  | { type: 'event'; event: TrainEvent }
  /** Samples drawn between epochs, so the grid moves within seconds. */
  | { type: 'preview'; samples: Samples }
  | { type: 'error'; name: string; message: string };
