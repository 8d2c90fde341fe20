import { lineChart } from '@latent/vis';
import type { RunMode } from '../protocol.js';
import { $ } from './dom.js';

/** Series colours, as in the stylesheet's --d and --g (SVG attributes cannot read CSS variables). */
const D_COLOR = '#d9480f';
const G_COLOR = '#3b5bdb';
/** Chart width when its column has no width yet; charts are drawn at their column's width, so text stays 1:1. */
const CHART_WIDTH = 380;

const first = $('#loss-chart');
const second = $('#d-chart');
const titles = [$('#chart-title-1'), $('#chart-title-2')];

/** Mean statistics of each `log` event, by step: a GAN's four or a VAE's three. */
const history = {
  family: 'gan' as 'gan' | 'vae',
  step: [] as number[],
  a: [] as number[],
  b: [] as number[],
  c: [] as number[],
  d: [] as number[],
};

export function clearCharts(mode: RunMode): void {
  history.family = mode === 'vae' ? 'vae' : 'gan';
  for (const key of ['step', 'a', 'b', 'c', 'd'] as const) history[key].length = 0;
  drawCharts();
}

/** Adds a `log` event's means. */
export function logStats(event: { step: number } & Record<string, unknown>): void {
  const n = (key: string) => Number(event[key]);
  history.step.push(event.step);
  if (history.family === 'vae') {
    history.a.push(n('loss'));
    history.b.push(n('reconstruction'));
    history.c.push(n('kl'));
  } else {
    history.a.push(n('dLoss'));
    history.b.push(n('gLoss'));
    history.c.push(n('dReal'));
    history.d.push(n('dFake'));
  }
  drawCharts();
}

export function drawCharts(): void {
  const width = Math.max(240, Math.floor(first.clientWidth) || CHART_WIDTH);
  const height = Math.round(Math.min(280, Math.max(200, width * 0.68)));
  const common = { width, height, smoothing: 0.6 };
  const { step, a, b, c, d } = history;
  if (history.family === 'vae') {
    titles[0]!.textContent = 'Loss (−ELBO, nats per image)';
    titles[1]!.textContent = 'Its two terms';
    first.innerHTML = lineChart([{ label: '−ELBO', x: step, y: a, color: G_COLOR }], common);
    second.innerHTML = lineChart(
      [
        { label: 'reconstruction', x: step, y: b, color: G_COLOR },
        { label: 'KL(q‖p)', x: step, y: c, color: D_COLOR },
      ],
      common,
    );
    return;
  }
  titles[0]!.textContent = 'Losses';
  titles[1]!.textContent = 'Discriminator';
  first.innerHTML = lineChart(
    [
      { label: 'D loss', x: step, y: a, color: D_COLOR },
      { label: 'G loss', x: step, y: b, color: G_COLOR },
    ],
    common,
  );
  second.innerHTML = lineChart(
    [
      { label: 'mean D(x)', x: step, y: c, color: D_COLOR },
      { label: 'mean D(G(z))', x: step, y: d, color: G_COLOR },
    ],
    { ...common, yDomain: [0, 1], referenceLines: [{ y: 0.5, label: 'equilibrium ½' }] },
  );
}
