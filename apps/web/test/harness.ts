// Shared by the e2e test, the screenshot script and the speed benchmark: build
// the site, serve it as a static host would (with COOP/COEP), and start
// Debian's Chromium headless through playwright-core.
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build, type PreviewServer, preview } from 'vite';

export const root = fileURLToPath(new URL('..', import.meta.url));

/** Chromium's flags for headless runs here; WebGPU needs a GPU process (SwiftShader's Vulkan) instead of --disable-gpu. */
const BASE_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const NO_GPU_FLAGS = ['--disable-gpu'];
const WEBGPU_FLAGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-angle=swiftshader',
];

/** Builds the app into `outDir` (a developer's dist/ and dev server are left alone). */
export async function buildSite(outDir: string): Promise<void> {
  await build({ root, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
}

/** Serves a build on 127.0.0.1 (WebGPU needs a secure context; localhost counts) and a free port. */
export async function serveSite(outDir: string): Promise<{ url: string; server: PreviewServer }> {
  const server = await preview({
    root,
    logLevel: 'warn',
    build: { outDir },
    preview: { host: '127.0.0.1', port: 0, strictPort: true, open: false },
  });
  return { url: server.resolvedUrls?.local[0] ?? '', server };
}

/** Headless Chromium; `gpu` swaps --disable-gpu for the WebGPU-on-SwiftShader flags. */
export function launchChromium(gpu = false): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [...BASE_FLAGS, ...(gpu ? WEBGPU_FLAGS : NO_GPU_FLAGS)],
  });
}

/** Page errors and console errors of a page and its workers, collected into `problems`. */
export function watch(page: Page, problems: string[]): void {
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
}

/** Opens the app and waits until its worker has listed the zoo and backends. */
export async function openApp(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.ready === 'true', undefined, {
    timeout: 60_000,
  });
}
