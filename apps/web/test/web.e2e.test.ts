import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { initBackend } from '@latent/backend';
import { sliceImages } from '@latent/datasets';
import { loadMnist } from '@latent/datasets/node';
import { readSafetensors } from '@latent/export';
import { mlpGan } from '@latent/models';
import { GanTrainer, resolveGanRunConfig, samplerFromCheckpoint } from '@latent/train';
import { readCheckpoint, writeCheckpoint } from '@latent/train/node';
import { encodePng } from '@latent/vis';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import type { Browser, Page } from 'playwright-core';
import type { PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildSite, launchChromium, openApp, root, serveSite, watch } from './harness.js';

const run = promisify(execFile);
/**
 * The CLI bundle the download test resumes with: built here, so it is never
 * stale, and into a folder of its own, so the CLI's tests (which may run at the
 * same time) never start a half-written dist/latent.js. Under dist/, so it
 * finds the wasm binaries through apps/cli's dependencies.
 */
const cliDir = join(root, '..', 'cli');
const cli = join(cliDir, 'dist', 'web-test', 'latent.js');
/** Set LATENT_WEB_SCREENSHOTS to a folder to keep a screenshot of each mode there. */
const screenshots = process.env.LATENT_WEB_SCREENSHOTS;
/** Steps to train before a picture is checked: more when it is kept as a screenshot. */
const steps = (test: number, screenshot: number) => (screenshots ? screenshot : test);
/** Set LATENT_WEB_GPU_TESTS=1 to also train DCGAN on webgl and the toy GAN on webgpu (slow on SwiftShader). */
const gpuTests = process.env.LATENT_WEB_GPU_TESTS === '1';

let outDir: string;
let site: string;
/** A checkpoint folder written by the library, as `latent train` writes them. */
let checkpointDir: string;
let url: string;
let server: PreviewServer | undefined;
let browser: Browser | undefined;
let page: Page;
/** Page errors and console errors, from the page and its workers. */
const problems: string[] = [];

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

async function buildCli(): Promise<void> {
  const script = [
    "import { build } from 'esbuild';",
    "import { nodeBundleOptions } from '../../scripts/node-bundle.mjs';",
    `await build({ ...nodeBundleOptions, entryPoints: ['src/latent.ts', 'src/worker.ts'], outdir: ${JSON.stringify(dirname(cli))} });`,
  ].join('\n');
  await run(process.execPath, ['--input-type=module', '-e', script], { cwd: cliDir });
}

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'latent-web-'));
  site = join(outDir, 'site');
  checkpointDir = join(outDir, 'checkpoint', 'step-00000002');
  await Promise.all([buildSite(site), makeCheckpoint(checkpointDir), buildCli()]);
  ({ url, server } = await serveSite(site));
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  if (screenshots) await mkdir(screenshots, { recursive: true });
  watch(page, problems);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

const state = () => page.locator('body').getAttribute('data-state');
const step = async () => Number(await page.getByTestId('step').textContent());

/**
 * Fails with what the page shows when it reports an error, instead of letting a
 * wait run into its timeout.
 */
async function expectNoPageError(): Promise<void> {
  const s = await state();
  if (s === 'error' || problems.length > 0) {
    const shown = await page.getByTestId('error').textContent();
    throw new Error(`page state ${s}: ${shown}\n${problems.join('\n')}`);
  }
}

/** Waits until `fn` (run in the page) is true or the page shows an error. */
async function until<A>(fn: (arg: A) => boolean, arg: A, timeout = 120_000): Promise<void> {
  await page.waitForFunction(
    ({ source, arg }) =>
      document.body.dataset.state === 'error' ||
      // The predicate is this test's own code, sent as text.
      new Function(`return (${source})`)()(arg),
    { source: fn.toString(), arg },
    { timeout },
  );
  await expectNoPageError();
}

const stepAtLeast = (n: number) =>
  until((k) => Number(document.querySelector('[data-testid=step]')?.textContent) >= k, n);

