const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 480;
const HEIGHT = 180;
const MARGIN = { top: 12, right: 12, bottom: 22, left: 40 };

export interface Series {
  label: string;
  color: string;
  /** [x, y] points in order of x. */
  points: [number, number][];
}

export interface ChartOptions {
  /** Fixed y range, e.g. [0, 1] for probabilities; default fits the data. */
  y?: [number, number];
}

/** Redraws `svg` as a line chart of `series` sharing one x axis (training steps). */
export function drawLineChart(
  svg: SVGSVGElement,
  series: Series[],
  options: ChartOptions = {},
): void {
  svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
  svg.replaceChildren();
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const [x0, x1] = all.length > 0 ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  let [y0, y1] = options.y ?? (all.length > 0 ? [Math.min(...ys), Math.max(...ys)] : [0, 1]);
  if (y1 - y0 < 1e-6) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const w = WIDTH - MARGIN.left - MARGIN.right;
  const h = HEIGHT - MARGIN.top - MARGIN.bottom;
  const sx = (x: number) => MARGIN.left + (x1 > x0 ? ((x - x0) / (x1 - x0)) * w : w / 2);
  const sy = (y: number) => MARGIN.top + h - ((y - y0) / (y1 - y0)) * h;

  for (const y of ticks(y0, y1, 4)) {
    add(svg, 'line', { class: 'grid', x1: MARGIN.left, x2: MARGIN.left + w, y1: sy(y), y2: sy(y) });
    add(svg, 'text', {
      class: 'tick',
      x: MARGIN.left - 6,
      y: sy(y),
      'text-anchor': 'end',
      'dominant-baseline': 'middle',
    }).textContent = format(y);
  }
  add(svg, 'text', {
    class: 'tick',
    x: MARGIN.left - 6,
    y: HEIGHT - 6,
    'text-anchor': 'end',
  }).textContent = 'step';
  for (const x of all.length > 0 ? ticks(x0, x1, 5) : []) {
    add(svg, 'text', {
      class: 'tick',
      x: sx(x),
      y: HEIGHT - 6,
      'text-anchor': 'middle',
    }).textContent = format(x);
  }
  for (const s of series) {
    if (s.points.length === 0) continue;
    const d = s.points
      .map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`)
      .join('');
    add(svg, 'path', {
      d,
      fill: 'none',
      stroke: s.color,
      'stroke-width': 1.5,
      'stroke-linejoin': 'round',
    });
  }
}

function add(parent: SVGElement, tag: string, attrs: Record<string, string | number>): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  parent.append(el);
  return el;
}

/** About `count` round tick values covering [lo, hi]. */
function ticks(lo: number, hi: number, count: number): number[] {
  if (hi <= lo) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(v);
  return out;
}

function format(v: number): string {
  const a = Math.abs(v);
  if (a >= 1000) return `${+(v / 1000).toFixed(1)}k`;
  return String(+v.toFixed(a >= 10 || a === 0 ? 0 : 2));
}
