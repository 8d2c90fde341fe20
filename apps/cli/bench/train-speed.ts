/**
 * `pnpm bench`: training speed of the 2014 paper's MLP GAN (batch 100), the
 * DCGAN at 28x28 (batch 64) and the MLP VAE (batch 100) — steps/s, images/s
 * and peak memory — on tfjs's `wasm` and `cpu` backends in Node with 1 and 2
 * data-parallel workers, and, where `python3` has `torch`, the same models in
 * PyTorch (bench/torch_speed.py) with 1 and 2 threads, with the ratios.
 * `--backends wasm,webgpu` adds webgpu rows (one device, so one worker; see
 * scripts/gpu-check.sh). On SwiftShader (a CPU emulation of a GPU) a webgpu
 * row times one step without warm-up and is marked as a correctness row.
 * Writes bench/results/<date>.json.
 *
 *   pnpm bench [--models mlp-gan,dcgan,mlp-vae] [--backends wasm,cpu] [--workers 1,2]
 *              [--steps 20] [--cpu-steps 2] [--threads 1,2] [--python /usr/bin/python3] [--no-torch]
 *
 * Every row runs in a fresh process, so its peak RSS (threads included) is its
 * own. A row times `steps` training steps after warm-up and reports the median;
 * cpu rows are short (`--cpu-steps`; a cpu DCGAN step takes a minute or more,
 * so that row times one step without warm-up). A GAN step is one discriminator
 * and one generator update (k = 1), so images/s counts the real images D sees.
 * The machine's load average is printed: other work on it slows every row.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { initBackend } from '@latent/backend';
import { loadMnist } from '@latent/datasets/node';
import { dcgan, flattenParams, mlpGan, mlpVae, type ParamTree } from '@latent/models';
import {
  type GanTrainer,
  resolveGanRunConfig,
  resolveVaeRunConfig,
  type VaeTrainer,
} from '@latent/train';
import {
  createParallelGanTrainer,
  createParallelVaeTrainer,
  replicaScriptData,
  serveReplica,
} from '@latent/train/node';

const MODELS = ['mlp-gan', 'dcgan', 'mlp-vae'] as const;
type ModelName = (typeof MODELS)[number];
const LABELS: Record<ModelName, string> = {
  'mlp-gan': 'MLP GAN 2014 (b 100)',
  dcgan: 'DCGAN 28x28 (b 64)',
  'mlp-vae': 'MLP VAE (b 100)',
};

interface Row {
  model: ModelName;
  runtime: string;
  /** Data-parallel workers (latent) or threads (PyTorch). */
  parallel: number;
  batch: number;
  params: number;
  steps: number;
  secondsPerStep: number;
  peakRssMB: number;
  blas?: string;
  /** webgpu rows: the adapter, and whether it is SwiftShader (then no speed figure). */
  adapter?: string;
  correctnessOnly?: boolean;
}

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? (args[i + 1] as string) : fallback;
};
const list = (name: string, fallback: string) => flag(name, fallback).split(',').filter(Boolean);

function trainable(...trees: ParamTree[]): number {
  return trees
    .flatMap((t) => Object.values(flattenParams(t)))
    .filter((v) => v.trainable)
    .reduce((n, v) => n + v.size, 0);
}

/** One row, in this process: the trainer the CLI runs, on the paper's data. */
async function runRow(model: ModelName, backend: string, workers: number, steps: number) {
  const { adapter } = await initBackend(backend);
  const swiftShader = adapter !== undefined && /swiftshader/i.test(adapter);
  const data = (await loadMnist()).train;
  const parallel = {
    workers,
    script: new URL(import.meta.url),
    scriptData: { backend },
  };
  let trainer: GanTrainer | VaeTrainer;
  let params: number;
  if (model === 'mlp-vae') {
    const config = resolveVaeRunConfig({ batchSize: 100 });
    trainer = createParallelVaeTrainer({ model: mlpVae(), data, config }, parallel);
    params = trainable(trainer.encoder, trainer.decoder);
  } else {
    const config =
      model === 'mlp-gan'
        ? resolveGanRunConfig({ batchSize: 100, k: 1 })
        : resolveGanRunConfig({ model: 'dcgan', batchSize: 64, k: 1, optimizer: 'adam' });
    const gan = model === 'mlp-gan' ? mlpGan() : dcgan();
    trainer = createParallelGanTrainer({ model: gan, data, config }, parallel);
    params = trainable(trainer.generator, trainer.discriminator);
  }
  const batch = model === 'dcgan' ? 64 : 100;
  // A cpu DCGAN step takes minutes: time one, without warm-up.
  const slow = (backend === 'cpu' && model === 'dcgan') || swiftShader;
  const warmup = slow ? 0 : backend === 'cpu' ? 1 : 3;
  const count = slow ? 1 : steps;
  const times: number[] = [];
  for (let i = 0; i < warmup + count; i++) {
    const t0 = performance.now();
    const { stats } = trainer.trainStep();
    await stats.data();
    stats.dispose();
    if (i >= warmup) times.push((performance.now() - t0) / 1000);
  }
  trainer.dispose();
  times.sort((a, b) => a - b);
  const row: Row = {
    model,
    runtime: backend,
    parallel: workers,
    batch,
    params,
    steps: count,
    secondsPerStep: times[Math.floor(times.length / 2)] as number,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    ...(adapter ? { adapter, correctnessOnly: swiftShader } : {}),
  };
  console.log(JSON.stringify(row));
}