/** Resets the run and checks that the worker freed its tensors (`tensors`: what the page held before). */
async function resetRun(mode: string, tensors = 0): Promise<void> {
  await page.evaluate(() => {
    delete document.body.dataset.tensors;
  });
  await page.getByTestId(`${mode}-reset`).click();
  await expect.poll(state).toBe('idle');
  // The worker answers once the step in flight has ended: seconds on software webgl under load.
  await expect
    .poll(() => page.locator('body').getAttribute('data-tensors'), { timeout: 60_000 })
    .toBe(String(tensors));
}

/**
 * Tensors the worker keeps for the pretrained DCGAN, which the explorer holds
 * through toy runs (they do not draw images): the shipped checkpoint's
 * sampler, counted here. Waits until the page has it.
 */
async function pretrainedTensors(): Promise<number> {
  await until(
    () =>
      /pretrained DCGAN on MNIST/.test(
        document.querySelector('[data-testid=explore-source]')?.textContent ?? '',
      ),
    0,
  );
  await initBackend('cpu');
  const before = tf.memory().numTensors;
  const sampler = samplerFromCheckpoint(
    await readCheckpoint(join(root, 'public', 'pretrained', 'dcgan-mnist')),
    { ema: 'if-kept' },
  );
  const held = tf.memory().numTensors - before;
  sampler.dispose();
  return held;
}

/** The sample canvas as a PNG data URL, and the training step its grid was drawn at. */
const snapshot = () =>
  page.getByTestId('samples').evaluate((c: HTMLCanvasElement) => ({
    step: Number(c.dataset.step),
    png: c.toDataURL(),
  }));

test('loads with no errors and trains the MLP GAN on threaded wasm: pause, step, resume, reset', async () => {
  expect(url).not.toBe('');
  await openApp(page, url);
  // COOP/COEP from the server: without them the wasm backend has no threads.
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  expect(await state()).toBe('idle');
  // The zoo comes from the worker, by the CLI's names.
  const models = await page.getByTestId('model').locator('option').allTextContents();
  expect(models).toEqual(['mlp-gan', 'dcgan', 'cgan', 'acgan', 'wgan-gp', 'sngan']);

  await page.getByTestId('batch').fill('32');
  await page.getByTestId('images-start').click();
  await until(
    () => document.querySelector<HTMLElement>('[data-testid=samples]')?.dataset.step !== undefined,
    0,
  );
  const early = await snapshot();
  expect(await page.getByTestId('backend').textContent()).toBe('wasm · SIMD on · threads on');
  expect(await page.getByTestId('images-config').textContent()).toMatch(
    /^mlp-gan on mnist-train \(50,000 images\): gan loss, k 1 \(D and G updated simultaneously\), sgd lr G 0.1 \/ D 0.1, batch 32$/,
  );
  await stepAtLeast(12);
  // Live steps/s.
  expect(Number(await page.getByTestId('rate').getAttribute('data-value'))).toBeGreaterThan(0);

  await page.getByTestId('images-pause').click();
  await expect.poll(state, { timeout: 30_000 }).toBe('paused');
  const paused = await step();
  await page.waitForTimeout(500);
  expect(await step()).toBe(paused);
  // Step: exactly one more, then paused again, and a new grid of that step.
  await page.getByTestId('images-step').click();
  await expect.poll(step, { timeout: 30_000 }).toBe(paused + 1);
  await expect
    .poll(() => page.getByTestId('samples').getAttribute('data-step'))
    .toBe(String(paused + 1));
  expect(await state()).toBe('paused');
  // Keyboard: Space resumes (outside form fields).
  await page.locator('h1').click();
  await page.keyboard.press('Space');
  await stepAtLeast(paused + 5);
  await until(
    (after) =>
      Number(document.querySelector<HTMLElement>('[data-testid=samples]')?.dataset.step) > after,
    paused + 1,
  );
  await stepAtLeast(steps(0, 300));
  const late = await snapshot();
  expect(late.step).toBeGreaterThan(early.step);
  expect(late.png).not.toBe(early.png);
  await screenshot('mnist');
  await resetRun('images');
  await expectNoPageError();
});

