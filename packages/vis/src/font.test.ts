import { describe, expect, it } from 'vitest';
import { drawText, FONT_HEIGHT, measureText } from './font.js';
import type { RgbaImage } from './grid.js';

function blank(width: number, height: number): RgbaImage {
  return { width, height, data: new Uint8ClampedArray(width * height * 4) };
}

/** The image's red channel as rows of '#' (ink) and '.' (none). */
function ascii(image: RgbaImage): string[] {
  const rows: string[] = [];
  for (let y = 0; y < image.height; y++) {
    let row = '';
    for (let x = 0; x < image.width; x++) row += image.data[(y * image.width + x) * 4]! ? '#' : '.';
    rows.push(row);
  }
  return rows;
}

describe('bitmap font', () => {
  it('measures 6 px per character less the last spacing column, 7 px high, times scale', () => {
    expect(measureText('')).toEqual({ width: 0, height: 7 });
    expect(measureText('A')).toEqual({ width: 5, height: 7 });
    expect(measureText('epoch 0', 2)).toEqual({ width: (7 * 6 - 1) * 2, height: 14 });
  });

  it('draws known glyphs pixel for pixel', () => {
    const img = blank(11, FONT_HEIGHT);
    drawText(img, '1T', 0, 0, { color: [255, 255, 255] });
    expect(ascii(img)).toEqual([
      '..#...#####',
      '.##.....#..',
      '..#.....#..',
      '..#.....#..',
      '..#.....#..',
      '..#.....#..',
      '.###....#..',
    ]);
    expect(Array.from(img.data.subarray(8, 12))).toEqual([255, 255, 255, 255]);
  });

  it('scales each font pixel to a square and clips at the edges', () => {
    const img = blank(4, 4);
    drawText(img, '|', -3, -6, { scale: 2, color: [9, 9, 9] });
    // '|' is column 2 of the glyph: at scale 2, image columns 1..2 after the -3 shift.
    expect(ascii(img)).toEqual(['.##.', '.##.', '.##.', '.##.']);
  });

  it('draws characters outside printable ASCII as "?"', () => {
    const a = blank(5, 7);
    const b = blank(5, 7);
    drawText(a, 'é', 0, 0, { color: [1, 1, 1] });
    drawText(b, '?', 0, 0, { color: [1, 1, 1] });
    expect(ascii(a)).toEqual(ascii(b));
    expect(() => drawText(a, 'x', 0, 0, { scale: 0 })).toThrow(/scale/);
  });
});
