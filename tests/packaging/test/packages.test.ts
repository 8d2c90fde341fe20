// The library packages as a user gets them: packed with `pnpm pack` (which
// rewrites `workspace:^` and `catalog:`), installed with npm into fresh projects
// outside the workspace, then used from plain node and from a Vite page in
// headless Chromium. turbo builds dist/ first (this package's `test` depends on
// `^build`); nothing here builds the packages.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../..', import.meta.url));
const here = fileURLToPath(new URL('..', import.meta.url));
const fixtures = join(here, 'fixtures');
const bin = (name: string) => join(here, 'node_modules/.bin', name);

const PACKAGES = ['datasets', 'train', 'models', 'backend', 'vis', 'metrics', 'export'] as const;
type Pkg = (typeof PACKAGES)[number];

/**
 * The environment for child processes, without what `pnpm run` and turbo put in
 * it (npm_config_*, npm_package_*): npm would read those as its own settings.
 */
const env = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^(npm_|pnpm_)/i.test(k)),
) as NodeJS.ProcessEnv;

async function sh(cmd: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout, stderr } = await run(cmd, args, { cwd, env, maxBuffer: 64 << 20 });
    return `${stdout}${stderr}`;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${err.stdout}\n${err.stderr}`, {
      cause: e,
    });
  }
}

/**
 * The part of Vite's API used here. The consumer's own Vite is imported by path,
 * so its types are not this package's to import.
 */
interface ViteApi {
  build(config: object): Promise<unknown>;
  preview(config: object): Promise<{
    resolvedUrls: { local: string[] } | null;
    close(): Promise<void>;
  }>;
}

let root: string;
const tarballs = {} as Record<Pkg, string>;

/** Every `package.json` of a tfjs-core installed anywhere under `dir`. */
function installedTfjsCores(dir: string): string[] {
  const found: string[] = [];
  const walk = (nm: string) => {
    if (!existsSync(nm)) return;
    for (const entry of readdirSync(nm, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const scoped = entry.name.startsWith('@')
        ? readdirSync(join(nm, entry.name), { withFileTypes: true })
            .filter((e) => e.isDirectory())
            .map((e) => join(entry.name, e.name))
        : [entry.name];
      for (const name of scoped) {
        if (name === '@tensorflow/tfjs-core' && existsSync(join(nm, name, 'package.json')))
          found.push(join(nm, name, 'package.json'));
        walk(join(nm, name, 'node_modules'));
      }
    }
  };
  walk(join(dir, 'node_modules'));
  return found;
}

/** A fresh npm project in the temp folder with these dependencies installed. */
async function consumer(name: string, deps: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir);
  // Tarballs are named as the dependency's spec and as an override, so npm never
  // asks the registry for a @latent package (a transitive `^0.1.0` included).
  const local = Object.fromEntries(
    Object.entries(deps)
      .filter(([, spec]) => spec.startsWith('file:'))
      .map(([dep]) => [dep, `$${dep}`]),
  );
  await writeFile(
    join(dir, 'package.json'),
    `${JSON.stringify({ name, private: true, type: 'module', dependencies: deps, overrides: local }, null, 2)}\n`,
  );
  await sh('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], dir);
  // Every @latent package, direct or transitive, came from a tarball, none from the registry.
  const lock = JSON.parse(await readFile(join(dir, 'package-lock.json'), 'utf8'));
  for (const [path, entry] of Object.entries<{ resolved?: string }>(lock.packages)) {
    if (/node_modules\/@latent\//.test(path))
      expect(entry.resolved, `${path} in ${name}`).toMatch(/^file:/);
  }
  expect(installedTfjsCores(dir), `tfjs-core copies installed in ${name}`).toHaveLength(1);
  for (const f of readdirSync(fixtures)) {
    if (f.endsWith('.mjs')) await cp(join(fixtures, f), join(dir, f));
  }
  return dir;
}

const tgz = (pkg: Pkg) => `file:${tarballs[pkg]}`;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'latent-packaging-'));
  const packs = join(root, 'packs');
  await mkdir(packs);
  for (const pkg of PACKAGES) {
    const dir = join(repo, 'packages', pkg);
    if (!existsSync(join(dir, 'dist/index.js')) && !existsSync(join(dir, 'dist/node.js')))
      throw new Error(
        `packages/${pkg}/dist is missing: run \`pnpm build\` (turbo does it for \`pnpm test\`)`,
      );
    const { version } = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    await sh('pnpm', ['pack', '--pack-destination', packs], dir);
    tarballs[pkg] = join(packs, `latent-${pkg}-${version}.tgz`);
    expect(existsSync(tarballs[pkg]), `pnpm pack made ${tarballs[pkg]}`).toBe(true);
  }
}, 120_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** The leaves of an `exports` map: every file a resolver may be sent to, with its conditions. */
function exportTargets(exports: unknown, conditions: string[] = []): [string, string[]][] {
  if (typeof exports === 'string') return [[exports, conditions]];
  if (exports && typeof exports === 'object')
    return Object.entries(exports).flatMap(([k, v]) => exportTargets(v, [...conditions, k]));
  return [];
}

