import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '@latent/backend';
import { sliceImages } from '@latent/datasets';
import { loadMnist } from '@latent/datasets/node';
import { mlpGan } from '@latent/models';
import { GanTrainer, resolveGanRunConfig } from '@latent/train';
import { writeCheckpoint } from '@latent/train/node';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build, type PreviewServer, preview } from 'vite';
import { afterAll, beforeAll, expect, test } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

let outDir: string;
/** A checkpoint folder written by the library, as `latent train` writes them. */
let checkpointDir: string;
let url: string;
let server: PreviewServer | undefined;
let browser: Browser | undefined;
let page: Page;
/** Page errors and console errors, from the page and its workers. */
const problems: string[] = [];
/** Set LATENT_WEB_SCREENSHOTS to a folder to keep screenshots of each mode there. */
const screenshots = process.env.LATENT_WEB_SCREENSHOTS;

/** A screenshot of the page down to the end of its content, when LATENT_WEB_SCREENSHOTS is set. */
async function screenshot(name: string): Promise<void> {
  if (!screenshots) return;
  const height = await page.evaluate(() =>
    Math.ceil(document.querySelector('main')?.getBoundingClientRect().bottom ?? 0),
  );
  const width = page.viewportSize()?.width ?? 1280;
  await page.screenshot({
    path: join(screenshots, `${name}.png`),
    fullPage: true,
    clip: { x: 0, y: 0, width, height: height + 24 },
  });
}

/**
 * Two steps of the paper's model (default mlpGan config, so the page takes its
 * real code path) on 300 MNIST images, saved with the CLI's checkpoint writer.
 */
async function makeCheckpoint(dir: string): Promise<void> {
  await initBackend('wasm');
  const mnist = await loadMnist();
  const trainer = new GanTrainer({
    model: mlpGan(),
    data: sliceImages(mnist.train, 0, 300, 'mnist-train-300'),
    config: resolveGanRunConfig({ batchSize: 100, maxSteps: 2 }),
  });
  try {
    for await (const _ of trainer.run()) {
      // events are not needed here
    }
    await writeCheckpoint(dir, await trainer.checkpoint());
  } finally {
    trainer.dispose();
  }
}

