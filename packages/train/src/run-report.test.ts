import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePng, imageGrid } from '@latent/vis';
import { describe, expect, it } from 'vitest';
import { writeRunReport } from './node.js';

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

  it('says so when the run has no metrics yet', async () => {
    const dir = await runFolder({ 'config.json': '{"seed":1}' });
    await writeRunReport(dir);
    expect(await readFile(join(dir, 'report.html'), 'utf8')).toContain('No metrics yet.');
  });
});
