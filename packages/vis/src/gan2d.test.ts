import { describe, expect, it } from 'vitest';
import { discriminatorColor, GAN2D_COLORS, gan2dPlot, gridPoints } from './gan2d.js';
import { decodePng } from './png.js';

const domain = { x: [-2, 2], y: [-1, 1] } as const;

/** D high on a ring of radius 1.5, evaluated on gridPoints(domain, n, n). */
function ringD(n: number, dom = { x: [-2.5, 2.5], y: [-2.5, 2.5] } as const) {
  const pts = gridPoints(dom, n, n);
  const values = new Float32Array(n * n);
  for (let i = 0; i < n * n; i++) {
    const r = Math.hypot(pts[2 * i]!, pts[2 * i + 1]!);
    values[i] = 1 / (1 + Math.exp(-4 * (0.3 - Math.abs(r - 1.5))));
  }
  return { values, rows: n, cols: n };
}

/** G for a 2-D z in [0, 1]^2: a slightly warped square. */
const G = (u: number, v: number) => [(u - 0.5) * 3 + 0.2 * Math.sin(3 * v), (v - 0.5) * 3];

describe('gridPoints', () => {
  it('lists cell centres row-major with row 0 at the top, like image pixels', () => {
    const p = Array.from(gridPoints(domain, 2, 4));
    expect(p).toEqual([
      -1.5, 0.5, -0.5, 0.5, 0.5, 0.5, 1.5, 0.5, -1.5, -0.5, -0.5, -0.5, 0.5, -0.5, 1.5, -0.5,
    ]);
  });
});

describe('discriminatorColor', () => {
  it('is white at 1/2, green-tinted at 1, purple-tinted at 0, grey for NaN', () => {
    expect(discriminatorColor(0.5)).toEqual([255, 255, 255]);
    const [r1, g1, b1] = discriminatorColor(1);
    expect(g1).toBeGreaterThan(r1);
    expect(g1).toBeGreaterThan(b1);
    const [r0, g0, b0] = discriminatorColor(0);
    expect(b0).toBeGreaterThan(g0);
    expect(r0).toBeGreaterThan(g0);
    expect(discriminatorColor(7)).toEqual(discriminatorColor(1));
    expect(discriminatorColor(Number.NaN)).toEqual([200, 200, 200]);
  });
});

