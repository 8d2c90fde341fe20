import { RunGate } from '@latent/train';
import type { FromWorker } from '../protocol.js';
import { post } from './post.js';

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
}
