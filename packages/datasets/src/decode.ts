import { convertIndexedToRgb, decode as decodePng, hasPngSignature } from 'fast-png';
import { decode as decodeJpeg } from 'jpeg-js';
import { DatasetFormatError } from './idx.js';

/** A decoded image: 8-bit samples, row-major interleaved [height, width, channels]. */
export interface DecodedImage {
  width: number;
  height: number;
  /** 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA. */
  channels: 1 | 2 | 3 | 4;
  data: Uint8Array;
}

/** Images above this many pixels are refused before decoding (a corrupt or hostile header). */
export const MAX_IMAGE_PIXELS = 50_000_000;

function hex(b: Uint8Array): string {
  return Array.from(b, (v) => v.toString(16).padStart(2, '0')).join(' ');
}

/**
 * Decodes a PNG (any bit depth, palette, interlace) or a baseline/progressive
 * JPEG, recognized by their signatures, to 8-bit samples. The declared size is
 * checked against `maxPixels` before anything is allocated for it.
 *
 * @param source names the file in errors
 */
export function decodeImage(
  bytes: Uint8Array,
  source: string,
  maxPixels = MAX_IMAGE_PIXELS,
): DecodedImage {
  const fail = (defect: string): never => {
    throw new DatasetFormatError(`${source}: ${defect}`);
  };
  if (hasPngSignature(bytes)) {
    if (bytes.length < 24) fail(`truncated PNG (${bytes.length} bytes, no header)`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    checkPngChunks(bytes, view, fail);
    const width = view.getUint32(16, false);
    const height = view.getUint32(20, false);
    if (width === 0 || height === 0) fail(`PNG declares an empty ${width}x${height} image`);
    if (width * height > maxPixels)
      fail(`PNG declares ${width}x${height} pixels, more than the limit of ${maxPixels}`);
    let png: ReturnType<typeof decodePng>;
    try {
      png = decodePng(bytes);
    } catch (e) {
      return fail(`unreadable PNG (${(e as Error).message})`);
    }
    if (png.palette) {
      const rgb = convertIndexedToRgb(png);
      const channels = rgb.length / (width * height);
      if (channels !== 3 && channels !== 4) fail('unreadable PNG palette');
      return { width, height, channels: channels as 3 | 4, data: rgb };
    }
    const channels = png.channels as 1 | 2 | 3 | 4;
    const n = width * height * channels;
    let data: Uint8Array;
    if (png.depth === 8) data = Uint8Array.from(png.data.subarray(0, n));
    else if (png.depth === 16) data = Uint8Array.from(png.data.subarray(0, n), (v) => v >> 8);
    else data = unpackBits(png.data as Uint8Array, width, height, channels, png.depth);
    if (data.length !== n) fail(`truncated PNG data (${data.length} of ${n} samples)`);
    return { width, height, channels, data };
  }
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    try {
      // formatAsRGBA false: 3 channels for grey and colour JPEGs alike.
      const img = decodeJpeg(bytes, {
        useTArray: true,
        formatAsRGBA: false,
        maxResolutionInMP: maxPixels / 1e6,
        maxMemoryUsageInMB: 1024,
      });
      if (img.width === 0 || img.height === 0) fail('JPEG has no pixels');
      return { width: img.width, height: img.height, channels: 3, data: img.data };
    } catch (e) {
      if (e instanceof DatasetFormatError) throw e;
      return fail(`unreadable JPEG (${(e as Error).message ?? String(e)})`);
    }
  }
  return fail(
    `not a PNG or JPEG file (first bytes ${hex(bytes.subarray(0, 4)) || 'none: the file is empty'})`,
  );
}

/**
 * The size check above reads the IHDR at its fixed place, so make sure that is
 * the IHDR the decoder uses: the first chunk, and the only one. fast-png takes
 * chunks in any order and lets a later IHDR replace the first, which would let
 * a file pass the check with a small size and then decode (and allocate) a huge
 * one. Walking the chunk headers costs nothing next to decoding.
 */
function checkPngChunks(bytes: Uint8Array, view: DataView, fail: (defect: string) => never): void {
  const type = (at: number) => String.fromCharCode(...bytes.subarray(at + 4, at + 8));
  if (type(8) !== 'IHDR') fail(`PNG does not start with an IHDR chunk (found '${type(8)}')`);
  // Each step advances at least 12 bytes: no loop can run longer than the file.
  for (let at = 8; at + 8 <= bytes.length; at += 12 + view.getUint32(at, false)) {
    const t = type(at);
    if (t === 'IHDR' && at !== 8) fail(`PNG has a second IHDR chunk at byte ${at}`);
    if (t === 'IEND') break;
  }
}

/** Grey PNGs of 1, 2 or 4 bits: rows are byte-aligned, samples scaled to 0..255. */
function unpackBits(
  packed: Uint8Array,
  width: number,
  height: number,
  channels: number,
  depth: number,
): Uint8Array {
  const perRow = Math.ceil((width * channels * depth) / 8);
  const max = (1 << depth) - 1;
  const out = new Uint8Array(width * height * channels);
  if (packed.length < perRow * height) return out.subarray(0, 0);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width * channels; x++) {
      const bit = x * depth;
      const byte = packed[y * perRow + (bit >> 3)]!;
      const v = (byte >> (8 - depth - (bit & 7))) & max;
      out[y * width * channels + x] = Math.round((v * 255) / max);
    }
  }
  return out;
}

