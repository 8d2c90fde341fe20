// Small helpers shared by the SVG pictures: number formatting, escaping, nice
// ticks, colours. Output is built as strings so it works without a DOM (Node,
// workers) and diffs well in snapshot tests.

/**
 * The categorical palette (Tableau 10): distinguishable, print-safe and the
 * de-facto default of many plotting libraries, so charts look familiar.
 */
export const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
] as const;

export const FONT_FAMILY = 'system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif';
export const TEXT_COLOR = '#333';
export const MUTED_COLOR = '#666';
export const GRID_COLOR = '#e6e6e6';
export const AXIS_COLOR = '#999';

/** A coordinate rounded to 2 decimals, without trailing zeros: compact and stable in snapshots. */
export function num(v: number): string {
  const r = Math.round(v * 100) / 100;
  return String(Object.is(r, -0) ? 0 : r);
}

/** Escapes text for use in SVG element content and attribute values. */
export function esc(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** Attributes as ` k="v"` pairs; undefined values are left out. */
export function attrs(a: Record<string, string | number | undefined>): string {
  let out = '';
  for (const [k, v] of Object.entries(a)) {
    if (v === undefined) continue;
    out += ` ${k}="${typeof v === 'number' ? num(v) : esc(v)}"`;
  }
  return out;
}

/** Opening `<svg>` tag with a white background, the shared font and a title for screen readers. */
export function svgOpen(width: number, height: number, title?: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${num(width)}" height="${num(height)}" ` +
    `viewBox="0 0 ${num(width)} ${num(height)}" font-family="${FONT_FAMILY}" font-size="12" ` +
    `fill="${TEXT_COLOR}"${title ? ` role="img" aria-label="${esc(title)}"` : ''}>\n` +
    (title ? `<title>${esc(title)}</title>\n` : '') +
    `<rect width="100%" height="100%" fill="#fff"/>\n`
  );
}

/**
 * Round tick values ("nice numbers": 1, 2, 2.5 or 5 times a power of ten)
 * covering [lo, hi] with about `target` intervals.
 *
 * @returns the ticks, ascending, and the step between them
 */
export function niceTicks(lo: number, hi: number, target = 5): { ticks: number[]; step: number } {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { ticks: [], step: 1 };
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) return { ticks: [lo], step: 1 };
  const raw = (hi - lo) / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * mag >= raw * 0.999) ?? 10) * mag;
  const ticks: number[] = [];
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  // Multiplying (not accumulating) keeps 0.1 * 3 from drifting to 0.30000000000000004.
  for (let i = first; i <= last; i++) ticks.push(roundTo(i * step, step));
  return { ticks, step };
}

/** Extends [lo, hi] outwards to multiples of the nice tick step, so axes end on a labelled tick. */
export function niceDomain(lo: number, hi: number, target = 5): [number, number] {
  if (hi === lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return niceDomain(lo - pad, hi + pad, target);
  }
  const { step } = niceTicks(lo, hi, target);
  return [
    roundTo(Math.floor(lo / step + 1e-9) * step, step),
    roundTo(Math.ceil(hi / step - 1e-9) * step, step),
  ];
}

function roundTo(v: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 2);
  return Number(v.toFixed(Math.min(decimals, 15)));
}

/**
 * Formats a tick label with just the decimals its step needs; 10,000 and above
 * as `12k`/`1.5M`, since training steps get long.
 */
export function formatTick(v: number, step: number): string {
  const a = Math.abs(v);
  if (a >= 1e6 && step >= 1e5) return `${trim(v / 1e6, step / 1e6)}M`;
  if (a >= 1e4 && step >= 100) return `${trim(v / 1e3, step / 1e3)}k`;
  return trim(v, step);
}

function trim(v: number, step: number): string {
  const decimals = Math.min(10, Math.max(0, Math.ceil(-Math.log10(step) - 1e-9)));
  // 2.5-steps need one more decimal than their power of ten suggests.
  const extra = Math.abs(step * 10 ** decimals - Math.round(step * 10 ** decimals)) > 1e-6 ? 1 : 0;
  const s = v.toFixed(decimals + extra);
  return s === '-0' || /^-0\.0*$/.test(s) ? s.slice(1) : s;
}

/** Rough width of `text` in px at `fontSize`; SVG strings cannot measure text, so legends lay out by this. */
export function textWidth(text: string, fontSize: number): number {
  let w = 0;
  for (const ch of text) w += /[il.,:;|!'()[\] ]/.test(ch) ? 0.3 : /[mwMW@]/.test(ch) ? 0.85 : 0.58;
  return w * fontSize;
}

/** Linear map from [d0, d1] to [r0, r1]; a zero-width domain maps to the middle. */
export function linear(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  if (d1 === d0) return () => (r0 + r1) / 2;
  const k = (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/** Base64 without `btoa` or `Buffer`, which differ between Node and browsers. */
export function base64(bytes: Uint8Array): string {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += abc[n >> 18]! + abc[(n >> 12) & 63]! + abc[(n >> 6) & 63]! + abc[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += `${abc[n >> 18]!}${abc[(n >> 12) & 63]!}==`;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += `${abc[n >> 18]!}${abc[(n >> 12) & 63]!}${abc[(n >> 6) & 63]!}=`;
  }
  return out;
}

/**
 * Path data for a polyline through (x[i], y[i]) that breaks at non-finite
 * values, so a NaN loss leaves a visible gap instead of a line to nowhere.
 */
export function polyline(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  sx: (v: number) => number,
  sy: (v: number) => number,
): string {
  let d = '';
  let pen = false;
  for (let i = 0; i < ys.length; i++) {
    const x = xs[i]!;
    const y = ys[i]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${num(sx(x))} ${num(sy(y))}`;
    pen = true;
  }
  return d;
}

/** Placeholder for element ids in a picture being built; {@link withIds} fills it in. */
export const ID = '__ID__';

/**
 * Replaces {@link ID} with a prefix derived from the picture itself (FNV-1a
 * of its text). Several SVGs inlined in one HTML page (a report, a dashboard)
 * share one id namespace; content-derived ids keep their clip paths, markers
 * and gradients apart, and stay stable for snapshot tests.
 */
export function withIds(svg: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < svg.length; i++) {
    h ^= svg.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return svg.replaceAll(ID, `v${(h >>> 0).toString(36)}`);
}
