import type { Explorable, ExploreRequest, FromWorker, ToWorker } from '../protocol.js';
import { $, drawGrid } from './dom.js';

/** Sliders over z's first dimensions. */
const DIMS = 6;

const source = $('#explore-source');
const sliders = $('#sliders');
const image = $<HTMLCanvasElement>('#explore-image');
const path = $<HTMLCanvasElement>('#explore-path');
const pathCaption = $('#path-caption');
const seedA = $<HTMLInputElement>('#seed-a');
const seedB = $<HTMLInputElement>('#seed-b');
const steps = $<HTMLInputElement>('#explore-steps');
const spherical = $<HTMLInputElement>('#slerp');
const classPick = $('#class-pick');
const classSelect = $<HTMLSelectElement>('#class-select');
const random = $<HTMLButtonElement>('#explore-random');

let current: Explorable | undefined;
/** Slider values the user set; null: the sample's own value. */
let dims: (number | null)[] = [];
/** One request in flight at a time; the newest waiting one replaces older ones. */
let inFlight = false;
let queued = false;
let send: (m: ToWorker) => void = () => {};
let visible = () => false;

function request(): ExploreRequest {
  return {
    seedA: Number(seedA.value),
    seedB: Number(seedB.value),
    dims,
    steps: Number(steps.value),
    spherical: spherical.checked,
    ...(current?.classes ? { label: Number(classSelect.value) } : {}),
  };
}

/** Asks the worker for new pictures (coalescing slider drags into one request at a time). */
export function refresh(): void {
  if (!current || !visible()) return;
  if (inFlight) {
    queued = true;
    return;
  }
  inFlight = true;
  send({ type: 'explore', request: request() });
}

function buildSliders(): void {
  const n = Math.min(DIMS, current?.latentDim ?? 0);
  dims = Array.from({ length: n }, () => null);
  const [lo, hi] = current?.range ?? [-3, 3];
  sliders.replaceChildren(
    ...Array.from({ length: n }, (_, i) => {
      const label = document.createElement('label');
      label.className = 'slider';
      const input = document.createElement('input');
      Object.assign(input, { type: 'range', min: String(lo), max: String(hi), step: '0.01' });
      input.dataset.dim = String(i);
      input.setAttribute('aria-label', `z${i + 1}`);
      const value = document.createElement('output');
      input.addEventListener('input', () => {
        dims[i] = Number(input.value);
        value.textContent = Number(input.value).toFixed(2);
        refresh();
      });
      label.append(`z${i + 1}`, input, value);
      return label;
    }),
  );
}

export function initExplorer(post: (m: ToWorker) => void, isVisible: () => boolean): void {
  send = post;
  visible = isVisible;
  for (const el of [seedA, seedB, steps, spherical, classSelect]) {
    el.addEventListener('change', () => {
      if (el === seedA) dims = dims.map(() => null);
      refresh();
    });
  }
  random.addEventListener('click', () => {
    seedA.value = String(Math.floor(Math.random() * 1e6));
    seedB.value = String(Math.floor(Math.random() * 1e6));
    dims = dims.map(() => null);
    refresh();
  });
}

export function onExplorerMessage(message: FromWorker): boolean {
  switch (message.type) {
    case 'explorable':
      current = message.explorable;
      source.textContent = current
        ? `Drawing from ${current.source} (${current.latentDim}-d z).${current.pretrained ? ' Training a new model (Images or VAE) or opening a checkpoint replaces it.' : ''}`
        : 'Train a model (Images or VAE) or open a checkpoint: the explorer draws from it.';
      classPick.hidden = !current?.classes;
      classSelect.replaceChildren(
        ...(current?.classes ?? []).map((c, i) => new Option(c, String(i))),
      );
      buildSliders();
      refresh();
      return true;
    case 'explored': {
      inFlight = false;
      const { shape, pixelRange } = message;
      drawGrid(image, message.image, {
        count: 1,
        shape,
        pixelRange,
        columns: 1,
        scale: 6,
        padding: 0,
      });
      drawGrid(path, message.path, {
        count: message.steps,
        shape,
        pixelRange,
        columns: message.steps,
        scale: 2,
      });
      image.dataset.drawn = String(Number(image.dataset.drawn ?? 0) + 1);
      pathCaption.textContent = `${message.steps} steps from z_A (seed ${seedA.value}) to z_B (seed ${seedB.value}), ${spherical.checked ? 'spherical' : 'linear'}`;
      // Sliders not moved by the user show the sample's own values.
      for (const input of sliders.querySelectorAll<HTMLInputElement>('input')) {
        const i = Number(input.dataset.dim);
        if (dims[i] === null && message.dims[i] !== undefined) {
          input.value = String(message.dims[i]);
          const out = input.nextElementSibling;
          if (out) out.textContent = message.dims[i]!.toFixed(2);
        }
      }
      if (queued) {
        queued = false;
        refresh();
      }
      return true;
    }
    case 'explore-error':
      inFlight = false;
      source.textContent = message.message;
      return true;
    default:
      return false;
  }
}