/** How an image meets the requested size: `cover` scales and centre-crops (no distortion), `fill` stretches. */
export type Fit = 'cover' | 'fill';

/**
 * Converts a decoded image to `channels` and resizes it to `width` x `height`.
 * Channels: grey is replicated to RGB; RGB becomes grey by Rec. 601 luma
 * (0.299 R + 0.587 G + 0.114 B); alpha is composited onto black unless kept
 * (4 channels). Resizing is separable with a triangle filter widened by the
 * scale factor when shrinking (an anti-aliased bilinear, like PIL's).
 *
 * @returns bytes [height, width, channels]
 */
export function convertImage(
  img: DecodedImage,
  width: number,
  height: number,
  channels: 1 | 3 | 4,
  fit: Fit = 'cover',
): Uint8Array {
  const pixels = toChannels(img, channels);
  let x0 = 0;
  let y0 = 0;
  let cw = img.width;
  let ch = img.height;
  if (fit === 'cover' && img.width * height !== img.height * width) {
    // Crop the source to the target's aspect ratio around its centre.
    if (img.width * height > img.height * width) {
      cw = Math.max(1, Math.round((img.height * width) / height));
      x0 = Math.floor((img.width - cw) / 2);
    } else {
      ch = Math.max(1, Math.round((img.width * height) / width));
      y0 = Math.floor((img.height - ch) / 2);
    }
  }
  if (
    x0 === 0 &&
    y0 === 0 &&
    cw === width &&
    ch === height &&
    cw === img.width &&
    ch === img.height
  ) {
    return pixels;
  }
  const xs = filterTaps(x0, cw, width);
  const ys = filterTaps(y0, ch, height);
  // Horizontal pass over the cropped rows: [ch, width, channels] floats.
  const mid = new Float32Array(ch * width * channels);
  for (let y = 0; y < ch; y++) {
    const row = (y0 + y) * img.width;
    for (let x = 0; x < width; x++) {
      const { first, weights } = xs[x]!;
      for (let c = 0; c < channels; c++) {
        let acc = 0;
        for (let k = 0; k < weights.length; k++)
          acc += weights[k]! * pixels[(row + first + k) * channels + c]!;
        mid[(y * width + x) * channels + c] = acc;
      }
    }
  }
  const out = new Uint8Array(height * width * channels);
  for (let y = 0; y < height; y++) {
    const { first, weights } = ys[y]!;
    for (let x = 0; x < width * channels; x++) {
      let acc = 0;
      for (let k = 0; k < weights.length; k++)
        acc += weights[k]! * mid[(first - y0 + k) * width * channels + x]!;
      out[y * width * channels + x] = Math.min(255, Math.max(0, Math.round(acc)));
    }
  }
  return out;
}

/** For each output sample, the first source index and the normalized filter weights. */
function filterTaps(
  start: number,
  length: number,
  out: number,
): { first: number; weights: Float32Array }[] {
  const scale = length / out;
  const radius = Math.max(1, scale);
  return Array.from({ length: out }, (_, i) => {
    const centre = start + (i + 0.5) * scale;
    const lo = Math.max(start, Math.floor(centre - radius));
    const hi = Math.min(start + length - 1, Math.ceil(centre + radius));
    const weights = new Float32Array(hi - lo + 1);
    let sum = 0;
    for (let s = lo; s <= hi; s++) {
      const w = Math.max(0, 1 - Math.abs(s + 0.5 - centre) / radius);
      weights[s - lo] = w;
      sum += w;
    }
    if (sum === 0) {
      // Centre beyond every tap (a 1-pixel source): take the nearest sample.
      weights.fill(0);
      weights[Math.min(weights.length - 1, Math.max(0, Math.floor(centre) - lo))] = 1;
      sum = 1;
    }
    for (let k = 0; k < weights.length; k++) weights[k]! /= sum;
    return { first: lo, weights };
  });
}

function toChannels(img: DecodedImage, channels: 1 | 3 | 4): Uint8Array {
  const { data, channels: from } = img;
  if (from === channels) return data;
  const n = img.width * img.height;
  const out = new Uint8Array(n * channels);
  for (let i = 0; i < n; i++) {
    let r: number;
    let g: number;
    let b: number;
    let a = 255;
    if (from === 1 || from === 2) {
      r = g = b = data[i * from]!;
      if (from === 2) a = data[i * 2 + 1]!;
    } else {
      r = data[i * from]!;
      g = data[i * from + 1]!;
      b = data[i * from + 2]!;
      if (from === 4) a = data[i * 4 + 3]!;
    }
    if (channels === 4) {
      out.set([r, g, b, a], i * 4);
      continue;
    }
    const k = a / 255; // composite onto black
    if (channels === 1) {
      out[i] = Math.round((from <= 2 ? r : 0.299 * r + 0.587 * g + 0.114 * b) * k);
    } else {
      out[i * 3] = Math.round(r * k);
      out[i * 3 + 1] = Math.round(g * k);
      out[i * 3 + 2] = Math.round(b * k);
    }
  }
  return out;
}
