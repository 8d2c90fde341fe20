import { imageGrid } from '@latent/vis';
import { drawLineChart } from './chart.js';
import type { FromWorker, Samples, ToWorker, TrainSettings } from './protocol.js';

type State = 'idle' | 'loading' | 'training' | 'stopped' | 'error';

const $ = <T extends Element>(selector: string): T => {
  const el = document.querySelector<T>(selector);
  if (!el) throw new Error(`index.html has no ${selector}`);
  return el;
};

const form = $<HTMLFormElement>('#settings');
const startButton = $<HTMLButtonElement>('#start');
const stopButton = $<HTMLButtonElement>('#stop');
const canvas = $<HTMLCanvasElement>('#samples');
const caption = $<HTMLElement>('#samples-caption');
const lossChart = $<SVGSVGElement>('#loss-chart');
const dChart = $<SVGSVGElement>('#d-chart');
const errorBox = $<HTMLPreElement>('#error');
const progress = $<HTMLProgressElement>('#progress');
const text = {
  state: $<HTMLElement>('#state'),
  backend: $<HTMLElement>('#backend'),
  step: $<HTMLElement>('#step'),
  total: $<HTMLElement>('#total'),
  epoch: $<HTMLElement>('#epoch'),
  epochs: $<HTMLElement>('#epochs'),
  rate: $<HTMLElement>('#rate'),
};

// Mean statistics of each `log` event, by step.
const history = { dLoss: [], gLoss: [], dReal: [], dFake: [] } as Record<
  'dLoss' | 'gLoss' | 'dReal' | 'dFake',
  [number, number][]
>;

let worker: Worker | undefined;
/** Epochs asked for in the current run, for the status line. */
let epochs = 0;

function setState(state: State, label: string = state): void {
  document.body.dataset.state = state;
  text.state.textContent = label;
  const busy = state === 'loading' || state === 'training';
  startButton.disabled = busy;
  stopButton.disabled = !busy;
  for (const field of form.querySelectorAll<HTMLInputElement | HTMLSelectElement>(
    'input, select',
  )) {
    field.disabled = busy;
  }
}

function showError(title: string, detail: string): void {
  errorBox.textContent = `${title}\n${detail}`;
  errorBox.hidden = false;
  progress.hidden = true;
  setState('error');
}

function drawSamples({ images, count, shape, pixelRange, step }: Samples): void {
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
  caption.textContent = `G(z) for ${count} fixed z, at step ${step}`;
}

function drawCharts(): void {
  const d = 'var(--d)';
  const g = 'var(--g)';
  drawLineChart(lossChart, [
    { label: 'D loss', color: d, points: history.dLoss },
    { label: 'G loss', color: g, points: history.gLoss },
  ]);
  drawLineChart(
    dChart,
    [
      { label: 'mean D(x)', color: d, points: history.dReal },
      { label: 'mean D(G(z))', color: g, points: history.dFake },
    ],
    { y: [0, 1] },
  );
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
      drawSamples(message.samples);
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
      text.epochs.textContent = ` / ${epochs}`;
      setState('training');
      return;
    case 'step':
      text.step.textContent = String(event.step);
      // Events count epochs completed; people count the one in progress.
      text.epoch.textContent = String(event.epoch + 1);
      return;
    case 'log':
      history.dLoss.push([event.step, event.dLoss]);
      history.gLoss.push([event.step, event.gLoss]);
      history.dReal.push([event.step, event.dReal]);
      history.dFake.push([event.step, event.dFake]);
      text.rate.textContent = (event.steps / event.seconds).toFixed(1);
      drawCharts();
      return;
    case 'samples':
      drawSamples(event);
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

function readSettings(): TrainSettings {
  const data = new FormData(form);
  const number = (name: string) => Number(data.get(name));
  return {
    backend: data.get('backend') === 'cpu' ? 'cpu' : 'wasm',
    batchSize: number('batchSize'),
    k: number('k'),
    learningRate: number('learningRate'),
    epochs: number('epochs'),
    seed: number('seed'),
  };
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  const settings = readSettings();
  epochs = settings.epochs;
  for (const points of Object.values(history)) points.length = 0;
  drawCharts();
  errorBox.hidden = true;
  text.step.textContent = '0';
  text.epoch.textContent = '–';
  text.epochs.textContent = '';
  text.rate.textContent = '–';
  setState('loading');
  send({ type: 'start', settings });
});

stopButton.addEventListener('click', () => {
  stopButton.disabled = true;
  send({ type: 'stop' });
});

drawCharts();
