import type { ImageSet } from '@latent/datasets';
import {
  type Checkpoint,
  drawLatentWalk,
  type GanTrainer,
  type ResolvedRun,
  type RunMeasurer,
  type Sampler,
  type Trainer,
  type VaeTrainer,
} from '@latent/train';
import type { Explorable, ExploreRequest } from '../protocol.js';
import { post } from './post.js';

/** A generator (or VAE decoder) the explorer can draw from. */
export interface Drawable extends Explorable {
  /** What it draws with: images in [0, 1] from z (and labels for conditional models). */
  sampler: Sampler;
  /** Draws with a run's trainer's weights (freed with the run), not weights of its own. */
  fromRun: boolean;
  /** Draws with the moving average of G (what an export of it takes too). */
  ema: boolean;
  /**
   * The model's checkpoint, for `@latent/export`: an opened one as it was, a
   * run's from its trainer (only between two steps: see `fromRun`).
   */
  checkpoint(): Promise<Checkpoint>;
  /** Frees what only the explorer holds (an opened checkpoint's weights). */
  dispose(): void;
}

/**
 * The explorer's view of a sampler (`trainer.sampler()` or
 * `samplerFromCheckpoint`): its pixels, decoder mean and prior range are the
 * sampler's, the same while a model trains and from its checkpoint.
 */
export function drawableOf(
  sampler: Sampler,
  source: string,
  /** `names`: the data's class names (default: the class indices). */
  options: {
    fromRun: boolean;
    names?: readonly string[];
    checkpoint: () => Promise<Checkpoint>;
    pretrained?: string;
  },
): Drawable {
  const classes = sampler.numClasses;
  return {
    source,
    family: sampler.kind,
    fromRun: options.fromRun,
    ...(options.pretrained ? { pretrained: options.pretrained } : {}),
    ema: sampler.ema,
    checkpoint: options.checkpoint,
    latentDim: sampler.noiseDim,
    range: [sampler.priorRange[0], sampler.priorRange[1]],
    ...(classes
      ? { classes: Array.from({ length: classes }, (_, i) => options.names?.[i] ?? String(i)) }
      : {}),
    sampler,
    dispose: () => sampler.dispose(),
  };
}

/** The explorer's view of a run's trainer: it draws with the trainer's weights as it trains. */
export function trainerDrawable(run: ResolvedRun, trainer: GanTrainer | VaeTrainer): Drawable {
  const { classNames } = run.data as ImageSet;
  return drawableOf(trainer.sampler(), `${run.model.name} on ${run.data.name}, as it trains`, {
    fromRun: true,
    checkpoint: () => trainer.checkpoint(),
    ...(classNames ? { names: classNames } : {}),
  });
}

/** Measures an images run's samples (the page's Measure): `sampleQuality` in quality.ts. */
export type Measurer = Pick<RunMeasurer, 'n' | 'measure' | 'settled' | 'dispose'>;

/** A trainer the worker can checkpoint and free. */
export type RunTrainer = Pick<Trainer<object>, 'checkpoint' | 'step'> & { dispose(): void };

/** The run in progress (or finished, until reset), and what the explorer draws from. */
export interface SessionState {
  trainer: RunTrainer | undefined;
  /** Whether `latent resume` can continue it (it knows the data by name). */
  resumable: boolean;
  drawable: Drawable | undefined;
  /** Measures the images run's samples (MNIST and Fashion-MNIST runs). */
  quality: Measurer | undefined;
}

/** Every change of the session: a run's trainer, the explorer's model, the run's measurer, the run's end. */
export type SessionAction =
  | { type: 'trainer'; trainer: RunTrainer; resumable: boolean }
  | { type: 'drawable'; drawable: Drawable | undefined }
  | { type: 'quality'; quality: Measurer | undefined }
  | { type: 'end-run' };

const EMPTY: SessionState = {
  trainer: undefined,
  resumable: false,
  drawable: undefined,
  quality: undefined,
};

/**
 * The session's one transition function: the next state and what the
 * transition leaves behind to free (a replaced explorer model; at a run's
 * end its trainer, its measurer, and the explorer when it draws with the
 * trainer's weights). Pure: `dispatch` does the freeing.
 */
export function reduce(
  state: SessionState,
  action: SessionAction,
): { state: SessionState; freed: { dispose(): void }[] } {
  switch (action.type) {
    case 'trainer':
      return {
        state: { ...state, trainer: action.trainer, resumable: action.resumable },
        freed: [],
      };
    case 'drawable': {
      const freed = state.drawable && state.drawable !== action.drawable ? [state.drawable] : [];
      return { state: { ...state, drawable: action.drawable }, freed };
    }
    case 'quality':
      return { state: { ...state, quality: action.quality }, freed: [] };
    case 'end-run': {
      const keep = state.drawable?.fromRun ? undefined : state.drawable;
      const freed: ({ dispose(): void } | undefined)[] = [
        state.drawable?.fromRun ? state.drawable : undefined,
        state.quality,
        state.trainer,
      ];
      return {
        state: { ...EMPTY, drawable: keep },
        freed: freed.filter((f) => f !== undefined),
      };
    }
  }
}

let current: SessionState = EMPTY;

/** The session as it is now; it changes only through `dispatch`. */
export function session(): Readonly<SessionState> {
  return current;
}

/** Applies an action, frees what it left behind, and tells the page when the explorer's model changed. */
export function dispatch(action: SessionAction): void {
  const before = current;
  const { state, freed } = reduce(before, action);
  current = state;
  for (const f of freed) f.dispose();
  if (state.drawable !== before.drawable) postExplorable(state.drawable);
}

/** Tells the page what it can explore; what the drawable draws with stays here. */
function postExplorable(drawable: Drawable | undefined): void {
  post({
    type: 'explorable',
    explorable: drawable && {
      source: drawable.source,
      family: drawable.family,
      latentDim: drawable.latentDim,
      range: drawable.range,
      ...(drawable.classes ? { classes: drawable.classes } : {}),
      ...(drawable.pretrained ? { pretrained: drawable.pretrained } : {}),
    },
  });
}

/**
 * The explorer's pictures (`drawLatentWalk`): G(z_A) with the sliders' values
 * in z_A's first dimensions, and the path from z_A to z_B, between the steps
 * of a training run.
 */
export async function explore(request: ExploreRequest): Promise<void> {
  const d = current.drawable;
  if (!d) throw new Error('Nothing to explore yet: train a model or open a checkpoint first.');
  const { z, image, path, steps } = await drawLatentWalk(d.sampler, request);
  post({
    type: 'explored',
    dims: z.slice(0, Math.min(request.dims.length, z.length)),
    shape: d.sampler.imageShape,
    pixelRange: d.sampler.pixelRange,
    image,
    path,
    steps,
  });
}
