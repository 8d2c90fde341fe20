import type { BackendName } from '@latent/backend';
import { type CheckpointFiles, readPickedCheckpoint } from '@latent/train';
import type { FromWorker, RunSettings, Samples, ToWorker, ZooEntry } from '../protocol.js';
import { $, drawGrid } from './dom.js';

const form = $<HTMLFormElement>('#images-settings');
const canvas = $<HTMLCanvasElement>('#samples');
const caption = $('#samples-caption');
const fileInput = $<HTMLInputElement>('#checkpoint-files');
const status = $('#checkpoint-status');
const saveButton = $<HTMLButtonElement>('#save-checkpoint');
const saveLinks = $('#save-links');
const about = $('#model-about');
const modelSelect = $<HTMLSelectElement>('select[name=model]', form);
const datasetSelect = $<HTMLSelectElement>('select[name=dataset]', form);
const folderPick = $('.folder-pick', form);
const folderInput = $<HTMLInputElement>('input[name=folder]', form);

let zoo: ZooEntry[] = [];
/** Object URLs of the last saved checkpoint, revoked when replaced. */
let urls: string[] = [];

/** Fills the model list from the worker's zoo (the CLI's `--model` names). */
export function setGanZoo(gans: ZooEntry[]): void {
  zoo = gans;
  const chosen = modelSelect.value;
  modelSelect.replaceChildren(
    ...gans.map((g) => new Option(g.name, g.name, g.name === chosen, g.name === chosen)),
  );
  showAbout();
}

function showAbout(): void {
  about.textContent = zoo.find((g) => g.name === modelSelect.value)?.about ?? '';
}

modelSelect.addEventListener('change', showAbout);
datasetSelect.addEventListener('change', () => {
  folderPick.hidden = datasetSelect.value !== 'folder';
});

/** The images form's page settings: how to measure the run, and the picked folder's files. */
export function imagePageSettings(): Pick<RunSettings, 'folder' | 'quality'> {
  const every = Number($<HTMLInputElement>('input[name=qualityEvery]', form).value) || undefined;
  const n = Number($<HTMLSelectElement>('select[name=qualityN]', form).value);
  const quality = { n, ...(every ? { every } : {}) };
  if (datasetSelect.value === 'folder') return { folder: [...(folderInput.files ?? [])], quality };
  return { quality };
}

export function drawSamples(samples: Samples, label: string): void {
  drawGrid(canvas, samples.images, samples);
  canvas.dataset.step = String(samples.step);
  caption.textContent = label;
}

/** Worker messages of this mode; returns false for the others. */
export function onImagesMessage(message: FromWorker): boolean {
  switch (message.type) {
    case 'preview':
      drawSamples(
        message.samples,
        `G(z) for ${message.samples.count} fixed z, at step ${message.samples.step}`,
      );
      delete canvas.dataset.source;
      return true;
    case 'checkpoint': {
      const { samples, source, ema, model } = message;
      drawSamples(
        samples,
        `checkpoint at step ${samples.step}: ${ema ? 'the moving average of G' : model.endsWith('vae') ? 'the decoder' : 'G'} for ${samples.count} random z`,
      );
      canvas.dataset.source = 'checkpoint';
      status.classList.remove('bad');
      status.textContent = `Opened ${source}: ${model}, step ${samples.step}.`;
      return true;
    }
    case 'checkpoint-error':
      status.classList.add('bad');
      status.textContent = `Cannot open this checkpoint. ${message.message}`;
      return true;
    case 'saved': {
      for (const u of urls) URL.revokeObjectURL(u);
      const json = URL.createObjectURL(new Blob([message.json], { type: 'application/json' }));
      const weights = URL.createObjectURL(
        new Blob([message.weights], { type: 'application/octet-stream' }),
      );
      urls = [json, weights];
      const link = (href: string, name: string) => {
        const a = document.createElement('a');
        a.href = href;
        a.download = name;
        a.textContent = name;
        a.dataset.testid = `download-${name}`;
        return a;
      };
      saveLinks.replaceChildren(
        `Step ${message.step}: `,
        link(json, 'checkpoint.json'),
        ' + ',
        link(weights, 'weights.bin'),
        message.resumable
          ? ' — save both into one folder, then latent resume <folder>.'
          : ' — a run on a picked folder opens here, but latent resume needs MNIST or Fashion-MNIST.',
      );
      saveLinks.hidden = false;
      saveButton.disabled = false;
      return true;
    }
    case 'save-error':
      saveLinks.textContent = `Cannot save: ${message.message}`;
      saveLinks.hidden = false;
      saveButton.disabled = false;
      return true;
    case 'event':
      if (message.mode !== 'images') return false;
      if (message.event.type === 'samples') {
        drawSamples(
          message.event,
          `G(z) for ${message.event.count} fixed z, at step ${message.event.step}`,
        );
        delete canvas.dataset.source;
      }
      return false;
    default:
      return false;
  }
}

/** Sends a checkpoint's two files to the worker, which checks them; only their pairing is checked here. */
async function openCheckpointFiles(
  list: Iterable<File>,
  send: (files: CheckpointFiles) => void,
): Promise<void> {
  status.classList.remove('bad');
  try {
    const files = await readPickedCheckpoint(list);
    status.textContent = `Checking ${files.source}…`;
    send(files);
  } catch (e) {
    status.classList.add('bad');
    status.textContent = (e as Error).message;
  }
}

/** Wires the checkpoint opener (file picker, and drop anywhere on the page) and the save button. */
export function initCheckpoints(send: (m: ToWorker) => void, backend: () => BackendName): void {
  const open = (list: Iterable<File>) =>
    void openCheckpointFiles(list, (files) => send({ type: 'open', files, backend: backend() }));
  fileInput.addEventListener('change', () => {
    if (fileInput.files) open(fileInput.files);
    // Choosing the same files again (after fixing them) should fire `change` again.
    fileInput.value = '';
  });
  // `dragenter`/`dragleave` fire per element crossed, so count them to know when the files left the window.
  let depth = 0;
  const hasFiles = (e: DragEvent) => e.dataTransfer?.types.includes('Files') ?? false;
  document.addEventListener('dragenter', (e) => {
    if (!hasFiles(e)) return;
    depth++;
    document.body.classList.add('dropping');
  });
  document.addEventListener('dragleave', (e) => {
    if (!hasFiles(e)) return;
    depth = Math.max(0, depth - 1);
    if (depth === 0) document.body.classList.remove('dropping');
  });
  document.addEventListener('dragover', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
  });
  document.addEventListener('drop', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth = 0;
    document.body.classList.remove('dropping');
    if (e.dataTransfer) open(e.dataTransfer.files);
  });
  saveButton.addEventListener('click', () => {
    saveButton.disabled = true;
    saveLinks.hidden = false;
    saveLinks.textContent = 'Preparing the checkpoint…';
    send({ type: 'save' });
  });
}

/** Save works while a run exists (training, paused or finished). */
export function setSaveEnabled(on: boolean): void {
  saveButton.disabled = !on;
}