/** Distinct red values on a canvas: a blank or one-colour picture has one or two. */
const distinctValues = (testid: string) =>
  page.getByTestId(testid).evaluate((c: HTMLCanvasElement) => {
    const pixels = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? [];
    const values = new Set<number>();
    for (let i = 0; i < pixels.length; i += 4) values.add(pixels[i]!);
    return values.size;
  });

/** Clicks `click` and saves the download it starts into `dir`; returns the file's path. */
async function downloadFrom(click: () => Promise<void>, dir: string, name: string) {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  expect(download.suggestedFilename()).toBe(name);
  const path = join(dir, name);
  await download.saveAs(path);
  return path;
}

test('at first visit the explorer and the VAE tab show the pretrained models; picking another opens it', async () => {
  await openApp(page, url);
  await page.click('#tab-explorer');
  await expect
    .poll(() => page.getByTestId('explore-source').textContent(), { timeout: 60_000 })
    .toMatch(
      /^Drawing from the pretrained DCGAN on MNIST \(dcgan, step \d+\) \(100-d z\)\. Training a new model \(Images or VAE\) or opening a checkpoint replaces it\.$/,
    );
  expect(await page.getByTestId('pretrained-about').textContent()).toMatch(
    /^DCGAN on MNIST, step \d+: fid \d+\.\d\d · is \d+\.\d\d · coverage \d+\/10 \(KL \d\.\d{3}\) \(latent eval\)\. Trained with latent train --out runs\/pretrained --name dcgan-mnist/,
  );
  await until(
    () =>
      Number(document.querySelector<HTMLElement>('[data-testid=explore-image]')?.dataset.drawn) >=
      1,
    0,
  );
  expect(await distinctValues('explore-image')).toBeGreaterThan(20);
  expect(await distinctValues('explore-path')).toBeGreaterThan(20);
  expect(await page.getByTestId('sliders').locator('input').count()).toBe(6);

  // The other GAN, by the selector.
  await page.getByTestId('pretrained-select').selectOption('dcgan-fashion-mnist');
  await expect
    .poll(() => page.getByTestId('explore-source').textContent(), { timeout: 60_000 })
    .toMatch(/^Drawing from the pretrained DCGAN on Fashion-MNIST \(dcgan, step \d+\)/);
  await until(
    () =>
      Number(document.querySelector<HTMLElement>('[data-testid=explore-image]')?.dataset.drawn) >=
      2,
    0,
  );
  expect(await distinctValues('explore-image')).toBeGreaterThan(20);

  // The VAE tab: the shipped 2-D VAE's samples and manifold, and what they are.
  await page.click('#tab-vae');
  await expect
    .poll(() => page.getByTestId('vae-manifold').getAttribute('data-pretrained'), {
      timeout: 60_000,
    })
    .toBe('mlp-vae-mnist-2d');
  expect(
    await page.getByTestId('vae-manifold').evaluate((c: HTMLCanvasElement) => [c.width, c.height]),
  ).toEqual([15 * 28, 15 * 28]);
  expect(await distinctValues('vae-manifold')).toBeGreaterThan(50);
  expect(await distinctValues('vae-samples')).toBeGreaterThan(50);
  expect(await page.getByTestId('vae-caption').textContent()).toMatch(
    /^The pretrained MLP VAE with a 2-d latent on MNIST \(mlp-vae, step \d+; elbo -\d+\.\d\d ± \d\.\d\d · iwae -\d+\.\d\d ± \d\.\d\d\).*Start trains a new VAE, which replaces it\.$/,
  );
  await screenshot('pretrained');
  await expectNoPageError();
});

