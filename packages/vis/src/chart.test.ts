import { describe, expect, it } from 'vitest';
import { emaSmooth, lineChart } from './chart.js';

/** The `d` attributes of the paths with a given class, in document order. */
function paths(svg: string, cls: string): string[] {
  return [...svg.matchAll(new RegExp(`<path class="${cls}" d="([^"]*)"`, 'g'))].map((m) => m[1]!);
}

/** Deterministic noisy training curves: steps 0, 20, ..., a decaying loss, D outputs near 1/2. */
function curves() {
  let s = 1;
  const rnd = () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
  const steps = Array.from({ length: 120 }, (_, i) => i * 20);
  return {
    steps,
    dLoss: steps.map((t) => 0.69 + 0.5 * Math.exp(-t / 800) + rnd() * 0.25),
    gLoss: steps.map((t) => 0.9 + 0.6 * Math.exp(-t / 1500) + rnd() * 0.4),
    dReal: steps.map((t) => 0.5 + 0.4 * Math.exp(-t / 1000) + rnd() * 0.1),
    dFake: steps.map((t) => 0.5 - 0.4 * Math.exp(-t / 1000) + rnd() * 0.1),
  };
}

describe('emaSmooth', () => {
  it('is debiased: a constant series stays constant from the first value', () => {
    expect(Array.from(emaSmooth([3, 3, 3], 0.9))).toEqual(
      [3, 3, 3].map(() => expect.closeTo(3, 12)),
    );
  });
  it('follows the recurrence s = w s + (1 - w) v, divided by 1 - w^t', () => {
    const out = emaSmooth([1, 2, 4], 0.5);
    // t=1: 0.5/0.5 = 1; t=2: (0.25 + 1)/0.75; t=3: (0.625 + 2)/0.875
    expect(out[0]).toBeCloseTo(1, 12);
    expect(out[1]).toBeCloseTo(1.25 / 0.75, 12);
    expect(out[2]).toBeCloseTo(2.625 / 0.875, 12);
  });
  it('skips NaN without disturbing the average, and weight 0 copies', () => {
    const out = emaSmooth([1, Number.NaN, 1], 0.9);
    expect(out[1]).toBeNaN();
    expect(out[2]).toBeCloseTo(1, 12);
    expect(Array.from(emaSmooth([5, 6], 0))).toEqual([5, 6]);
    expect(() => emaSmooth([1], 1)).toThrow(/weight must be in \[0, 1\)/);
  });
});

