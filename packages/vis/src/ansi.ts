import type { RgbaImage } from './grid.js';

/** `'truecolor'`: 24-bit SGR colours; `'256'`: the xterm 256-colour palette, for terminals without truecolor. */
export type AnsiColorMode = 'truecolor' | '256';

export interface AnsiImageOptions {
  /** Columns of output (one image pixel each); default the image width, at most 80. Never upscales. */
  width?: number;
  /** Default `'truecolor'`; see {@link ansiColorMode}. */
  color?: AnsiColorMode;
}

/**
 * Picks the colour mode from environment variables the way most CLI tools
 * do: `COLORTERM=truecolor` or `24bit` means truecolor, anything else 256
 * colours. Pass `process.env` in Node; the check stays here so this package
 * needs no Node built-ins.
 */
export function ansiColorMode(env: Readonly<Record<string, string | undefined>>): AnsiColorMode {
  const c = env.COLORTERM?.toLowerCase();
  return c === 'truecolor' || c === '24bit' ? 'truecolor' : '256';
}

/**
 * Draws an image in a terminal with Unicode upper half blocks: each character
 * cell shows two vertically stacked pixels, the upper as the foreground colour
 * of '▀' and the lower as the background, so pixels come out roughly square.
 * The image is box-filtered down to `width` columns (alpha is ignored).
 *
 * @returns lines joined by '\n', each ending with a colour reset, ending with '\n'
 */
export function ansiImage(image: RgbaImage, options: AnsiImageOptions = {}): string {
  const mode = options.color ?? 'truecolor';
  if (mode !== 'truecolor' && mode !== '256') {
    throw new Error(`ansiImage: color must be 'truecolor' or '256', got ${JSON.stringify(mode)}`);
  }
  const cols = Math.min(image.width, options.width ?? Math.min(image.width, 80));
  if (!Number.isInteger(cols) || cols < 1) {
    throw new Error(`ansiImage: width must be a positive integer, got ${options.width}`);
  }
  const small = downscale(
    image,
    cols,
    Math.max(1, Math.round((image.height * cols) / image.width)),
  );
  const fg = (r: number, g: number, b: number) =>
    mode === 'truecolor' ? `38;2;${r};${g};${b}` : `38;5;${xterm256(r, g, b)}`;
  const bg = (r: number, g: number, b: number) =>
    mode === 'truecolor' ? `48;2;${r};${g};${b}` : `48;5;${xterm256(r, g, b)}`;
  const { width: w, height: h, data } = small;
  let out = '';
  for (let y = 0; y < h; y += 2) {
    // Escape codes only where the colour changes: a flat background costs one code per line.
    let lastFg = '';
    let lastBg = '';
    for (let x = 0; x < w; x++) {
      const u = (y * w + x) * 4;
      const f = fg(data[u]!, data[u + 1]!, data[u + 2]!);
      // An odd last row has no lower pixel: leave the terminal's own background.
      const b = y + 1 < h ? bg(data[u + w * 4]!, data[u + w * 4 + 1]!, data[u + w * 4 + 2]!) : '49';
      const codes = [f !== lastFg ? f : '', b !== lastBg ? b : ''].filter(Boolean).join(';');
      if (codes) out += `\x1b[${codes}m`;
      out += '▀';
      lastFg = f;
      lastBg = b;
    }
    out += '\x1b[0m\n';
  }
  return out;
}

/** Box-filter (area average) downscale to w x h; exact copy when the size is unchanged. */
function downscale(image: RgbaImage, w: number, h: number): RgbaImage {
  if (w === image.width && h === image.height) return image;
  const data = new Uint8ClampedArray(w * h * 4);
  const fx = image.width / w;
  const fy = image.height / h;
  for (let y = 0; y < h; y++) {
    const y0 = Math.floor(y * fy);
    const y1 = Math.max(y0 + 1, Math.floor((y + 1) * fy));
    for (let x = 0; x < w; x++) {
      const x0 = Math.floor(x * fx);
      const x1 = Math.max(x0 + 1, Math.floor((x + 1) * fx));
      let r = 0;
      let g = 0;
      let b = 0;
      for (let sy = y0; sy < y1; sy++) {
        for (let sx = x0; sx < x1; sx++) {
          const o = (sy * image.width + sx) * 4;
          r += image.data[o]!;
          g += image.data[o + 1]!;
          b += image.data[o + 2]!;
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = (y * w + x) * 4;
      data[o] = r / n;
      data[o + 1] = g / n;
      data[o + 2] = b / n;
      data[o + 3] = 255;
    }
  }
  return { width: w, height: h, data };
}

const CUBE = [0, 95, 135, 175, 215, 255];

/**
 * Nearest xterm-256 colour to (r, g, b): the better of the 6 x 6 x 6 colour
 * cube (16..231) and the 24-step grey ramp (232..255), by squared RGB distance.
 * The 16 system colours are skipped, since terminals theme them freely.
 */
export function xterm256(r: number, g: number, b: number): number {
  const level = (v: number) => {
    let best = 0;
    for (let i = 1; i < 6; i++) if (Math.abs(CUBE[i]! - v) < Math.abs(CUBE[best]! - v)) best = i;
    return best;
  };
  const cr = level(r);
  const cg = level(g);
  const cb = level(b);
  const cubeDist = (CUBE[cr]! - r) ** 2 + (CUBE[cg]! - g) ** 2 + (CUBE[cb]! - b) ** 2;
  const mean = (r + g + b) / 3;
  const k = Math.min(23, Math.max(0, Math.round((mean - 8) / 10)));
  const grey = 8 + 10 * k;
  const greyDist = (grey - r) ** 2 + (grey - g) ** 2 + (grey - b) ** 2;
  return greyDist < cubeDist ? 232 + k : 16 + 36 * cr + 6 * cg + cb;
}
