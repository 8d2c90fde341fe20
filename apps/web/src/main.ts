// The page: tabs, run controls and the status line; each mode draws its own
// pictures (./page/). Training runs in ./train.worker.ts.
import type { BackendName } from '@latent/backend';
import { clearCharts, drawCharts, logStats } from './page/charts.js';
import { $, formRequest } from './page/dom.js';
import { initExplorer, onExplorerMessage, refresh as refreshExplorer } from './page/explorer.js';
import { initExport, onExportMessage } from './page/export.js';
import {
  imagePageSettings,
  initCheckpoints,
  onImagesMessage,
  setGanZoo,
  setSaveEnabled,
} from './page/images.js';
import { initPretrained, onPretrainedMessage } from './page/pretrained.js';
import { clearQuality, initQuality, onQualityMessage, setMeasurable } from './page/quality.js';
import {
  clearRun,
  rate,
  type State,
  setStateLabel,
  showBackend,
  showError,
  showLoading,
  showStart,
  showStep,
} from './page/status.js';
import { onToyMessage, setToy2d } from './page/toy.js';
import { onVaeMessage, setVaeZoo } from './page/vae.js';
import type { FromWorker, Mode, RunMode, RunSettings, ToWorker } from './protocol.js';

// Forms with a field named `dataset` shadow `form.dataset`: read data-mode as an attribute.
const tabs = [...document.querySelectorAll<HTMLButtonElement>('[role=tab]')];
const forms = [...document.querySelectorAll<HTMLFormElement>('form.run-form')];
const backendSelect = $<HTMLSelectElement>('#backend-select');

let worker: Worker | undefined;
let mode: Mode = 'images';
/** The mode whose run is in progress (or ran last), and the run's state. */
let runMode: RunMode | undefined;
let state: State = 'idle';
/** Epochs asked for in the current run, for the status line. */
let epochs = '';
/** Whether the current run's samples can be measured (an images GAN: any dataset, a picked folder too). */
let measurable = false;

const formOf = (m: RunMode) => forms.find((f) => f.getAttribute('data-mode') === m)!;

/** Start / Pause / Step / Reset in every run form, made here so the four stay alike. */
for (const form of forms) {
  const m = form.getAttribute('data-mode') as RunMode;
  const box = $('.buttons', form);
  const button = (
    cls: string,
    label: string,
    title: string,
    type: 'submit' | 'button' = 'button',
  ) => {
    const b = document.createElement('button');
    b.type = type;
    b.className = cls;
    b.textContent = label;
    b.title = title;
    b.dataset.testid = `${m}-${cls}`;
    box.append(b);
    return b;
  };
  button('start', 'Start', 'Start training, or resume a paused run (Space)', 'submit');
  button('pause', 'Pause', 'Pause after the current step (Space)');
  button('step', 'Step', 'One training step; from idle, start paused (.)');
  button('reset', 'Reset', 'End the run and free its model (Esc)');
}

function setState(next: State, label: string = next): void {
  state = next;
  setStateLabel(next, label);
  const live = next === 'loading' || next === 'training' || next === 'paused';
  for (const form of forms) {
    const mine = form.getAttribute('data-mode') === runMode;
    const q = (cls: string) => $<HTMLButtonElement>(`.${cls}`, form);
    const paused = next === 'paused' && mine;
    q('start').textContent = paused ? 'Resume' : 'Start';
    q('start').disabled = next === 'loading' || next === 'training';
    q('pause').disabled = !(next === 'training' && mine);
    q('step').disabled = next === 'loading' || next === 'training';
    q('reset').disabled = !(mine && next !== 'idle');
    for (const field of form.querySelectorAll<HTMLInputElement | HTMLSelectElement>(
      'input:not(.slow-motion), select',
    )) {
      field.disabled = live && mine;
    }
  }
  backendSelect.disabled = live;
  setMeasurable(measurable && (next === 'training' || next === 'paused' || next === 'stopped'));
  setSaveEnabled(
    runMode !== undefined &&
      runMode !== 'toy1d' &&
      runMode !== 'toy2d' &&
      next !== 'idle' &&
      next !== 'loading' &&
      next !== 'error',
  );
}

/** Shows one mode's form and pictures; a run in another mode goes on. */
function selectMode(next: Mode, focus = false): void {
  mode = next;
  document.body.dataset.mode = next;
  for (const tab of tabs) {
    const selected = tab.dataset.mode === next;
    tab.setAttribute('aria-selected', String(selected));
    tab.tabIndex = selected ? 0 : -1;
    if (selected && focus) tab.focus();
  }
  for (const el of document.querySelectorAll<HTMLElement>('main [data-mode]')) {
    el.hidden = !(el.getAttribute('data-mode') ?? '').split(' ').includes(next);
  }
  // The charts' column changes width with the mode.
  drawCharts();
  if (next === 'explorer') refreshExplorer();
}

/** Messages about a run; those of a run the page has reset or replaced are dropped. */
const RUN_MESSAGES = new Set<FromWorker['type']>([
  'event',
  'preview',
  'density',
  'plane',
  'vae',
  'paused',
  'config',
  'loading',
  'error',
  'measuring',
  'measured',
]);
/** The id of the last start sent, and whether the worker has begun that run (and it was not reset). */
let runId = 0;
let live = false;

