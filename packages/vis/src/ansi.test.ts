import { describe, expect, it } from 'vitest';
import { ansiColorMode, ansiImage, xterm256 } from './ansi.js';
import type { RgbaImage } from './grid.js';

function image(width: number, height: number, rgb: (x: number, y: number) => number[]): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set([...rgb(x, y), 255], (y * width + x) * 4);
  }
  return { width, height, data };
}

/** 2 x 3: top row red/green, middle blue/white, bottom black/grey. */
const small = image(
  2,
  3,
  (x, y) =>
    [
      [
        [255, 0, 0],
        [0, 255, 0],
      ],
      [
        [0, 0, 255],
        [255, 255, 255],
      ],
      [
        [0, 0, 0],
        [128, 128, 128],
      ],
    ][y]![x]!,
);

/** Escape characters made visible, so snapshots read (and diff) as text. */
const show = (s: string) => s.replaceAll('\x1b', '\\e');

describe('ansiImage', () => {
  it('draws two pixels per cell with upper half blocks (truecolor)', () => {
    expect(show(ansiImage(small))).toMatchInlineSnapshot(`
      "\\e[38;2;255;0;0;48;2;0;0;255m▀\\e[38;2;0;255;0;48;2;255;255;255m▀\\e[0m
      \\e[38;2;0;0;0;49m▀\\e[38;2;128;128;128m▀\\e[0m
      "
    `);
  });

  it('falls back to the xterm 256-colour palette', () => {
    expect(show(ansiImage(small, { color: '256' }))).toMatchInlineSnapshot(`
      "\\e[38;5;196;48;5;21m▀\\e[38;5;46;48;5;231m▀\\e[0m
      \\e[38;5;16;49m▀\\e[38;5;244m▀\\e[0m
      "
    `);
  });

  it('box-filters down to the requested width, keeping the aspect ratio', () => {
    // 8 x 8 checkerboard of 2 x 2 black/white tiles, shown 4 columns wide:
    // each output pixel averages one tile, so the 4 x 4 result is a 1-pixel checkerboard.
    const board = image(8, 8, (x, y) =>
      (Math.floor(x / 2) + Math.floor(y / 2)) % 2 ? [255, 255, 255] : [0, 0, 0],
    );
    const out = ansiImage(board, { width: 4 });
    const lines = out.split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => [...l.matchAll(/▀/g)].length === 4)).toBe(true);
    expect(lines[0]).toBe(
      '\x1b[38;2;0;0;0;48;2;255;255;255m▀\x1b[38;2;255;255;255;48;2;0;0;0m▀\x1b[38;2;0;0;0;48;2;255;255;255m▀\x1b[38;2;255;255;255;48;2;0;0;0m▀\x1b[0m',
    );
    // Averaging a whole 8 x 8 board to 1 pixel gives mid grey.
    expect(ansiImage(board, { width: 1 })).toBe('\x1b[38;2;128;128;128;49m▀\x1b[0m\n');
  });

  it('never upscales, defaults to at most 80 columns, and checks options', () => {
    const wide = image(200, 4, () => [9, 9, 9]);
    expect(ansiImage(wide).split('\n')[0]!.match(/▀/g)).toHaveLength(80);
    expect(ansiImage(small, { width: 50 }).split('\n')[0]!.match(/▀/g)).toHaveLength(2);
    expect(() => ansiImage(small, { width: 0 })).toThrow(/width must be a positive integer/);
    expect(() => ansiImage(small, { color: 'mono' as '256' })).toThrow(/color must be/);
  });
});

describe('xterm256 and ansiColorMode', () => {
  it('maps primaries to the cube and greys to the ramp', () => {
    expect(xterm256(255, 0, 0)).toBe(196);
    expect(xterm256(0, 0, 0)).toBe(16);
    expect(xterm256(255, 255, 255)).toBe(231);
    expect(xterm256(128, 128, 128)).toBe(244);
    expect(xterm256(95, 135, 175)).toBe(16 + 36 + 12 + 3);
  });
  it('reads COLORTERM', () => {
    expect(ansiColorMode({ COLORTERM: 'truecolor' })).toBe('truecolor');
    expect(ansiColorMode({ COLORTERM: '24bit' })).toBe('truecolor');
    expect(ansiColorMode({ TERM: 'xterm-256color' })).toBe('256');
  });
});
