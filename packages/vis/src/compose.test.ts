import { describe, expect, it } from 'vitest';
import { classGrid, compareImages, interpolationGrid, lerp, slerp } from './compose.js';
import { imageGrid, type RgbaImage } from './grid.js';

function pixel(image: RgbaImage, x: number, y: number): number[] {
  const o = (y * image.width + x) * 4;
  return Array.from(image.data.subarray(o, o + 4));
}

const norm = (v: ArrayLike<number>) => Math.hypot(...Array.from(v));

describe('lerp and slerp', () => {
  it('lerp returns [steps, dim] evenly spaced points including both ends', () => {
    const out = lerp([0, 10], [4, 2], 5);
    expect(Array.from(out)).toEqual([0, 10, 1, 8, 2, 6, 3, 4, 4, 2]);
  });

  it('slerp keeps the ends, follows the arc and interpolates the norm', () => {
    const z0 = [1, 0, 0];
    const z1 = [0, 2, 0];
    const out = slerp(z0, z1, 3);
    expect(out).toHaveLength(9);
    expect(Array.from(out.subarray(0, 3))).toEqual([1, 0, 0]);
    for (const [i, v] of [0, 2, 0].entries()) expect(out[6 + i]).toBeCloseTo(v, 6);
    // Half-way: 45 degrees between the two directions, norm (1 + 2) / 2.
    const mid = out.subarray(3, 6);
    expect(norm(mid)).toBeCloseTo(1.5, 5);
    expect(mid[0]).toBeCloseTo(mid[1]!, 5);
    expect(mid[2]).toBeCloseTo(0, 6);
  });

  it('slerp keeps the typical norm that lerp loses half-way between two Gaussian draws', () => {
    let s = 3;
    const gauss = () => {
      s = (s * 1103515245 + 12345) >>> 0;
      const u = (s + 1) / 2 ** 32;
      s = (s * 1103515245 + 12345) >>> 0;
      return Math.sqrt(-2 * Math.log(u)) * Math.cos((2 * Math.PI * s) / 2 ** 32);
    };
    const dim = 100;
    const a = Array.from({ length: dim }, gauss);
    const b = Array.from({ length: dim }, gauss);
    const midLerp = lerp(a, b, 3).subarray(dim, 2 * dim);
    const midSlerp = slerp(a, b, 3).subarray(dim, 2 * dim);
    const typical = (norm(a) + norm(b)) / 2;
    expect(norm(midSlerp)).toBeCloseTo(typical, 4);
    expect(norm(midLerp) / typical).toBeLessThan(0.8);
  });

  it('slerp falls back to lerp for parallel vectors, and both check their inputs', () => {
    expect(Array.from(slerp([1, 1], [2, 2], 3))).toEqual(Array.from(lerp([1, 1], [2, 2], 3)));
    expect(Array.from(slerp([0, 0], [1, 0], 2))).toEqual([0, 0, 1, 0]);
    expect(() => lerp([1], [1, 2], 3)).toThrow(/same non-zero length/);
    expect(() => slerp([1], [2], 1)).toThrow(/steps must be an integer >= 2/);
  });
});

describe('row labels', () => {
  it('adds a gutter with the labels and keeps the cells unchanged', () => {
    const images = new Uint8Array(4 * 2 * 2).fill(200);
    const plain = imageGrid(images, { count: 4, height: 2, width: 2, channels: 1, columns: 2 });
    const labelled = imageGrid(images, {
      count: 4,
      height: 2,
      width: 2,
      channels: 1,
      columns: 2,
      padding: 2,
      rowLabels: ['ab', 'c'],
    });
    // Longest label 'ab' is 11 px wide at scale 1; margins of 3 px on both sides, less padding 2.
    const gutter = 11 + 2 * 3 - 2;
    expect(labelled.width).toBe(plain.width + gutter);
    expect(labelled.height).toBe(plain.height);
    // The first cell moved right by the gutter.
    expect(pixel(labelled, gutter + 2, 2)).toEqual([200, 200, 200, 255]);
    expect(pixel(labelled, gutter + 1, 2)).toEqual([64, 64, 64, 255]);
    // Label ink (light grey on the dark default background) is in the gutter.
    let ink = 0;
    for (let y = 0; y < labelled.height; y++) {
      for (let x = 0; x < gutter; x++) if (pixel(labelled, x, y)[0] === 235) ink++;
    }
    expect(ink).toBeGreaterThan(10);
  });

  it('doubles the label font for cells 24 px or taller', () => {
    const options = {
      count: 1,
      height: 12,
      width: 1,
      channels: 1,
      padding: 0,
      rowLabels: ['7'],
    } as const;
    const small = imageGrid(new Uint8Array(12), options);
    const big = imageGrid(new Uint8Array(12), { ...options, scale: 2 });
    // Gutter: label width + 2 margins (3 px per font scale), padding 0.
    expect(small.width - 1).toBe(5 + 2 * 3);
    expect(big.width - 2).toBe(10 + 2 * 6);
  });

  it('uses dark text on a light background', () => {
    const grid = imageGrid(new Uint8Array(4), {
      count: 1,
      height: 2,
      width: 2,
      channels: 1,
      background: [255, 255, 255],
      rowLabels: ['I'],
    });
    const colours = new Set<string>();
    for (let p = 0; p < grid.data.length; p += 4)
      colours.add(grid.data.subarray(p, p + 3).join(','));
    expect(colours).toContain('25,25,25');
  });
});

