import { type StatsLine, trainingCharts } from '@latent/train';
import type { RunMode } from '../protocol.js';
import { $ } from './dom.js';

/** Chart width when its column has no width yet; charts are drawn at their column's width, so text stays 1:1. */
const CHART_WIDTH = 380;

const places = [$('#loss-chart'), $('#d-chart')];
const titles = [$('#chart-title-1'), $('#chart-title-2')];

/** The run's `log` events so far: a GAN's four means or a VAE's three, by step. */
const history = { kind: 'gan' as 'gan' | 'vae', lines: [] as StatsLine[] };

export function clearCharts(mode: RunMode): void {
  history.kind = mode === 'vae' ? 'vae' : 'gan';
  history.lines = [];
  drawCharts();
}

/** Adds a `log` event's means. */
export function logStats(event: StatsLine): void {
  history.lines.push(event);
  drawCharts();
}

/** The two charts of `trainingCharts`, report.html's, at their columns' width. */
export function drawCharts(): void {
  const width = Math.max(240, Math.floor(places[0]!.clientWidth) || CHART_WIDTH);
  const height = Math.round(Math.min(280, Math.max(200, width * 0.68)));
  trainingCharts(history.kind, history.lines, { width, height }).forEach((chart, i) => {
    titles[i]!.textContent = chart.title;
    places[i]!.innerHTML = chart.svg;
  });
}
