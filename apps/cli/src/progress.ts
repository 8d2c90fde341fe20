/**
 * A one-line progress display for long runs: a bar, steps, rate, ETA and the
 * live numbers. On a terminal it redraws in place; elsewhere (CI logs, pipes)
 * it prints a plain line at most every `plainEverySeconds`.
 */
export class Progress {
  private lastPlain = 0;
  private drawn = false;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly plainEverySeconds = 10,
    /** Only `log` lines, no bar (when stdout carries --json events). */
    private readonly barless = false,
    /** What `done` counts. */
    private readonly unit = 'steps',
  ) {}

  update(done: number, total: number, stepsPerSecond: number, detail: string): void {
    if (this.barless) return;
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    const eta = stepsPerSecond > 0 ? (total - done) / stepsPerSecond : Number.NaN;
    const head = `${(fraction * 100).toFixed(0).padStart(3)}% ${done}/${total} ${this.unit} · ${stepsPerSecond.toFixed(2)} ${this.unit}/s · ETA ${formatDuration(eta)}`;
    if (this.stream.isTTY) {
      const width = 24;
      const filled = Math.round(fraction * width);
      const line = `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${head} · ${detail}`;
      const columns = this.stream.columns ?? 120;
      this.stream.write(`\r\x1b[2K${line.slice(0, columns - 1)}`);
      this.drawn = true;
    } else {
      const now = Date.now();
      if (now - this.lastPlain >= this.plainEverySeconds * 1000 || done === total) {
        this.stream.write(`${head} · ${detail}\n`);
        this.lastPlain = now;
      }
    }
  }

  /** Prints a line above the bar. */
  log(line: string): void {
    if (this.drawn) this.stream.write('\r\x1b[2K');
    this.stream.write(`${line}\n`);
    this.drawn = false;
  }

  end(): void {
    if (this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}

/** 75 -> "1:15", 3725 -> "1:02:05", NaN -> "--:--". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}