describe('classGrid', () => {
  it('puts class k on row k, in order, leaving short rows padded with background', () => {
    // 5 images of 1x1 pixel; values identify them.
    const images = new Uint8Array([10, 20, 30, 40, 50]);
    const classes = [1, 0, 1, 2, 1];
    const grid = classGrid(images, classes, {
      count: 5,
      height: 1,
      width: 1,
      channels: 1,
      padding: 1,
      labelRows: false,
    });
    // perRow = 3 (class 1 has three images), 3 rows.
    expect([grid.width, grid.height]).toEqual([7, 7]);
    const at = (r: number, c: number) => pixel(grid, 1 + 2 * c, 1 + 2 * r)[0];
    expect([at(0, 0), at(0, 1), at(0, 2)]).toEqual([20, 64, 64]);
    expect([at(1, 0), at(1, 1), at(1, 2)]).toEqual([10, 30, 50]);
    expect([at(2, 0), at(2, 1), at(2, 2)]).toEqual([40, 64, 64]);
  });

  it('labels rows with class names, honours perRow, and checks classes', () => {
    const images = new Uint8Array(6).fill(255);
    const grid = classGrid(images, [0, 0, 0, 1, 1, 1], {
      count: 6,
      height: 1,
      width: 1,
      channels: 1,
      padding: 1,
      perRow: 2,
      classNames: ['cat', 'dog'],
    });
    const gutter = 17 + 2 * 3 - 1;
    expect([grid.width, grid.height]).toEqual([gutter + 5, 5]);
    expect(() =>
      classGrid(images, [0, 0, 0, 1, 1, 2], {
        count: 6,
        height: 1,
        width: 1,
        channels: 1,
        classNames: ['cat', 'dog'],
      }),
    ).toThrow(/class of image 5 is 2, expected an integer 0..1/);
    expect(() => classGrid(images, [0], { count: 6, height: 1, width: 1, channels: 1 })).toThrow(
      /got 1 classes for 6 images/,
    );
  });
});

describe('interpolationGrid', () => {
  it('lays out one strip of `steps` images per row', () => {
    const grid = interpolationGrid(new Uint8Array(2 * 5 * 4), {
      count: 10,
      steps: 5,
      height: 2,
      width: 2,
      channels: 1,
      padding: 0,
    });
    expect([grid.width, grid.height]).toEqual([10, 4]);
    expect(() =>
      interpolationGrid(new Uint8Array(4), {
        count: 4,
        steps: 3,
        height: 1,
        width: 1,
        channels: 1,
      }),
    ).toThrow(/multiple of steps/);
  });
});

describe('compareImages', () => {
  it('places panels side by side under centred captions', () => {
    const red: RgbaImage = { width: 20, height: 10, data: new Uint8ClampedArray(800) };
    for (let p = 0; p < 800; p += 4) red.data.set([255, 0, 0, 255], p);
    const blue: RgbaImage = { width: 20, height: 30, data: new Uint8ClampedArray(2400) };
    for (let p = 0; p < 2400; p += 4) blue.data.set([0, 0, 255, 255], p);
    const out = compareImages(
      [
        { image: red, caption: 'epoch 0' },
        { image: blue, caption: 'final' },
      ],
      { gap: 4, textScale: 1 },
    );
    // 'epoch 0' (41 px) is wider than its image (20): that panel is 41 wide.
    expect(out.width).toBe(4 + 41 + 4 + 29 + 4);
    const captionH = 7 + 3;
    expect(out.height).toBe(4 * 2 + captionH + 30);
    const top = 4 + captionH;
    expect(pixel(out, 4 + 10, top)).toEqual([255, 0, 0, 255]);
    expect(pixel(out, 4 + 10 + 19, top + 9)).toEqual([255, 0, 0, 255]);
    expect(pixel(out, 4 + 10, top + 10)).toEqual([255, 255, 255, 255]);
    expect(pixel(out, 4 + 41 + 4 + 4, top + 29)).toEqual([0, 0, 255, 255]);
    // Caption ink is near-black and sits above the images.
    let ink = 0;
    for (let y = 0; y < top; y++) {
      for (let x = 0; x < out.width; x++) if (pixel(out, x, y)[0] === 25) ink++;
    }
    expect(ink).toBeGreaterThan(30);
    expect(() => compareImages([])).toThrow(/at least one panel/);
  });
});