beforeAll(async () => {
  // Build into a temporary folder so a developer's dist/ and a running dev server are left alone.
  outDir = await mkdtemp(join(tmpdir(), 'latent-web-'));
  checkpointDir = join(outDir, 'checkpoint', 'step-00000002');
  await Promise.all([
    build({ root, logLevel: 'warn', build: { outDir: join(outDir, 'site'), emptyOutDir: true } }),
    makeCheckpoint(checkpointDir),
  ]);
  server = await preview({
    root,
    logLevel: 'warn',
    build: { outDir: join(outDir, 'site') },
    preview: { host: '127.0.0.1', port: 0, strictPort: true, open: false },
  });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  url = server.resolvedUrls?.local[0] ?? '';
  if (screenshots) await mkdir(screenshots, { recursive: true });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

/** The sample canvas as a PNG data URL, and the training step its grid was drawn at. */
const snapshot = () =>
  page.getByTestId('samples').evaluate((c: HTMLCanvasElement) => ({
    step: Number(c.dataset.step),
    png: c.toDataURL(),
  }));

/**
 * Fails with what the page shows when it reports an error, instead of letting a
 * wait run into its timeout.
 */
async function expectNoPageError(): Promise<void> {
  const state = await page.locator('body').getAttribute('data-state');
  if (state === 'error' || problems.length > 0) {
    const shown = await page.locator('#error').textContent();
    throw new Error(`page state ${state}: ${shown}\n${problems.join('\n')}`);
  }
}

test('trains the MNIST GAN in a worker and the sample grid changes', async () => {
  expect(url).not.toBe('');
  await page.goto(url);
  // COOP/COEP from the preview server: without them the wasm backend has no threads.
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  await expect.poll(() => page.locator('body').getAttribute('data-state')).toBe('idle');

  await page.fill('input[name=batchSize]', '32');
  await page.getByTestId('start').click();

  // The first grid: G(fixed z) before training (or soon after). Every wait
  // also ends when the page reports an error, so the test fails fast and says why.
  await page.waitForFunction(
    () =>
      document.body.dataset.state === 'error' ||
      document.querySelector<HTMLElement>('[data-testid=samples]')?.dataset.step !== undefined,
    undefined,
    { timeout: 60_000 },
  );
  await expectNoPageError();
  const early = await snapshot();
  expect(await page.locator('body').getAttribute('data-state')).toBe('training');
  expect(await page.locator('#backend').textContent()).toBe('wasm · SIMD on · threads on');

  await page.waitForFunction(
    (after) => {
      const step = Number(document.querySelector('[data-testid=step]')?.textContent);
      const drawnAt = Number(
        document.querySelector<HTMLElement>('[data-testid=samples]')?.dataset.step,
      );
      return document.body.dataset.state === 'error' || (step > 30 && drawnAt > after);
    },
    early.step,
    { timeout: 180_000 },
  );
  await expectNoPageError();
  const late = await snapshot();
  expect(late.step).toBeGreaterThan(early.step);
  expect(late.png).not.toBe(early.png);
  await screenshot('mnist');

  await page.click('#stop');
  await expect
    .poll(() => page.locator('body').getAttribute('data-state'), { timeout: 30_000 })
    .toBe('stopped');
  await expectNoPageError();
});

/** Waits until the checkpoint opener reports something, and returns what it says. */
async function checkpointStatus(): Promise<string> {
  const status = page.getByTestId('checkpoint-status');
  await expect
    .poll(() => status.textContent(), { timeout: 30_000 })
    .toMatch(/^(Opened|Cannot|Choose)/);
  return (await status.textContent()) ?? '';
}

/**
 * Uploads files as if picked in the file dialog. They go through the disk:
 * weights.bin is tens of MB, more than playwright passes from memory.
 */
async function upload(files: { name: string; buffer: Buffer }[]): Promise<string> {
  await page.evaluate(() => {
    const el = document.querySelector('[data-testid=checkpoint-status]');
    if (el) el.textContent = '';
  });
  const dir = await mkdtemp(join(outDir, 'upload-'));
  const paths = await Promise.all(
    files.map(async (f) => {
      await writeFile(join(dir, f.name), f.buffer);
      return join(dir, f.name);
    }),
  );
  await page.getByTestId('checkpoint-files').setInputFiles(paths);
  return checkpointStatus();
}

test('opens a checkpoint written by the library, refuses bad files and keeps working', async () => {
  await page.goto(url);
  await expect.poll(() => page.locator('body').getAttribute('data-state')).toBe('idle');
  const samples = page.getByTestId('samples');

  await page
    .getByTestId('checkpoint-files')
    .setInputFiles([join(checkpointDir, 'checkpoint.json'), join(checkpointDir, 'weights.bin')]);
  expect(await checkpointStatus()).toBe('Opened checkpoint.json + weights.bin: mlp-gan, step 2.');
  expect(await samples.getAttribute('data-source')).toBe('checkpoint');
  expect(await page.getByTestId('samples-caption').textContent()).toBe(
    'checkpoint at step 2: G for 100 random z',
  );
  // A 10x10 grid of 28x28 images at scale 2 with 2-px padding, and not a blank one.
  const drawn = await samples.evaluate((c: HTMLCanvasElement) => {
    const pixels = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? [];
    const values = new Set<number>();
    for (let i = 0; i < pixels.length; i += 4) values.add(pixels[i]!);
    return { width: c.width, height: c.height, distinct: values.size };
  });
  expect(drawn.width).toBe(drawn.height);
  expect(drawn.width).toBeGreaterThanOrEqual(10 * 56);
  expect(drawn.distinct).toBeGreaterThan(50);
  const opened = await samples.evaluate((c: HTMLCanvasElement) => c.toDataURL());

  const json = await readFile(join(checkpointDir, 'checkpoint.json'));
  const weights = await readFile(join(checkpointDir, 'weights.bin'));
  const corrupted = Buffer.from(weights);
  corrupted[1000] = (corrupted[1000] ?? 0) ^ 0xff;
  expect(await upload([{ name: 'weights.bin', buffer: weights }])).toMatch(
    /^Choose the two files of a checkpoint folder/,
  );
  // Dropped on the page, the files take the same way.
  await page.evaluate(() => {
    const el = document.querySelector('[data-testid=checkpoint-status]');
    if (el) el.textContent = '';
    const files = new DataTransfer();
    files.items.add(new File(['{}'], 'notes.txt'));
    document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: files, bubbles: true }));
  });
  expect(await checkpointStatus()).toBe(
    'Choose the two files of a checkpoint folder, checkpoint.json and weights.bin (got notes.txt).',
  );
  expect(
    await upload([
      { name: 'checkpoint.json', buffer: json },
      { name: 'weights.bin', buffer: weights.subarray(0, weights.length - 4096) },
    ]),
  ).toMatch(/weights\.bin has \d+ bytes, the manifest expects \d+ \(truncated/);
  expect(
    await upload([
      { name: 'checkpoint.json', buffer: json.subarray(0, json.length / 2) },
      { name: 'weights.bin', buffer: weights },
    ]),
  ).toMatch(/checkpoint\.json is not valid JSON/);
  expect(
    await upload([
      { name: 'checkpoint.json', buffer: Buffer.from('{"format":"tfjs-layers-model"}') },
      { name: 'weights.bin', buffer: weights },
    ]),
  ).toMatch(/not a latent checkpoint \(format "tfjs-layers-model"\)/);
  // Last, so the screenshot shows it.
  expect(
    await upload([
      { name: 'checkpoint.json', buffer: json },
      { name: 'weights.bin', buffer: corrupted },
    ]),
  ).toMatch(
    /^Cannot open this checkpoint\. .*weights\.bin is corrupted \(checksum [0-9a-f]{8}, expected [0-9a-f]{8}\)$/,
  );
  // Refused files change nothing: the grid is still the checkpoint's.
  expect(await samples.evaluate((c: HTMLCanvasElement) => c.toDataURL())).toBe(opened);
  await screenshot('checkpoint-error');

  // The page still trains.
  await page.fill('input[name=batchSize]', '32');
  await page.getByTestId('start').click();
  await page.waitForFunction(
    () =>
      document.body.dataset.state === 'error' ||
      Number(document.querySelector('[data-testid=step]')?.textContent) >= 5,
    undefined,
    { timeout: 120_000 },
  );
  await expectNoPageError();
  expect(await page.locator('body').getAttribute('data-state')).toBe('training');
  await page.click('#stop');
  await expect
    .poll(() => page.locator('body').getAttribute('data-state'), { timeout: 30_000 })
    .toBe('stopped');
  await expectNoPageError();
});

