import type { VaeFrame } from '@latent/train';
import type { FromWorker, PretrainedModel } from '../protocol.js';
import { $, drawGrid } from './dom.js';
import { scoreLine } from './pretrained.js';

const form = $<HTMLFormElement>('#vae-settings');
const recon = $<HTMLCanvasElement>('#vae-recon');
const samples = $<HTMLCanvasElement>('#vae-samples');
const manifold = $<HTMLCanvasElement>('#vae-manifold');
const caption = $('#vae-caption');
const manifoldCaption = $('#manifold-caption');
const modelSelect = $<HTMLSelectElement>('select[name=model]', form);
const latent = $<HTMLSelectElement>('select[name=latentDim]', form);

export function setVaeZoo(names: string[]): void {
  const chosen = modelSelect.value;
  modelSelect.replaceChildren(...names.map((n) => new Option(n, n, n === chosen, n === chosen)));
}

// Only the MLP VAE takes another latent size here; the others keep their own.
modelSelect.addEventListener('change', () => {
  latent.disabled = modelSelect.value !== 'mlp-vae';
});

/** True once a run has drawn here: a pretrained model's pictures then come too late to show. */
const ranHere = () => recon.dataset.step !== undefined || samples.dataset.step !== undefined;

function forgetPretrained(): void {
  for (const c of [recon, samples, manifold]) delete c.dataset.pretrained;
  caption.classList.remove('bad');
}

/** A 2-D VAE's manifold: a size x size grid of decoded images in [0, 1]. */
function showManifold(
  images: Float32Array,
  size: number,
  shape: readonly [number, number, number],
) {
  drawGrid(manifold, images, {
    count: size ** 2,
    shape,
    pixelRange: '[0,1]',
    columns: size,
    padding: 0,
    scale: 1,
  });
  manifold.hidden = false;
}

/** The shipped 2-D VAE: its samples and manifold (it has no encoder, so no reconstructions). */
function drawPretrained(message: Extract<FromWorker, { type: 'pretrained-vae' }>): void {
  if (ranHere()) return;
  const { model, samples: s } = message;
  drawGrid(samples, s.images, { ...s, padding: 1, scale: 1 });
  samples.dataset.pretrained = model.name;
  caption.textContent = `The pretrained ${model.title} (${model.model}, step ${model.step}; ${scoreLine(model)}): its decoder only, so no reconstructions. Start trains a new VAE, which replaces it.`;
  if (message.manifold && message.manifoldSize) {
    showManifold(message.manifold, message.manifoldSize, s.shape);
    manifold.dataset.pretrained = model.name;
    manifoldCaption.textContent = `z = Φ⁻¹(grid), the pretrained ${model.title}`;
  }
}

function pretrainedFailed(model: PretrainedModel, message: string): void {
  if (ranHere()) return;
  caption.classList.add('bad');
  caption.textContent = `Could not open the pretrained ${model.title}: ${message}. Start trains a VAE here as usual.`;
}

function drawFrame(frame: VaeFrame): void {
  forgetPretrained();
  // Pairs side by side, input then reconstruction, four pairs a row.
  const size = frame.inputs.length / frame.count;
  const pairs = new Float32Array(frame.inputs.length * 2);
  for (let i = 0; i < frame.count; i++) {
    pairs.set(frame.inputs.subarray(i * size, (i + 1) * size), 2 * i * size);
    pairs.set(frame.reconstructions.subarray(i * size, (i + 1) * size), (2 * i + 1) * size);
  }
  drawGrid(recon, pairs, {
    count: frame.count * 2,
    shape: frame.shape,
    pixelRange: '[0,1]',
    columns: 8,
    scale: 2,
  });
  recon.dataset.step = String(frame.step);
  caption.textContent = `inputs and their reconstructions (pairs), at step ${frame.step}`;
  if (frame.manifold && frame.manifoldSize) {
    showManifold(frame.manifold, frame.manifoldSize, frame.shape);
    manifold.dataset.step = String(frame.step);
    manifoldCaption.textContent = `z = Φ⁻¹(grid), step ${frame.step}`;
  } else {
    manifold.hidden = true;
    manifoldCaption.textContent = 'needs a 2-d latent';
  }
}

export function onVaeMessage(message: FromWorker): boolean {
  if (message.type === 'vae') {
    drawFrame(message.frame);
    return true;
  }
  if (message.type === 'pretrained-vae') {
    drawPretrained(message);
    return true;
  }
  if (message.type === 'pretrained-error' && message.model.tab === 'vae')
    pretrainedFailed(message.model, message.message);
  if (message.type === 'event' && message.mode === 'vae' && message.event.type === 'samples') {
    const e = message.event;
    forgetPretrained();
    drawGrid(samples, e.images, { ...e, padding: 1, scale: 1 });
    samples.dataset.step = String(e.step);
  }
  return false;
}
