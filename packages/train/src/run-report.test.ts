import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePng, imageGrid } from '@latent/vis';
import { describe, expect, it } from 'vitest';
import { writeRunReport } from './node.js';
import { REPORT_EPOCHS } from './run-report.js';

/** A 2x2 grid of 4x4 grey images, all of one shade. */
function grid(shade: number): Uint8Array {
  const images = new Float32Array(4 * 16).fill(shade);
  return encodePng(imageGrid(images, { count: 4, height: 4, width: 4, channels: 1 }));
}

async function runFolder(files: Record<string, string | Uint8Array>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'latent-report-'));
  for (const [name, data] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), data);
  }
  return dir;
}

describe('writeRunReport', () => {
  it("writes a GAN run's curves, every epoch's grid, before and after, its config, and training.gif", async () => {
    const metrics = [1, 2, 3].map((step) =>
      JSON.stringify({ step, epoch: 0, dLoss: 1.3, gLoss: 0.7, dReal: 0.6, dFake: 0.4 }),
    );
    const dir = await runFolder({
      'config.json': JSON.stringify({ model: 'mlp-gan', note: '<b>' }),
      'metrics.jsonl': `${metrics.join('\n')}\n`,
      'eval.jsonl': [
        { step: 1, epoch: 1, parzen: -80, fid: 250, seconds: 14 },
        { step: 2, epoch: 2, parzen: 26, fid: 173, seconds: 23 },
      ]
        .map((l) => JSON.stringify(l))
        .join('\n'),
      'samples/epoch-000.png': grid(0),
      'samples/epoch-001.png': grid(0.5),
      'samples/step-000002.png': grid(1),
    });
    await writeRunReport(dir);
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('3 steps · 1 epochs');
    expect(html).toContain('Losses');
    expect(html).toContain("The discriminator's outputs");
    expect(html).toContain('Before and after (the same fixed noise)');
    // What --eval measured, a chart per metric over epochs (not its timing).
    expect(html).toContain('Measured during training');
    expect(html).toContain('parzen by epoch');
    expect(html).toContain('fid by epoch');
    expect(html).not.toContain('seconds by epoch');
    // Epoch grids only: the partial step grid is not an epoch.
    expect(html.match(/<figcaption>epoch-\d{3}<\/figcaption>/g)).toEqual([
      '<figcaption>epoch-000</figcaption>',
      '<figcaption>epoch-001</figcaption>',
    ]);
    // The config is escaped, not markup.
    expect(html).toContain('&quot;&lt;b&gt;&quot;');
    expect(html).not.toContain('Memorization check');
    const gif = await readFile(join(dir, 'training.gif'));
    expect(new TextDecoder().decode(gif.subarray(0, 6))).toBe('GIF89a');
  });

  it("a VAE run's ELBO curves, a toy run's pictures, and the memorization grid when latent eval made one", async () => {
    const dir = await runFolder({
      'config.json': '{}',
      'metrics.jsonl': `${JSON.stringify({ step: 5, loss: 200, reconstruction: 180, kl: 20 })}\n`,
      'samples/epoch-000.svg': '<svg id="first"></svg>',
      'samples/epoch-001.svg': '<svg id="second"></svg>',
      'memorization.png': grid(0.25),
    });
    await writeRunReport(dir);
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('Loss (−ELBO, nats per image)');
    expect(html).toContain('Its two terms');
    expect(html).toContain('The game per epoch');
    expect(html).toContain('<svg id="second"></svg>');
    expect(html).toContain('Memorization check');
    // No image grids: no GIF, no before-and-after.
    expect(html).not.toContain('Before and after');
    await expect(readFile(join(dir, 'training.gif'))).rejects.toThrow();
  });

  it("thins a long run's epochs evenly, keeping the first and the newest (epoch 1000 too)", async () => {
    const files: Record<string, string | Uint8Array> = { 'config.json': '{}' };
    for (let e = 0; e <= 1000; e++)
      files[`samples/epoch-${String(e).padStart(3, '0')}.png`] = grid((e % 7) / 7);
    const dir = await runFolder(files);
    await writeRunReport(dir);
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    const shown = (html.match(/<figcaption>epoch-(\d+)<\/figcaption>/g) ?? []).map((c) =>
      Number(/\d+/.exec(c)?.[0]),
    );
    expect(shown).toHaveLength(REPORT_EPOCHS);
    expect(shown[0]).toBe(0);
    expect(shown.at(-1)).toBe(1000);
    expect([...shown].sort((a, b) => a - b)).toEqual(shown);
    expect(html).toContain('1000 epochs');
    // One GIF frame per shown grid: each frame's image descriptor starts with 0x2c after a graphic control block.
    const gif = await readFile(join(dir, 'training.gif'));
    let frames = 0;
    for (let i = 0; i + 8 < gif.length; i++)
      if (
        gif[i] === 0x21 &&
        gif[i + 1] === 0xf9 &&
        gif[i + 2] === 4 &&
        gif[i + 7] === 0 &&
        gif[i + 8] === 0x2c
      )
        frames++;
    expect(frames).toBe(REPORT_EPOCHS);
  });

  it('says so when the run has no metrics yet', async () => {
    const dir = await runFolder({ 'config.json': '{"seed":1}' });
    await writeRunReport(dir);
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('No metrics yet.');
    expect(html).not.toContain('Measured during training');
  });
});
