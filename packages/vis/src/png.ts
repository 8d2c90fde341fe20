import { type DecodedPng, decode, encode } from 'fast-png';
import type { RgbaImage } from './grid.js';
import { base64 } from './svg.js';

/**
 * Encodes an image as a PNG file (8-bit RGBA, non-interlaced).
 *
 * @param image `data.length` must be `width * height * 4`
 * @returns the bytes of the file, starting with the PNG signature
 */
export function encodePng(image: RgbaImage): Uint8Array {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1) {
    throw new Error(
      `encodePng: width and height must be positive integers, got ${width}x${height}`,
    );
  }
  if (data.length !== width * height * 4) {
    throw new Error(
      `encodePng: got ${data.length} bytes, expected width*height*4 = ${width}*${height}*4 = ${width * height * 4}`,
    );
  }
  return encode({ width, height, data, depth: 8, channels: 4 });
}

/**
 * The image as a `data:image/png;base64,...` URL: for `<img src>` in a
 * self-contained HTML report, or `<image href>` inside an SVG.
 */
export function pngDataUrl(image: RgbaImage): string {
  return `data:image/png;base64,${base64(encodePng(image))}`;
}

/**
 * Decodes a PNG file of any colour type and bit depth to 8-bit RGBA:
 * greyscale is copied to R, G and B; missing alpha is 255; palette indices
 * are looked up; a tRNS colour key makes matching pixels transparent; 1, 2,
 * 4 and 16-bit samples are rescaled to 0..255, rounding to nearest (so 8-bit
 * data widened to 16 bits as `v * 257` comes back exactly).
 *
 * @param bytes the whole file
 * @throws Error from fast-png for a file that is not a valid PNG
 */
export function decodePng(bytes: Uint8Array): RgbaImage {
  const png = decode(bytes);
  const { width, height, channels, depth } = png;
  const samples = unpack(png);
  const data = new Uint8ClampedArray(width * height * 4);
  const pixels = width * height;

  const palette = channels === 1 ? png.palette : undefined;
  if (palette) {
    for (let p = 0; p < pixels; p++) {
      const color = palette[samples[p] as number];
      if (!color)
        throw new Error(
          `decodePng: palette index ${samples[p]} out of range (${palette.length} colours)`,
        );
      data[p * 4] = color[0] as number;
      data[p * 4 + 1] = color[1] as number;
      data[p * 4 + 2] = color[2] as number;
      data[p * 4 + 3] = color[3] ?? 255;
    }
    return { width, height, data };
  }

  const max = 2 ** depth - 1;
  const to8 = depth === 8 ? (v: number) => v : (v: number) => Math.round((v * 255) / max);
  // tRNS for greyscale/truecolour names one colour, in raw samples, that is fully transparent.
  const key =
    png.transparency && png.transparency.length === (channels === 1 ? 1 : 3)
      ? png.transparency
      : undefined;
  for (let p = 0; p < pixels; p++) {
    const s = p * channels;
    const o = p * 4;
    const colour = channels >= 3;
    const r = samples[s] as number;
    const g = colour ? (samples[s + 1] as number) : r;
    const b = colour ? (samples[s + 2] as number) : r;
    data[o] = to8(r);
    data[o + 1] = to8(g);
    data[o + 2] = to8(b);
    if (channels === 2 || channels === 4) {
      data[o + 3] = to8(samples[s + channels - 1] as number);
    } else {
      const keyed =
        key !== undefined && r === key[0] && (!colour || (g === key[1] && b === key[2]));
      data[o + 3] = keyed ? 0 : 255;
    }
  }
  return { width, height, data };
}

/**
 * One sample per array element, `width * height * channels` of them. fast-png
 * leaves 1, 2 and 4-bit samples packed, with each row starting on a new byte.
 */
function unpack(png: DecodedPng): ArrayLike<number> {
  const { width, height, channels, depth, data } = png;
  if (depth >= 8) return data;
  const perRow = width * channels;
  const rowBytes = Math.ceil((perRow * depth) / 8);
  const mask = (1 << depth) - 1;
  const out = new Uint8Array(perRow * height);
  for (let y = 0; y < height; y++) {
    for (let i = 0; i < perRow; i++) {
      const bit = i * depth;
      const byte = data[y * rowBytes + (bit >> 3)] as number;
      out[y * perRow + i] = (byte >> (8 - depth - (bit & 7))) & mask;
    }
  }
  return out;
}
