import { decompressFrames, parseGIF } from 'gifuct-js';
import { describe, expect, it } from 'vitest';
import { encodeGif } from './gif.js';
import { imageGrid, type RgbaImage } from './grid.js';

/** Decodes a GIF with gifuct-js, an independent decoder: each frame's full RGBA patch and delay. */
function decodeGif(bytes: Uint8Array) {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const gif = parseGIF(buffer as ArrayBuffer);
  return {
    width: gif.lsd.width,
    height: gif.lsd.height,
    frames: decompressFrames(gif, true).map((f) => ({
      patch: f.patch,
      delay: f.delay,
      dims: f.dims,
    })),
  };
}

/** A 3-frame "training" of greyscale 4x4 images: frame t fills image i with 30 t + 10 i. */
function greyFrames(): RgbaImage[] {
  return [0, 1, 2].map((t) => {
    const images = new Uint8Array(4 * 16);
    for (let i = 0; i < 4; i++)
      images.fill(30 * t + 10 * i + 5 * ((i + t) % 2), i * 16, (i + 1) * 16);
    return imageGrid(images, { count: 4, height: 4, width: 4, channels: 1, scale: 2 });
  });
}

describe('encodeGif', () => {
  it('round-trips greyscale frames exactly, with the delays and an endless loop', () => {
    const frames = greyFrames();
    const bytes = encodeGif(frames, { delay: 150 });
    expect(String.fromCharCode(...bytes.subarray(0, 6))).toBe('GIF89a');
    const gif = decodeGif(bytes);
    expect([gif.width, gif.height]).toEqual([frames[0]!.width, frames[0]!.height]);
    expect(gif.frames).toHaveLength(3);
    gif.frames.forEach((f, i) => {
      expect(f.dims).toEqual({
        top: 0,
        left: 0,
        width: frames[0]!.width,
        height: frames[0]!.height,
      });
      expect(Array.from(f.patch)).toEqual(Array.from(frames[i]!.data));
    });
    expect(gif.frames.map((f) => f.delay)).toEqual([150, 150, 600]);
    // NETSCAPE2.0 loop extension with count 0: loop forever.
    const text = String.fromCharCode(...bytes);
    const at = text.indexOf('NETSCAPE2.0');
    expect(at).toBeGreaterThan(0);
    expect([bytes[at + 13], bytes[at + 14]]).toEqual([0, 0]);
  });

  it('writes no loop extension for a single play', () => {
    const text = String.fromCharCode(...encodeGif(greyFrames(), { repeat: 1 }));
    expect(text).not.toContain('NETSCAPE2.0');
  });

  it('quantizes frames with more than 256 colours to one close palette', () => {
    const size = 32;
    const frames = [0, 1].map((t) => {
      const data = new Uint8ClampedArray(size * size * 4);
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          data.set([x * 8, y * 8, (t * 128 + x * 4) & 255, 255], (y * size + x) * 4);
        }
      }
      return { width: size, height: size, data };
    });
    const gif = decodeGif(encodeGif(frames));
    expect(gif.frames).toHaveLength(2);
    gif.frames.forEach((f, i) => {
      let err = 0;
      for (let p = 0; p < f.patch.length; p += 4) {
        for (let c = 0; c < 3; c++) err += Math.abs(f.patch[p + c]! - frames[i]!.data[p + c]!);
      }
      // Mean error per channel of a 256-colour palette for 2048 colours: a few levels.
      expect(err / (size * size * 3)).toBeLessThan(12);
    });
  });

  it('rejects no frames and frames of different sizes', () => {
    expect(() => encodeGif([])).toThrow(/at least one frame/);
    const [a] = greyFrames();
    const b = { width: 1, height: 1, data: new Uint8ClampedArray(4) };
    expect(() => encodeGif([a!, b])).toThrow(/frame 1 is 1x1/);
  });
});
