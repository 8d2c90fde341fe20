import { gan2dPlot, ganDensityPlot } from '@latent/vis';
import type { DensityFrame, FromWorker, PlaneFrame, ToySettings } from '../protocol.js';
import { $ } from './dom.js';

const density = $('#density');
const densityCaption = $('#density-caption');
const plane = $('#plane');
const planeCaption = $('#plane-caption');
const distribution = $<HTMLSelectElement>('select[name=distribution]');

const PHASE = {
  discriminator: "D's update (G not moved yet)",
  generator: "then G's update",
} as const;

function caption(step: number, phase?: keyof typeof PHASE): string {
  return phase ? `step ${step}: ${PHASE[phase]}` : `at step ${step}`;
}

/** Fills the 2-D distribution list (`TOY_2D` of `@latent/datasets`). */
export function setToy2d(names: string[]): void {
  const chosen = distribution.value || 'ring';
  distribution.replaceChildren(...names.map((n) => new Option(n, n, n === chosen, n === chosen)));
}

export function readToySettings(mode: 'toy1d' | 'toy2d', form: HTMLFormElement): ToySettings {
  const data = new FormData(form);
  const number = (name: string) => Number(data.get(name));
  return {
    mode,
    ...(mode === 'toy2d' ? { distribution: String(data.get('distribution')) } : {}),
    loss: String(data.get('loss') ?? 'gan'),
    batchSize: number('batchSize'),
    k: number('k'),
    learningRate: number('learningRate'),
    maxSteps: number('maxSteps'),
    seed: number('seed'),
  };
}

function drawDensity(frame: DensityFrame): void {
  const n = frame.grid.length;
  density.innerHTML = ganDensityPlot(
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
      // Fixed axes, so frames are comparable as they replace each other.
      xDomain: [frame.grid[0]!, frame.grid[n - 1]!],
      zDomain: [-3, 3],
      densityMax: 0.6,
      maxArrows: frame.z.length,
    },
  );
  density.dataset.step = String(frame.step);
  density.dataset.phase = frame.phase ?? '';
  densityCaption.textContent = caption(frame.step, frame.phase);
}

function drawPlane(frame: PlaneFrame): void {
  plane.innerHTML = gan2dPlot(
    {
      real: frame.real,
      fake: frame.fake,
      fakeGradients: frame.gradients,
      discriminator: { values: frame.discriminator, rows: frame.rows, cols: frame.cols },
      manifold: { points: frame.manifold, rows: frame.manifoldSize, cols: frame.manifoldSize },
    },
    { domain: frame.domain, size: 520, pointRadius: 2.2, arrowLength: 0.045 },
  );
  plane.dataset.step = String(frame.step);
  plane.dataset.phase = frame.phase ?? '';
  planeCaption.textContent = caption(frame.step, frame.phase);
}

export function onToyMessage(message: FromWorker): boolean {
  if (message.type === 'density') drawDensity(message.frame);
  else if (message.type === 'plane') drawPlane(message.frame);
  else return false;
  return true;
}
