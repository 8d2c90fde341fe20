// Renders the pictures shown in the README into ../examples/. They are file
// snapshots, so a change to the drawing code that alters them fails here until
// the examples are refreshed (`vitest run -u`), and the README never shows a
// picture the code no longer draws.
import { describe, expect, it } from 'vitest';
import { lineChart } from './chart.js';
import { ganDensityPlot } from './density1d.js';
import { gan2dPlot, gridPoints } from './gan2d.js';

function rng(seed: number) {
  let s = seed;
  const uniform = () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

const gauss = (x: number, m: number, s: number) =>
  Math.exp(-0.5 * ((x - m) / s) ** 2) / (s * Math.sqrt(2 * Math.PI));

describe('README examples', () => {
  it('training curves', async () => {
    const { normal } = rng(11);
    const steps = Array.from({ length: 400 }, (_, i) => i * 25);
    const dLoss = steps.map((t) => 0.66 + 0.45 * Math.exp(-t / 1500) + 0.06 * normal());
    const gLoss = steps.map((t) => 0.78 + 1.1 * Math.exp(-t / 2500) + 0.12 * normal());
    const svg = lineChart(
      [
        { label: 'D loss', x: steps, y: dLoss },
        { label: 'G loss', x: steps, y: gLoss },
      ],
      { title: 'Losses (EMA 0.9, raw values faint)', yLabel: 'loss', smoothing: 0.9 },
    );
    await expect(svg).toMatchFileSnapshot('../examples/losses.svg');
  });

  it('the 1-D picture of Goodfellow et al. (2014), Figure 1', async () => {
    const grid = Array.from({ length: 241 }, (_, i) => -4 + (i * 9) / 240);
    const data = grid.map((x) => gauss(x, 1.6, 0.55));
    // Uniform z mapped by a monotone G: p_g lies left of the data and is too wide.
    const z = Array.from({ length: 2000 }, (_, i) => -1 + (2 * (i + 0.5)) / 2000);
    const x = z.map((v) => 0.3 + 1.1 * v + 0.5 * v ** 3);
    const pg = grid.map((g) => {
      // Change of variables: p_g(x) = p_z(z) / |G'(z)| with p_z = 1/2 on (-1, 1).
      let lo = -1;
      let hi = 1;
      const G = (v: number) => 0.3 + 1.1 * v + 0.5 * v ** 3;
      if (g < G(-1) || g > G(1)) return 0;
      for (let k = 0; k < 50; k++) {
        const mid = (lo + hi) / 2;
        if (G(mid) < g) lo = mid;
        else hi = mid;
      }
      return 0.5 / (1.1 + 1.5 * lo ** 2);
    });
    // A discriminator part-way through training: a smooth logistic ramp, as in the paper's panel (b).
    const d = grid.map((g) => 1 / (1 + Math.exp(-2.2 * (g - 0.75))));
    const svg = ganDensityPlot(
      { grid, dataDensity: data, generatorDensity: pg, discriminator: d, mapping: { z, x } },
      {
        title: 'A GAN in one dimension (Goodfellow et al. 2014, Figure 1)',
        zDomain: [-1, 1],
        maxArrows: 21,
      },
    );
    await expect(svg).toMatchFileSnapshot('../examples/gan-1d.svg');
  });

  it('the 2-D picture of GAN Lab', async () => {
    const { uniform, normal } = rng(5);
    const domain = { x: [-2.5, 2.5], y: [-2.5, 2.5] } as const;
    const real: number[] = [];
    for (let i = 0; i < 240; i++) {
      const a = (Math.floor(uniform() * 8) / 8) * 2 * Math.PI;
      real.push(1.6 * Math.cos(a) + 0.09 * normal(), 1.6 * Math.sin(a) + 0.09 * normal());
    }
    // A generator that has started to bend the square of z towards the ring.
    const G = (u: number, v: number): [number, number] => {
      const a = (u - 0.5) * 3.4;
      const b = (v - 0.5) * 3.4;
      const r = Math.hypot(a, b) + 1e-9;
      const pull = 0.35 * Math.tanh(2 * (1.6 - r));
      return [
        a * (1 - pull / r) + 0.15 * Math.sin(2 * b),
        b * (1 - pull / r) + 0.15 * Math.sin(2 * a),
      ];
    };
    const fake: number[] = [];
    for (let i = 0; i < 240; i++) fake.push(...G(uniform(), uniform()));
    const zGrid = gridPoints({ x: [0, 1], y: [0, 1] }, 14, 14);
    const points = Array.from({ length: 14 * 14 }, (_, i) =>
      G(zGrid[2 * i]!, zGrid[2 * i + 1]!),
    ).flat();
    const n = 64;
    const cells = gridPoints(domain, n, n);
    const values = new Float32Array(n * n);
    for (let i = 0; i < n * n; i++) {
      const r = Math.hypot(cells[2 * i]!, cells[2 * i + 1]!);
      const a = Math.atan2(cells[2 * i + 1]!, cells[2 * i]!);
      const lobes = 0.5 + 0.5 * Math.cos(8 * a);
      values[i] = 1 / (1 + Math.exp(-(3 * lobes + 1) * (0.5 - Math.abs(r - 1.6)) * 3 + 0.8));
    }
    const svg = gan2dPlot(
      {
        real,
        fake,
        discriminator: { values, rows: n, cols: n },
        manifold: { points, rows: 14, cols: 14 },
      },
      { domain, title: 'Ring of 8 Gaussians, GAN Lab view' },
    );
    await expect(svg).toMatchFileSnapshot('../examples/gan-2d.svg');
  });
});