describe('lineChart', () => {
  it('maps the data corners onto the plot corners', () => {
    // No title, one legend row: plot spans x 56..616, y 34..280 of a 640 x 320 chart.
    const svg = lineChart([{ label: 'a', x: [0, 5, 10], y: [0, 0.5, 1] }], { yDomain: [0, 1] });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="640" height="320"')).toBe(
      true,
    );
    expect(paths(svg, 'series')).toEqual(['M56 280L336 157L616 34']);
  });

  it('draws one path per series, plus a faint raw path behind each when smoothing', () => {
    const c = curves();
    const raw = lineChart([
      { label: 'D loss', x: c.steps, y: c.dLoss },
      { label: 'G loss', x: c.steps, y: c.gLoss },
    ]);
    expect(paths(raw, 'series')).toHaveLength(2);
    expect(paths(raw, 'raw')).toHaveLength(0);
    const smooth = lineChart(
      [
        { label: 'D loss', x: c.steps, y: c.dLoss },
        { label: 'G loss', x: c.steps, y: c.gLoss },
      ],
      { smoothing: 0.9 },
    );
    expect(paths(smooth, 'series')).toHaveLength(2);
    expect(paths(smooth, 'raw')).toHaveLength(2);
    expect(smooth).toContain('stroke-opacity="0.25"');
    // Every point of every path: 120 points, so 119 line segments each.
    for (const d of paths(smooth, 'series')) expect(d.match(/L/g)).toHaveLength(119);
  });

  it('leaves a gap at NaN and ignores it for the axes', () => {
    const svg = lineChart([
      { label: 'loss', y: [1, 2, Number.NaN, Number.POSITIVE_INFINITY, 3, 4] },
    ]);
    const [d] = paths(svg, 'series');
    expect(d!.match(/M/g)).toHaveLength(2);
    expect(d!.match(/L/g)).toHaveLength(2);
    // y axis fits 1..4, not Infinity.
    expect(svg).toContain('y="38">4</text>');
    expect(svg).toContain('y="284">1</text>');
    expect(svg).not.toContain('Infinity');
  });

  it('shows each series last value in the legend, and "no data" for empty series', () => {
    const svg = lineChart([
      { label: 'D loss', y: [0.9, 0.7, 0.6932] },
      { label: 'G loss', y: [] },
      { label: 'nan', y: [Number.NaN] },
    ]);
    expect(svg).toContain('D loss <tspan fill="#666">0.693</tspan>');
    expect(svg).toContain('G loss <tspan fill="#666">no data</tspan>');
    expect(svg).toContain('nan <tspan fill="#666">no data</tspan>');
  });

  it('draws axes and a note when there is no data at all', () => {
    const svg = lineChart([]);
    expect(svg).toContain('no data yet');
    expect(svg).toContain(
      '<g class="x-ticks" font-size="11" fill="#666" text-anchor="middle"></g>',
    );
    expect(svg).not.toContain('class="series"');
    expect(svg.trim().endsWith('</svg>')).toBe(true);
  });

  it('marks a single finite point with a dot', () => {
    const svg = lineChart([{ label: 'one', y: [0.5] }]);
    expect(svg).toMatch(/<circle cx="[\d.]+" cy="[\d.]+" r="2.5"/);
  });

  it('thins very long series to a few points per pixel column', () => {
    const n = 100_000;
    const y = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 300));
    const svg = lineChart([{ label: 'long', y }], { width: 400 });
    const [d] = paths(svg, 'series');
    const points = d!.match(/[ML]/g)!.length;
    expect(points).toBeLessThan(400 * 4 + 10);
    expect(points).toBeGreaterThan(300);
    // Extremes survive thinning: the drawn line still reaches the top and bottom of the data.
    const ys = [...d!.matchAll(/[ML][\d.]+ ([\d.]+)/g)].map((m) => Number(m[1]));
    const full = lineChart([{ label: 'long', y: y.subarray(0, 1000) }], { width: 400 });
    expect(full).toContain('class="series"');
    expect(Math.min(...ys)).toBeLessThan(40);
    expect(Math.max(...ys)).toBeGreaterThan(270);
  });

  it('escapes labels and rejects mismatched x and y', () => {
    const svg = lineChart([{ label: 'D<x> & "y"', y: [1, 2] }], { title: 'a<b' });
    expect(svg).toContain('D&lt;x&gt; &amp; &quot;y&quot;');
    expect(svg).toContain('a&lt;b');
    expect(() => lineChart([{ label: 'bad', x: [1], y: [1, 2] }])).toThrow(
      /series 'bad' has 1 x values but 2 y values/,
    );
  });

  it('matches the stored losses chart', async () => {
    const c = curves();
    const svg = lineChart(
      [
        { label: 'D loss', x: c.steps, y: c.dLoss },
        { label: 'G loss', x: c.steps, y: c.gLoss },
      ],
      { title: 'Losses', yLabel: 'loss', smoothing: 0.8 },
    );
    await expect(svg).toMatchFileSnapshot('./__snapshots__/losses.svg');
  });

  it('matches the stored D(x) / D(G(z)) chart on a 0-1 axis', async () => {
    const c = curves();
    const svg = lineChart(
      [
        { label: 'mean D(x)', x: c.steps, y: c.dReal },
        { label: 'mean D(G(z))', x: c.steps, y: c.dFake },
      ],
      {
        title: 'Discriminator output',
        yDomain: [0, 1],
        smoothing: 0.8,
        referenceLines: [{ y: 0.5, label: 'equilibrium 1/2' }],
      },
    );
    await expect(svg).toMatchFileSnapshot('./__snapshots__/d-output.svg');
  });
});
