import { deriveSeed, isPointSet, TOY_2D } from '@latent/datasets';
import { GanTrainer, generatorObjective, resolveRun, toyOf } from '@latent/train';
import { gridPoints } from '@latent/vis';
import * as tf from '@tensorflow/tfjs-core';
import type { DensityFrame, PlaneFrame, ToySettings } from '../protocol.js';
import type { RunControl } from './control.js';
import { pageLoader } from './data.js';
import { session } from './session.js';

/** Milliseconds between frames in normal speed, and each phase's pause in slow motion. */
const FRAME_MS = 120;
const SLOW_MS = 700;
/** The 1-D picture: x range (the default mixture lives in about [-4, 5]) and its resolution. */
const X_1D: readonly [number, number] = [-6, 6];
const GRID_1D = 241;
/** G samples for p_g's kernel estimate, and z's shown as arrows. */
const KDE_SAMPLES = 2_000;
const ARROWS = 24;
/** The 2-D picture: the plane shown (the toy sets live in about [-1, 1]²), heatmap cells, dots, mesh. */
const DOMAIN_2D = { x: [-1.25, 1.25] as [number, number], y: [-1.25, 1.25] as [number, number] };
const HEAT = 48;
const REAL_2D = 400;
const FAKE_2D = 400;
const MESH = 21;
/** z ~ N(0, I): the mesh covers z in [-2.5, 2.5]², where almost all of it lies. */
const MESH_Z = 2.5;

/** The run request of a toy run: the toy GAN on a named distribution, Adam (its paper settings). */
function toyRequest(settings: ToySettings, dataset: string): Record<string, unknown> {
  const { batchSize, k, learningRate, seed, maxSteps, loss } = settings;
  return {
    model: 'toy-gan',
    dataset,
    batchSize,
    k,
    learningRate,
    seed,
    maxSteps,
    ...(loss ? { loss } : {}),
    // High enough that maxSteps ends the run.
    epochs: 100_000,
  };
}

/** The toy GAN's run on a named distribution, with the page's data. */
async function toyRun(settings: ToySettings, dataset: string) {
  const run = await resolveRun(toyRequest(settings, dataset), pageLoader());
  if (run.kind !== 'gan' || !isPointSet(run.data)) throw new Error('a toy run trains the toy GAN');
  return { model: run.model, config: run.config, data: run.data };
}

/**
 * Drives a toy run: posts events, a frame every FRAME_MS, and in slow motion
 * two frames per step — D just updated against the old G, then G's update.
 * `frame(previous)` computes a frame; with `previous`, G's output is taken from
 * it (the picture between D's update and G's).
 */
async function drive<F extends { step: number; phase?: 'discriminator' | 'generator' }>(
  trainer: GanTrainer,
  mode: 'toy1d' | 'toy2d',
  control: RunControl,
  signal: AbortSignal,
  frame: (step: number, previous?: F) => Promise<F>,
  show: (f: F) => void,
): Promise<void> {
  let last = await frame(0);
  show(last);
  let shown = performance.now();
  control.running = true;
  try {
    for await (const event of trainer.run({ signal })) {
      // The model's "images" are points: the page draws densities and planes, not grids.
      if (event.type === 'samples') continue;
      control.post({ type: 'event', mode, event });
      if (event.type !== 'step') continue;
      if (control.slowMotion || control.paused) {
        // D's update happened against the old G: show it before G moves.
        show({ ...(await frame(event.step, last)), phase: 'discriminator' });
        await control.sleep(SLOW_MS);
        last = { ...(await frame(event.step)), phase: 'generator' };
        show(last);
        if (control.slowMotion && !control.paused) await control.sleep(SLOW_MS);
        shown = performance.now();
      } else if (performance.now() - shown > FRAME_MS || event.step === trainer.totalSteps) {
        last = await frame(event.step);
        show(last);
        shown = performance.now();
      }
      await control.between(event.step);
    }
  } finally {
    control.running = false;
  }
}

/**
 * The note's Figure 1.2, live: a small MLP GAN on the default 1-D mixture
 * 0.3 N(-2, 0.5²) + 0.7 N(2, 1²).
 */
