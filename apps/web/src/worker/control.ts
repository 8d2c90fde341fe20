import { type GanTrainer, RunGate, type VaeTrainer } from '@latent/train';
import type { FromWorker, RunMode } from '../protocol.js';
import { post } from './post.js';

/** How a mode draws while it trains (`RunControl.train`). */
export interface Pacing {
  /** Most milliseconds between two pictures. */
  everyMs: number;
  /** Draws the mode's picture after a step. */
  frame(): Promise<void>;
  /** A picture after every step while this holds (the toys' slow motion). */
  eachStep?: () => boolean;
  /** After each step, before the gate (the images run's measuring cadence). */
  afterStep?: (step: number) => Promise<void>;
  /** Posts the trainer's sample grids (a toy's "images" are points: it draws pictures of its own). */
  samples: boolean;
}

/**
 * Pause, single step and safe points for the run in progress (`RunGate` of
 * @latent/train), and its messages to the page: a reset run's last messages
 * (its `done`, a late frame) must not reach the page after the reset.
 */
export class RunControl extends RunGate {
  /** Toy modes: show D's and G's updates one after the other, slowly. */
  slowMotion = false;

  constructor(signal: AbortSignal) {
    super(signal, (paused, step) => this.post({ type: 'paused', paused, step }));
  }

  /** Posts a message of this run, unless the run was reset. */
  post(message: FromWorker): void {
    if (!this.signal.aborted) post(message);
  }

  /**
   * Trains to the end or the reset, posting every event, drawing a picture
   * when paused, at the last step, and at most `everyMs` apart (a sample grid
   * counts as one), and stopping between steps when paused.
   */
  async train(trainer: GanTrainer | VaeTrainer, mode: RunMode, pacing: Pacing): Promise<void> {
    let shown = performance.now();
    this.running = true;
    try {
      for await (const event of trainer.run({ signal: this.signal })) {
        if (event.type === 'samples' && !pacing.samples) continue;
        this.post({ type: 'event', mode, event });
        if (event.type === 'samples') shown = performance.now();
        if (event.type !== 'step') continue;
        const due = performance.now() - shown > pacing.everyMs || pacing.eachStep?.();
        if (this.paused || due || event.step === trainer.totalSteps) {
          await pacing.frame();
          shown = performance.now();
        }
        await pacing.afterStep?.(event.step);
        await this.between(event.step);
      }
    } finally {
      this.running = false;
    }
  }
}
