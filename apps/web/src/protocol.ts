import type { BackendInfo, BackendName } from '@latent/backend';
import type { CheckpointFiles, Measured, TrainEvent, VaeFrame, VaeStats } from '@latent/train';

export type { CheckpointFiles };

import type { ToyDensityFrame, ToyPlaneFrame } from '@latent/vis';

/** The page's tabs: four pictures that train, and the explorer of the last model. */
export type Mode = 'images' | 'toy1d' | 'toy2d' | 'vae' | 'explorer';
/** The tabs that train something. */
export type RunMode = Exclude<Mode, 'explorer'>;

/**
 * A run the page starts: `request` holds run-config fields by the schema's
 * names (what `latent train` takes; read from the mode's form by
 * `formRequest`), checked by the worker with that schema. An images run on
 * the dataset `folder` trains on `folder`, the picked folder's files
 * (sub-folders are classes).
 */
export interface RunSettings {
  mode: RunMode;
  request: Record<string, unknown>;
  folder?: File[];
  /** Sample quality while an images run trains: the classifier's metrics on MNIST and Fashion-MNIST, nearest training image on all. */
  quality?: QualitySettings;
}

/** How the page measures a GAN's samples: `latent train --eval fid,is,coverage`'s protocol. */
export interface QualitySettings {
  /** Samples per measurement (the CLI's --eval-n). */
  n: number;
  /** Measure after every this many steps; absent: only when asked (the Measure button). */
  every?: number;
}

/**
 * A pretrained model shipped with the app: an entry of
 * `public/pretrained/models.json`, which the script that trained it wrote
 * (`apps/web/scripts/pretrained.ts`) beside its checkpoint folder `<name>/`.
 */
export interface PretrainedModel {
  /** Folder under pretrained/: `checkpoint.json` and `weights.bin` (an inference checkpoint). */
  name: string;
  /** Said on the page, e.g. `DCGAN on MNIST`. */
  title: string;
  /** Where it opens at first visit: the latent explorer (a GAN) or the VAE tab's pictures. */
  tab: 'explorer' | 'vae';
  model: string;
  dataset: string;
  step: number;
  /** The commands that trained and scored it. */
  commands: string[];
  /** `latent eval`'s values (eval.json's `metrics`): fid, is, coverage or elbo, iwae. */
  scores: Record<string, unknown>;
}

/** The formats of `@latent/export`. */
export type ExportFormat = 'onnx' | 'tfjs' | 'safetensors';

/** What the explorer asks of the current generator (or VAE decoder). */
export interface ExploreRequest {
  /** z_A = prior sample of this seed, its first dims replaced by `dims` where given. */
  seedA: number;
  /** z_B, the other end of the interpolation. */
  seedB: number;
  /** Values for z_A's first dimensions (the sliders); null keeps the sample's own. */
  dims: (number | null)[];
  /** Images along the path from z_A to z_B, both ends included. */
  steps: number;
  /** Spherical interpolation (slerp) or a straight line. */
  spherical: boolean;
  /** For conditional models: the class every image draws. */
  label?: number;
}

/** Page -> worker. */
export type ToWorker =
  /** Asks for the zoo and the backends this browser can start. */
  | { type: 'hello' }
  /** Starts a run; `paused` stops it after its first step (the Step button from idle). */
  | { type: 'start'; id: number; backend: BackendName; settings: RunSettings; paused?: boolean }
  | { type: 'pause' }
  | { type: 'resume' }
  /** One more step of a paused run. */
  | { type: 'step' }
  /** Ends the run and frees its model. */
  | { type: 'reset' }
  /** Toy modes: show the discriminator's update, then the generator's, slowly. */
  | { type: 'slow-motion'; on: boolean }
  /** Validate a checkpoint and draw samples of its generator; `backend` is used when none runs yet. */
  | { type: 'open'; files: CheckpointFiles; backend: BackendName }
  /**
   * Open a shipped model through the same loader: a GAN for the explorer (only
   * while no run or opened checkpoint holds it), a 2-D VAE's samples and manifold.
   */
  | {
      type: 'pretrained';
      files: CheckpointFiles;
      model: PretrainedModel;
      backend: BackendName;
      /** The explorer's model, or the VAE tab's pictures (a 2-D VAE). */
      to: 'explorer' | 'vae';
      /** Replace what the explorer holds (a user's choice); else only an empty explorer takes it. */
      replace: boolean;
    }
  /** The explorer's model's generator (a VAE's decoder) in a format of `@latent/export`. */
  | { type: 'export'; format: ExportFormat }
  /** The current run's checkpoint, in the files `latent train` writes. */
  | { type: 'save' }
  | { type: 'explore'; request: ExploreRequest }
  /** Measure the images run's sample quality now (between two steps). */
  | { type: 'measure' }
  /** How many tensors the worker holds (tests check that a reset frees them). */
  | { type: 'memory' };

