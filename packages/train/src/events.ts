/** Means of the training statistics over a logging interval (or one step). */
export interface GanStats {
  /** D's loss, -V(D, G) on the minibatch. */
  dLoss: number;
  /** G's loss (non-saturating or minimax, per the run config). */
  gLoss: number;
  /** Mean D(x) on data. */
  dReal: number;
  /** Mean D(G(z)) on samples. */
  dFake: number;
}

/**
 * What a trainer reports, in order: `start`, then per step `step` (and every
 * `logEvery` steps `log`), `epoch` at each epoch's end, `samples` before
 * training, after each recorded epoch (every epoch, or every few when epochs
 * are shorter than 50 steps) and at the end, `eval` after some epochs' samples when the
 * run evaluates, and finally `done`. The CLI renders these as
 * a progress bar and files; the web app posts them from its worker. A
 * `warning` follows an epoch's `samples` when G has collapsed.
 */
export type TrainEvent<S extends object = GanStats> =
  | { type: 'start'; step: number; epoch: number; totalSteps: number; stepsPerEpoch: number }
  | ({
      type: 'step';
      step: number;
      epoch: number;
      learningRate: number;
      momentum: number;
    } & S)
  | ({ type: 'log'; step: number; epoch: number; steps: number; seconds: number } & S)
  | {
      type: 'epoch';
      epoch: number;
      step: number;
      seconds: number;
      /** A recorded epoch end (`epochsPerRecord`): its grid follows, and the default checkpoint is taken. */
      recorded: boolean;
    }
  | SamplesEvent
  | {
      type: 'eval';
      /** Epochs completed when measured. */
      epoch: number;
      step: number;
      /** Metric name -> value, as the run's evaluation computed them. */
      values: Record<string, number>;
      seconds: number;
    }
  | {
      type: 'warning';
      step: number;
      epoch: number;
      /** `mode-collapse`: the fixed-noise samples are near-identical. */
      kind: 'mode-collapse';
      message: string;
    }
  | {
      type: 'done';
      step: number;
      epoch: number;
      reason: 'finished' | 'max-steps' | 'aborted';
      seconds: number;
    };

/** A grid's worth of generated images. */
export interface SamplesEvent {
  type: 'samples';
  /** Epochs completed when drawn: 0 is before any training. */
  epoch: number;
  step: number;
  /** True when drawn at a stop that was not an epoch's end. */
  partial: boolean;
  /** [count, height, width, channels] values in the model's pixel range, row-major. */
  images: Float32Array;
  count: number;
  shape: readonly [number, number, number];
  pixelRange: '[0,1]' | '[-1,1]';
  /**
   * Mean over pixels of the standard deviation across the samples, in
   * units of the full pixel range: ~0.3 for MNIST itself, ~0 when every z
   * gives the same image.
   */
  diversity: number;
}

/** Raised when a loss stops being finite; says which network and step. */
export class TrainingDivergedError extends Error {
  override name = 'TrainingDivergedError';
}
