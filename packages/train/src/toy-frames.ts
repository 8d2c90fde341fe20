import { deriveSeed, type PointSet, type ToyDistribution } from '@latent/datasets';
import { gridPoints, type ToyDensityFrame, type ToyPlaneFrame } from '@latent/vis';
import * as tf from '@tensorflow/tfjs-core';
import type { GanTrainer } from './gan-trainer.js';
import { generatorObjective } from './losses.js';

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

const INFERENCE = { training: false, seed: 0 };

/** `count` evenly spaced values from `lo` to `hi`. */
function linspace(lo: number, hi: number, count: number): Float32Array {
  return Float32Array.from({ length: count }, (_, i) => lo + ((hi - lo) * i) / (count - 1));
}

/**
 * Pictures of a toy GAN as it trains, from fixed z so that frames differ only
 * by what G and D learned: the note's Figure 1.2 for 1-D data (p_data, p_g,
 * D(x) and the mapping z -> x) and GAN Lab's picture for 2-D data. The web
 * app draws them live; `latent train` writes one per epoch.
 */
export class ToyFrames {
  private readonly fixed: tf.Tensor[] = [];

  constructor(
    private readonly trainer: GanTrainer,
    private readonly distribution: ToyDistribution,
    private readonly seed: number,
  ) {}

  /** The picture at the trainer's state; with `previous`, G's side is taken from it (D just moved). */
  frame(previous?: ToyDensityFrame | ToyPlaneFrame): Promise<ToyDensityFrame | ToyPlaneFrame> {
    return this.distribution.dim === 1
      ? this.density(previous as ToyDensityFrame | undefined)
      : this.plane(previous as ToyPlaneFrame | undefined);
  }

  /** Figure 1.2 at this step. */
  async density(previous?: ToyDensityFrame): Promise<ToyDensityFrame> {
    const { model, zKde, zArrows, grid, xs, dataDensity } = this.density1d();
    const { generator, discriminator } = this.trainer;
    const [generated, arrows, d] = tf.tidy(() => [
      model.generate(generator, zKde, INFERENCE),
      model.generate(generator, zArrows, INFERENCE),
      tf.sigmoid(model.discriminate(discriminator, grid, INFERENCE)),
    ]);
    const [g, x, disc, z] = (await Promise.all([
      generated!.data(),
      arrows!.data(),
      d!.data(),
      zArrows.data(),
    ])) as Float32Array[];
    tf.dispose([generated, arrows, d]);
    return {
      step: this.trainer.step,
      grid: xs.slice(),
      dataDensity: dataDensity.slice(),
      generated: previous ? previous.generated.slice() : g!,
      discriminator: disc!,
      z: z!,
      x: previous ? previous.x.slice() : x!,
    };
  }

  /** GAN Lab's picture at this step. */
  async plane(previous?: ToyPlaneFrame): Promise<ToyPlaneFrame> {
    const { model, config, generator, discriminator } = this.trainerParts();
    const { zFake, zMesh, heat, real } = this.plane2d();
    const [fake, gradients, d, mesh] = tf.tidy(() => {
      const points = previous
        ? tf.tensor2d(previous.fake, [FAKE_2D, 2])
        : (model.generate(generator, zFake, INFERENCE) as tf.Tensor2D);
      // G descends its objective: each point moves along minus its gradient.
      const objective = (x: tf.Tensor) =>
        tf.mul(
          generatorObjective(
            config.loss,
            model.discriminate(discriminator, x, INFERENCE),
            config.generatorLoss,
          ),
          -FAKE_2D,
        );
      return [
        points,
        tf.grad(objective)(points),
        tf.sigmoid(model.discriminate(discriminator, heat, INFERENCE)),
        model.generate(generator, zMesh, INFERENCE),
      ];
    });
    const values = (await Promise.all([
      fake!.data(),
      gradients!.data(),
      d!.data(),
      mesh!.data(),
    ])) as Float32Array[];
    tf.dispose([fake, gradients, d, mesh]);
    const [f, g, dv, m] = values;
    return {
      step: this.trainer.step,
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
  }

  dispose(): void {
    tf.dispose(this.fixed);
    this.fixed.length = 0;
    this.cache1d = undefined;
    this.cache2d = undefined;
  }

  private trainerParts() {
    const { model, config } = this.trainer.options;
    return {
      model,
      config,
      generator: this.trainer.generator,
      discriminator: this.trainer.discriminator,
    };
  }

  private keep<T extends tf.Tensor>(t: T): T {
    this.fixed.push(t);
    return t;
  }

  private cache1d:
    | {
        zKde: tf.Tensor2D;
        zArrows: tf.Tensor2D;
        grid: tf.Tensor2D;
        xs: Float32Array;
        dataDensity: Float32Array;
      }
    | undefined;

  private density1d() {
    const { model } = this.trainer.options;
    if (!this.cache1d) {
      const xs = linspace(X_1D[0], X_1D[1], GRID_1D);
      this.cache1d = {
        zKde: this.keep(model.sampleNoise(KDE_SAMPLES, deriveSeed(this.seed, 'toy-kde'))),
        // The arrows start at evenly spaced z in [-2.5, 2.5], where most of N(0, 1) lies.
        zArrows: this.keep(tf.tensor2d(linspace(-2.5, 2.5, ARROWS), [ARROWS, 1])),
        grid: this.keep(tf.tensor2d(xs, [GRID_1D, 1])),
        xs,
        dataDensity: Float32Array.from(this.distribution.logDensity(xs), Math.exp),
      };
    }
    return { model, ...this.cache1d };
  }

  private cache2d:
    | { zFake: tf.Tensor2D; zMesh: tf.Tensor2D; heat: tf.Tensor2D; real: Float32Array }
    | undefined;

  private plane2d() {
    if (!this.cache2d) {
      const { model } = this.trainer.options;
      const data = this.trainer.options.data as PointSet;
      this.cache2d = {
        real: data.points.slice(0, REAL_2D * 2),
        zFake: this.keep(model.sampleNoise(FAKE_2D, deriveSeed(this.seed, 'toy-fake'))),
        zMesh: this.keep(
          tf.tensor2d(gridPoints({ x: [-MESH_Z, MESH_Z], y: [-MESH_Z, MESH_Z] }, MESH, MESH), [
            MESH * MESH,
            2,
          ]),
        ),
        heat: this.keep(tf.tensor2d(gridPoints(DOMAIN_2D, HEAT, HEAT), [HEAT * HEAT, 2])),
      };
    }
    return this.cache2d;
  }
}
