import type { FromWorker, Measurement } from '../protocol.js';
import { $ } from './dom.js';

const button = $<HTMLButtonElement>('#measure');
const status = $('#quality-status');
const table = $<HTMLTableElement>('#quality');
const rows = $('tbody', table);

/** Whether the run in progress can be measured (a GAN on MNIST or Fashion-MNIST), and is not busy measuring. */
let measurable = false;
let measuring = false;

/** Wires the Measure now button. */
export function initQuality(send: (m: { type: 'measure' }) => void): void {
  button.addEventListener('click', () => {
    measuring = true;
    update();
    send({ type: 'measure' });
  });
}

/** Called by the page on every state change: measuring needs a run that can be. */
export function setMeasurable(on: boolean): void {
  measurable = on;
  update();
}

/** Empties the table for a new run. */
export function clearQuality(): void {
  rows.replaceChildren();
  table.hidden = true;
  status.textContent = '';
  status.classList.remove('bad');
  measuring = false;
  update();
}

function update(): void {
  button.disabled = !measurable || measuring;
}

function addRow(m: Measurement): void {
  const row = document.createElement('tr');
  const { fid, is, coverage, kid, precision, recall, memorization } = m.values;
  for (const text of [
    String(m.step),
    fid.toFixed(1),
    kid.toFixed(3),
    is.toFixed(2),
    `${coverage}/10`,
    precision.toFixed(2),
    recall.toFixed(2),
    memorization.toFixed(2),
    m.n.toLocaleString('en'),
    m.seconds.toFixed(1),
  ]) {
    const cell = document.createElement('td');
    cell.textContent = text;
    row.append(cell);
  }
  row.dataset.step = String(m.step);
  row.dataset.fid = String(fid);
  row.dataset.is = String(is);
  row.dataset.coverage = String(coverage);
  row.dataset.kid = String(kid);
  row.dataset.precision = String(precision);
  row.dataset.recall = String(recall);
  row.dataset.memorization = String(memorization);
  rows.append(row);
  table.hidden = false;
}

/** Worker messages about sample quality; returns false for the others. */
export function onQualityMessage(message: FromWorker): boolean {
  switch (message.type) {
    case 'measuring':
      measuring = true;
      update();
      status.classList.remove('bad');
      status.textContent = `Measuring ${message.n.toLocaleString('en')} samples of step ${message.step}…`;
      return true;
    case 'measured':
      measuring = false;
      update();
      status.textContent = '';
      addRow(message.quality);
      return true;
    case 'measure-error':
      measuring = false;
      update();
      status.classList.add('bad');
      status.textContent = `Cannot measure: ${message.message}`;
      return true;
    default:
      return false;
  }
}