test('downloads the generator: the ONNX gives latent’s images for the same z; tfjs and safetensors files parse', async () => {
  await openApp(page, url);
  await page.click('#tab-explorer');
  await expect
    .poll(() => page.getByTestId('explore-source').textContent(), { timeout: 60_000 })
    .toMatch(/pretrained DCGAN on MNIST/);
  const dir = await mkdtemp(join(outDir, 'export-'));
  const onnxPath = await downloadFrom(
    () => page.getByTestId('export').click(),
    dir,
    'generator.onnx',
  );
  expect(await page.getByTestId('export-links').textContent()).toMatch(
    /^the generator of the pretrained DCGAN on MNIST .*: generator\.onnx \(\d+(\.\d)? (KB|MB)\)/,
  );

  // The same z through onnxruntime-node and through latent's sampler of the shipped checkpoint.
  const session = await ort.InferenceSession.create(await readFile(onnxPath));
  expect(session.inputNames).toEqual(['z']);
  expect(session.outputNames).toEqual(['images']);
  await initBackend('cpu');
  const sampler = samplerFromCheckpoint(
    await readCheckpoint(join(root, 'public', 'pretrained', 'dcgan-mnist')),
    { ema: 'if-kept' },
  );
  try {
    const z = sampler.noise(4, 7);
    const want = tf.tidy(() => sampler.draw(z).dataSync() as Float32Array);
    const zData = z.dataSync() as Float32Array;
    z.dispose();
    const out = await session.run({ z: new ort.Tensor('float32', zData, [4, sampler.noiseDim]) });
    const images = out.images!;
    expect(images.dims).toEqual([4, 28, 28, 1]);
    // The ONNX gives DCGAN's tanh range; the sampler draws in [0, 1].
    const got = (images.data as Float32Array).map((v) => (v + 1) / 2);
    let max = 0;
    for (let i = 0; i < got.length; i++) max = Math.max(max, Math.abs(got[i]! - want[i]!));
    expect(max).toBeLessThan(1e-4);
  } finally {
    sampler.dispose();
    await session.release();
  }

  // tfjs-layers: two links, saved into one folder.
  await page.getByTestId('export-format').selectOption('tfjs');
  await page.getByTestId('export').click();
  await page.getByTestId('export-weights.bin').waitFor({ timeout: 60_000 });
  const modelJson = await downloadFrom(
    () => page.getByTestId('export-model.json').click(),
    dir,
    'model.json',
  );
  const weightsBin = await downloadFrom(
    () => page.getByTestId('export-weights.bin').click(),
    dir,
    'weights.bin',
  );
  const model = JSON.parse(await readFile(modelJson, 'utf8'));
  expect(model.format).toBe('layers-model');
  expect(model.weightsManifest[0].paths).toEqual(['weights.bin']);
  const bytes = (await readFile(weightsBin)).length;
  const specs = model.weightsManifest[0].weights as { shape: number[] }[];
  expect(bytes).toBe(specs.reduce((n, w) => n + 4 * w.shape.reduce((a, b) => a * b, 1), 0));

  // safetensors, PyTorch's layout: the reader checks every header number against the file.
  await page.getByTestId('export-format').selectOption('safetensors');
  const st = await downloadFrom(
    () => page.getByTestId('export').click(),
    dir,
    'generator.safetensors',
  );
  const parsed = readSafetensors(new Uint8Array(await readFile(st)), st);
  expect(parsed.metadata.model).toBe('dcgan');
  expect(parsed.tensors.size).toBeGreaterThan(0);
  await expectNoPageError();
});

test('a briefly trained VAE’s decoder downloads as ONNX with its 2-d z input', async () => {
  await openApp(page, url);
  await page.click('#tab-vae');
  await page.getByTestId('vae-step').click();
  await expect.poll(state, { timeout: 60_000 }).toBe('paused');
  await expect
    .poll(() => page.getByTestId('export-source').textContent())
    .toMatch(/^The decoder of mlp-vae on mnist-train, as it trains/);
  const dir = await mkdtemp(join(outDir, 'export-vae-'));
  const path = await downloadFrom(() => page.getByTestId('export').click(), dir, 'decoder.onnx');
  const session = await ort.InferenceSession.create(await readFile(path));
  const out = await session.run({
    z: new ort.Tensor('float32', Float32Array.from([0, 0, 1, -1]), [2, 2]),
  });
  expect(out.images!.dims).toEqual([2, 28, 28, 1]);
  await session.release();
  await resetRun('vae');
  await expectNoPageError();
});