/** Runs a command and returns its last stdout line as JSON, or the reason it failed. */
function jsonLine(command: string, argv: string[], env?: NodeJS.ProcessEnv): Row | string {
  const r = spawnSync(command, argv, { encoding: 'utf8', env: { ...process.env, ...env } });
  const last = r.stdout?.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(last) as Row;
  } catch {
    return `${command} ${argv.join(' ')} failed: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-3).join(' / ')}`;
  }
}

/** Debian's OpenBLAS 0.3.21 takes AVX-512 CPUs for Haswell (~32 vs ~147 GFLOP/s here); name the right kernel. */
function openBlasCoreType(): string | undefined {
  try {
    const flags = readFileSync('/proc/cpuinfo', 'utf8');
    return /\bavx512f\b/.test(flags) ? 'SKYLAKEX' : undefined;
  } catch {
    return undefined;
  }
}

function cpuName(): string {
  return cpus()[0]?.model.trim() ?? 'unknown CPU';
}

async function main() {
  const models = list('models', MODELS.join(',')) as ModelName[];
  for (const m of models)
    if (!MODELS.includes(m)) throw new Error(`--models: ${m} is not one of ${MODELS.join(', ')}`);
  const backends = list('backends', 'wasm,cpu');
  const workerCounts = list('workers', '1,2').map(Number);
  const steps = Number(flag('steps', '20'));
  const cpuSteps = Number(flag('cpu-steps', '2'));
  const threads = list('threads', '1,2').map(Number);
  const python = flag('python', '/usr/bin/python3');
  const self = fileURLToPath(import.meta.url);
  const started = new Date();
  const loadBefore = loadavg();
  console.log(
    `latent training speed: ${cpuName()}, ${cpus().length} cores; node ${process.version}; load average ${loadBefore.map((l) => l.toFixed(1)).join(' ')}`,
  );
  const rows: Row[] = [];
  const notes: string[] = [];
  const add = (r: Row | string) => {
    if (typeof r === 'string') {
      notes.push(r);
      console.log(`  ${r}`);
    } else {
      rows.push(r);
      console.log(`  ${describe(r)}`);
    }
  };
  for (const model of models) {
    for (const backend of backends) {
      // One GPU device per process: webgpu trains with one worker (replicaCount in @latent/backend).
      for (const w of backend === 'webgpu' ? [1] : workerCounts) {
        const n = backend === 'cpu' ? cpuSteps : steps;
        add(jsonLine(process.execPath, [self, '--row', `${model},${backend},${w},${n}`]));
      }
    }
  }
  const torchCheck = args.includes('--no-torch')
    ? 'skipped (--no-torch)'
    : spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (typeof torchCheck === 'string' || torchCheck.status !== 0) {
    const why = typeof torchCheck === 'string' ? torchCheck : `${python} has no torch module`;
    console.log(
      `PyTorch rows skipped: ${why} (Debian: apt-get install python3-torch libopenblas0-openmp)`,
    );
    notes.push(`PyTorch rows skipped: ${why}`);
  } else {
    const script = fileURLToPath(new URL('../../../bench/torch_speed.py', import.meta.url));
    const coreType = openBlasCoreType();
    for (const model of models)
      for (const t of threads)
        add(
          jsonLine(
            python,
            [script, '--model', model, '--threads', String(t), '--steps', String(steps)],
            coreType ? { OPENBLAS_CORETYPE: coreType } : {},
          ),
        );
    const blas = rows.find((r) => r.blas)?.blas;
    if (blas)
      console.log(`PyTorch BLAS: ${blas}${coreType ? ` (OPENBLAS_CORETYPE=${coreType})` : ''}`);
  }
  const loadAfter = loadavg();

  console.log(
    `\n${'model'.padEnd(22)} ${'runtime'.padEnd(8)} ${'par'.padStart(3)} ${'steps/s'.padStart(8)} ${'images/s'.padStart(9)} ${'s/step'.padStart(8)} ${'peak RSS'.padStart(9)}`,
  );
  for (const r of rows) console.log(tableLine(r));
  const gpu = rows.find((r) => r.adapter);
  if (gpu)
    console.log(
      `webgpu adapter: ${gpu.adapter}${gpu.correctnessOnly ? ' — a CPU emulation: webgpu* rows are correctness rows (one step, shader compilation included), not speed figures' : ''}`,
    );
  const ratios = ratioLines(rows);
  console.log(`\n${ratios.join('\n')}`);
  for (const model of models) {
    const counts = new Set(rows.filter((r) => r.model === model).map((r) => r.params));
    if (counts.size > 1)
      notes.push(`${model}: parameter counts differ between runtimes: ${[...counts].join(' vs ')}`);
  }
  for (const note of notes.filter((n) => n.includes('parameter counts'))) console.log(note);
  console.log(
    `(par = data-parallel workers for wasm/cpu, threads for torch; load average at the end ${loadAfter.map((l) => l.toFixed(1)).join(' ')})`,
  );

  const dir = fileURLToPath(new URL('../../../bench/results/', import.meta.url));
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  const file = `${dir}${started.toISOString().slice(0, 10)}.json`;
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        date: started.toISOString(),
        machine: { cpu: cpuName(), cores: cpus().length, node: process.version },
        loadAverage: { before: loadBefore, after: loadAfter },
        rows,
        ratios,
        notes,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`wrote ${file}`);
}

