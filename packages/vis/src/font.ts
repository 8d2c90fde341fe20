import type { Rgb, RgbaImage } from './image.js';

/**
 * A 5 x 7 pixel bitmap font for printable ASCII (32..126), drawn here in the
 * style of the classic HD44780 character ROM: enough for captions, class names
 * and step counts on RGBA images, without a canvas or a font file.
 *
 * Encoding: 7 base-32 digits per glyph, one per row, top to bottom; bit 4 of a
 * row is its leftmost pixel.
 */
const GLYPHS =
  '00000004444404aaa0000aavavaa4fke5u4op248j3cik8lid448000024888428422248' +
  '04lel40044v4400000c48000v00000000cc01248g0ehjlphe4c4444eeh1248vv2421he' +
  '26aiv22vgu11he68guhhev124888ehhehheehhf12c0cc0cc00cc0c48248g84200v0v00' +
  '8421248eh12404eh1dlleehhhvhhuhhuhhuehggghesihhhisvgguggvvggugggehgnhhf' +
  'hhhvhhhe44444e72222ichikokihggggggvhrllhhhhhpljhhehhhhheuhhugggehhhlid' +
  'uhhukihfgge11uv444444hhhhhhehhhhha4hhhlllahha4ahhhhha444v1248gve88888e' +
  '0g84210e22222e4ah0000000000v842000000e1fhfggmphhu00egghe11djhhf00ehvge' +
  '698s8880fhhf1eggmphhh40c444e20622icggikokic44444e00qllhh00mphhh00ehhhe' +
  '00uhugg00djf1100mpggg00ege1u88s889600hhhjd00hhha400hhlla00ha4ah00hhf1e' +
  '00v248v244844244444448442448008l200';

/** Glyph cell size in font pixels: 5 x 7 ink, plus 1 column of spacing between characters. */
export const FONT_WIDTH = 5;
export const FONT_HEIGHT = 7;
const ADVANCE = FONT_WIDTH + 1;

/** Row bits of the glyph for `ch`; characters outside printable ASCII draw as '?'. */
function glyph(ch: string): number[] {
  let code = ch.charCodeAt(0);
  if (!(code >= 32 && code <= 126)) code = 63;
  const out: number[] = [];
  for (let r = 0; r < FONT_HEIGHT; r++) {
    out.push(Number.parseInt(GLYPHS[(code - 32) * FONT_HEIGHT + r]!, 32));
  }
  return out;
}

/**
 * Size of `text` drawn by {@link drawText} at `scale`, in image pixels: one
 * line, no trailing spacing column.
 */
export function measureText(text: string, scale = 1): { width: number; height: number } {
  const n = [...text].length;
  return { width: n === 0 ? 0 : (n * ADVANCE - 1) * scale, height: FONT_HEIGHT * scale };
}

export interface DrawTextOptions {
  /** Text colour; default black. */
  color?: Rgb;
  /** Integer size multiplier (each font pixel becomes scale x scale); default 1. */
  scale?: number;
}

/**
 * Draws one line of `text` into `image` in place, its top-left corner at
 * (x, y) in image pixels. Pixels outside the image are skipped, so text may
 * run off an edge.
 */
export function drawText(
  image: RgbaImage,
  text: string,
  x: number,
  y: number,
  options: DrawTextOptions = {},
): void {
  const [r, g, b] = options.color ?? [0, 0, 0];
  const scale = options.scale ?? 1;
  if (!Number.isInteger(scale) || scale < 1) {
    throw new Error(`drawText: scale must be a positive integer, got ${scale}`);
  }
  const { width, height, data } = image;
  let left = Math.round(x);
  const top = Math.round(y);
  for (const ch of text) {
    const rows = glyph(ch);
    for (let gy = 0; gy < FONT_HEIGHT; gy++) {
      const bits = rows[gy]!;
      for (let gx = 0; gx < FONT_WIDTH; gx++) {
        if (!(bits & (1 << (FONT_WIDTH - 1 - gx)))) continue;
        for (let sy = 0; sy < scale; sy++) {
          const py = top + gy * scale + sy;
          if (py < 0 || py >= height) continue;
          for (let sx = 0; sx < scale; sx++) {
            const px = left + gx * scale + sx;
            if (px < 0 || px >= width) continue;
            const o = (py * width + px) * 4;
            data[o] = r;
            data[o + 1] = g;
            data[o + 2] = b;
            data[o + 3] = 255;
          }
        }
      }
    }
    left += ADVANCE * scale;
  }
}
