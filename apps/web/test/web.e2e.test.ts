import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build, type PreviewServer, preview } from 'vite';
import { afterAll, beforeAll, expect, test } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

let outDir: string;
let server: PreviewServer | undefined;
let browser: Browser | undefined;
let page: Page;
/** Page errors and console errors, from the page and its workers. */
const problems: string[] = [];

beforeAll(async () => {
  // Build into a temporary folder so a developer's dist/ and a running dev server are left alone.
  outDir = await mkdtemp(join(tmpdir(), 'latent-web-'));
  await build({ root, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  server = await preview({
    root,
    logLevel: 'warn',
    build: { outDir },
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
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
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
  const url = server?.resolvedUrls?.local[0];
  expect(url).toBeDefined();
  await page.goto(url as string);
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

  await page.click('#stop');
  await expect
    .poll(() => page.locator('body').getAttribute('data-state'), { timeout: 30_000 })
    .toBe('stopped');
  await expectNoPageError();
});