test('a broken pretrained file says so and the page still trains', async () => {
  const broken = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
  const seen: string[] = [];
  watch(broken, seen);
  try {
    await broken.route('**/pretrained/dcgan-mnist/weights.bin', (route) =>
      route.fulfill({ status: 200, contentType: 'application/octet-stream', body: 'not weights' }),
    );
    await openApp(broken, url);
    await broken.click('#tab-explorer');
    await expect
      .poll(() => broken.getByTestId('pretrained-about').textContent(), { timeout: 60_000 })
      .toMatch(
        /^Could not open the pretrained DCGAN on MNIST: pretrained\/dcgan-mnist: weights\.bin has 11 bytes, the manifest expects \d+ \(truncated or from another checkpoint\)\. Train a model instead; the page works without it\.$/,
      );
    expect(await broken.getByTestId('explore-source').textContent()).toMatch(/^Train a model/);
    // The VAE tab's pretrained model is not affected.
    await broken.click('#tab-vae');
    await expect
      .poll(() => broken.getByTestId('vae-manifold').getAttribute('data-pretrained'), {
        timeout: 60_000,
      })
      .toBe('mlp-vae-mnist-2d');
    await broken.click('#tab-images');
    await broken.getByTestId('batch').fill('32');
    await broken.getByTestId('images-start').click();
    await broken.waitForFunction(
      () =>
        document.body.dataset.state === 'error' ||
        Number(document.querySelector('[data-testid=step]')?.textContent) >= 2,
      undefined,
      { timeout: 120_000 },
    );
    expect(await broken.getByTestId('error').textContent()).toBe('');
    expect(seen).toEqual([]);
  } finally {
    await broken.close();
  }
});

/** The rows of the sample-quality table, as numbers. */
const qualityRows = () =>
  page.locator('[data-testid=quality] tbody tr').evaluateAll((rows) =>
    rows.map((row) => {
      const d = (row as HTMLElement).dataset;
      return {
        step: Number(d.step),
        fid: Number(d.fid),
        is: Number(d.is),
        coverage: Number(d.coverage),
      };
    }),
  );
const qualityRowsAtLeast = (n: number) =>
  until((k) => document.querySelectorAll('[data-testid=quality] tbody tr').length >= k, n, 240_000);

// Five measurements, the first preparing the classifier and the real images' statistics: minutes on 2 cores.
test('measures FID, IS and classes covered every few steps and on demand; the classifier is freed on reset', async () => {
  await openApp(page, url);
  expect(await page.getByTestId('measure').isDisabled()).toBe(true);
  await page.getByTestId('batch').fill('32');
  await page.getByTestId('quality-every').fill('3');
  await page.getByTestId('images-start').click();
  // Two measurements on their own: the run pauses for each, then goes on.
  await qualityRowsAtLeast(2);
  const automatic = await qualityRows();
  expect(automatic.slice(0, 2).map((r) => r.step)).toEqual([3, 6]);
  for (const r of automatic) {
    // An untrained generator: far from the test images (real ones score ~1), but a finite distance.
    expect(r.fid).toBeGreaterThan(10);
    expect(Number.isFinite(r.fid)).toBe(true);
    expect(r.is).toBeGreaterThanOrEqual(1);
    expect(r.is).toBeLessThanOrEqual(10);
    expect(Number.isInteger(r.coverage)).toBe(true);
    expect(r.coverage).toBeGreaterThanOrEqual(0);
    expect(r.coverage).toBeLessThanOrEqual(10);
  }
  // On demand, while paused: the same noise, so the same generator gives the same values.
  await page.getByTestId('images-pause').click();
  await expect.poll(state, { timeout: 60_000 }).toBe('paused');
  const at = await step();
  const before = (await qualityRows()).length;
  await page.getByTestId('measure').click();
  await qualityRowsAtLeast(before + 1);
  await page.getByTestId('measure').click();
  await qualityRowsAtLeast(before + 2);
  const [first, second] = (await qualityRows()).slice(before);
  expect(first!.step).toBe(at);
  expect(second).toEqual(first);
  expect(await page.getByTestId('quality-status').textContent()).toBe('');
  await resetRun('images');
  await expectNoPageError();
}, 480_000);

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

