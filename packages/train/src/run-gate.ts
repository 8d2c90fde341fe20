/**
 * Pause, single step and "between steps" work for a run in progress. A
 * trainer's loop is an async generator: the shell pulls the next step only
 * when `between()` returns, so a paused run simply is not pulled, and the
 * trainer needs to know nothing about it. Work that must not overlap a step
 * (writing a checkpoint reads every variable with `await`) is queued with
 * `atSafePoint`.
 */
export class RunGate {
  paused = false;
  /** Steps a paused run may still take (single steps). */
  private permits = 0;
  private wake: (() => void) | undefined;
  private readonly queue: (() => Promise<void>)[] = [];
  /** True while a run's loop is between `start` and `done`. */
  running = false;

  constructor(
    /** Ends the run: `between` and `sleep` return at once. */
    protected readonly signal: AbortSignal,
    /** Told when the run stops at a step to wait, and when it goes on. */
    private readonly onPause?: (paused: boolean, step: number) => void,
  ) {
    signal.addEventListener('abort', () => this.wake?.());
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.permits = 0;
    this.wake?.();
  }

  /** Lets a paused run take one more step. */
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

  /** Called after every step: does queued work, then waits while paused (a single step lets one through). */
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
        this.onPause?.(true, step);
        announced = true;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
    if (announced && !this.paused) this.onPause?.(false, step);
  }

  /** Waits `ms`, or less if the run ends meanwhile. */
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
