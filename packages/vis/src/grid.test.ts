import { describe, expect, it } from 'vitest';
import { type ImageGridOptions, imageGrid, neighbourGrid, type RgbaImage } from './grid.js';

/** RGBA of the pixel at (x, y). */
function pixel(image: RgbaImage, x: number, y: number): number[] {
  const o = (y * image.width + x) * 4;
  return Array.from(image.data.subarray(o, o + 4));
}

/** `count` greyscale images of h x w, image i filled with `value(i)`. */
function filled(count: number, h: number, w: number, value: (i: number) => number): Uint8Array {
  const out = new Uint8Array(count * h * w);
  for (let i = 0; i < count; i++) out.fill(value(i), i * h * w, (i + 1) * h * w);
  return out;
}

const BG = [64, 64, 64, 255];

describe('imageGrid layout', () => {
  it('sizes the grid from count, columns and padding', () => {
    const grid = imageGrid(new Uint8Array(10 * 28 * 28), {
      count: 10,
      height: 28,
      width: 28,
      channels: 1,
      columns: 5,
    });
    expect(grid.width).toBe(5 * 28 + 6 * 2);
    expect(grid.height).toBe(2 * 28 + 3 * 2);
    expect(grid.data.length).toBe(152 * 62 * 4);
  });

  it.each([
    [1, 1],
    [2, 2],
    [4, 2],
    [5, 3],
    [10, 4],
    [16, 4],
    [17, 5],
  ])('defaults %i images to %i columns', (count, columns) => {
    const grid = imageGrid(new Uint8Array(count * 4), {
      count,
      height: 2,
      width: 2,
      channels: 1,
      padding: 0,
    });
    expect(grid.width).toBe(columns * 2);
    expect(grid.height).toBe(Math.ceil(count / columns) * 2);
  });

  it('scales images but not padding', () => {
    const grid = imageGrid(new Uint8Array(3 * 5 * 4), {
      count: 3,
      height: 5,
      width: 4,
      channels: 1,
      columns: 2,
      padding: 1,
      scale: 3,
    });
    expect(grid.width).toBe(2 * 4 * 3 + 3 * 1);
    expect(grid.height).toBe(2 * 5 * 3 + 3 * 1);
  });

  it('puts image i in row floor(i/columns), column i%columns, with background around', () => {
    const h = 3;
    const w = 4;
    const grid = imageGrid(
      filled(5, h, w, (i) => 100 + i * 10),
      { count: 5, height: h, width: w, channels: 1, columns: 3 },
    );
    expect(grid.width).toBe(3 * 4 + 4 * 2);
    expect(grid.height).toBe(2 * 3 + 3 * 2);
    for (let i = 0; i < 5; i++) {
      const left = 2 + (i % 3) * (w + 2);
      const top = 2 + Math.floor(i / 3) * (h + 2);
      const v = 100 + i * 10;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) expect(pixel(grid, left + x, top + y)).toEqual([v, v, v, 255]);
      }
      // The padding just outside each corner of the cell.
      expect(pixel(grid, left - 1, top)).toEqual(BG);
      expect(pixel(grid, left + w, top + h - 1)).toEqual(BG);
      expect(pixel(grid, left, top - 1)).toEqual(BG);
      expect(pixel(grid, left + w - 1, top + h)).toEqual(BG);
    }
    expect(pixel(grid, 0, 0)).toEqual(BG);
    expect(pixel(grid, grid.width - 1, grid.height - 1)).toEqual(BG);
    // The empty sixth cell (row 1, column 2) is background throughout.
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++)
        expect(pixel(grid, 2 + 2 * (w + 2) + x, 2 + (h + 2) + y)).toEqual(BG);
    }
  });

  it('keeps pixel order inside each image (row-major, no transposition)', () => {
    // One 2x3 image whose values encode their position: 10*y + x.
    const image = new Uint8Array([0, 1, 2, 10, 11, 12]);
    const grid = imageGrid(image, { count: 1, height: 2, width: 3, channels: 1, padding: 1 });
    expect(grid.width).toBe(5);
    expect(grid.height).toBe(4);
    for (let y = 0; y < 2; y++) {
      for (let x = 0; x < 3; x++) expect(pixel(grid, 1 + x, 1 + y)[0]).toBe(10 * y + x);
    }
  });

  it('upscales by nearest neighbour', () => {
    const image = new Uint8Array([10, 20, 30, 40]); // 2x2
    const grid = imageGrid(image, {
      count: 1,
      height: 2,
      width: 2,
      channels: 1,
      padding: 1,
      scale: 3,
    });
    expect(grid.width).toBe(8);
    expect(grid.height).toBe(8);
    for (let y = 0; y < 6; y++) {
      const line = Array.from({ length: 6 }, (_, x) => pixel(grid, 1 + x, 1 + y)[0]);
      expect(line).toEqual(y < 3 ? [10, 10, 10, 20, 20, 20] : [30, 30, 30, 40, 40, 40]);
    }
    expect(pixel(grid, 7, 7)).toEqual(BG);
  });

  it('uses the background colour given, and zero padding touches cells edge to edge', () => {
    const grid = imageGrid(
      filled(3, 2, 2, (i) => i * 100),
      {
        count: 3,
        height: 2,
        width: 2,
        channels: 1,
        columns: 2,
        padding: 0,
        background: [255, 0, 128],
      },
    );
    expect(grid.width).toBe(4);
    expect(grid.height).toBe(4);
    expect(pixel(grid, 1, 1)).toEqual([0, 0, 0, 255]);
    expect(pixel(grid, 2, 0)).toEqual([100, 100, 100, 255]);
    expect(pixel(grid, 1, 2)).toEqual([200, 200, 200, 255]);
    expect(pixel(grid, 2, 2)).toEqual([255, 0, 128, 255]);
  });

  it('is opaque everywhere', () => {
    const grid = imageGrid(new Float32Array(3 * 9 * 3), {
      count: 3,
      height: 3,
      width: 3,
      channels: 3,
    });
    for (let p = 3; p < grid.data.length; p += 4) expect(grid.data[p]).toBe(255);
  });
});