function describe(r: Row): string {
  return `${r.model} ${r.runtime} x${r.parallel}: ${(1 / r.secondsPerStep).toFixed(3)} steps/s, ${r.peakRssMB.toFixed(0)} MB, ${r.params} parameters`;
}

function tableLine(r: Row): string {
  const rate = 1 / r.secondsPerStep;
  const runtime = r.correctnessOnly ? `${r.runtime}*` : r.runtime;
  return `${LABELS[r.model].padEnd(22)} ${runtime.padEnd(8)} ${String(r.parallel).padStart(3)} ${rate.toFixed(rate < 1 ? 3 : 2).padStart(8)} ${(rate * r.batch).toFixed(0).padStart(9)} ${r.secondsPerStep.toFixed(3).padStart(8)} ${`${r.peakRssMB.toFixed(0)} MB`.padStart(9)}`;
}

function ratioLines(rows: Row[]): string[] {
  const out: string[] = [];
  const find = (model: string, runtime: string, parallel: number) =>
    rows.find((r) => r.model === model && r.runtime === runtime && r.parallel === parallel);
  for (const model of MODELS) {
    const parts: string[] = [];
    const w1 = find(model, 'wasm', 1);
    const w2 = find(model, 'wasm', 2);
    const c1 = find(model, 'cpu', 1);
    const t1 = find(model, 'torch', 1);
    const t2 = find(model, 'torch', 2);
    const g1 = find(model, 'webgpu', 1);
    const x = (a: Row, b: Row) => (b.secondsPerStep / a.secondsPerStep).toFixed(2);
    if (w1 && c1) parts.push(`wasm/cpu ${x(w1, c1)}x`);
    if (w1 && w2) parts.push(`2 workers/1 ${x(w2, w1)}x`);
    if (w1 && t1) parts.push(`torch 1 thread/wasm 1 worker ${x(t1, w1)}x`);
    if (w2 && t2) parts.push(`torch 2 threads/wasm 2 workers ${x(t2, w2)}x`);
    const star = g1?.correctnessOnly ? '*' : '';
    if (g1 && w1) parts.push(`webgpu${star}/wasm 1 worker ${x(g1, w1)}x`);
    if (g1 && t1) parts.push(`webgpu${star}/torch 1 thread ${x(g1, t1)}x`);
    if (g1 && t2) parts.push(`webgpu${star}/torch 2 threads ${x(g1, t2)}x`);
    if (parts.length > 0) out.push(`${LABELS[model as ModelName]}: ${parts.join(', ')}`);
  }
  return out;
}

if (!isMainThread) {
  // A data-parallel row's worker replica.
  await initBackend(replicaScriptData<{ backend: string }>().backend);
  serveReplica();
} else if (args[0] === '--row') {
  const [model, backend, workers, steps] = (args[1] ?? '').split(',');
  await runRow(model as ModelName, backend as string, Number(workers), Number(steps));
} else {
  await main();
}
