import { ganDensityPlot } from './density1d.js';
import { type Domain2d, gan2dPlot } from './gan2d.js';

/** A toy GAN's 1-D state: the note's Figure 1.2 at one step. */
export interface ToyDensityFrame {
  step: number;
  /** Slow motion: the picture right after D's update (G not yet moved) or after G's. */
  phase?: 'discriminator' | 'generator';
  /** x positions, ascending, shape [n]. */
  grid: Float32Array;
  /** p_data on the grid, shape [n]. */
  dataDensity: Float32Array;
  /** G(z) for many z, shape [m]: p_g is estimated from them. */
  generated: Float32Array;
  /** D(x) on the grid, in [0, 1], shape [n]. */
  discriminator: Float32Array;
  /** A few z and their G(z), for the arrows, shape [k] each. */
  z: Float32Array;
  x: Float32Array;
}

/** A toy GAN's 2-D state: GAN Lab's picture at one step. */
export interface ToyPlaneFrame {
  step: number;
  phase?: 'discriminator' | 'generator';
  domain: Domain2d;
  /** Data samples [n, 2] and G(z) for fixed z [m, 2], as (x, y) pairs. */
  real: Float32Array;
  fake: Float32Array;
  /** Where G's next update moves each fake point: d(-G loss)/dx at G(z), [m, 2]. */
  gradients: Float32Array;
  /** D(x) on `gridPoints(domain, rows, cols)`. */
  discriminator: Float32Array;
  rows: number;
  cols: number;
  /** G of a `manifoldSize`² grid of z, [manifoldSize², 2]. */
  manifold: Float32Array;
  manifoldSize: number;
}

/**
 * Figure 1.2 of a frame as SVG, on fixed axes so that frames of one run
 * compare as they replace each other (the page) or sit side by side (a run's
 * report).
 */
export function toyDensitySvg(frame: ToyDensityFrame, title?: string): string {
  const n = frame.grid.length;
  return ganDensityPlot(
    {
      grid: frame.grid,
      dataDensity: frame.dataDensity,
      generatorSamples: frame.generated,
      discriminator: frame.discriminator,
      mapping: { z: frame.z, x: frame.x },
    },
    {
      width: 640,
      height: 420,
      ...(title ? { title } : {}),
      xDomain: [frame.grid[0]!, frame.grid[n - 1]!],
      zDomain: [-3, 3],
      densityMax: 0.6,
      maxArrows: frame.z.length,
    },
  );
}

/** GAN Lab's picture of a frame as SVG: D's heatmap, real and fake points, G's manifold and update arrows. */
export function toyPlaneSvg(frame: ToyPlaneFrame, title?: string): string {
  return gan2dPlot(
    {
      real: frame.real,
      fake: frame.fake,
      fakeGradients: frame.gradients,
      discriminator: { values: frame.discriminator, rows: frame.rows, cols: frame.cols },
      manifold: { points: frame.manifold, rows: frame.manifoldSize, cols: frame.manifoldSize },
    },
    {
      domain: frame.domain,
      size: 520,
      pointRadius: 2.2,
      arrowLength: 0.045,
      ...(title ? { title } : {}),
    },
  );
}