test('opens a CLI checkpoint and samples it; bad files show an error and the page keeps working', async () => {
  await openApp(page, url);
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

  // The explorer draws from the opened checkpoint.
  await page.click('#tab-explorer');
  expect(await page.getByTestId('explore-source').textContent()).toMatch(
    /^Drawing from checkpoint mlp-gan, step 2 \(100-d z\)\./,
  );
  await expect.poll(() => page.getByTestId('explore-image').getAttribute('data-drawn')).toBe('1');

  // The page still trains.
  await page.click('#tab-images');
  await page.getByTestId('batch').fill('32');
  await page.getByTestId('images-start').click();
  await stepAtLeast(3);
  expect(await state()).toBe('training');
  await resetRun('images');
  await expectNoPageError();
});

test('a checkpoint downloaded from the page resumes in the CLI', async () => {
  await openApp(page, url);
  await page.getByTestId('batch').fill('20');
  // From idle, Step starts a paused run and takes one step; two more.
  await page.getByTestId('images-step').click();
  await expect.poll(state, { timeout: 60_000 }).toBe('paused');
  for (const n of [2, 3]) {
    await page.getByTestId('images-step').click();
    await expect.poll(step, { timeout: 30_000 }).toBe(n);
  }
  await page.getByTestId('save').click();
  const folder = join(outDir, 'downloaded-run');
  await mkdir(folder);
  for (const name of ['checkpoint.json', 'weights.bin']) {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId(`download-${name}`).click(),
    ]);
    expect(download.suggestedFilename()).toBe(name);
    await download.saveAs(join(folder, name));
  }
  const manifest = JSON.parse(await readFile(join(folder, 'checkpoint.json'), 'utf8'));
  expect(manifest.progress.step).toBe(3);
  expect(manifest.config.batchSize).toBe(20);
  await resetRun('images');

  const { stderr } = await run(
    process.execPath,
    [cli, 'resume', folder, '--max-steps', '5', '--json'],
    { cwd: outDir, maxBuffer: 1 << 24 },
  );
  expect(stderr).toMatch(
    /training mlp-gan on mnist-train \(50,000 images\): .*; from step 3 with wasm/,
  );
  expect(await readdir(join(folder, 'checkpoints'))).toEqual(['step-00000005']);
});

test('1-D mode draws Figure 1 and, in slow motion, D’s update before G’s', async () => {
  await openApp(page, url);
  // Keyboard: the tabs follow the ARIA pattern (arrow keys move between them).
  await page.focus('#tab-images');
  await page.keyboard.press('ArrowRight');
  expect(await page.locator('#tab-toy1d').getAttribute('aria-selected')).toBe('true');
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('tab-toy1d');
  await page.getByTestId('toy1d-start').click();

  const density = page.getByTestId('density');
  const frameAfter = async (n: number) => {
    await until(
      (after) =>
        Number(document.querySelector<HTMLElement>('[data-testid=density]')?.dataset.step) >= after,
      n,
    );
    return density.innerHTML();
  };
  const early = await frameAfter(0);
  for (const part of [
    'class="data"',
    'class="generator"',
    'class="discriminator"',
    'class="mapping"',
  ]) {
    expect(early).toContain(part);
  }
  const late = await frameAfter(300);
  const generator = (svg: string) => /class="generator" d="([^"]+)"/.exec(svg)?.[1];
  expect(generator(late)).not.toBe(generator(early));
  expect(await page.locator('#loss-chart svg path.series').count()).toBe(2);
  await screenshot('toy1d');

  // Slow motion: each step shows D's update (G unchanged), then G's.
  await page.locator('#toy1d-settings .slow-motion').check();
  // Watch the picture until some step has shown D's frame and then G's.
  const phases = await page.evaluate(
    () =>
      new Promise<string[]>((resolve) => {
        const el = document.querySelector<HTMLElement>('[data-testid=density]')!;
        const seen: string[] = [];
        new MutationObserver(() => {
          const now = `${el.dataset.step}:${el.dataset.phase}`;
          if (seen.at(-1) !== now) seen.push(now);
          const [stepNow, phase] = now.split(':');
          if (phase === 'generator' && seen.includes(`${stepNow}:discriminator`)) resolve(seen);
        }).observe(el, { attributes: true, attributeFilter: ['data-phase', 'data-step'] });
      }),
  );
  const last = phases.at(-1)!.split(':')[0];
  // D's frame came right before G's, for the same step.
  expect(phases.slice(-2)).toEqual([`${last}:discriminator`, `${last}:generator`]);
  await page.locator('#toy1d-settings .slow-motion').uncheck();
  await resetRun('toy1d', await pretrainedTensors());
});

