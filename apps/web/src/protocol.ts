import type { BackendInfo } from '@latent/backend';
import type { TrainEvent } from '@latent/train';

/** Which picture the page trains: the paper's MNIST GAN, or a small GAN on a 1-D mixture. */
export type Mode = 'mnist' | 'toy1d';

/** What a form sets; the worker validates it through the shared run-config schema. */
export interface TrainSettings {
  mode: Mode;
  backend: 'wasm' | 'cpu';
  batchSize: number;
  k: number;
  learningRate: number;
  seed: number;
  /** MNIST: passes over the 50,000 training images. */
  epochs?: number;
  /** 1-D: iterations of Algorithm 1 to run. */
  maxSteps?: number;
}

/** The two files of a checkpoint folder, as the user picked or dropped them. */
export interface CheckpointFiles {
  /** Text of checkpoint.json (not parsed yet: the worker says what is wrong with it). */
  json: string;
  weights: ArrayBuffer;
  /** Names the checkpoint in messages, e.g. `checkpoint.json + weights.bin`. */
  source: string;
}

/** Page -> worker. */
export type ToWorker =
  | { type: 'start'; settings: TrainSettings }
  | { type: 'stop' }
  /** Validate a checkpoint and draw samples of its generator; `backend` is used when none runs yet. */
  | { type: 'open'; files: CheckpointFiles; backend: 'wasm' | 'cpu' };

/** A sample grid: G(fixed noise) as [count, h, w, c] floats in `pixelRange`. */
export type Samples = Omit<Extract<TrainEvent, { type: 'samples' }>, 'diversity'>;

/** One frame of the 1-D picture (the note's Figure 1.2), computed in the worker. */
export interface DensityFrame {
  step: number;
  /** x positions, ascending, shape [n]. */
  grid: Float32Array;
  /** p_data on the grid, shape [n]. */
  dataDensity: Float32Array;
  /** G(z) for many z, shape [m]: the page estimates p_g from them. */
  generated: Float32Array;
  /** D(x) on the grid, in [0, 1], shape [n]. */
  discriminator: Float32Array;
  /** A few z and their G(z), for the arrows, shape [k] each. */
  z: Float32Array;
  x: Float32Array;
}

/** Worker -> page. */
export type FromWorker =
  | { type: 'backend'; info: BackendInfo }
  | { type: 'loading'; loaded: number; total: number }
  /** Every trainer event, as the trainer yields it. */
  | { type: 'event'; event: TrainEvent }
  /** Samples drawn between epochs, so the grid moves within seconds. */
  | { type: 'preview'; samples: Samples }
  | { type: 'density'; frame: DensityFrame }
  | { type: 'error'; name: string; message: string }
  /** A checkpoint opened: samples of its generator. */
  | {
      type: 'checkpoint';
      samples: Samples;
      source: string;
      model: string;
      ema: boolean;
    }
  /** A checkpoint could not be opened; training (if any) goes on. */
  | { type: 'checkpoint-error'; message: string };