describe('imageGrid values', () => {
  const one = (values: number[], range?: ImageGridOptions['range']) =>
    Array.from(
      { length: values.length },
      (_, x) =>
        pixel(
          imageGrid(new Float32Array(values), {
            count: 1,
            height: 1,
            width: values.length,
            channels: 1,
            padding: 0,
            range,
          }),
          x,
          0,
        )[0],
    );

  it('maps a Float32Array from [0,1] by default, clamping and rounding', () => {
    expect(one([0, 0.5, 1, -0.3, 1.7, 0.2, 100 / 255])).toEqual([0, 128, 255, 0, 255, 51, 100]);
  });

  it("maps '[-1,1]' with -1 black, 0 mid grey, 1 white, clamping outside", () => {
    expect(one([-1, 0, 1, -5, 5, 0.5], '[-1,1]')).toEqual([0, 128, 255, 0, 255, 191]);
  });

  it("maps 'bytes' Float32 values straight, rounding and clamping", () => {
    expect(one([0, 12.4, 12.6, 255, 300, -4], 'bytes')).toEqual([0, 12, 13, 255, 255, 0]);
  });

  it.each(['bytes', '[0,1]', '[-1,1]'] as const)('shows NaN as 0 in range %s', (range) => {
    expect(one([Number.NaN], range)).toEqual([0]);
  });

  it('clamps infinities', () => {
    expect(one([Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY])).toEqual([0, 255]);
  });

  it('copies a Uint8Array unchanged by default', () => {
    const values = Uint8Array.from({ length: 256 }, (_, i) => i);
    const grid = imageGrid(values, { count: 1, height: 16, width: 16, channels: 1, padding: 0 });
    expect(Array.from({ length: 256 }, (_, i) => grid.data[i * 4])).toEqual(Array.from(values));
  });

  it('applies a range to a Uint8Array when asked', () => {
    const grid = imageGrid(new Uint8Array([0, 1, 2]), {
      count: 1,
      height: 1,
      width: 3,
      channels: 1,
      padding: 0,
      range: '[0,1]',
    });
    expect([0, 1, 2].map((x) => pixel(grid, x, 0)[0])).toEqual([0, 255, 255]);
  });

  it('keeps the colours of RGB images', () => {
    // Two 1x2 RGB images: red, green / blue, a mixed colour.
    const images = new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 120, 230]);
    const grid = imageGrid(images, {
      count: 2,
      height: 1,
      width: 2,
      channels: 3,
      columns: 2,
      padding: 1,
    });
    expect(grid.width).toBe(2 * 2 + 3);
    expect(pixel(grid, 1, 1)).toEqual([255, 0, 0, 255]);
    expect(pixel(grid, 2, 1)).toEqual([0, 255, 0, 255]);
    expect(pixel(grid, 3, 1)).toEqual(BG);
    expect(pixel(grid, 4, 1)).toEqual([0, 0, 255, 255]);
    expect(pixel(grid, 5, 1)).toEqual([10, 120, 230, 255]);
  });

  it('maps each channel of a Float32 RGB image through the range', () => {
    const images = new Float32Array([-1, 0, 1]);
    const grid = imageGrid(images, {
      count: 1,
      height: 1,
      width: 1,
      channels: 3,
      padding: 0,
      range: '[-1,1]',
    });
    expect(pixel(grid, 0, 0)).toEqual([0, 128, 255, 255]);
  });
});

