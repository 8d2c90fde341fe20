import { ganDensityPlot, imageGrid, lineChart } from '@latent/vis';
import type {
  DensityFrame,
  FromWorker,
  Mode,
  Samples,
  ToWorker,
  TrainSettings,
} from './protocol.js';

type State = 'idle' | 'loading' | 'training' | 'stopped' | 'error';

const $ = <T extends Element>(selector: string): T => {
  const el = document.querySelector<T>(selector);
  if (!el) throw new Error(`index.html has no ${selector}`);
  return el;
};

const forms: Record<Mode, HTMLFormElement> = {
  mnist: $<HTMLFormElement>('#settings'),
  toy1d: $<HTMLFormElement>('#toy-settings'),
};
const tabs = [...document.querySelectorAll<HTMLButtonElement>('[role=tab]')];
const canvas = $<HTMLCanvasElement>('#samples');
const caption = $<HTMLElement>('#samples-caption');
const density = $<HTMLElement>('#density');
const densityCaption = $<HTMLElement>('#density-caption');
const lossChart = $<HTMLElement>('#loss-chart');
const dChart = $<HTMLElement>('#d-chart');
const errorBox = $<HTMLPreElement>('#error');
const progress = $<HTMLProgressElement>('#progress');
const fileInput = $<HTMLInputElement>('#checkpoint-files');
const checkpointStatus = $<HTMLElement>('#checkpoint-status');
const text = {
  state: $<HTMLElement>('#state'),
  backend: $<HTMLElement>('#backend'),
  step: $<HTMLElement>('#step'),
  total: $<HTMLElement>('#total'),
  epoch: $<HTMLElement>('#epoch'),
  epochs: $<HTMLElement>('#epochs'),
  rate: $<HTMLElement>('#rate'),
};

/** Series colours, as in the stylesheet's --d and --g (SVG attributes cannot read CSS variables). */
const D_COLOR = '#d9480f';
const G_COLOR = '#3b5bdb';
/** Chart width when its column has no width yet; charts are drawn at their column's width, so text stays 1:1. */
const CHART_WIDTH = 380;

// Mean statistics of each `log` event, by step.
const history = {
  step: [] as number[],
  dLoss: [] as number[],
  gLoss: [] as number[],
  dReal: [] as number[],
  dFake: [] as number[],
};

let worker: Worker | undefined;
/** Epochs asked for in the current run, for the status line. */
let epochs = 0;
/** The mode whose run is in progress (or ran last). */
let runMode: Mode = 'mnist';

function setState(state: State, label: string = state): void {
  document.body.dataset.state = state;
  text.state.textContent = label;
  const busy = state === 'loading' || state === 'training';
  for (const [mode, form] of Object.entries(forms) as [Mode, HTMLFormElement][]) {
    const start = form.querySelector<HTMLButtonElement>('.start');
    const stop = form.querySelector<HTMLButtonElement>('.stop');
    if (start) start.disabled = busy;
    if (stop) stop.disabled = !busy || mode !== runMode;
    for (const field of form.querySelectorAll<HTMLInputElement | HTMLSelectElement>(
      'input, select',
    )) {
      field.disabled = busy;
    }
  }
}

/** Shows one mode's form and picture; a run in the other mode goes on. */
function selectMode(mode: Mode, focus = false): void {
  document.body.dataset.mode = mode;
  for (const tab of tabs) {
    const selected = tab.dataset.mode === mode;
    tab.setAttribute('aria-selected', String(selected));
    tab.tabIndex = selected ? 0 : -1;
    if (selected && focus) tab.focus();
  }
  for (const el of document.querySelectorAll<HTMLElement>('.mnist-only')) {
    el.hidden = mode !== 'mnist';
  }
  for (const el of document.querySelectorAll<HTMLElement>('.toy1d-only')) {
    el.hidden = mode !== 'toy1d';
  }
  // The charts' column changes width with the mode.
  drawCharts();
}

function showError(title: string, detail: string): void {
  errorBox.textContent = `${title}\n${detail}`;
  errorBox.hidden = false;
  progress.hidden = true;
  setState('error');
}

function drawSamples({ images, count, shape, pixelRange, step }: Samples, label: string): void {
  const [height, width, channels] = shape;
  const grid = imageGrid(images, {
    count,
    height,
    width,
    channels: channels as 1 | 3,
    columns: Math.ceil(Math.sqrt(count)),
    padding: 2,
    range: pixelRange,
    scale: 2,
  });
  canvas.width = grid.width;
  canvas.height = grid.height;
  canvas.getContext('2d')?.putImageData(new ImageData(grid.data, grid.width, grid.height), 0, 0);
  canvas.dataset.step = String(step);
  caption.textContent = label;
}

