// The safetensors export against its real consumer: PyTorch (Debian's
// python3-torch) loads each file into the module of python/latent_models.py
// and must compute latent's outputs.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '@latent/backend';
import { disposeParams, loadParams, type ParamTree } from '@latent/models';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCases, type Case, latentOutputs, maxAbsDiff } from './cases.test-util.js';
import { exportGraph } from './export.js';
import { importSafetensors } from './import.js';
import { initNetworks, zooModel } from './zoo.js';

const PYTHON = '/usr/bin/python3';
const script = fileURLToPath(new URL('../python/check_export.py', import.meta.url));
const probe = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
const hasTorch = probe.status === 0;
if (!hasTorch) {
  console.warn(
    `\n*** SKIPPING the PyTorch round trips: ${PYTHON} cannot import torch and numpy (${(probe.stderr || String(probe.error)).trim().split('\n').at(-1)}).\n*** Install Debian's python3-torch (scripts/setup.sh does) to run them.\n`,
  );
}

/** Writes each case's safetensors, inputs and latent's outputs for the python side. */
export async function writeCases(cases: Case[], dir: string): Promise<void> {
  const list = [];
  for (const [i, c] of cases.entries()) {
    const id = `case${i}`;
    const [file] = exportGraph(c.graph, 'safetensors');
    await writeFile(join(dir, `${id}.safetensors`), (file as { bytes: Uint8Array }).bytes);
    await writeFile(join(dir, `${id}.input.bin`), c.input.data);
    for (const [name, data] of Object.entries(c.expected))
      await writeFile(join(dir, `${id}.${name}.bin`), data);
    list.push({
      id,
      label: c.label,
      inputShape: c.input.shape,
      labels: c.labels ? [...c.labels] : undefined,
      outputs: c.graph.outputs.map((o) => o.name),
    });
  }
  await writeFile(join(dir, 'cases.json'), JSON.stringify(list));
}

describe.skipIf(!hasTorch)('safetensors in PyTorch', () => {
  let cases: Case[];
  let dir: string;
  beforeAll(async () => {
    await initBackend('cpu');
    cases = await buildCases();
    dir = await mkdtemp(join(tmpdir(), 'latent-torch-'));
    await writeCases(cases, dir);
  }, 300_000);

  it('every zoo model and part loads into its module and computes latent outputs', async () => {
    const run = spawnSync(PYTHON, [script, dir], {
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: '1' },
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout) as Record<string, { diff: Record<string, number> }>;
    expect(Object.keys(report)).toEqual(cases.map((c) => c.label));
    for (const [label, { diff }] of Object.entries(report))
      for (const [name, d] of Object.entries(diff))
        expect(d, `${label} ${name}`).toBeLessThanOrEqual(1e-4);
    expect(await readFile(join(dir, 'cases.json'), 'utf8')).toContain('generator');
  }, 300_000);

  it('weights changed under PyTorch come back through import: latent then computes what PyTorch does', async () => {
    const run = spawnSync(PYTHON, [script, dir, '--perturb'], {
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: '1' },
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    for (const [i, c] of cases.entries()) {
      const source = join(dir, `case${i}.trained.safetensors`);
      const checkpoint = await importSafetensors(
        [{ bytes: new Uint8Array(await readFile(source)), source }],
        { model: c.graph.model },
      );
      expect(checkpoint.manifest.model).toEqual({ name: c.graph.model, config: c.graph.config });
      const zoo = zooModel(c.graph.model, checkpoint.manifest.model.config, source);
      const trees = initNetworks(zoo, 5);
      const tree = trees[c.graph.part] as ParamTree;
      loadParams(
        tree,
        { specs: checkpoint.manifest.weights.specs, data: checkpoint.weights },
        c.graph.part,
      );
      const got = await latentOutputs(zoo, c.graph.part, tree, c.input, c.labels);
      for (const t of Object.values(trees)) disposeParams(t);
      for (const name of Object.keys(c.expected)) {
        const torch = new Float32Array(
          (await readFile(join(dir, `case${i}.trained.${name}.bin`))).buffer.slice(0),
        );
        const want = c.expected[name] as Float32Array;
        // The change must show, and latent must follow it.
        expect(maxAbsDiff(torch, want), `${c.label} ${name} changed`).toBeGreaterThan(1e-4);
        const diff = maxAbsDiff(got[name] as Float32Array, torch);
        expect(diff, `${c.label} ${name}`).toBeLessThanOrEqual(1e-4);
      }
    }
  }, 300_000);
});
