import { type ToyDensityFrame, type ToyPlaneFrame, toyDensitySvg, toyPlaneSvg } from '@latent/vis';
import type { FromWorker } from '../protocol.js';
import { $ } from './dom.js';

const density = $('#density');
const densityCaption = $('#density-caption');
const plane = $('#plane');
const planeCaption = $('#plane-caption');
const distribution = $<HTMLSelectElement>('#toy2d-settings select[name=dataset]');

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

function drawDensity(frame: ToyDensityFrame): void {
  density.innerHTML = toyDensitySvg(frame);
  density.dataset.step = String(frame.step);
  density.dataset.phase = frame.phase ?? '';
  densityCaption.textContent = caption(frame.step, frame.phase);
}

function drawPlane(frame: ToyPlaneFrame): void {
  plane.innerHTML = toyPlaneSvg(frame);
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