test('2-D mode draws real and fake points, D’s heatmap, G’s manifold and the gradient arrows', async () => {
  await openApp(page, url);
  await page.click('#tab-toy2d');
  await page.getByTestId('distribution').selectOption('grid');
  await page.getByTestId('toy2d-start').click();
  const plane = page.getByTestId('plane');
  await until(
    () => Number(document.querySelector<HTMLElement>('[data-testid=plane]')?.dataset.step) >= 0,
    0,
  );
  const early = await plane.innerHTML();
  for (const part of [
    'class="heatmap"',
    'class="manifold"',
    'class="real"',
    'class="fake"',
    'class="gradients"',
  ]) {
    expect(early).toContain(part);
  }
  await until(
    (n) => Number(document.querySelector<HTMLElement>('[data-testid=plane]')?.dataset.step) >= n,
    steps(200, 1500),
  );
  const fake = (svg: string) => /<g class="fake"[^>]*>(.*?)<\/g>/.exec(svg)?.[1];
  expect(fake(await plane.innerHTML())).not.toBe(fake(early));
  await screenshot('toy2d');
  await resetRun('toy2d', await pretrainedTensors());
});

test('VAE mode: reconstructions beside inputs, samples, the 2-D latent manifold; the explorer draws from it', async () => {
  await openApp(page, url);
  await page.click('#tab-vae');
  await page.getByTestId('vae-start').click();
  await until(
    (n) =>
      Number(document.querySelector<HTMLElement>('[data-testid=vae-manifold]')?.dataset.step) >= n,
    steps(20, 800),
  );
  const size = await page
    .getByTestId('vae-manifold')
    .evaluate((c: HTMLCanvasElement) => [c.width, c.height]);
  expect(size).toEqual([15 * 28, 15 * 28]);
  expect(await page.getByTestId('vae-recon').getAttribute('data-step')).not.toBeNull();
  expect(await page.getByTestId('vae-samples').getAttribute('data-step')).not.toBeNull();
  await screenshot('vae');

  // The explorer: z has two dimensions, both on sliders; moving one redraws.
  await page.click('#tab-explorer');
  expect(await page.getByTestId('explore-source').textContent()).toMatch(
    /mlp-vae on mnist-train.*\(2-d z\)/,
  );
  const sliders = page.getByTestId('sliders').locator('input');
  expect(await sliders.count()).toBe(2);
  await until(
    () =>
      Number(document.querySelector<HTMLElement>('[data-testid=explore-image]')?.dataset.drawn) >=
      1,
    0,
  );
  const before = await page
    .getByTestId('explore-image')
    .evaluate((c: HTMLCanvasElement) => c.toDataURL());
  await sliders.first().focus();
  for (let i = 0; i < 40; i++) await page.keyboard.press('ArrowRight');
  await until(
    () =>
      Number(document.querySelector<HTMLElement>('[data-testid=explore-image]')?.dataset.drawn) >=
      3,
    0,
  );
  const after = await page
    .getByTestId('explore-image')
    .evaluate((c: HTMLCanvasElement) => c.toDataURL());
  expect(after).not.toBe(before);
  await screenshot('explorer');
  await page.click('#tab-vae');
  await resetRun('vae');
  await expectNoPageError();
});

