import { encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { imageGrid, type RgbaImage } from './grid.js';
import { decodePng, encodePng, pngDataUrl } from './png.js';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** Inserts a tRNS chunk after IHDR (fast-png cannot write one for greyscale or RGB). */
function withTrns(png: Uint8Array, samples: number[]): Uint8Array {
  const body = new Uint8Array(4 + samples.length * 2);
  const view = new DataView(body.buffer);
  body.set([0x74, 0x52, 0x4e, 0x53]); // 'tRNS'
  for (const [i, v] of samples.entries()) view.setUint16(4 + 2 * i, v);
  const chunk = new Uint8Array(8 + body.length);
  const chunkView = new DataView(chunk.buffer);
  chunkView.setUint32(0, samples.length * 2);
  chunk.set(body, 4);
  chunkView.setUint32(4 + body.length, crc32(body));
  const ihdrEnd = 8 + 25;
  const out = new Uint8Array(png.length + chunk.length);
  out.set(png.subarray(0, ihdrEnd));
  out.set(chunk, ihdrEnd);
  out.set(png.subarray(ihdrEnd), ihdrEnd + chunk.length);
  return out;
}

function randomImage(width: number, height: number, seed: number): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = s >>> 24;
  }
  return { width, height, data };
}

describe('encodePng / decodePng', () => {
  it('writes the PNG signature and an IHDR with the size, 8-bit RGBA', () => {
    const bytes = encodePng(randomImage(300, 7, 1));
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(Array.from(bytes.subarray(0, 8))).toEqual(SIGNATURE);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(String.fromCharCode(...bytes.subarray(12, 16))).toBe('IHDR');
    expect(view.getUint32(16)).toBe(300);
    expect(view.getUint32(20)).toBe(7);
    expect(bytes[24]).toBe(8); // bit depth
    expect(bytes[25]).toBe(6); // colour type: truecolour with alpha
  });

  it.each([
    [1, 1],
    [5, 3],
    [64, 64],
    [257, 2],
  ])('round-trips a %ix%i image byte for byte, alpha included', (width, height) => {
    const image = randomImage(width, height, width * 31 + height);
    const back = decodePng(encodePng(image));
    expect(back.width).toBe(width);
    expect(back.height).toBe(height);
    expect(back.data).toBeInstanceOf(Uint8ClampedArray);
    expect(Buffer.from(back.data).equals(Buffer.from(image.data))).toBe(true);
  });

  it('round-trips a grid', () => {
    const images = Uint8Array.from({ length: 10 * 28 * 28 }, (_, i) => (i * 7) % 256);
    const grid = imageGrid(images, {
      count: 10,
      height: 28,
      width: 28,
      channels: 1,
      columns: 5,
      scale: 2,
    });
    const back = decodePng(encodePng(grid));
    expect([back.width, back.height]).toEqual([grid.width, grid.height]);
    expect(Buffer.from(back.data).equals(Buffer.from(grid.data))).toBe(true);
  });

  it('rejects data of the wrong length or a bad size', () => {
    expect(() => encodePng({ width: 2, height: 2, data: new Uint8ClampedArray(12) })).toThrow(
      'encodePng: got 12 bytes, expected width*height*4 = 2*2*4 = 16',
    );
    expect(() => encodePng({ width: 0, height: 2, data: new Uint8ClampedArray(0) })).toThrow(
      /width and height must be positive integers, got 0x2/,
    );
  });

  it('rejects bytes that are not a PNG', () => {
    expect(() => decodePng(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]))).toThrow();
  });
});