describe('imageGrid validation', () => {
  const base = { count: 2, height: 28, width: 28, channels: 1 } as const;
  const ok = new Uint8Array(2 * 28 * 28);

  it('reports a length mismatch with the arithmetic', () => {
    expect(() => imageGrid(new Uint8Array(1000), base)).toThrow(
      'imageGrid: got 1000 values, expected count*height*width*channels = 2*28*28*1 = 1568',
    );
  });

  it.each([
    ['count 0', { count: 0 }, /count must be a positive integer, got 0/],
    ['negative height', { height: -28 }, /height must be a positive integer, got -28/],
    ['fractional width', { width: 2.5 }, /width must be a positive integer, got 2.5/],
    ['zero columns', { columns: 0 }, /columns must be a positive integer, got 0/],
    ['zero scale', { scale: 0 }, /scale must be a positive integer, got 0/],
    ['fractional scale', { scale: 1.5 }, /scale must be a positive integer, got 1.5/],
    ['negative padding', { padding: -1 }, /padding must be a non-negative integer, got -1/],
    ['2 channels', { channels: 2 }, /channels must be 1 \(greyscale\) or 3 \(RGB\), got 2/],
    ['4 channels', { channels: 4 }, /channels must be 1 \(greyscale\) or 3 \(RGB\), got 4/],
    [
      'an unknown range',
      { range: '0..1' },
      /range must be 'bytes', '\[0,1\]' or '\[-1,1\]', got "0..1"/,
    ],
    [
      'a short background',
      { background: [1, 2] },
      /background must be 3 integers 0..255, got \[1,2\]/,
    ],
    ['a background over 255', { background: [0, 0, 256] }, /background must be 3 integers 0..255/],
  ])('rejects %s', (_what, override, message) => {
    expect(() => imageGrid(ok, { ...base, ...override } as unknown as ImageGridOptions)).toThrow(
      message,
    );
  });

  it('rejects arrays that are not Uint8Array or Float32Array', () => {
    expect(() => imageGrid(new Float64Array(1568) as unknown as Float32Array, base)).toThrow(
      /images must be a Uint8Array or a Float32Array, got Float64Array/,
    );
    expect(() => imageGrid(Array.from(ok) as unknown as Uint8Array, base)).toThrow(/got Array/);
  });
});

describe('neighbourGrid', () => {
  it('puts each sample left of its neighbour, pairsPerRow pairs a row', () => {
    // Three 1x1 grey images: samples 0.2, 0.4, 0.6; neighbours 1.
    const g = neighbourGrid(Float32Array.of(0.2, 0.4, 0.6), Float32Array.of(1, 1, 1), {
      count: 3,
      height: 1,
      width: 1,
      channels: 1,
      padding: 0,
      pairsPerRow: 2,
    });
    expect([g.width, g.height]).toEqual([4, 2]);
    const grey = (x: number, y: number) => g.data[(y * g.width + x) * 4]!;
    expect([grey(0, 0), grey(1, 0), grey(2, 0), grey(3, 0)]).toEqual([51, 255, 102, 255]);
    expect([grey(0, 1), grey(1, 1)]).toEqual([153, 255]);
    expect(() =>
      neighbourGrid(Float32Array.of(1), Float32Array.of(1, 1), {
        count: 1,
        height: 1,
        width: 1,
        channels: 1,
      }),
    ).toThrow(/not 1 images/);
  });
});
