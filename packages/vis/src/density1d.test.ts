import { describe, expect, it } from 'vitest';
import { ganDensityPlot, kde } from './density1d.js';

const normal = (x: number, m: number, s: number) =>
  Math.exp(-0.5 * ((x - m) / s) ** 2) / (s * Math.sqrt(2 * Math.PI));

/** One frame of a 1-D GAN mid-training: data N(1.5, 0.6^2), G(z) = -0.2 + 1.4 z + 0.4 z^3 for z in (-1, 1). */
function frame() {
  const grid = Array.from({ length: 101 }, (_, i) => -3 + (i * 8) / 100);
  const data = grid.map((x) => normal(x, 1.5, 0.6));
  const z = Array.from({ length: 200 }, (_, i) => -1 + (2 * (i + 0.5)) / 200);
  const x = z.map((v) => -0.2 + 1.4 * v + 0.4 * v ** 3);
  const gen = grid.map((g) => normal(g, -0.2, 0.9));
  const d = grid.map((_, i) => data[i]! / (data[i]! + gen[i]! + 1e-12));
  return { grid, data, z, x, gen, d };
}

function lines(svg: string, group: string): number[][] {
  const body = new RegExp(`<g class="${group}"[^>]*>(.*?)</g>`).exec(svg)?.[1] ?? '';
  return [
    ...body.matchAll(/<line x1="([-\d.]+)" y1="([-\d.]+)" x2="([-\d.]+)" y2="([-\d.]+)"/g),
  ].map((m) => m.slice(1).map(Number));
}

describe('kde', () => {
  it('integrates to 1 and peaks at the samples', () => {
    const grid = Array.from({ length: 801 }, (_, i) => -4 + i / 100);
    const density = kde([0, 0.1, -0.1, 0.05], grid);
    let area = 0;
    for (let i = 1; i < grid.length; i++) area += ((density[i]! + density[i - 1]!) / 2) * 0.01;
    expect(area).toBeCloseTo(1, 3);
    const peak = density.indexOf(Math.max(...density));
    expect(grid[peak]).toBeCloseTo(0.0125, 1);
  });

  it('is a Gaussian of the given bandwidth around a single sample', () => {
    const d = kde([2], [2, 3], 0.5);
    expect(d[0]).toBeCloseTo(normal(2, 2, 0.5), 12);
    expect(d[1]).toBeCloseTo(normal(3, 2, 0.5), 12);
  });

  it('ignores non-finite samples and returns zeros for none', () => {
    expect(Array.from(kde([], [0, 1]))).toEqual([0, 0]);
    expect(kde([Number.NaN, 1], [1], 1)[0]).toBeCloseTo(normal(1, 1, 1), 12);
  });
});

describe('ganDensityPlot', () => {
  it('draws the three curves with their paper styles', () => {
    const f = frame();
    const svg = ganDensityPlot({
      grid: f.grid,
      dataDensity: f.data,
      generatorDensity: f.gen,
      discriminator: f.d,
    });
    expect(svg).toMatch(/<path class="data" d="M[^"]+" stroke="#111"[^>]*stroke-dasharray="0.5 4"/);
    expect(svg).toMatch(/<path class="generator" d="M[^"]+" stroke="#2ca02c"/);
    expect(svg).toMatch(
      /<path class="discriminator" d="M[^"]+" stroke="#1f77b4"[^>]*stroke-dasharray="7 4"/,
    );
    // 101 grid points: 100 segments for each curve.
    const d = /<path class="discriminator" d="([^"]+)"/.exec(svg)![1]!;
    expect(d.match(/L/g)).toHaveLength(100);
    expect(svg).not.toContain('class="mapping"');
  });

  it('draws the mapping as arrows from the z line to G(z) on the x line', () => {
    const svg = ganDensityPlot(
      { grid: [-1, 1], mapping: { z: [-1, 0, 1], x: [0.5, 0, 5] } },
      { xDomain: [-1, 1], zDomain: [-1, 1], width: 640, height: 400, legend: false },
    );
    // Plot spans x 52..596; z = -1, 0, 1 start at the left, middle and right of the z line.
    const arrows = lines(svg, 'mapping');
    expect(arrows).toHaveLength(3);
    expect(arrows.map((a) => a[0])).toEqual([52, 324, 596]);
    // G(-1) = 0.5 lands at 3/4 of the x line; G(1) = 5 is clamped to the right edge.
    expect(arrows.map((a) => a[2])).toEqual([460, 324, 596]);
    const [zLineY, xLineY] = [arrows[0]![1]!, arrows[0]![3]!];
    expect(zLineY).toBeGreaterThan(xLineY);
    const marker = /<marker id="([^"]+)"/.exec(svg)![1]!;
    expect(svg).toContain(`marker-end="url(#${marker})"`);
  });

  it('draws at most maxArrows arrows, spread over the sorted z', () => {
    const f = frame();
    const svg = ganDensityPlot({ grid: f.grid, mapping: { z: f.z, x: f.x } }, { maxArrows: 10 });
    const arrows = lines(svg, 'mapping');
    expect(arrows).toHaveLength(10);
    const starts = arrows.map((a) => a[0]!);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
  });

  it('estimates densities from samples and names only the curves it draws', () => {
    const f = frame();
    const svg = ganDensityPlot({ grid: f.grid, generatorSamples: f.x });
    expect(svg).toContain('class="generator"');
    expect(svg).not.toContain('class="data"');
    expect(svg).toContain('generator p_g');
    expect(svg).not.toContain('data p_data');
    expect(svg).not.toContain('discriminator D(x)');
  });

  it('rejects inputs whose shapes do not match', () => {
    expect(() => ganDensityPlot({ grid: [0, 1], discriminator: [0.5] })).toThrow(
      /discriminator has 1 values but grid has 2/,
    );
    expect(() => ganDensityPlot({ mapping: { z: [0], x: [] } })).toThrow(
      /1 z values but 0 x values/,
    );
    expect(() => ganDensityPlot({ dataSamples: [1] })).toThrow(/need a grid/);
  });

  it('matches the stored Figure 1.2 frame', async () => {
    const f = frame();
    const svg = ganDensityPlot(
      {
        grid: f.grid,
        dataDensity: f.data,
        generatorSamples: f.x,
        discriminator: f.d,
        mapping: { z: f.z, x: f.x },
      },
      { title: 'Step 500', zDomain: [-1, 1], densityMax: 0.8 },
    );
    await expect(svg).toMatchFileSnapshot('./__snapshots__/gan-1d.svg');
  });
});