export async function trainToy1d(
  settings: ToySettings,
  control: RunControl,
  signal: AbortSignal,
): Promise<void> {
  const { model, config, data } = await toyRun(settings, 'mixture-1d');
  const mixture = toyOf('mixture-1d');
  const grid = Float32Array.from(
    { length: GRID_1D },
    (_, i) => X_1D[0] + ((X_1D[1] - X_1D[0]) * i) / (GRID_1D - 1),
  );
  const dataDensity = Float32Array.from(mixture.logDensity(grid), Math.exp);
  control.post({
    type: 'config',
    mode: 'toy1d',
    summary: `toy-gan on 0.3 N(-2, 0.5²) + 0.7 N(2, 1²): ${config.loss} loss, k ${config.k}, adam lr ${config.learningRate}, batch ${config.batchSize}`,
  });
  // Fixed z's, so frames differ only by what G and D learned.
  const zKde = model.sampleNoise(KDE_SAMPLES, deriveSeed(config.seed, 'toy-kde'));
  // The arrows start at evenly spaced z in [-2.5, 2.5], where most of N(0, 1) lies.
  const zArrows = tf.tidy(() =>
    tf.reshape(tf.linspace(-2.5, 2.5, ARROWS), [ARROWS, 1]),
  ) as tf.Tensor2D;
  const gridTensor = tf.tensor2d(grid, [GRID_1D, 1]);
  const trainer = new GanTrainer({ model, data, config });
  session.trainer = trainer;
  session.resumable = false;
  const inference = { training: false, seed: 0 };

  const frame = async (step: number, previous?: DensityFrame): Promise<DensityFrame> => {
    const [generated, arrows, d] = tf.tidy(() => [
      model.generate(trainer.generator, zKde, inference),
      model.generate(trainer.generator, zArrows, inference),
      tf.sigmoid(model.discriminate(trainer.discriminator, gridTensor, inference)),
    ]);
    const [g, x, disc, z] = (await Promise.all([
      generated!.data(),
      arrows!.data(),
      d!.data(),
      zArrows.data(),
    ])) as Float32Array[];
    tf.dispose([generated, arrows, d]);
    return {
      step,
      grid: grid.slice(),
      dataDensity: dataDensity.slice(),
      generated: previous ? previous.generated.slice() : g!,
      discriminator: disc!,
      z: z!,
      x: previous ? previous.x.slice() : x!,
    };
  };
  try {
    await drive(trainer, 'toy1d', control, signal, frame, (f) =>
      control.post({
        type: 'density',
        frame: {
          ...f,
          grid: f.grid.slice(),
          generated: f.generated.slice(),
          x: f.x.slice(),
          dataDensity: f.dataDensity.slice(),
          z: f.z.slice(),
          discriminator: f.discriminator.slice(),
        },
      }),
    );
  } finally {
    tf.dispose([zKde, zArrows, gridTensor]);
  }
}

/**
 * GAN Lab's picture: a small MLP GAN on a 2-D toy distribution, with D's
 * heatmap, real and generated points, G's manifold and the direction G's
 * next update pushes each generated point.
 */
export async function trainToy2d(
  settings: ToySettings,
  control: RunControl,
  signal: AbortSignal,
): Promise<void> {
  const name = settings.distribution ?? 'ring';
  if (!(TOY_2D as readonly string[]).includes(name)) {
    throw new Error(`Unknown 2-D distribution '${name}'; choose one of ${TOY_2D.join(', ')}.`);
  }
  const { model, config, data } = await toyRun(settings, name);
  control.post({
    type: 'config',
    mode: 'toy2d',
    summary: `toy-gan on ${name}: ${config.loss} loss, k ${config.k}, adam lr ${config.learningRate}, batch ${config.batchSize}`,
  });
  const real = data.points.slice(0, REAL_2D * 2);
  const zFake = model.sampleNoise(FAKE_2D, deriveSeed(config.seed, 'toy-fake'));
  const zMesh = tf.tensor2d(
    gridPoints({ x: [-MESH_Z, MESH_Z], y: [-MESH_Z, MESH_Z] }, MESH, MESH),
    [MESH * MESH, 2],
  );
  const heat = tf.tensor2d(gridPoints(DOMAIN_2D, HEAT, HEAT), [HEAT * HEAT, 2]);
  const trainer = new GanTrainer({ model, data, config });
  session.trainer = trainer;
  session.resumable = false;
  const inference = { training: false, seed: 0 };

  const frame = async (step: number, previous?: PlaneFrame): Promise<PlaneFrame> => {
    const [fake, gradients, d, mesh] = tf.tidy(() => {
      const points = previous
        ? tf.tensor2d(previous.fake, [FAKE_2D, 2])
        : (model.generate(trainer.generator, zFake, inference) as tf.Tensor2D);
      // G descends its objective: each point moves along minus its gradient.
      const grad = tf.grad((x: tf.Tensor) =>
        tf.mul(
          generatorObjective(
            config.loss,
            model.discriminate(trainer.discriminator, x, inference),
            config.generatorLoss,
          ),
          -FAKE_2D,
        ),
      )(points);
      return [
        points,
        grad,
        tf.sigmoid(model.discriminate(trainer.discriminator, heat, inference)),
        model.generate(trainer.generator, zMesh, inference),
      ];
    });
    const [f, g, dv, m] = (await Promise.all([
      fake!.data(),
      gradients!.data(),
      d!.data(),
      mesh!.data(),
    ])) as Float32Array[];
    tf.dispose([fake, gradients, d, mesh]);
    return {
      step,
      domain: DOMAIN_2D,
      real: real.slice(),
      fake: f!,
      gradients: g!,
      discriminator: dv!,
      rows: HEAT,
      cols: HEAT,
      manifold: m!,
      manifoldSize: MESH,
    };
  };
  try {
    await drive(trainer, 'toy2d', control, signal, frame, (f) =>
      control.post({
        type: 'plane',
        frame: {
          ...f,
          real: f.real.slice(),
          fake: f.fake.slice(),
          gradients: f.gradients.slice(),
          discriminator: f.discriminator.slice(),
          manifold: f.manifold.slice(),
        },
      }),
    );
  } finally {
    tf.dispose([zFake, zMesh, heat]);
  }
}