/** One measurement of sample quality (`RunMeasurer`'s). */
export interface Measurement extends Measured {
  /**
   * The metrics that apply to the run: `fid` and `kid` (to the test images,
   * lower is better), `is` (1 to 10), `coverage` (classes of 10), `precision`
   * and `recall` (0 to 1) for MNIST and Fashion-MNIST, and for every run
   * `memorization` (median distance of a sample to its nearest training image).
   */
  values: Partial<
    Record<'fid' | 'is' | 'coverage' | 'kid' | 'precision' | 'recall' | 'memorization', number>
  >;
}

/** A sample grid: images as [count, h, w, c] floats in `pixelRange`. */
export type Samples = Omit<Extract<TrainEvent, { type: 'samples' }>, 'diversity'>;

/** What the explorer can draw from: set when a run starts or a checkpoint opens. */
export interface Explorable {
  /** e.g. `dcgan on fashion-mnist, step 1200` or `checkpoint mlp-gan, step 2`. */
  source: string;
  family: 'gan' | 'vae';
  latentDim: number;
  /** Prior range of one z dimension, for the sliders. */
  range: [number, number];
  /** Class names, for conditional models. */
  classes?: string[];
  /** A model shipped with the app: its name in models.json (until a run or a checkpoint replaces it). */
  pretrained?: string;
}

export interface ZooEntry {
  name: string;
  about: string;
}

/** Worker -> page. */
export type FromWorker =
  | {
      type: 'hello';
      backends: BackendName[];
      gans: ZooEntry[];
      vaes: ZooEntry[];
      toy2d: string[];
    }
  | { type: 'backend'; info: BackendInfo }
  | { type: 'memory'; tensors: number }
  /** The run of this start message begins: what the worker posts from now on is about it. */
  | { type: 'started'; id: number }
  | { type: 'loading'; what: string; loaded: number; total: number }
  /** The run config after defaults, as `latent train` would record it. */
  | { type: 'config'; mode: RunMode; summary: string }
  /** Every trainer event, as the trainer yields it. */
  | { type: 'event'; mode: RunMode; event: TrainEvent<object> }
  /** The run waits (paused) or goes on. */
  | { type: 'paused'; paused: boolean; step: number }
  /** Samples drawn between epochs, so the grid moves within seconds. */
  | { type: 'preview'; samples: Samples }
  | { type: 'density'; frame: ToyDensityFrame }
  | { type: 'plane'; frame: ToyPlaneFrame }
  | { type: 'vae'; frame: VaeFrame }
  | { type: 'explorable'; explorable: Explorable | undefined }
  | {
      type: 'explored';
      /** z_A's first dims as drawn (the sliders' values). */
      dims: Float32Array;
      shape: readonly [number, number, number];
      pixelRange: '[0,1]' | '[-1,1]';
      /** G(z_A) [1, h, w, c]. */
      image: Float32Array;
      /** The path z_A -> z_B, [steps, h, w, c]. */
      path: Float32Array;
      steps: number;
    }
  | { type: 'explore-error'; message: string }
  /** A measurement of sample quality began (the first one also prepares the classifier). */
  | { type: 'measuring'; step: number; n: number }
  /** FID, IS and classes covered of the images run's generator at `step`. */
  | { type: 'measured'; quality: Measurement }
  | { type: 'measure-error'; message: string }
  /** The current run's checkpoint, as `latent train` writes it. */
  | { type: 'saved'; json: string; weights: ArrayBuffer; step: number; resumable: boolean }
  | { type: 'save-error'; message: string }
  | { type: 'error'; name: string; message: string }
  /** A checkpoint opened: samples of its generator. */
  | { type: 'checkpoint'; samples: Samples; source: string; model: string; ema: boolean }
  /** A checkpoint could not be opened; training (if any) goes on. */
  | { type: 'checkpoint-error'; message: string }
  /** A pretrained 2-D VAE: 100 samples of the prior and its latent manifold. */
  | {
      type: 'pretrained-vae';
      model: PretrainedModel;
      samples: Samples;
      manifold?: Float32Array;
      manifoldSize?: number;
    }
  /** A pretrained model could not be opened (the page goes on without it). */
  | { type: 'pretrained-error'; model: PretrainedModel; message: string }
  /** The files of an export, to download. */
  | {
      type: 'exported';
      files: { path: string; bytes: ArrayBuffer }[];
      format: ExportFormat;
      /** The explorer's model, e.g. `checkpoint dcgan, step 390`. */
      source: string;
      part: string;
      ema: boolean;
    }
  | { type: 'export-error'; message: string };

export type { VaeStats };
