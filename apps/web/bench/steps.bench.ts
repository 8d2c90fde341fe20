// Steps per second per backend in headless Chromium, for the 2014 paper's MLP
// GAN (batch 100) and DCGAN (batch 64) on MNIST, trained through the page as a
// user would. `pnpm --filter @latent/web bench` (about 10 minutes here).
// WebGL and WebGPU run on SwiftShader (a CPU) when there is no GPU: their
// numbers here say that they work, not how fast they are on a real GPU.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { buildSite, launchChromium, openApp, serveSite, watch } from '../test/harness.js';

const CASES = [
  { model: 'mlp-gan', batch: 100 },
  { model: 'dcgan', batch: 64 },
] as const;
const BACKENDS = (process.env.LATENT_BENCH_BACKENDS ?? 'wasm,webgl,webgpu').split(',');
/** Seconds to measure each case for, after its first steps (shader compilation, warm-up). */
const WINDOW_S = Number(process.env.LATENT_BENCH_SECONDS ?? 30);
/** Steps before the window opens: the first compiles shaders (webgl, webgpu) and warms caches. */
const WARMUP_STEPS = 1;
/** Longest wait for one step after warm-up; a slower case is reported as below 1 / this. */
const MAX_STEP_S = Number(process.env.LATENT_BENCH_MAX_STEP_SECONDS ?? 300);

async function measure(page: Page, backend: string, model: string, batch: number) {
  await page.getByTestId('backend-select').selectOption(backend);
  await page.getByTestId('model').selectOption(model);
  await page.getByTestId('batch').fill(String(batch));
  await page.getByTestId('images-start').click();
  const step = () =>
    page.evaluate(() => ({
      step: Number(document.querySelector('[data-testid=step]')?.textContent),
      t: performance.now(),
      error: document.body.dataset.state === 'error',
    }));
  await page.waitForFunction(
    (n) =>
      document.body.dataset.state === 'error' ||
      Number(document.querySelector('[data-testid=step]')?.textContent) >= n,
    WARMUP_STEPS,
    { timeout: 600_000, polling: 200 },
  );
  const a = await step();
  let b = a;
  while (!b.error && b.t - a.t < WINDOW_S * 1000) {
    await page.waitForTimeout(250);
    b = await step();
  }
  // The window ends at a step's arrival, not between steps.
  const ended = await page
    .waitForFunction(
      (n) => Number(document.querySelector('[data-testid=step]')?.textContent) > n,
      b.step,
      {
        timeout: MAX_STEP_S * 1000,
        polling: 50,
      },
    )
    .then(
      () => true,
      () => false,
    );
  const c = await step();
  const error = await page.getByTestId('error').textContent();
  await page.getByTestId('images-reset').click();
  if (a.error || error) throw new Error(`${backend} ${model}: ${error}`);
  // No step within the wait: at most one step in that time.
  if (!ended && c.step === a.step) return { rate: 1000 / (c.t - a.t), below: true };
  return { rate: ((c.step - a.step) * 1000) / (c.t - a.t), below: false };
}

test('steps/s per backend', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'latent-web-bench-'));
  const rows: string[] = [];
  try {
    await buildSite(join(dir, 'site'));
    const { url, server } = await serveSite(join(dir, 'site'));
    try {
      for (const backend of BACKENDS) {
        const browser: Browser = await launchChromium(backend === 'webgpu');
        const problems: string[] = [];
        try {
          const page = await browser.newPage();
          watch(page, problems);
          await openApp(page, url);
          const info = async () => page.getByTestId('backend').textContent();
          for (const { model, batch } of CASES) {
            const { rate, below } = await measure(page, backend, model, batch);
            const shown = `${below ? '< ' : ''}${rate.toFixed(3)}`;
            const row = `| ${backend.padEnd(6)} | ${(await info())?.padEnd(30)} | ${model.padEnd(7)} | ${String(batch).padStart(5)} | ${shown.padStart(7)} |`;
            rows.push(row);
            console.log(row);
          }
        } finally {
          await browser.close();
        }
        expect(problems).toEqual([]);
      }
    } finally {
      await server.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  console.log(
    [
      `| backend | as the page reports it | model | batch | steps/s |`,
      '| --- | --- | --- | --- | --- |',
      ...rows,
    ].join('\n'),
  );
});
