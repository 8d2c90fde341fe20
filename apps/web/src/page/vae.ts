import type { FromWorker, VaeFrame, VaeSettings } from '../protocol.js';
import { $, drawGrid } from './dom.js';

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

export function readVaeSettings(): VaeSettings {
  const data = new FormData(form);
  const number = (name: string) => Number(data.get(name));
  const latentDim = String(data.get('latentDim') ?? '');
  return {
    mode: 'vae',
    model: modelSelect.value,
    dataset: data.get('dataset') === 'fashion-mnist' ? 'fashion-mnist' : 'mnist',
    ...(latentDim && modelSelect.value === 'mlp-vae' ? { latentDim: Number(latentDim) } : {}),
    batchSize: number('batchSize'),
    learningRate: number('learningRate'),
    epochs: number('epochs'),
    seed: number('seed'),
  };
}

function drawFrame(frame: VaeFrame): void {
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
    drawGrid(manifold, frame.manifold, {
      count: frame.manifoldSize ** 2,
      shape: frame.shape,
      pixelRange: '[0,1]',
      columns: frame.manifoldSize,
      padding: 0,
      scale: 1,
    });
    manifold.hidden = false;
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
  if (message.type === 'event' && message.mode === 'vae' && message.event.type === 'samples') {
    const e = message.event;
    drawGrid(samples, e.images, { ...e, padding: 1, scale: 1 });
    samples.dataset.step = String(e.step);
  }
  return false;
}
