/// <reference path="./gifenc.d.ts" />
import * as gifenc from 'gifenc';
import type { RgbaImage } from './grid.js';

// gifenc's package.json points Node at a CommonJS build (whose exports arrive
// as the namespace's `default`) and bundlers at an ESM build (named exports).
// Take whichever this environment gave us.
const lib: typeof gifenc =
  'GIFEncoder' in gifenc && typeof gifenc.GIFEncoder === 'function'
    ? gifenc
    : (gifenc.default as typeof gifenc);

export interface GifOptions {
  /** Milliseconds each frame shows; default 200. GIF stores hundredths, so this rounds to 10 ms. */
  delay?: number;
  /** Milliseconds the last frame shows before the loop restarts; default 4 x `delay`, to mark the end. */
  lastDelay?: number;
  /** Times to play: 0 loops forever (default), 1 plays once, n plays n times. */
  repeat?: number;
}

/**
 * Encodes frames of equal size as an animated GIF, e.g. the fixed-noise
 * sample grid after each epoch. All frames share one 256-colour palette:
 * exact when the frames hold at most 256 distinct colours (any greyscale
 * grid, so MNIST animations are lossless), otherwise quantized with gifenc's
 * PnnQuant over all frames. Alpha is ignored (GIF frames here are opaque).
 *
 * @param frames at least one; every frame `width` x `height` like the first
 * @returns the bytes of a GIF89a file
 */
export function encodeGif(frames: readonly RgbaImage[], options: GifOptions = {}): Uint8Array {
  const first = frames[0];
  if (!first) throw new Error('encodeGif: needs at least one frame');
  const { width, height } = first;
  frames.forEach((f, i) => {
    if (f.width !== width || f.height !== height || f.data.length !== width * height * 4) {
      throw new Error(
        `encodeGif: frame ${i} is ${f.width}x${f.height} (${f.data.length} bytes), expected ${width}x${height} like frame 0`,
      );
    }
  });
  const delay = options.delay ?? 200;
  const lastDelay = options.lastDelay ?? delay * 4;
  const repeat = options.repeat ?? 0;
  if (!Number.isInteger(repeat) || repeat < 0) {
    throw new Error(`encodeGif: repeat must be a non-negative integer, got ${repeat}`);
  }

  const exact = exactPalette(frames);
  let palette: number[][];
  let indexOf: (f: RgbaImage) => Uint8Array;
  if (exact) {
    palette = exact.palette;
    indexOf = (f) => {
      const out = new Uint8Array(width * height);
      for (let p = 0; p < out.length; p++) {
        const o = p * 4;
        out[p] = exact.index.get((f.data[o]! << 16) | (f.data[o + 1]! << 8) | f.data[o + 2]!)!;
      }
      return out;
    };
  } else {
    // One palette for the whole animation avoids colours flickering between frames.
    const all = new Uint8ClampedArray(frames.length * width * height * 4);
    for (const [i, f] of frames.entries()) all.set(f.data, i * width * height * 4);
    for (let o = 3; o < all.length; o += 4) all[o] = 255;
    palette = lib.quantize(all, 256);
    indexOf = (f) => lib.applyPalette(f.data, palette);
  }
  // GIF colour tables have a power-of-two size of at least 2 entries.
  while (palette.length < 2) palette.push([0, 0, 0]);

  const gif = lib.GIFEncoder();
  frames.forEach((f, i) => {
    gif.writeFrame(indexOf(f), width, height, {
      palette: i === 0 ? palette : undefined,
      delay: i === frames.length - 1 ? lastDelay : delay,
      // gifenc's repeat: -1 once, 0 forever, n extra loops; ours counts plays.
      repeat: repeat === 0 ? 0 : repeat === 1 ? -1 : repeat - 1,
    });
  });
  gif.finish();
  return gif.bytes();
}

/** The distinct RGB colours of all frames, if there are at most 256. */
function exactPalette(
  frames: readonly RgbaImage[],
): { palette: number[][]; index: Map<number, number> } | undefined {
  const index = new Map<number, number>();
  const palette: number[][] = [];
  for (const f of frames) {
    const d = f.data;
    for (let o = 0; o < d.length; o += 4) {
      const key = (d[o]! << 16) | (d[o + 1]! << 8) | d[o + 2]!;
      if (index.has(key)) continue;
      if (palette.length === 256) return undefined;
      index.set(key, palette.length);
      palette.push([d[o]!, d[o + 1]!, d[o + 2]!]);
    }
  }
  return { palette, index };
}
