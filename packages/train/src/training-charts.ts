import { lineChart } from '@latent/vis';

/** One logged line of a run: its step and a mean per statistic (metrics.jsonl, a `log` event). */
export type StatsLine = { step: number } & Record<string, unknown>;

/** D's and G's colours in every chart (the web app's stylesheet uses the same). */
const D_COLOR = '#d9480f';
const G_COLOR = '#3b5bdb';

export interface TrainingChartOptions {
  width?: number;
  height?: number;
  /** Exponential smoothing of each series (0: none). Default 0.6. */
  smoothing?: number;
  /** Draw each chart's title inside its SVG (a page with headings of its own leaves it out). */
  titled?: boolean;
}

/**
 * A run's two training charts, as report.html and the web app draw them: a
 * GAN's D and G losses, then mean D(x) and D(G(z)) on a 0–1 axis with the
 * equilibrium ½ marked; a VAE's −ELBO, then its two terms.
 */
export function trainingCharts(
  kind: 'gan' | 'vae',
  lines: readonly StatsLine[],
  { width, height, smoothing = 0.6, titled = false }: TrainingChartOptions = {},
): { title: string; svg: string }[] {
  const x = lines.map((l) => l.step);
  const series = (key: string, label: string, color: string) => ({
    label,
    x,
    y: lines.map((l) => Number(l[key])),
    color,
  });
  const chart = (title: string, s: ReturnType<typeof series>[], extra = {}) => ({
    title,
    svg: lineChart(s, { width, height, smoothing, ...(titled ? { title } : {}), ...extra }),
  });
  if (kind === 'vae')
    return [
      chart('Loss (−ELBO, nats per image)', [series('loss', '−ELBO', G_COLOR)]),
      chart('Its two terms', [
        series('reconstruction', 'reconstruction', G_COLOR),
        series('kl', 'KL(q‖p)', D_COLOR),
      ]),
    ];
  return [
    chart('Losses', [series('dLoss', 'D loss', D_COLOR), series('gLoss', 'G loss', G_COLOR)]),
    chart(
      "The discriminator's outputs",
      [series('dReal', 'mean D(x)', D_COLOR), series('dFake', 'mean D(G(z))', G_COLOR)],
      { yDomain: [0, 1], referenceLines: [{ y: 0.5, label: 'equilibrium ½' }] },
    ),
  ];
}

/** One line of a run's eval.jsonl (`--eval`): when, and a value per metric. */
export type EvalLine = { step: number; epoch: number } & Record<string, unknown>;

/** Fields of an eval line that are not metrics. */
const EVAL_FIELDS = new Set(['step', 'epoch', 'seconds']);

/**
 * A chart per metric a run measured as it trained (`--eval`), over epochs,
 * unsmoothed: a long run's Parzen and FID, a toy run's KL and modes.
 */
export function evaluationCharts(
  lines: readonly EvalLine[],
  { width, height, titled = false }: Omit<TrainingChartOptions, 'smoothing'> = {},
): { title: string; svg: string }[] {
  const names = [...new Set(lines.flatMap((l) => Object.keys(l)))].filter(
    (k) => !EVAL_FIELDS.has(k) && lines.some((l) => typeof l[k] === 'number'),
  );
  return names.map((name) => {
    const measured = lines.filter((l) => typeof l[name] === 'number');
    const series = {
      label: name,
      x: measured.map((l) => l.epoch),
      y: measured.map((l) => l[name] as number),
      color: G_COLOR,
    };
    const title = `${name} by epoch`;
    return {
      title,
      svg: lineChart([series], { width, height, xLabel: 'epoch', ...(titled ? { title } : {}) }),
    };
  });
}