describe('decodePng normalises other PNG layouts to RGBA', () => {
  it('expands 8-bit greyscale', () => {
    const bytes = encode({
      width: 3,
      height: 1,
      data: new Uint8Array([0, 128, 255]),
      channels: 1,
      depth: 8,
    });
    expect(Array.from(decodePng(bytes).data)).toEqual([
      0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255,
    ]);
  });

  it('expands greyscale with alpha', () => {
    const bytes = encode({
      width: 2,
      height: 1,
      data: new Uint8Array([10, 20, 200, 0]),
      channels: 2,
      depth: 8,
    });
    expect(Array.from(decodePng(bytes).data)).toEqual([10, 10, 10, 20, 200, 200, 200, 0]);
  });

  it('adds opaque alpha to 8-bit RGB', () => {
    const bytes = encode({
      width: 2,
      height: 1,
      data: new Uint8Array([1, 2, 3, 4, 5, 6]),
      channels: 3,
      depth: 8,
    });
    expect(Array.from(decodePng(bytes).data)).toEqual([1, 2, 3, 255, 4, 5, 6, 255]);
  });

  it('reduces 16-bit samples to 8 bits, recovering 8-bit values widened as v*257', () => {
    const rgba16 = Uint16Array.from([0, 257 * 100, 65535, 257 * 7, 0x8000, 0x80ff, 0x0080, 0xffff]);
    const bytes = encode({ width: 2, height: 1, data: rgba16, channels: 4, depth: 16 });
    expect(Array.from(decodePng(bytes).data)).toEqual([0, 100, 255, 7, 128, 128, 0, 255]);
    const grey16 = encode({
      width: 1,
      height: 1,
      data: Uint16Array.from([257 * 42]),
      channels: 1,
      depth: 16,
    });
    expect(Array.from(decodePng(grey16).data)).toEqual([42, 42, 42, 255]);
  });

  it('stretches 1-bit greyscale, with rows starting on new bytes', () => {
    // 3x2: rows 1,0,1 and 0,1,1, each packed into the top bits of one byte.
    const bytes = encode({
      width: 3,
      height: 2,
      data: new Uint8Array([0b10100000, 0b01100000]),
      channels: 1,
      depth: 1,
    });
    const back = decodePng(bytes);
    expect(Array.from({ length: 6 }, (_, p) => back.data[p * 4])).toEqual([
      255, 0, 255, 0, 255, 255,
    ]);
  });

  it('looks up palette colours, with alpha from tRNS', () => {
    // fast-png's encoder writes tRNS only for leading non-opaque entries, so the translucent one goes first.
    const palette = [
      [0, 0, 255, 128],
      [255, 0, 0, 255],
      [9, 8, 7, 255],
    ];
    const bytes = encode({
      width: 3,
      height: 1,
      data: new Uint8Array([2, 1, 0]),
      channels: 1,
      depth: 8,
      palette,
    });
    expect(Array.from(decodePng(bytes).data)).toEqual([
      9, 8, 7, 255, 255, 0, 0, 255, 0, 0, 255, 128,
    ]);
  });

  it('makes pixels matching a greyscale or RGB tRNS colour key transparent', () => {
    const grey = encode({
      width: 3,
      height: 1,
      data: new Uint8Array([5, 7, 5]),
      channels: 1,
      depth: 8,
    });
    expect(Array.from(decodePng(withTrns(grey, [5])).data)).toEqual([
      5, 5, 5, 0, 7, 7, 7, 255, 5, 5, 5, 0,
    ]);
    // Three pixels, as fast-png refuses an RGB key (3 samples) on an image of fewer pixels.
    const rgb = encode({
      width: 3,
      height: 1,
      data: new Uint8Array([1, 2, 3, 1, 2, 4, 1, 2, 3]),
      channels: 3,
      depth: 8,
    });
    expect(Array.from(decodePng(withTrns(rgb, [1, 2, 3])).data)).toEqual([
      1, 2, 3, 0, 1, 2, 4, 255, 1, 2, 3, 0,
    ]);
  });
});

describe('pngDataUrl', () => {
  it('is the base64 of encodePng behind the PNG media type', () => {
    const image = randomImage(5, 3, 9);
    const url = pngDataUrl(image);
    expect(url.startsWith('data:image/png;base64,')).toBe(true);
    const bytes = new Uint8Array(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64'));
    expect(bytes).toEqual(encodePng(image));
    expect(decodePng(bytes)).toEqual(image);
  });
});
