import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compareImages, decodePng, encodeGif, pngDataUrl, type RgbaImage } from '@latent/vis';
import { writeFileAtomic } from './run-folder.js';
import { type EvalLine, evaluationCharts, trainingCharts } from './training-charts.js';

/** One line of metrics.jsonl: the step, and a mean per statistic (a GAN's or a VAE's). */
type MetricsLine = { step: number } & Record<string, number>;

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string,
  );

/** What a run folder holds so far, for its report. */
interface RunFiles {
  config: Record<string, unknown>;
  metrics: MetricsLine[];
  /** What `--eval` measured, epoch by epoch (eval.jsonl). */
  evaluations: EvalLine[];
  /** The fixed-noise grids, epoch by epoch (image runs). */
  grids: { name: string; image: RgbaImage }[];
  /** The toy pictures, epoch by epoch (toy runs: Figure 1.2 or GAN Lab's, as SVG). */
  pictures: { name: string; svg: string }[];
  /** Written by `latent eval --metric memorization`: the samples nearest to a training image. */
  memorization: RgbaImage | undefined;
}

/**
 * Epoch pictures a report shows and animates at most. With every picture the
 * report grew with the run: a run on a few hundred images makes hundreds of
 * short epochs, and re-reading and re-encoding them all came to cost more
 * than the epochs. Beyond this many, evenly spaced ones are kept, the first
 * and the newest always among them.
 */
export const REPORT_EPOCHS = 48;

/** At most `max` of `items`, evenly spaced, the first and last always included. */
function evenlySpaced<T>(items: T[], max: number): T[] {
  if (items.length <= max) return items;
  return Array.from(
    { length: max },
    (_, i) => items[Math.round((i * (items.length - 1)) / (max - 1))] as T,
  );
}

/** The epoch of `samples/epoch-NNN.png` (or .svg). */
function epochOf(name: string): number {
  return Number(/^epoch-(\d+)\./.exec(name)?.[1]);
}

