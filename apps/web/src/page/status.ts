import type { BackendInfo } from '@latent/backend';
import { $ } from './dom.js';

export type State = 'idle' | 'loading' | 'training' | 'paused' | 'stopped' | 'error';

const text = {
  state: $('#state'),
  backend: $('#backend'),
  step: $('#step'),
  total: $('#total'),
  epoch: $('#epoch'),
  epochs: $('#epochs'),
  rate: $('#rate'),
};
const progress = $<HTMLProgressElement>('#progress');
const errorBox = $<HTMLPreElement>('#error');

/** Seconds of steps the live steps/s averages over. */
const RATE_WINDOW_MS = 3000;

/**
 * Steps per second over the last few seconds of steps, from the time each
 * step event arrives; a pause starts a new window, so waiting does not count.
 */
class RateMeter {
  private marks: { t: number; step: number }[] = [];

  reset(): void {
    this.marks = [];
    text.rate.textContent = '–';
    delete text.rate.dataset.value;
  }

  mark(step: number): void {
    const t = performance.now();
    this.marks.push({ t, step });
    while (this.marks.length > 2 && t - this.marks[0]!.t > RATE_WINDOW_MS) this.marks.shift();
    const first = this.marks[0]!;
    if (this.marks.length < 2 || t === first.t) return;
    const rate = ((step - first.step) * 1000) / (t - first.t);
    text.rate.textContent = rate >= 10 ? rate.toFixed(0) : rate.toFixed(2);
    text.rate.dataset.value = String(rate);
  }
}

export const rate = new RateMeter();

export function setStateLabel(state: State, label: string = state): void {
  document.body.dataset.state = state;
  text.state.textContent = label;
}

export function showBackend(info: BackendInfo): void {
  const isolation = crossOriginIsolated ? '' : ' (page not cross-origin isolated)';
  text.backend.textContent =
    info.name === 'wasm'
      ? `wasm · SIMD ${info.simd ? 'on' : 'off'} · threads ${info.threads ? 'on' : `off${isolation}`}`
      : info.name === 'cpu'
        ? 'cpu (pure JS)'
        : `${info.name} (GPU)`;
}

export function showLoading(what: string, loaded: number, total: number): void {
  progress.hidden = false;
  progress.value = total > 0 ? loaded / total : 0;
  text.state.textContent =
    what === 'images'
      ? `decoding images ${loaded} / ${total}`
      : `loading ${what} ${(loaded / 1e6).toFixed(1)} / ${(total / 1e6).toFixed(1)} MB`;
}

export function showStart(totalSteps: number, epoch: number, epochs: string): void {
  progress.hidden = true;
  text.total.textContent = ` / ${totalSteps.toLocaleString('en')}`;
  text.epoch.textContent = String(epoch + 1);
  text.epochs.textContent = epochs;
}

export function showStep(step: number, epoch: number): void {
  text.step.textContent = String(step);
  // Events count epochs completed; people count the one in progress.
  text.epoch.textContent = String(epoch + 1);
  rate.mark(step);
}

export function clearRun(): void {
  text.step.textContent = '0';
  text.total.textContent = '';
  text.epoch.textContent = '–';
  text.epochs.textContent = '';
  progress.hidden = true;
  errorBox.hidden = true;
  rate.reset();
}

export function showError(title: string, detail: string): void {
  errorBox.textContent = `${title}\n${detail}`;
  errorBox.hidden = false;
  progress.hidden = true;
}