function drawCharts(): void {
  const width = Math.max(240, Math.floor(lossChart.clientWidth) || CHART_WIDTH);
  const height = Math.round(Math.min(300, Math.max(220, width * 0.72)));
  const common = { width, height, smoothing: 0.6 };
  lossChart.innerHTML = lineChart(
    [
      { label: 'D loss', x: history.step, y: history.dLoss, color: D_COLOR },
      { label: 'G loss', x: history.step, y: history.gLoss, color: G_COLOR },
    ],
    common,
  );
  dChart.innerHTML = lineChart(
    [
      { label: 'mean D(x)', x: history.step, y: history.dReal, color: D_COLOR },
      { label: 'mean D(G(z))', x: history.step, y: history.dFake, color: G_COLOR },
    ],
    { ...common, yDomain: [0, 1], referenceLines: [{ y: 0.5, label: 'equilibrium ½' }] },
  );
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
  densityCaption.textContent = `at step ${frame.step}`;
}

function onMessage(message: FromWorker): void {
  switch (message.type) {
    case 'backend': {
      const { name, simd, threads } = message.info;
      const isolation = crossOriginIsolated ? '' : ' (page not cross-origin isolated)';
      text.backend.textContent =
        name === 'wasm'
          ? `wasm · SIMD ${simd ? 'on' : 'off'} · threads ${threads ? 'on' : `off${isolation}`}`
          : `${name} (pure JS)`;
      return;
    }
    case 'loading': {
      const { loaded, total } = message;
      progress.hidden = false;
      progress.value = total > 0 ? loaded / total : 0;
      text.state.textContent = `loading MNIST ${(loaded / 1e6).toFixed(1)} / ${(total / 1e6).toFixed(1)} MB`;
      return;
    }
    case 'preview':
      drawSamples(
        message.samples,
        `G(z) for ${message.samples.count} fixed z, at step ${message.samples.step}`,
      );
      delete canvas.dataset.source;
      return;
    case 'density':
      drawDensity(message.frame);
      return;
    case 'checkpoint': {
      const { samples, source, ema } = message;
      selectMode('mnist');
      drawSamples(
        samples,
        `checkpoint at step ${samples.step}: ${ema ? 'the moving average of G' : 'G'} for ${samples.count} random z`,
      );
      canvas.dataset.source = 'checkpoint';
      checkpointStatus.classList.remove('bad');
      checkpointStatus.textContent = `Opened ${source}: ${message.model}, step ${samples.step}.`;
      return;
    }
    case 'checkpoint-error':
      checkpointStatus.classList.add('bad');
      checkpointStatus.textContent = `Cannot open this checkpoint. ${message.message}`;
      return;
    case 'error':
      showError(
        message.name === 'Error' ? 'Training failed' : `Training failed (${message.name})`,
        message.message,
      );
      // A failed run may leave tensors or a half-started backend behind; start clean.
      worker?.terminate();
      worker = undefined;
      return;
    case 'event':
      break;
  }
  const event = message.event;
  switch (event.type) {
    case 'start':
      progress.hidden = true;
      text.total.textContent = ` / ${event.totalSteps.toLocaleString('en')}`;
      text.epoch.textContent = String(event.epoch + 1);
      text.epochs.textContent = runMode === 'mnist' ? ` / ${epochs}` : '';
      setState('training');
      return;
    case 'step':
      text.step.textContent = String(event.step);
      // Events count epochs completed; people count the one in progress.
      text.epoch.textContent = String(event.epoch + 1);
      return;
    case 'log':
      history.step.push(event.step);
      history.dLoss.push(event.dLoss);
      history.gLoss.push(event.gLoss);
      history.dReal.push(event.dReal);
      history.dFake.push(event.dFake);
      text.rate.textContent = (event.steps / event.seconds).toFixed(1);
      drawCharts();
      return;
    case 'samples':
      drawSamples(event, `G(z) for ${event.count} fixed z, at step ${event.step}`);
      delete canvas.dataset.source;
      return;
    case 'done':
      setState('stopped', event.reason === 'aborted' ? 'stopped' : `done (${event.reason})`);
      return;
  }
}

function startWorker(): Worker {
  const w = new Worker(new URL('./train.worker.ts', import.meta.url), { type: 'module' });
  w.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
  // Fires when the worker script fails to load or throws outside a run.
  w.onerror = (e) => {
    e.preventDefault();
    showError('The training worker crashed', e.message || 'no message (see the browser console)');
    w.terminate();
    worker = undefined;
  };
  return w;
}