/** The lines of a run's JSON-lines file; none when it does not exist yet. */
async function readJsonLines<T>(path: string): Promise<T[]> {
  return (await readFile(path, 'utf8').catch(() => ''))
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

async function readRunFiles(runDir: string): Promise<RunFiles> {
  const config = JSON.parse(await readFile(join(runDir, 'config.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const metrics = await readJsonLines<MetricsLine>(join(runDir, 'metrics.jsonl'));
  const evaluations = await readJsonLines<EvalLine>(join(runDir, 'eval.jsonl'));
  const names = await readdir(join(runDir, 'samples')).catch(() => [] as string[]);
  const epochFiles = (pattern: RegExp) =>
    evenlySpaced(
      names.filter((n) => pattern.test(n)).sort((a, b) => epochOf(a) - epochOf(b)),
      REPORT_EPOCHS,
    );
  const grids: RunFiles['grids'] = [];
  const pictures: RunFiles['pictures'] = [];
  for (const name of epochFiles(/^epoch-\d{3,}\.png$/))
    grids.push({ name, image: decodePng(await readFile(join(runDir, 'samples', name))) });
  for (const name of epochFiles(/^epoch-\d{3,}\.svg$/))
    pictures.push({ name, svg: await readFile(join(runDir, 'samples', name), 'utf8') });
  const memorization = await readFile(join(runDir, 'memorization.png'))
    .then((bytes) => decodePng(bytes))
    .catch(() => undefined);
  return { config, metrics, evaluations, grids, pictures, memorization };
}

/** The memorization check's picture, when `latent eval` made one. */
function memorizationSection(image: RgbaImage | undefined): string {
  if (!image) return '';
  return `<h2>Memorization check</h2><p class="sub">The samples nearest to a training image, each left of its nearest training image (latent eval --metric memorization); copies would look identical.</p><img alt="samples beside their nearest training image" width="${image.width}" src="${pngDataUrl(image)}">`;
}

/** The training curves: a GAN's losses and D's outputs, or a VAE's ELBO terms. */
function charts(metrics: MetricsLine[]): string {
  if (metrics.length === 0) return '<p>No metrics yet.</p>';
  const kind = metrics.some((m) => 'dLoss' in m) ? 'gan' : 'vae';
  return trainingCharts(kind, metrics, { smoothing: 0.8, titled: true })
    .map((c) => c.svg)
    .join('');
}

/** The metrics `--eval` measured as the run trained, a chart each. */
function measured(evaluations: EvalLine[]): string {
  if (evaluations.length === 0) return '';
  const svgs = evaluationCharts(evaluations, { width: 420, height: 260, titled: true });
  return `<h2>Measured during training</h2>\n<div class="charts">${svgs.map((c) => c.svg).join('')}</div>`;
}

/** Epoch 0 beside the newest epoch, as the note's Figure 1.3. */
function beforeAndAfter(grids: RunFiles['grids']): string {
  const first = grids[0];
  const last = grids.at(-1);
  if (!first || !last || last === first) return '';
  const image = compareImages([
    { image: first.image, caption: 'BEFORE TRAINING' },
    { image: last.image, caption: `AFTER EPOCH ${epochOf(last.name)}` },
  ]);
  return `<h2>Before and after (the same fixed noise)</h2><img alt="samples before and after training" src="${pngDataUrl(image)}">`;
}

/** Every epoch's grid, or its toy picture (evenly spaced ones in a long run; see REPORT_EPOCHS). */
function epochs({ grids, pictures }: RunFiles): string {
  const figures = [
    ...grids.map(
      (g) =>
        `<figure><img alt="${g.name}" width="${Math.round(g.image.width / 2)}" src="${pngDataUrl(g.image)}"><figcaption>${g.name.replace('.png', '')}</figcaption></figure>`,
    ),
    ...pictures.map(
      (p) =>
        `<figure class="picture">${p.svg}<figcaption>${p.name.replace('.svg', '')}</figcaption></figure>`,
    ),
  ];
  const heading = pictures.length > 0 ? 'The game per epoch' : 'Samples per epoch';
  return `<h2>${heading}</h2>\n<div class="grids">${figures.join('')}</div>`;
}

const STYLE = `body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #1f2937; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: 0; } h2 { font-size: 1.15rem; margin-top: 2rem; }
.sub { color: #6b7280; margin-top: 0.2rem; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; }
.grids { display: flex; flex-wrap: wrap; gap: 1rem; }
figure { margin: 0; } figcaption { color: #6b7280; font-size: 0.85rem; }
.picture svg { max-width: 520px; height: auto; }
img { image-rendering: pixelated; max-width: 100%; }
table { border-collapse: collapse; font-size: 0.85rem; } th, td { text-align: left; padding: 0.15rem 0.8rem 0.15rem 0; }
th { color: #6b7280; font-weight: 500; }`;

/**
 * Writes `report.html` (self-contained: config, loss and D(x)/D(G(z)) charts,
 * every epoch's grid — or a toy run's Figure 1.2 or GAN Lab picture — and
 * epoch 0 beside the newest, as the note's Figure 1.3) and `training.gif`
 * (the fixed-noise grid epoch by epoch) into a run folder, from the files the
 * run has written so far. Called after every epoch.
 */
export async function writeRunReport(runDir: string): Promise<void> {
  const files = await readRunFiles(runDir);
  const { config, metrics, grids, pictures } = files;
  const rows = Object.entries(config)
    .map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(JSON.stringify(v))}</td></tr>`)
    .join('');
  const newest = grids.at(-1) ?? pictures.at(-1);
  const epochCount = newest ? epochOf(newest.name) : 0;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>latent run report</title>
<style>
${STYLE}
</style></head><body>
<h1>latent run report</h1>
<p class="sub">${escapeHtml(runDir)} · ${metrics.at(-1)?.step ?? 0} steps · ${epochCount} epochs</p>
<h2>Training curves</h2>
<div class="charts">${charts(metrics)}</div>
${measured(files.evaluations)}
${beforeAndAfter(grids)}
${epochs(files)}
${memorizationSection(files.memorization)}
<h2>Run config</h2>
<table>${rows}</table>
</body></html>
`;
  await writeFileAtomic(join(runDir, 'report.html'), html);
  if (grids.length > 1)
    await writeFileAtomic(
      join(runDir, 'training.gif'),
      encodeGif(
        grids.map((g) => g.image),
        { delay: 500 },
      ),
    );
}
