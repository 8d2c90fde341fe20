// The ONNX export in a browser: Debian's Chromium runs onnxruntime-web (its
// wasm backend) on the exported files, served from 127.0.0.1, and must give
// latent's outputs. Skipped, loudly, where /usr/bin/chromium is missing
// (scripts/setup.sh --browser installs it).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '@latent/backend';
import { build } from 'esbuild';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCases, type Case, maxAbsDiff } from './cases.test-util.js';
import { toOnnx } from './onnx.js';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(
    `\n*** SKIPPING the onnxruntime-web test: no Chromium at ${CHROMIUM} (scripts/setup.sh --browser installs it).\n`,
  );

const ORT_DIST = dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
const TYPES: Record<string, string> = {
  '.mjs': 'text/javascript',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
};

describe.skipIf(!hasChromium)('ONNX in Chromium with onnxruntime-web', () => {
  let cases: Case[];
  let server: Server;
  let browser: Browser;
  let url: string;
  beforeAll(async () => {
    await initBackend('cpu');
    cases = await buildCases((l) =>
      ['mlp-gan 28x28x1', 'dcgan 28x28x1', 'cgan 28x28x1', 'conv-vae 28x28x1'].includes(l),
    );
    const models = cases.map((c) => toOnnx(c.graph));
    // The exporter itself, bundled for the browser as a web app would (from the sources).
    const bundle = await build({
      entryPoints: [fileURLToPath(new URL('./browser-entry.test-util.ts', import.meta.url))],
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'iife',
      conditions: ['@latent/source'],
      logLevel: 'silent',
    });
    const entry = bundle.outputFiles[0]?.contents ?? new Uint8Array();
    server = createServer(async (req, res) => {
      const path = req.url ?? '/';
      try {
        if (path === '/') {
          res.setHeader('content-type', 'text/html');
          res.end(
            '<!doctype html><script src="/ort/ort.wasm.min.js"></script><script src="/entry.js"></script>',
          );
        } else if (path === '/entry.js') {
          res.setHeader('content-type', 'text/javascript');
          res.end(entry);
        } else if (path.startsWith('/model/')) {
          res.setHeader('content-type', 'application/octet-stream');
          res.end(models[Number(path.slice(7))]);
        } else if (path.startsWith('/ort/') && !path.includes('..')) {
          const file = path.slice(5);
          res.setHeader(
            'content-type',
            TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream',
          );
          res.end(await readFile(join(ORT_DIST, file)));
        } else res.writeHead(404).end();
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
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
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  it('gives latent outputs for the same inputs', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(url);
    const inputs = cases.map((c) => ({
      name: c.graph.input.kind === 'noise' ? 'z' : 'images',
      data: [...c.input.data],
      shape: c.input.shape,
      labels: c.labels ? [...c.labels] : undefined,
    }));
    const results = await page.evaluate(async (list) => {
      // biome-ignore lint/suspicious/noExplicitAny: onnxruntime-web's global, loaded by the page.
      const ort = (globalThis as any).ort;
      ort.env.wasm.numThreads = 1;
      ort.env.wasm.wasmPaths = '/ort/';
      const out: Record<string, number[]>[] = [];
      for (const [i, c] of list.entries()) {
        const session = await ort.InferenceSession.create(`/model/${i}`);
        const feeds: Record<string, unknown> = {
          [c.name]: new ort.Tensor('float32', Float32Array.from(c.data), c.shape),
        };
        if (c.labels)
          feeds.label = new ort.Tensor('int64', BigInt64Array.from(c.labels.map(BigInt)), [
            c.labels.length,
          ]);
        const r = await session.run(feeds);
        out.push(
          Object.fromEntries(
            Object.entries(r).map(([k, t]) => [k, [...(t as { data: Float32Array }).data]]),
          ),
        );
      }
      return out;
    }, inputs);
    expect(problems).toEqual([]);
    for (const [i, c] of cases.entries())
      for (const [name, want] of Object.entries(c.expected))
        expect(
          maxAbsDiff(results[i]?.[name] ?? [], want),
          `${c.label} ${name}`,
        ).toBeLessThanOrEqual(1e-4);
  }, 300_000);

  it('exports in the page itself: the main entry bundles for a browser, and its ONNX runs there', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(url);
    const { got, expected } = await page.evaluate(async () => {
      // biome-ignore lint/suspicious/noExplicitAny: globals the page's scripts define.
      const g = globalThis as any;
      const made = await g.exportInPage();
      g.ort.env.wasm.numThreads = 1;
      g.ort.env.wasm.wasmPaths = '/ort/';
      const session = await g.ort.InferenceSession.create(Uint8Array.from(made.onnx));
      const z = new g.ort.Tensor('float32', Float32Array.from(made.z), [2, 100]);
      const r = await session.run({ z });
      return { got: [...r.images.data] as number[], expected: made.expected as number[] };
    });
    expect(problems).toEqual([]);
    expect(got.length).toBe(2 * 28 * 28);
    expect(maxAbsDiff(got, expected)).toBeLessThanOrEqual(1e-4);
  }, 300_000);
});