describe('gan2dPlot', () => {
  it('draws one dot per finite sample, real in green and generated in purple', () => {
    const svg = gan2dPlot(
      { real: [0, 0, 1, 1, Number.NaN, 0], fake: [-1, -1] },
      { domain, size: 400, legend: false },
    );
    const group = (cls: string) =>
      new RegExp(`<g class="${cls}" fill="([^"]+)"[^>]*>(.*?)</g>`).exec(svg)!;
    expect(group('real')[1]).toBe(GAN2D_COLORS.real);
    expect(group('real')[2]!.match(/<circle/g)).toHaveLength(2);
    expect(group('fake')[1]).toBe(GAN2D_COLORS.fake);
    // Plot at x 44..444, y 10..410: (-1, -1) is a quarter across and at the bottom.
    expect(group('fake')[2]).toContain('<circle cx="144" cy="410"');
    expect(group('real')[2]).toContain('<circle cx="244" cy="210"');
  });

  it('draws a small heatmap as one rect per cell, in grid order', () => {
    const values = [0, 0.25, 0.5, 0.75, 1, Number.NaN];
    const svg = gan2dPlot(
      { discriminator: { values, rows: 2, cols: 3 } },
      { domain, size: 300, legend: false },
    );
    const rects = [
      ...svg.matchAll(
        /<rect x="([\d.]+)" y="([\d.]+)" width="[\d.]+" height="[\d.]+" fill="(rgb[^"]+)"/g,
      ),
    ];
    expect(rects).toHaveLength(6);
    expect(rects.map((r) => r[3])).toEqual(
      values.map((v) => `rgb(${discriminatorColor(v).join(',')})`),
    );
    // Cell (row 1, col 2) starts 2/3 across and half-way down.
    expect([rects[5]![1], rects[5]![2]]).toEqual(['244', '160']);
  });

  it('embeds a large heatmap as a PNG with one pixel per cell', () => {
    const d = ringD(40);
    const svg = gan2dPlot({ discriminator: d }, { domain: { x: [-2.5, 2.5], y: [-2.5, 2.5] } });
    expect(svg).not.toMatch(/<rect[^>]*fill="rgb/);
    const b64 = /href="data:image\/png;base64,([^"]+)"/.exec(svg)![1]!;
    const png = decodePng(new Uint8Array(Buffer.from(b64, 'base64')));
    expect([png.width, png.height]).toEqual([40, 40]);
    for (const i of [0, 20 * 40 + 5, 40 * 40 - 1]) {
      expect(Array.from(png.data.subarray(i * 4, i * 4 + 3))).toEqual(
        discriminatorColor(d.values[i]!),
      );
    }
  });

  it('draws the manifold as a mesh of rows + cols lines with shaded cells', () => {
    const rows = 5;
    const cols = 4;
    const z = gridPoints({ x: [0, 1], y: [0, 1] }, rows, cols);
    const points = Array.from({ length: rows * cols }, (_, i) =>
      G(z[2 * i]!, z[2 * i + 1]!),
    ).flat();
    const svg = gan2dPlot(
      { manifold: { points, rows, cols } },
      { domain: { x: [-2, 2], y: [-2, 2] } },
    );
    const mesh = /<path class="mesh" d="([^"]+)"/.exec(svg)![1]!;
    expect(mesh.match(/M/g)).toHaveLength(rows + cols);
    expect(mesh.match(/L/g)).toHaveLength(rows * (cols - 1) + cols * (rows - 1));
    const cells = /<g class="cells"[^>]*>(.*?)<\/g>/.exec(svg)![1]!;
    expect(cells.match(/<path/g)).toHaveLength((rows - 1) * (cols - 1));
  });

  it('draws gradient arrows from the generated samples, the longest at arrowLength', () => {
    const fake = [0, 0, 1, 0.5];
    // Size 400 over x in [-2, 2]: 100 px per unit; arrowLength 0.1 -> the longest is 40 px.
    const svg = gan2dPlot(
      { fake, fakeGradients: [1, 0, 0, -0.5] },
      { domain: { x: [-2, 2], y: [-2, 2] }, size: 400, arrowLength: 0.1 },
    );
    const d = /<path class="gradients" d="([^"]+)"/.exec(svg)![1]!;
    const starts = [...d.matchAll(/M([-\d.]+) ([-\d.]+)L([-\d.]+) ([-\d.]+)/g)].filter(
      (_, i) => i % 2 === 0,
    );
    expect(starts).toHaveLength(2);
    const length = (m: RegExpMatchArray) =>
      Math.hypot(Number(m[3]) - Number(m[1]), Number(m[4]) - Number(m[2]));
    expect(length(starts[0]!)).toBeCloseTo(40, 1);
    expect(length(starts[1]!)).toBeCloseTo(20, 1);
    // Screen y grows downwards: a gradient of -0.5 in y points down the page.
    expect(Number(starts[1]![4])).toBeGreaterThan(Number(starts[1]![2]));
    expect(() => gan2dPlot({ fake, fakeGradients: [1] }, { domain })).toThrow(/fakeGradients/);
  });

  it('rejects malformed inputs with the expected shapes in the message', () => {
    expect(() => gan2dPlot({ real: [1, 2, 3] }, { domain })).toThrow(
      /real must hold \(x, y\) pairs/,
    );
    expect(() =>
      gan2dPlot({ discriminator: { values: [1, 2], rows: 2, cols: 2 } }, { domain }),
    ).toThrow(/expected rows\*cols = 2\*2 = 4/);
    expect(() => gan2dPlot({ manifold: { points: [0, 0], rows: 2, cols: 1 } }, { domain })).toThrow(
      /expected rows\*cols\*2 = 4/,
    );
    expect(() => gan2dPlot({}, { domain: { x: [1, 0], y: [0, 1] } })).toThrow(/domain/);
  });

  it('matches the stored GAN Lab picture', async () => {
    let s = 7;
    const rnd = () => {
      s = (s * 1103515245 + 12345) >>> 0;
      return s / 2 ** 32;
    };
    const real: number[] = [];
    for (let i = 0; i < 40; i++) {
      const a = (Math.floor(rnd() * 8) / 8) * 2 * Math.PI;
      real.push(Math.cos(a) * 1.5 + (rnd() - 0.5) * 0.2, Math.sin(a) * 1.5 + (rnd() - 0.5) * 0.2);
    }
    const fake: number[] = [];
    for (let i = 0; i < 40; i++) fake.push(...G(rnd(), rnd()));
    const z = gridPoints({ x: [0, 1], y: [0, 1] }, 6, 6);
    const points = Array.from({ length: 36 }, (_, i) => G(z[2 * i]!, z[2 * i + 1]!)).flat();
    const svg = gan2dPlot(
      { real, fake, discriminator: ringD(12), manifold: { points, rows: 6, cols: 6 } },
      { domain: { x: [-2.5, 2.5], y: [-2.5, 2.5] }, title: 'Ring of 8 Gaussians' },
    );
    await expect(svg).toMatchFileSnapshot('./__snapshots__/gan-2d.svg');
  });
});
