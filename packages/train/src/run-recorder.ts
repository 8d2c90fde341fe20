import { encodePng, imageGrid, type RgbaImage, toyDensitySvg, toyPlaneSvg } from '@latent/vis';
import { parseDataSource, toyOf } from './data-source.js';
import { type BestBy, type EvalSettings, RunMeasurer } from './evaluation.js';
import {
  type GanStats,
  type SamplesEvent,
  type TrainEvent,
  TrainingDivergedError,
} from './events.js';
import type { GanTrainer } from './gan-trainer.js';
import { loadEvalData } from './node-evaluation.js';
import type { ResolvedRun } from './run.js';
import type { RunFolder } from './run-folder.js';
import { writeRunReport } from './run-report.js';
import { ToyFrames } from './toy-frames.js';
import type { VaeStats, VaeTrainer } from './vae-trainer.js';

/** An event of a GAN or VAE run. */
export type RunEvent = TrainEvent<GanStats> | TrainEvent<VaeStats>;

/** What recording one event wrote, for a shell to show. */
export interface Recorded {
  /** The picture a `samples` event became, in the run folder. */
  file?: string;
  /** An image run's sample grid as written into `file`. */
  grid?: RgbaImage;
  /** An `eval` event of a run that keeps its best checkpoint: whether this one is it. */
  best?: { metric: string; kept: boolean; best: number };
}

/**
 * Records one run's events in its run folder: a checkpoint whenever the
 * folder's policy wants one and at the end, `metrics.jsonl` (a line per
 * logging interval, with steps per second), `eval.jsonl` and the best
 * checkpoint by one metric, the fixed-noise grid of each recorded epoch
 * (`samples/epoch-NNN.png`, or `step-NNNNNN.png` at a stop within an epoch)
 * — for a toy GAN the note's Figure 1.2 or GAN Lab's picture as SVG instead —
 * and `report.html` after epochs (as often as costs a tenth of the run) and
 * at the end. Showing the run is the caller's.
 */
export class RunRecorder {
  /** A toy run's pictures: one per epoch instead of a grid of "images" that are points. */
  private readonly toy: ToyFrames | undefined;
  /** When the report was last rewritten, and how long that took (ms). */
  private reportEnd = Number.NEGATIVE_INFINITY;
  private reportCost = 0;

  constructor(
    run: ResolvedRun,
    private readonly trainer: GanTrainer | VaeTrainer,
    readonly folder: RunFolder,
    /** Keep the best checkpoint by this metric (of the run's evaluation). */
    private readonly best?: BestBy,
  ) {
    const source = parseDataSource(run.config.dataset);
    this.toy =
      run.kind === 'gan' && source.kind === 'toy'
        ? new ToyFrames(trainer as GanTrainer, toyOf(source.name), run.config.seed)
        : undefined;
  }

  /** Frees the toy pictures' fixed noise. */
  dispose(): void {
    this.toy?.dispose();
  }

  /** Writes what the event adds to the run folder. */
  async record(e: RunEvent): Promise<Recorded> {
    const { folder, trainer } = this;
    switch (e.type) {
      case 'step':
      case 'epoch':
        if (folder.due(e.step, e.type === 'epoch' && e.recorded)) await folder.save(trainer);
        return {};
      case 'log': {
        const { type: _, step, epoch, steps, seconds, ...stats } = e;
        const stepsPerSecond = steps / Math.max(seconds, 1e-9);
        await folder.append('metrics', { step, epoch, ...stats, stepsPerSecond });
        return {};
      }
      case 'samples':
        return this.toy ? this.toyPicture(this.toy, e) : this.grid(e);
      case 'eval': {
        await folder.append('eval', {
          step: e.step,
          epoch: e.epoch,
          ...e.values,
          seconds: e.seconds,
        });
        if (!this.best) return {};
        const { metric, better } = this.best;
        return { best: { metric, ...(await folder.keepBest(trainer, metric, better)) } };
      }
      case 'done':
        await folder.save(trainer);
        await writeRunReport(folder.dir);
        return {};
      default:
        return {};
    }
  }

  /**
   * Rewrites the report after an epoch once training has run ten times as long
   * as the last rewrite took, so that it costs at most a tenth of the run
   * however short the epochs (a few hundred images make sub-second epochs);
   * the run's end always writes it.
   */
  private async refreshReport(): Promise<void> {
    const start = performance.now();
    if (start - this.reportEnd < 10 * this.reportCost) return;
    await writeRunReport(this.folder.dir);
    this.reportEnd = performance.now();
    this.reportCost = this.reportEnd - start;
  }

  /** An image run's grid of the fixed noise: each epoch's into samples/ and the report. */
  private async grid(e: SamplesEvent): Promise<Recorded> {
    const grid = imageGrid(e.images, {
      count: e.count,
      height: e.shape[0],
      width: e.shape[1],
      channels: e.shape[2] as 1 | 3,
      range: e.pixelRange,
      scale: 2,
    });
    const name = e.partial
      ? `step-${String(e.step).padStart(6, '0')}.png`
      : `epoch-${String(e.epoch).padStart(3, '0')}.png`;
    const file = await this.folder.write(`samples/${name}`, encodePng(grid));
    if (!e.partial && e.epoch > 0) await this.refreshReport();
    return { file, grid };
  }

  /** Figure 1.2 (1-D) or GAN Lab's picture (2-D) of the epoch, into samples/ and the report. */
  private async toyPicture(toy: ToyFrames, e: SamplesEvent): Promise<Recorded> {
    if (e.partial) return {};
    const frame = await toy.frame();
    const title = `epoch ${e.epoch} (step ${e.step})`;
    const svg = 'grid' in frame ? toyDensitySvg(frame, title) : toyPlaneSvg(frame, title);
    const file = await this.folder.write(
      `samples/epoch-${String(e.epoch).padStart(3, '0')}.svg`,
      svg,
    );
    if (e.epoch > 0) await this.refreshReport();
    return { file };
  }
}

/**
 * Trains a run into its folder: prepares its evaluation (`RunMeasurer`: the
 * real images' statistics and the classifier, before the first step),
 * records every event (`RunRecorder`), hands it to `onEvent` with what was
 * written, and frees the trainer at the end. A diverged run's error names the
 * last complete checkpoint.
 *
 * @throws RunRequestError when the evaluation settings do not fit the run
 */
export async function recordRun(
  run: ResolvedRun,
  trainer: GanTrainer | VaeTrainer,
  folder: RunFolder,
  options: {
    eval?: EvalSettings;
    signal?: AbortSignal;
    onEvent?: (e: RunEvent, recorded: Recorded) => void;
  } = {},
): Promise<void> {
  let measurer: RunMeasurer | undefined;
  try {
    measurer = options.eval && new RunMeasurer(trainer, options.eval, loadEvalData);
    await measurer?.prepare();
  } catch (e) {
    measurer?.dispose();
    trainer.dispose();
    throw e;
  }
  const recorder = new RunRecorder(run, trainer, folder, measurer?.best);
  try {
    const events = trainer.run({ signal: options.signal, evaluate: measurer?.evaluation });
    for await (const e of events) {
      const recorded = await recorder.record(e);
      options.onEvent?.(e, recorded);
    }
  } catch (e) {
    if (e instanceof TrainingDivergedError)
      throw new TrainingDivergedError(`${e.message}. ${await folder.lastGood()}`);
    throw e;
  } finally {
    measurer?.dispose();
    recorder.dispose();
    trainer.dispose();
  }
}