describe('the tarballs', () => {
  test.each(PACKAGES)(
    '@latent/%s: manifest rewritten, every export shipped, publint and attw pass',
    async (pkg) => {
      const list = await sh('tar', ['tzf', tarballs[pkg]], root);
      const files = new Set(list.split('\n').map((f) => f.replace(/^package\//, '')));
      const manifest = JSON.parse(
        await sh('tar', ['xzf', tarballs[pkg], '-O', 'package/package.json'], root),
      );
      // pnpm pack replaced the workspace protocols with real ranges.
      const deps = JSON.stringify([manifest.dependencies, manifest.peerDependencies]);
      expect(deps).not.toMatch(/workspace:|catalog:/);
      if (manifest.peerDependencies?.['@tensorflow/tfjs-core'])
        expect(manifest.peerDependencies['@tensorflow/tfjs-core']).toBe('4.22.0');
      // No test files or benchmarks in what users download.
      expect([...files].filter((f) => /\.test\.ts$|^bench\//.test(f))).toEqual([]);
      // Stricter than publint, which skips conditions it does not know: each
      // target, the `@latent/source` one included, is a file in the tarball.
      const missing = exportTargets(manifest.exports)
        .map(([t]) => t.replace(/^\.\//, ''))
        .filter((t) => !files.has(t));
      expect(missing, `exports of @latent/${pkg} point at files not in the tarball`).toEqual([]);

      const publint = await sh(bin('publint'), ['--strict', tarballs[pkg]], root);
      expect(publint).toContain('All good!');
      // esm-only: these packages are ESM only by design (`"type": "module"`, no
      // `require` condition), so node10 and require() resolutions are not goals.
      // attw exits non-zero on any problem the profile does not ignore, and sh() throws then.
      const attw = await sh(
        bin('attw'),
        ['--profile', 'esm-only', '--format', 'table-flipped', '--no-color', tarballs[pkg]],
        root,
      );
      expect(attw).toMatch(/node16 \(from ESM\)/);
      console.log(
        `@latent/${pkg}: ${files.size} files; exports ok; publint ok; attw (esm-only) ok`,
      );
    },
    60_000,
  );
});

describe('installed with npm outside the workspace', () => {
  test('(a) plain node, @latent/datasets alone: loads MNIST', async () => {
    const dir = await consumer('datasets-only', {
      '@latent/datasets': tgz('datasets'),
      '@tensorflow/tfjs-core': '4.22.0',
    });
    expect(existsSync(join(dir, 'node_modules/@latent/train'))).toBe(false);
    const out = await sh(process.execPath, ['mnist.mjs'], dir);
    expect(out).not.toMatch(/already registered/i);
    console.log(out.trim());
  }, 180_000);

  let app: string;

  test('(b) plain node: a few GAN steps with train + models + backend on wasm', async () => {
    app = await consumer('train-app', {
      '@latent/backend': tgz('backend'),
      '@latent/datasets': tgz('datasets'),
      '@latent/models': tgz('models'),
      '@latent/train': tgz('train'),
      // train's own dependency (its toy pictures), from its tarball as every @latent package is.
      '@latent/vis': tgz('vis'),
      '@latent/metrics': tgz('metrics'),
      '@tensorflow/tfjs-core': '4.22.0',
      vite: '^8.3.0',
    });
    const out = await sh(process.execPath, ['train.mjs'], app);
    expect(out).not.toMatch(/already registered/i);
    expect(out).toMatch(/train on wasm .*: 3 steps/);
    console.log(out.trim());
    // The metric classifier's weights, shipped inside @latent/metrics, load from plain node.
    const metrics = await sh(process.execPath, ['metrics.mjs'], app);
    expect(metrics).toMatch(/metrics on wasm: classifier \d+\/100 test digits right/);
    console.log(metrics.trim());
  }, 240_000);

  test('(c) a Vite page in headless Chromium: the same on wasm', async () => {
    expect(app, 'needs the project of (b)').toBeDefined();
    const web = join(app, 'web');
    await cp(join(fixtures, 'web'), web, { recursive: true });
    // The consumer's own Vite, as a user would run it.
    const vite: ViteApi = await import(
      pathToFileURL(join(app, 'node_modules/vite/dist/node/index.js')).href
    );
    const outDir = join(app, 'dist');
    const built = await vite.build({
      root: web,
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    });
    // Exactly one tfjs-core went into the bundle: every module id from it shares one folder.
    const outputs = (Array.isArray(built) ? built : [built]) as {
      output: { type: string; moduleIds?: string[] }[];
    }[];
    const cores = new Set(
      outputs
        .flatMap((o) => o.output)
        .flatMap((chunk) => (chunk.type === 'chunk' ? (chunk.moduleIds ?? []) : []))
        .map((id) => /^(.*\/node_modules\/@tensorflow\/tfjs-core)\//.exec(id)?.[1])
        .filter((x): x is string => x !== undefined),
    );
    expect([...cores]).toHaveLength(1);
    const wasmAssets = readdirSync(join(outDir, 'assets')).filter((f) => f.endsWith('.wasm'));
    expect(wasmAssets.length).toBeGreaterThan(0);

    const server = await vite.preview({
      root: web,
      logLevel: 'warn',
      build: { outDir },
      preview: { host: '127.0.0.1', port: 0, strictPort: true, open: false },
    });
    const browser = await chromium.launch({
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
    const messages: string[] = [];
    try {
      const page = await browser.newPage();
      page.on('pageerror', (e) => messages.push(`page error: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning')
          messages.push(`${m.type()}: ${m.text()}`);
      });
      await page.goto(server.resolvedUrls?.local[0] as string);
      await page.waitForFunction(
        () => (window as { result?: unknown }).result !== undefined,
        undefined,
        {
          timeout: 120_000,
        },
      );
      const result = (await page.evaluate(() => (window as { result?: unknown }).result)) as {
        error?: string;
        backend: string;
        tfjs: string;
        losses: number[];
        classifier: { probabilitySums: number[]; features: number; inceptionScore: number };
      };
      expect(result.error).toBeUndefined();
      expect(result.backend).toBe('wasm');
      expect(result.tfjs).toBe('4.22.0');
      expect(result.losses).toHaveLength(6);
      expect(result.losses.every(Number.isFinite)).toBe(true);
      // The shipped classifier loads in the page too (its checksum is checked on load).
      for (const sum of result.classifier.probabilitySums) expect(sum).toBeCloseTo(1, 4);
      expect(result.classifier.features).toBe(16 * 128);
      expect(result.classifier.inceptionScore).toBeGreaterThanOrEqual(1);
      expect(messages.filter((m) => /already registered|error/i.test(m))).toEqual([]);
      console.log(
        `vite page in chromium on ${result.backend} (tfjs ${result.tfjs}): 3 steps, losses ${result.losses
          .map((l) => l.toFixed(3))
          .join(' ')}; one tfjs-core in the bundle; ${wasmAssets.length} wasm assets`,
      );
    } finally {
      await browser.close();
      await server.close();
    }
  }, 180_000);
});
