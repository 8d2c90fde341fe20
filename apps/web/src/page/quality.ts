import type { FromWorker, Measurement } from '../protocol.js';
import { $ } from './dom.js';

const button = $<HTMLButtonElement>('#measure');
const status = $('#quality-status');
const table = $<HTMLTableElement>('#quality');
const rows = $('tbody', table);

/** Whether the run in progress can be measured (an images GAN), and is not busy measuring. */
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

type Metric = keyof Measurement['values'];

/** The table's metric columns, in order: how each value is written. */
const COLUMNS: [Metric, (v: number) => string][] = [
  ['fid', (v) => v.toFixed(1)],
  ['kid', (v) => v.toFixed(3)],
  ['is', (v) => v.toFixed(2)],
  ['coverage', (v) => `${v}/10`],
  ['precision', (v) => v.toFixed(2)],
  ['recall', (v) => v.toFixed(2)],
  ['memorization', (v) => v.toFixed(2)],
];

/** A row of the measured metrics; the columns of those the run does not have (a folder's classifier ones) are hidden. */
function addRow(m: Measurement): void {
  const measured = COLUMNS.filter(([metric]) => m.values[metric] !== undefined);
  for (const th of table.querySelectorAll<HTMLElement>('th[data-metric]'))
    th.hidden = m.values[th.dataset.metric as Metric] === undefined;
  const row = document.createElement('tr');
  const texts = [
    String(m.step),
    ...measured.map(([metric, write]) => write(m.values[metric]!)),
    m.n.toLocaleString('en'),
    m.seconds.toFixed(1),
  ];
  for (const text of texts) {
    const cell = document.createElement('td');
    cell.textContent = text;
    row.append(cell);
  }
  row.dataset.step = String(m.step);
  for (const [metric] of measured) row.dataset[metric] = String(m.values[metric]);
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