test('1-D mode draws the densities, D(x) and the z-to-x arrows, and they move', async () => {
  await page.goto(url);
  await expect.poll(() => page.locator('body').getAttribute('data-state')).toBe('idle');
  // Keyboard: the tabs follow the ARIA pattern (arrow keys move between them).
  await page.focus('#tab-mnist');
  await page.keyboard.press('ArrowRight');
  expect(await page.locator('#tab-toy1d').getAttribute('aria-selected')).toBe('true');
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('tab-toy1d');
  await page.getByTestId('toy-start').click();

  const density = page.getByTestId('density');
  const frameAfter = async (step: number) => {
    await page.waitForFunction(
      (after) =>
        document.body.dataset.state === 'error' ||
        Number(document.querySelector<HTMLElement>('[data-testid=density]')?.dataset.step) >= after,
      step,
      { timeout: 120_000 },
    );
    await expectNoPageError();
    return density.innerHTML();
  };
  const early = await frameAfter(0);
  expect(early).toContain('<svg');
  for (const part of [
    'class="data"',
    'class="generator"',
    'class="discriminator"',
    'class="mapping"',
  ]) {
    expect(early).toContain(part);
  }
  const late = await frameAfter(300);
  expect(late).not.toBe(early);
  // The generator's curve itself moved, not only the caption.
  const generator = (svg: string) => /class="generator" d="([^"]+)"/.exec(svg)?.[1];
  expect(generator(late)).not.toBe(generator(early));
  expect(await page.locator('#loss-chart svg path.series').count()).toBe(2);
  await screenshot('toy1d');

  await page.click('#toy-stop');
  await expect
    .poll(() => page.locator('body').getAttribute('data-state'), { timeout: 30_000 })
    .toBe('stopped');
  await expectNoPageError();
});