test('trains a conditional GAN on a picked image folder; the explorer offers its classes', async () => {
  // Ten classes (the zoo's conditional models have ten) of 32x32 colour squares, one size per class.
  const folder = join(outDir, 'squares');
  for (let k = 0; k < 10; k++) {
    await mkdir(join(folder, `size-${k}`), { recursive: true });
    for (let i = 0; i < 3; i++) {
      const data = new Uint8ClampedArray(32 * 32 * 4);
      for (let p = 0; p < 32 * 32; p++) {
        const [x, y] = [(p % 32) - 16, Math.floor(p / 32) - 16];
        const inside = Math.max(Math.abs(x), Math.abs(y)) < 2 + k;
        data.set(inside ? [40 + i * 60, 200, 255 - k * 20, 255] : [10, 10, 30, 255], p * 4);
      }
      await writeFile(
        join(folder, `size-${k}`, `${i}.png`),
        encodePng({ width: 32, height: 32, data }),
      );
    }
  }
  await openApp(page, url);
  await page.getByTestId('model').selectOption('cgan');
  await page.getByTestId('dataset').selectOption('folder');
  await page.getByTestId('folder').setInputFiles(folder);
  await page.getByTestId('batch').fill('8');
  await page.getByTestId('images-step').click();
  await expect.poll(state, { timeout: 60_000 }).toBe('paused');
  await expectNoPageError();
  expect(await page.getByTestId('images-config').textContent()).toMatch(
    /^cgan on image folder \(30 images\): gan loss, k 1, adam/,
  );
  // A folder has no classifier: Measure gives the distance to the nearest folder image alone.
  await page.getByTestId('measure').click();
  await qualityRowsAtLeast(1);
  const header = await page
    .locator('[data-testid=quality] th:visible')
    .evaluateAll((ths) => ths.map((th) => th.textContent));
  expect(header).toEqual(['step', 'nearest train', 'samples', 's']);
  const [row] = await page
    .locator('[data-testid=quality] tbody tr')
    .evaluateAll((rows) => rows.map((r) => ({ ...(r as HTMLElement).dataset })));
  expect(Object.keys(row!).sort()).toEqual(['memorization', 'step']);
  // An untrained generator's samples are no copies of the squares: a clear distance, finite.
  expect(Number(row!.memorization)).toBeGreaterThan(1);
  expect(Number.isFinite(Number(row!.memorization))).toBe(true);
  await page.click('#tab-explorer');
  expect(await page.getByTestId('class-select').locator('option').allTextContents()).toEqual(
    Array.from({ length: 10 }, (_, k) => `size-${k}`),
  );
  await until(
    () =>
      Number(document.querySelector<HTMLElement>('[data-testid=explore-image]')?.dataset.drawn) >=
      1,
    0,
  );
  await page.getByTestId('class-select').selectOption('1');
  await until(
    () =>
      Number(document.querySelector<HTMLElement>('[data-testid=explore-image]')?.dataset.drawn) >=
      2,
    0,
  );
  await page.click('#tab-images');
  await resetRun('images');
});

test('trains on webgl', async () => {
  await openApp(page, url);
  await page.getByTestId('backend-select').selectOption('webgl');
  await page.getByTestId('batch').fill('16');
  await page.getByTestId('images-start').click();
  await stepAtLeast(3);
  expect(await page.getByTestId('backend').textContent()).toBe('webgl (GPU)');
  await resetRun('images');
  if (gpuTests) {
    // Convolutions use webgl's own kernels (the wasm-only ones do not apply there).
    await page.getByTestId('model').selectOption('dcgan');
    await page.getByTestId('batch').fill('4');
    await page.getByTestId('images-start').click();
    await stepAtLeast(2);
    await resetRun('images');
  }
  await expectNoPageError();
});

describe.runIf(gpuTests)('webgpu', () => {
  test('trains the toy GAN on webgpu (Chromium with SwiftShader Vulkan)', async () => {
    const gpu = await launchChromium(true);
    try {
      const p = await gpu.newPage();
      const seen: string[] = [];
      watch(p, seen);
      await openApp(p, url);
      await p.click('#tab-toy1d');
      await p.getByTestId('backend-select').selectOption('webgpu');
      await p.getByTestId('toy1d-start').click();
      await p.waitForFunction(
        () =>
          document.body.dataset.state === 'error' ||
          Number(document.querySelector('[data-testid=step]')?.textContent) >= 3,
        undefined,
        { timeout: 180_000 },
      );
      expect(await p.getByTestId('error').textContent()).toBe('');
      expect(await p.getByTestId('backend').textContent()).toBe('webgpu (GPU)');
      expect(seen).toEqual([]);
    } finally {
      await gpu.close();
    }
  });
});