function onMessage(message: FromWorker): void {
  if (message.type === 'started') {
    live = message.id === runId;
    return;
  }
  // Messages the worker posted before it saw a reset or a new start may still arrive.
  if (RUN_MESSAGES.has(message.type) && !live) return;
  // The explorer follows a model while it trains.
  if ((message.type === 'preview' || message.type === 'vae') && mode === 'explorer')
    refreshExplorer();
  if (
    onExportMessage(message) ||
    onPretrainedMessage(message) ||
    onImagesMessage(message) ||
    onToyMessage(message) ||
    onVaeMessage(message) ||
    onQualityMessage(message)
  )
    return;
  if (onExplorerMessage(message)) return;
  switch (message.type) {
    case 'hello': {
      setGanZoo(message.gans);
      setVaeZoo(message.vaes.map((v) => v.name));
      setToy2d(message.toy2d);
      for (const option of backendSelect.options) {
        const ok = message.backends.includes(option.value as BackendName);
        option.disabled = !ok;
        if (!ok) option.textContent = `${option.value} (n/a here)`;
      }
      document.body.dataset.ready = 'true';
      return;
    }
    case 'backend':
      showBackend(message.info);
      return;
    case 'memory':
      document.body.dataset.tensors = String(message.tensors);
      return;
    case 'loading':
      showLoading(message.what, message.loaded, message.total);
      return;
    case 'config':
      $('.config-summary', formOf(message.mode)).textContent = message.summary;
      return;
    case 'paused':
      rate.reset();
      setState(
        message.paused ? 'paused' : 'training',
        message.paused ? `paused at step ${message.step}` : 'training',
      );
      return;
    case 'error':
      showError(
        message.name === 'Error' ? 'Training failed' : `Training failed (${message.name})`,
        message.message,
      );
      setState('error');
      return;
    case 'event':
      onTrainEvent(message.event);
      return;
  }
}

/** The status line and charts follow the trainer's own events. */
function onTrainEvent(event: Extract<FromWorker, { type: 'event' }>['event']): void {
  switch (event.type) {
    case 'start':
      showStart(event.totalSteps, event.epoch, epochs);
      if (state !== 'paused') setState('training');
      return;
    case 'step':
      showStep(event.step, event.epoch);
      return;
    case 'log':
      logStats(event as { step: number } & Record<string, unknown>);
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
    setState('error');
    w.terminate();
    worker = undefined;
  };
  w.postMessage({ type: 'hello' } satisfies ToWorker);
  return w;
}

function send(message: ToWorker): void {
  worker ??= startWorker();
  worker.postMessage(message);
}

function readSettings(m: RunMode): RunSettings {
  const settings = { mode: m, request: formRequest(formOf(m)) };
  return m === 'images' ? { ...settings, ...imagePageSettings() } : settings;
}

function start(m: RunMode, paused = false): void {
  const settings = readSettings(m);
  runMode = m;
  epochs = m === 'images' || m === 'vae' ? ` / ${settings.request.epochs}` : '';
  measurable = settings.mode === 'images' && settings.quality !== undefined;
  clearCharts(m);
  clearRun();
  if (m === 'images') clearQuality();
  setState('loading', paused ? 'starting (paused)' : 'starting');
  runId += 1;
  live = false;
  send({ type: 'start', id: runId, backend: backendSelect.value as BackendName, settings, paused });
}

/** Start, or resume when this mode's run is paused. */
function startOrResume(m: RunMode): void {
  if (state === 'paused' && runMode === m) send({ type: 'resume' });
  else start(m);
}

function step(m: RunMode): void {
  if (state === 'paused' && runMode === m) send({ type: 'step' });
  else start(m, true);
}

function pause(): void {
  if (state === 'training') send({ type: 'pause' });
}

function reset(): void {
  live = false;
  send({ type: 'reset' });
  // Answered after the reset has freed the run (messages are handled in order, the reset awaits its run).
  send({ type: 'memory' });
  runMode = undefined;
  measurable = false;
  clearRun();
  setState('idle');
}

for (const form of forms) {
  const m = form.getAttribute('data-mode') as RunMode;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    startOrResume(m);
  });
  $('.pause', form).addEventListener('click', pause);
  $('.step', form).addEventListener('click', () => step(m));
  $('.reset', form).addEventListener('click', reset);
  form.querySelector<HTMLInputElement>('.slow-motion')?.addEventListener('change', (e) => {
    const on = (e.currentTarget as HTMLInputElement).checked;
    for (const box of document.querySelectorAll<HTMLInputElement>('.slow-motion')) box.checked = on;
    send({ type: 'slow-motion', on });
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

// Shortcuts, outside text fields: Space runs or pauses, "." steps, Escape resets.
document.addEventListener('keydown', (e) => {
  const target = e.target as HTMLElement;
  if (e.ctrlKey || e.metaKey || e.altKey || target.closest('input, select, textarea, button'))
    return;
  if (mode === 'explorer') return;
  if (e.key === ' ') {
    e.preventDefault();
    if (state === 'training') pause();
    else if (state !== 'loading') startOrResume(mode);
  } else if (e.key === '.') {
    if (state !== 'training' && state !== 'loading') step(mode);
  } else if (e.key === 'Escape') {
    if (runMode) reset();
  }
});

let resizing = 0;
window.addEventListener('resize', () => {
  cancelAnimationFrame(resizing);
  resizing = requestAnimationFrame(drawCharts);
});

initCheckpoints(send, () => backendSelect.value as BackendName);
initExplorer(send, () => mode === 'explorer');
initQuality(send);
initExport(send);
selectMode('images');
setState('idle');
// The worker starts now: it lists the zoo and the backends this browser can run.
worker = startWorker();
// Then the shipped models: the explorer and the VAE tab open on them.
void initPretrained(send, () => backendSelect.value as BackendName);
