import type { FromWorker } from '../protocol.js';
import { post } from './post.js';

/**
 * Pause, single step and "between steps" work for the run in progress. The
 * trainer's loop is an async generator: the worker pulls the next step only
 * when `between()` returns, so a paused run simply is not pulled. Work that
 * must not overlap a step (writing a checkpoint reads every variable with
 * `await`) is queued with `atSafePoint`.
 */
export class RunControl {
  paused = false;
  /** Steps a paused run may still take (the Step button). */
  private permits = 0;
  private wake: (() => void) | undefined;
  private readonly queue: (() => Promise<void>)[] = [];
  /** True while a run's loop is between `start` and `done`. */
  running = false;
  /** Toy modes: show D's and G's updates one after the other, slowly. */
  slowMotion = false;

  constructor(private readonly signal: AbortSignal) {
    // A reset run's last messages (its `done`, a late frame) must not reach the page after the reset.
    signal.addEventListener('abort', () => this.wake?.());
  }

  /** Posts a message of this run, unless the run was reset. */
  post(message: FromWorker): void {
    if (!this.signal.aborted) post(message);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.permits = 0;
    this.wake?.();
  }

  step(): void {
    this.permits += 1;
    this.wake?.();
  }

  /** Runs `work` now if no step can be in progress, else just before the next one. */
  atSafePoint(work: () => Promise<void>): void {
    if (!this.running) {
      void work();
      return;
    }
    this.queue.push(work);
    this.wake?.();
  }

  /** Called after every step: does queued work, then waits while paused (a Step lets one through). */
  async between(step: number): Promise<void> {
    let announced = false;
    for (;;) {
      while (this.queue.length > 0) await this.queue.shift()?.();
      if (this.signal.aborted) break;
      if (!this.paused) break;
      if (this.permits > 0) {
        this.permits -= 1;
        break;
      }
      if (!announced) {
        this.post({ type: 'paused', paused: true, step });
        announced = true;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
    if (announced && !this.paused) this.post({ type: 'paused', paused: false, step });
  }

  /** Waits `ms`, or less if the run is reset meanwhile (slow motion). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(t);
          resolve();
        },
        { once: true },
      );
    });
  }
}
