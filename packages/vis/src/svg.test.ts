import { describe, expect, it } from 'vitest';
import { lineChart } from './chart.js';
import { ganDensityPlot } from './density1d.js';
import { gan2dPlot } from './gan2d.js';
import { base64, formatTick, ID, niceDomain, niceTicks, num, polyline, withIds } from './svg.js';

describe('niceTicks', () => {
  it.each([
    [0, 1, 5, [0, 0.2, 0.4, 0.6, 0.8, 1], 0.2],
    [0, 1, 4, [0, 0.25, 0.5, 0.75, 1], 0.25],
    [0, 5980, 6, [0, 1000, 2000, 3000, 4000, 5000], 1000],
    [0.51, 1.62, 5, [0.75, 1, 1.25, 1.5], 0.25],
    [0.51, 1.62, 6, [0.6, 0.8, 1, 1.2, 1.4, 1.6], 0.2],
    [-3, 5, 4, [-2, 0, 2, 4], 2],
  ])('ticks of [%d, %d] (about %d) are %j', (lo, hi, n, ticks, step) => {
    const t = niceTicks(lo, hi, n);
    expect(t.step).toBeCloseTo(step, 12);
    expect(t.ticks).toEqual(ticks);
  });

  it('returns no ticks for a non-finite range and one for an empty one', () => {
    expect(niceTicks(Number.NaN, 1).ticks).toEqual([]);
    expect(niceTicks(2, 2).ticks).toEqual([2]);
  });

  it('rounds domains out to whole steps and widens a zero-width one', () => {
    expect(niceDomain(0.51, 1.62)).toEqual([0.5, 1.75]);
    expect(niceDomain(0.51, 1.62, 6)).toEqual([0.4, 1.8]);
    expect(niceDomain(3, 3)[0]).toBeLessThan(3);
    expect(niceDomain(3, 3)[1]).toBeGreaterThan(3);
  });
});

describe('formatTick', () => {
  it('uses as many decimals as the step needs', () => {
    expect(formatTick(0.5, 0.25)).toBe('0.50');
    expect(formatTick(0.75, 0.25)).toBe('0.75');
    expect(formatTick(0.4, 0.2)).toBe('0.4');
    expect(formatTick(3000, 1000)).toBe('3000');
    expect(formatTick(-0, 1)).toBe('0');
  });
  it('abbreviates large step counts', () => {
    expect(formatTick(20000, 10000)).toBe('20k');
    expect(formatTick(12500, 2500)).toBe('12.5k');
    expect(formatTick(2_000_000, 1_000_000)).toBe('2M');
  });
});

describe('num and polyline', () => {
  it('rounds to 2 decimals without -0', () => {
    expect(num(1.005e-9)).toBe('0');
    expect(num(-0.001)).toBe('0');
    expect(num(12.3456)).toBe('12.35');
  });
  it('breaks the line at non-finite values', () => {
    const id = (v: number) => v;
    expect(polyline([0, 1, 2, 3, 4], [0, 1, Number.NaN, 3, 4], id, id)).toBe('M0 0L1 1M3 3L4 4');
    expect(polyline([0, 1], [Number.NaN, Number.POSITIVE_INFINITY], id, id)).toBe('');
  });
});

describe('base64', () => {
  it('matches the standard encoding for every tail length', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + 13) & 255);
      expect(base64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
    }
  });
});

describe('element ids', () => {
  it('are derived from the content: stable for equal pictures, distinct otherwise', () => {
    expect(withIds(`<a id="${ID}-x"/>`)).toBe(withIds(`<a id="${ID}-x"/>`));
    expect(withIds(`<a id="${ID}-x"/>`)).not.toBe(withIds(`<b id="${ID}-x"/>`));
  });

  it('resolve every url(#...) reference inside each picture, and differ between pictures', () => {
    const pictures = [
      lineChart([{ label: 'a', y: [1, 2] }]),
      lineChart([{ label: 'b', y: [1, 2] }]),
      ganDensityPlot({ grid: [0, 1], discriminator: [0, 1], mapping: { z: [0], x: [0] } }),
      gan2dPlot(
        { discriminator: { values: [0, 1], rows: 1, cols: 2 } },
        { domain: { x: [0, 1], y: [0, 1] } },
      ),
    ];
    const all: string[] = [];
    for (const svg of pictures) {
      expect(svg).not.toContain(ID);
      const ids = [...svg.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]!);
      for (const m of svg.matchAll(/url\(#([^)]+)\)/g)) expect(ids).toContain(m[1]);
      all.push(...ids);
    }
    expect(new Set(all).size).toBe(all.length);
  });
});