function send(message: ToWorker): void {
  worker ??= startWorker();
  worker.postMessage(message);
}

function readSettings(mode: Mode): TrainSettings {
  const data = new FormData(forms[mode]);
  const number = (name: string) => Number(data.get(name));
  return {
    mode,
    backend: data.get('backend') === 'cpu' ? 'cpu' : 'wasm',
    batchSize: number('batchSize'),
    k: number('k'),
    learningRate: number('learningRate'),
    seed: number('seed'),
    ...(mode === 'mnist' ? { epochs: number('epochs') } : { maxSteps: number('maxSteps') }),
  };
}

for (const [mode, form] of Object.entries(forms) as [Mode, HTMLFormElement][]) {
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const settings = readSettings(mode);
    runMode = mode;
    epochs = settings.epochs ?? 0;
    for (const values of Object.values(history)) {
      values.length = 0;
    }
    drawCharts();
    errorBox.hidden = true;
    text.step.textContent = '0';
    text.total.textContent = '';
    text.epoch.textContent = '–';
    text.epochs.textContent = '';
    text.rate.textContent = '–';
    setState('loading', mode === 'mnist' ? 'loading' : 'starting');
    send({ type: 'start', settings });
  });
  form.querySelector('.stop')?.addEventListener('click', (e) => {
    (e.currentTarget as HTMLButtonElement).disabled = true;
    send({ type: 'stop' });
  });
}

// Tabs: click, or arrow keys between them (the ARIA tabs pattern).
for (const tab of tabs) {
  tab.addEventListener('click', () => selectMode(tab.dataset.mode as Mode));
  tab.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    e.preventDefault();
    const next =
      tabs[(tabs.indexOf(tab) + (e.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length];
    if (next) selectMode(next.dataset.mode as Mode, true);
  });
}

/**
 * Sends a checkpoint's two files to the worker, which validates them. Only the
 * pairing is checked here: which file is which, by name.
 */
async function openCheckpoint(list: Iterable<File>): Promise<void> {
  const files = [...list];
  const json = files.find((f) => f.name.toLowerCase().endsWith('.json'));
  const bin = files.find((f) => f.name.toLowerCase().endsWith('.bin'));
  checkpointStatus.classList.remove('bad');
  if (files.length !== 2 || !json || !bin) {
    const names = files.map((f) => f.name).join(', ') || 'no files';
    checkpointStatus.classList.add('bad');
    checkpointStatus.textContent = `Choose the two files of a checkpoint folder, checkpoint.json and weights.bin (got ${names}).`;
    return;
  }
  checkpointStatus.textContent = `Checking ${json.name} + ${bin.name}…`;
  try {
    const [text, weights] = await Promise.all([json.text(), bin.arrayBuffer()]);
    const backend = new FormData(forms.mnist).get('backend') === 'cpu' ? 'cpu' : 'wasm';
    send({
      type: 'open',
      files: { json: text, weights, source: `${json.name} + ${bin.name}` },
      backend,
    });
  } catch (e) {
    checkpointStatus.classList.add('bad');
    checkpointStatus.textContent = `Cannot read the files: ${(e as Error).message}`;
  }
}

fileInput.addEventListener('change', () => {
  if (fileInput.files) void openCheckpoint(fileInput.files);
  // Choosing the same files again (after fixing them) should fire `change` again.
  fileInput.value = '';
});

// Drag and drop anywhere on the page. `dragenter`/`dragleave` fire per element
// crossed, so count them to know when the files left the window.
let dragDepth = 0;
const hasFiles = (e: DragEvent) => e.dataTransfer?.types.includes('Files') ?? false;
document.addEventListener('dragenter', (e) => {
  if (!hasFiles(e)) return;
  dragDepth++;
  document.body.classList.add('dropping');
});
document.addEventListener('dragleave', (e) => {
  if (!hasFiles(e)) return;
  dragDepth = Math.max(0, dragDepth - 1);
  if (dragDepth === 0) document.body.classList.remove('dropping');
});
document.addEventListener('dragover', (e) => {
  if (!hasFiles(e)) return;
  e.preventDefault();
  if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
});
document.addEventListener('drop', (e) => {
  if (!hasFiles(e)) return;
  e.preventDefault();
  dragDepth = 0;
  document.body.classList.remove('dropping');
  if (e.dataTransfer) void openCheckpoint(e.dataTransfer.files);
});

let resizing = 0;
window.addEventListener('resize', () => {
  cancelAnimationFrame(resizing);
  resizing = requestAnimationFrame(drawCharts);
});

selectMode('mnist');
