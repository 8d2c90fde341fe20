/**
 * `pnpm bench`: training speed of the 2014 paper's MLP GAN (batch 100), the
 * DCGAN at 28x28 (batch 64) and the MLP VAE (batch 100) — steps/s, images/s
 * and peak memory — on tfjs's `wasm` and `cpu` backends in Node with 1 and 2
 * data-parallel workers, and, where `python3` has `torch`, the same models in
 * PyTorch (bench/torch_speed.py) with 1 and 2 threads, with the ratios; and a
 * matmul micro-benchmark row (1024 x 1024 x 1024 float32, GFLOP/s): latent's
 * wasm GEMM, tfjs's XNNPACK and PyTorch with one thread.
 * `--backends wasm,webgpu` adds webgpu rows (one device, so one worker; see
 * scripts/gpu-check.sh). On SwiftShader (a CPU emulation of a GPU) a webgpu
 * row times one step without warm-up and is marked as a correctness row.
 * Writes bench/results/<date>.json.
 *
 *   pnpm bench [--models mlp-gan,dcgan,mlp-vae] [--backends wasm,cpu] [--workers 1,2]
 *              [--steps 20] [--cpu-steps 2] [--threads 1,2] [--python /usr/bin/python3] [--no-torch]
 *              [--openblas-coretype SKYLAKEX] [--no-matmul] [--rounds 1] [--ceiling]
 *   pnpm bench --profile mlp-gan|dcgan|mlp-vae [--steps 10]   (time per wasm kernel)
 *
 * PyTorch runs with its BLAS set up as a tuned user would: Debian's
 * OpenBLAS-openmp (libopenblas0-openmp) library folder first on
 * LD_LIBRARY_PATH where it is installed (torch's threads are OpenMP threads,
 * so a pthread OpenBLAS under them oversubscribes), OMP_NUM_THREADS and
 * OPENBLAS_NUM_THREADS equal to the row's threads, and OPENBLAS_CORETYPE
 * SKYLAKEX on AVX-512 CPUs (Debian's OpenBLAS 0.3.21 takes them for Haswell);
 * the library, kernel and thread settings each row ran with are printed. A
 * reference whose 2-thread row is slower than its 1-thread row is flagged and
 * its 2-thread ratio not published.
 *
 * Every row runs in a fresh process, so its peak RSS (threads included) is its
 * own. A row times `steps` training steps after warm-up and reports the median;
 * cpu rows are short (`--cpu-steps`; a cpu DCGAN step takes a minute or more,
 * so that row times one step without warm-up). A GAN step is one discriminator
 * and one generator update (k = 1), so images/s counts the real images D sees.
 * The machine's load average is printed: other work on it slows every row.
 *
 * A virtual machine's speed swings by a fifth within minutes, so a ratio of
 * two rows is only as good as their closeness in time. Rows that are compared
 * run back to back (per model: wasm x1, PyTorch 1 thread, wasm x2, PyTorch 2
 * threads), and `--rounds n` repeats the whole sequence n times and reports
 * each ratio's median over the rounds beside every round's value.
 * `--ceiling` adds, per model, two one-worker wasm runs started together in
 * separate processes: what the machine gives two independent jobs, the most
 * any two-worker scheme could reach ("2 workers / 2 separate runs").
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { initBackend, useLatentWasmGemm } from '@latent/backend';
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
import * as tf from '@tensorflow/tfjs-core';

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
  /** PyTorch rows: what bench/torch_speed.py reports of its BLAS. */
  blas?: Record<string, unknown>;
  /** The matmul row: which GEMM ran, and its fastest step (interference only slows a product down). */
  gemm?: string;
  bestSecondsPerStep?: number;
  /** webgpu rows: the adapter, and whether it is SwiftShader (then no speed figure). */
  adapter?: string;
  correctnessOnly?: boolean;
  /** Which repetition of the sequence (`--rounds`), from 1. */
  round?: number;
  /** The `--ceiling` row: two one-worker processes at once; secondsPerStep is 1 / their summed rates. */
  separateRuns?: number;
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

/** The trainer the CLI runs, on the paper's data, with its batch and trainable parameter count. */
async function makeTrainer(model: ModelName, backend: string, workers: number) {
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
  return { trainer, params, batch: model === 'dcgan' ? 64 : 100 };
}

/**
 * Untimed steps before a wasm row's timed ones. V8 compiles each replica's
 * JavaScript and wasm in tiers, and each wasm heap grows to its working size
 * in the first steps: the paper's GAN on two workers took 1.1 s, then 85–205
 * ms a step for ten steps, then settled at 70–85 ms; the MLP VAE on one
 * worker timed 19.7 ms a step (median) after 5 warm-up steps and 14.3 ms
 * after 300. Fewer steps time start-up, not training (a run takes thousands).
 */
const WASM_WARMUP_STEPS = 50;

/** One row, in this process. */
async function runRow(model: ModelName, backend: string, workers: number, steps: number) {
  const { adapter } = await initBackend(backend);
  const swiftShader = adapter !== undefined && /swiftshader/i.test(adapter);
  const { trainer, params, batch } = await makeTrainer(model, backend, workers);
  // A cpu DCGAN step takes minutes, a SwiftShader step seconds: time one, without warm-up.
  const slow = (backend === 'cpu' && model === 'dcgan') || swiftShader;
  const warmup = slow ? 0 : backend === 'cpu' ? 1 : WASM_WARMUP_STEPS;
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

/**
 * `pnpm bench --profile <model>`: where one wasm worker's training step goes,
 * kernel by kernel (tf.profile times each kernel; wasm kernels are
 * synchronous, so the times are the kernels' own), after warm-up.
 */
async function profileSteps(model: ModelName, steps: number) {
  await initBackend('wasm');
  const { trainer } = await makeTrainer(model, 'wasm', 1);
  const step = () => {
    const { stats } = trainer.trainStep();
    stats.dataSync();
    stats.dispose();
  };
  // V8 tiers each wasm module and the step's JavaScript up over the first
  // dozens of steps: after 5 the VAE's step averaged 25 ms and its kernels
  // left "8.7 ms outside kernels"; after 30, 16.9 ms and 1.4 ms.
  for (let i = 0; i < 30; i++) step();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  const wall = (performance.now() - t0) / steps;
  const profile = await tf.profile(() => {
    for (let i = 0; i < steps; i++) step();
  });
  const byKernel = new Map<string, { ms: number; calls: number }>();
  for (const k of profile.kernels) {
    if (process.env.LATENT_PROFILE_SHAPES === k.name)
      console.log(
        `${k.name} ${JSON.stringify(k.inputShapes)} ${(k.kernelTimeMs as number).toFixed(2)} ms`,
      );
    const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    entry.ms += (k.kernelTimeMs as number) / steps;
    entry.calls += 1 / steps;
    byKernel.set(k.name, entry);
  }
  const sorted = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const total = sorted.reduce((t, [, e]) => t + e.ms, 0);
  const products = sorted
    .filter(
      ([name]) => name === 'BatchMatMul' || name === '_FusedMatMul' || name.startsWith('Conv'),
    )
    .reduce((t, [, e]) => t + e.ms, 0);
  console.log(`${LABELS[model]} on wasm, one worker: ${wall.toFixed(1)} ms a step (untimed run)`);
  console.log(
    `${'kernel'.padEnd(24)} ${'ms/step'.padStart(8)} ${'calls'.padStart(6)} ${'share'.padStart(6)}`,
  );
  for (const [name, e] of sorted)
    console.log(
      `${name.padEnd(24)} ${e.ms.toFixed(2).padStart(8)} ${e.calls.toFixed(0).padStart(6)} ${`${((100 * e.ms) / total).toFixed(1)}%`.padStart(6)}`,
    );
  console.log(
    `kernels ${total.toFixed(1)} ms a step, of which products (matmul, conv) ${products.toFixed(1)} ms; outside kernels (JS, tape, optimizer bookkeeping) ~${Math.max(0, wall - total).toFixed(1)} ms`,
  );
  trainer.dispose();
}

const MATMUL_N = 1024;

/** The matmul micro-benchmark row, in this process: one n x n x n product on wasm with the chosen GEMM. */
async function runMatmulRow(gemm: 'latent' | 'xnnpack', steps: number) {
  useLatentWasmGemm(gemm === 'latent');
  const info = await initBackend('wasm');
  const a = tf.randomUniform([MATMUL_N, MATMUL_N], -1, 1, 'float32', 1);
  const b = tf.randomUniform([MATMUL_N, MATMUL_N], -1, 1, 'float32', 2);
  const times: number[] = [];
  // Warm-up long enough for V8 to tier the GEMM up from its baseline compiler.
  // A wasm kernel runs synchronously, so the product is done when matMul
  // returns; reading it back (dataSync) would time a fresh 4 MB JavaScript
  // array's page faults too (~10 ms here), which PyTorch's row, multiplying
  // into a preallocated output, does not pay.
  for (let i = 0; i < 10 + steps; i++) {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    c.dispose();
    if (i >= 10) times.push((performance.now() - t0) / 1000);
  }
  times.sort((x, y) => x - y);
  const row: Row = {
    model: 'matmul' as ModelName,
    runtime: 'wasm',
    parallel: 1,
    batch: MATMUL_N,
    params: 0,
    steps,
    secondsPerStep: times[Math.floor(times.length / 2)] as number,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    gemm: info.gemm ?? gemm,
    bestSecondsPerStep: times[0] as number,
  };
  console.log(JSON.stringify(row));
}

const gflops = (r: Row, seconds = r.secondsPerStep) => (2 * r.batch ** 3) / seconds / 1e9;

/** Runs a command and resolves to its last stdout line as JSON, or the reason it failed. */
function jsonLine(command: string, argv: string[], env?: NodeJS.ProcessEnv): Promise<Row | string> {
  return new Promise((resolve) => {
    const child = spawn(command, argv, { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const fail = (why: string) =>
      resolve(
        `${command} ${argv.join(' ')} failed: ${why.trim().split('\n').slice(-3).join(' / ')}`,
      );
    child.on('error', (e) => fail(e.message));
    child.on('close', () => {
      try {
        resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Row);
      } catch {
        fail(stderr);
      }
    });
  });
}

/**
 * Debian's OpenBLAS 0.3.21 takes AVX-512 CPUs for Haswell (1024^3 sgemm,
 * one thread, here: 95 vs 131 GFLOP/s with SKYLAKEX); name the right kernel.
 * `--openblas-coretype` overrides; without AVX-512 the environment's setting
 * (or OpenBLAS's own detection) stands.
 */
function openBlasCoreType(): string | undefined {
  const chosen = flag('openblas-coretype', '');
  if (chosen) return chosen;
  try {
    const flags = readFileSync('/proc/cpuinfo', 'utf8');
    return /\bavx512f\b/.test(flags) ? 'SKYLAKEX' : process.env.OPENBLAS_CORETYPE;
  } catch {
    return process.env.OPENBLAS_CORETYPE;
  }
}

/** Debian's libopenblas0-openmp library folder, where installed. */
function openBlasOpenmpDir(): string | undefined {
  for (const dir of ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib']) {
    const lib = `${dir}/openblas-openmp`;
    if (existsSync(`${lib}/libblas.so.3`)) return lib;
  }
  return undefined;
}

/** The environment of a PyTorch row with `threads` threads: the BLAS set up as a tuned user would. */
function torchEnv(threads: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    OMP_NUM_THREADS: String(threads),
    OPENBLAS_NUM_THREADS: String(threads),
  };
  const openmp = openBlasOpenmpDir();
  if (openmp) env.LD_LIBRARY_PATH = [openmp, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  const coreType = openBlasCoreType();
  if (coreType) env.OPENBLAS_CORETYPE = coreType;
  return env;
}

function describeBlas(r: Row): string {
  const b = r.blas ?? {};
  const parts = [
    `${b.library}`,
    b.kernel ? `kernel ${b.kernel}` : '',
    b.threading ? `${b.threading} threading` : '',
    b.blasThreads !== undefined ? `${b.blasThreads} BLAS thread(s)` : '',
    `torch threads ${b.torchThreads}`,
    b.OPENBLAS_CORETYPE ? `OPENBLAS_CORETYPE=${b.OPENBLAS_CORETYPE}` : '',
    b.OMP_NUM_THREADS ? `OMP_NUM_THREADS=${b.OMP_NUM_THREADS}` : '',
  ];
  return parts.filter(Boolean).join(', ');
}

function cpuName(): string {
  return cpus()[0]?.model.trim() ?? 'unknown CPU';
}

interface Plan {
  models: ModelName[];
  backends: string[];
  workerCounts: number[];
  steps: number;
  cpuSteps: number;
  threads: number[];
  python: string;
  /** Whether `python` has torch: PyTorch rows run. */
  torch: boolean;
  matmul: boolean;
  ceiling: boolean;
}

const SELF = fileURLToPath(import.meta.url);
const TORCH_SCRIPT = fileURLToPath(new URL('../../../bench/torch_speed.py', import.meta.url));

const nodeRow = (argv: string[]) => jsonLine(process.execPath, [SELF, ...argv]);

function torchRow(plan: Plan, model: string, threads: number) {
  const argv = ['--model', model, '--threads', String(threads), '--steps', String(plan.steps)];
  return jsonLine(plan.python, [TORCH_SCRIPT, ...argv], torchEnv(threads));
}

/** `--ceiling`: two one-worker wasm runs started together, as one row of their summed rates. */
async function separateRuns(model: ModelName, steps: number): Promise<Row | string> {
  const runs = await Promise.all([0, 1].map(() => nodeRow(['--row', `${model},wasm,1,${steps}`])));
  const failed = runs.find((r) => typeof r === 'string');
  if (failed !== undefined) return failed;
  const [a, b] = runs as [Row, Row];
  return {
    ...a,
    parallel: 2,
    secondsPerStep: 1 / (1 / a.secondsPerStep + 1 / b.secondsPerStep),
    peakRssMB: Math.max(a.peakRssMB, b.peakRssMB),
    separateRuns: 2,
  };
}

/**
 * One round: the matmul rows, then per model its rows with each pair that is
 * compared back to back — wasm x1 then PyTorch 1 thread, wasm x2 then
 * PyTorch 2 threads — so that a ratio spans seconds of the host, not minutes.
 */
async function runRound(plan: Plan, add: (r: Row | string) => void) {
  if (plan.matmul) {
    for (const gemm of ['latent', 'xnnpack'])
      add(await nodeRow(['--matmul', `${gemm},${Math.max(plan.steps, 10)}`]));
    if (plan.torch) add(await torchRow(plan, 'matmul', 1));
  }
  for (const model of plan.models) {
    const torchLeft = new Set(plan.torch ? plan.threads : []);
    for (const backend of plan.backends) {
      // One GPU device per process: webgpu trains with one worker (replicaCount in @latent/backend).
      for (const w of backend === 'webgpu' ? [1] : plan.workerCounts) {
        const n = backend === 'cpu' ? plan.cpuSteps : plan.steps;
        add(await nodeRow(['--row', `${model},${backend},${w},${n}`]));
        if (backend === 'wasm' && torchLeft.delete(w)) add(await torchRow(plan, model, w));
      }
    }
    for (const t of torchLeft) add(await torchRow(plan, model, t));
    if (plan.ceiling && plan.backends.includes('wasm')) add(await separateRuns(model, plan.steps));
  }
}

/** Whether PyTorch rows can run; prints and notes why not, or how its BLAS is set up. */
function checkTorch(python: string, notes: string[]): boolean {
  const torchCheck = args.includes('--no-torch')
    ? 'skipped (--no-torch)'
    : spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (typeof torchCheck === 'string' || torchCheck.status !== 0) {
    const why = typeof torchCheck === 'string' ? torchCheck : `${python} has no torch module`;
    console.log(
      `PyTorch rows skipped: ${why} (Debian: apt-get install python3-torch libopenblas0-openmp)`,
    );
    notes.push(`PyTorch rows skipped: ${why}`);
    return false;
  }
  if (!openBlasOpenmpDir())
    notes.push(
      'PyTorch: no OpenBLAS-openmp found (Debian: apt-get install libopenblas0-openmp); its threads may oversubscribe',
    );
  if (process.env.OPENBLAS_CORETYPE && process.env.OPENBLAS_CORETYPE !== openBlasCoreType())
    console.log(
      `PyTorch: OPENBLAS_CORETYPE=${openBlasCoreType()} for its rows (this environment has ${process.env.OPENBLAS_CORETYPE})`,
    );
  return true;
}

async function main() {
  const models = list('models', MODELS.join(',')) as ModelName[];
  for (const m of models)
    if (!MODELS.includes(m)) throw new Error(`--models: ${m} is not one of ${MODELS.join(', ')}`);
  const rounds = Number(flag('rounds', '1'));
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error(`--rounds: ${flag('rounds', '')} is not a whole number of at least 1`);
  const python = flag('python', '/usr/bin/python3');
  const started = new Date();
  const loadBefore = loadavg();
  console.log(
    `latent training speed: ${cpuName()}, ${cpus().length} cores; node ${process.version}; load average ${loadBefore.map((l) => l.toFixed(1)).join(' ')}`,
  );
  const rows: Row[] = [];
  const notes: string[] = [];
  const plan: Plan = {
    models,
    backends: list('backends', 'wasm,cpu'),
    workerCounts: list('workers', '1,2').map(Number),
    steps: Number(flag('steps', '20')),
    cpuSteps: Number(flag('cpu-steps', '2')),
    threads: list('threads', '1,2').map(Number),
    python,
    torch: checkTorch(python, notes),
    matmul: !args.includes('--no-matmul'),
    ceiling: args.includes('--ceiling'),
  };
  for (let round = 1; round <= rounds; round++) {
    if (rounds > 1) console.log(`round ${round} of ${rounds}`);
    await runRound(plan, (r) => {
      if (typeof r === 'string') {
        notes.push(rounds > 1 ? `round ${round}: ${r}` : r);
        console.log(`  ${r}`);
      } else {
        if (rounds > 1) r.round = round;
        rows.push(r);
        console.log(`  ${describe(r)}`);
      }
    });
  }
  const blasShown = new Set<string>();
  for (const r of rows.filter((r) => r.blas)) {
    const line = `PyTorch BLAS, ${r.model} x${r.parallel}: ${describeBlas(r)}`;
    if (!blasShown.has(line)) console.log(line);
    blasShown.add(line);
  }
  const loadAfter = loadavg();

  console.log(
    `\n${(rounds > 1 ? 'r' : '').padStart(2)} ${'model'.padEnd(22)} ${'runtime'.padEnd(8)} ${'par'.padStart(3)} ${'steps/s'.padStart(8)} ${'images/s'.padStart(9)} ${'s/step'.padStart(8)} ${'peak RSS'.padStart(9)}`,
  );
  for (const r of rows.filter((r) => r.model !== ('matmul' as ModelName)))
    console.log(tableLine(r));
  const matmul = matmulLines(rows);
  if (matmul.length > 0) console.log(`\n${matmul.join('\n')}`);
  const gpu = rows.find((r) => r.adapter);
  if (gpu)
    console.log(
      `webgpu adapter: ${gpu.adapter}${gpu.correctnessOnly ? ' — a CPU emulation: webgpu* rows are correctness rows (one step, shader compilation included), not speed figures' : ''}`,
    );
  const ratios = ratioLines(rows, rounds, notes);
  console.log(`\n${ratios.join('\n')}`);
  for (const model of models) {
    const counts = new Set(rows.filter((r) => r.model === model).map((r) => r.params));
    if (counts.size > 1)
      notes.push(`${model}: parameter counts differ between runtimes: ${[...counts].join(' vs ')}`);
  }
  for (const note of notes.filter((n) => n.includes('parameter counts'))) console.log(note);
  console.log(
    `(par = data-parallel workers for wasm/cpu, threads for torch, 1+1 two one-worker runs at once; load average at the end ${loadAfter.map((l) => l.toFixed(1)).join(' ')})`,
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
        rounds,
        rows,
        matmul,
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
  if (r.model === ('matmul' as ModelName))
    return `matmul ${r.batch}^3 ${r.runtime}${r.gemm ? ` (${r.gemm})` : ''}: ${gflops(r).toFixed(1)} GFLOP/s`;
  const parallel = r.separateRuns ? '1+1 (two separate one-worker runs at once)' : r.parallel;
  return `${r.model} ${r.runtime} x${parallel}: ${(1 / r.secondsPerStep).toFixed(3)} steps/s, ${r.peakRssMB.toFixed(0)} MB, ${r.params} parameters`;
}

function tableLine(r: Row): string {
  const rate = 1 / r.secondsPerStep;
  const runtime = r.correctnessOnly ? `${r.runtime}*` : r.runtime;
  const parallel = r.separateRuns ? '1+1' : String(r.parallel);
  return (
    `${r.round ?? ''}`.padStart(2) +
    ` ${LABELS[r.model].padEnd(22)} ${runtime.padEnd(8)} ${parallel.padStart(3)} ${rate.toFixed(rate < 1 ? 3 : 2).padStart(8)} ${(rate * r.batch).toFixed(0).padStart(9)} ${r.secondsPerStep.toFixed(3).padStart(8)} ${`${r.peakRssMB.toFixed(0)} MB`.padStart(9)}`
  );
}

/** The matmul micro-benchmark: GFLOP/s per GEMM, one core each. */
function matmulLines(rows: Row[]): string[] {
  return rows
    .filter((r) => r.model === ('matmul' as ModelName))
    .map(
      (r) =>
        `matmul ${r.batch}x${r.batch}x${r.batch} float32, one core, ${r.runtime === 'torch' ? 'PyTorch' : `wasm ${r.gemm}`}: ${gflops(r).toFixed(1)} GFLOP/s median${r.bestSecondsPerStep ? `, ${gflops(r, r.bestSecondsPerStep).toFixed(1)} best` : ''}`,
    );
}

interface Ratio {
  model: ModelName;
  name: string;
  /** us / them in steps/s; absent where the reference was flagged. */
  value?: number;
  flagged?: string;
}

/**
 * One round's ratios, ours against the others as "us / them" in steps/s (the
 * issue's 0.4x targets read this way). A PyTorch whose 2-thread row is slower
 * than its 1-thread row is misconfigured or was starved by other work: that
 * ratio is flagged, not published.
 */
function roundRatios(rows: Row[]): Ratio[] {
  const out: Ratio[] = [];
  const find = (model: string, runtime: string, parallel: number, separate = false) =>
    rows.find(
      (r) =>
        r.model === model &&
        r.runtime === runtime &&
        r.parallel === parallel &&
        (r.separateRuns !== undefined) === separate,
    );
  for (const model of MODELS) {
    const add = (name: string, a: Row | undefined, b: Row | undefined) => {
      if (a && b) out.push({ model, name, value: b.secondsPerStep / a.secondsPerStep });
    };
    const w1 = find(model, 'wasm', 1);
    const w2 = find(model, 'wasm', 2);
    const t1 = find(model, 'torch', 1);
    const t2 = find(model, 'torch', 2);
    const pair = find(model, 'wasm', 2, true);
    add('wasm/cpu', w1, find(model, 'cpu', 1));
    add('2 workers/1', w2, w1);
    add('2 separate runs/1', pair, w1);
    add('2 workers / 2 separate runs', w2, pair);
    add('wasm x1 / torch 1 thread', w1, t1);
    if (t1 && t2 && t2.secondsPerStep > t1.secondsPerStep)
      out.push({
        model,
        name: 'wasm x2 / torch 2 threads',
        flagged: `${LABELS[model]}: PyTorch's 2-thread row (${(1 / t2.secondsPerStep).toFixed(2)} steps/s) is slower than its 1-thread row (${(1 / t1.secondsPerStep).toFixed(2)}): oversubscribed or starved reference, 2-thread ratio not published`,
      });
    else add('wasm x2 / torch 2 threads', w2, t2);
    const g1 = find(model, 'webgpu', 1);
    const star = g1?.correctnessOnly ? '*' : '';
    add(`webgpu${star} / wasm x1`, g1, w1);
    add(`webgpu${star} / torch 1 thread`, g1, t1);
    add(`webgpu${star} / torch 2 threads`, g1, t2);
  }
  return out;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length / 2;
  return s.length % 2
    ? (s[Math.floor(mid)] as number)
    : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/** Each ratio of each model: its value, or over several rounds its median and every round's value. */
function ratioLines(rows: Row[], rounds: number, notes: string[]): string[] {
  const perRound = Array.from({ length: rounds }, (_, i) =>
    roundRatios(rounds > 1 ? rows.filter((r) => r.round === i + 1) : rows),
  );
  const out: string[] = [];
  perRound.forEach((ratios, i) => {
    for (const r of ratios.filter((r) => r.flagged)) {
      const flagged = rounds > 1 ? `round ${i + 1}: ${r.flagged}` : (r.flagged as string);
      notes.push(flagged);
      out.push(flagged);
    }
  });
  for (const model of MODELS) {
    const names = [
      ...new Set(perRound.flatMap((rs) => rs.filter((r) => r.model === model).map((r) => r.name))),
    ];
    const parts = names.map((name) => {
      const each = perRound.map((rs) => rs.find((r) => r.model === model && r.name === name));
      const values = each.flatMap((r) => (r?.value === undefined ? [] : [r.value]));
      if (values.length === 0) return `${name}: not published (see note)`;
      if (rounds === 1) return `${name} ${values[0]?.toFixed(2)}x`;
      const shown = each.map((r) =>
        r?.value === undefined ? (r ? 'flagged' : '-') : r.value.toFixed(2),
      );
      return `${name} ${median(values).toFixed(2)}x (rounds ${shown.join(', ')})`;
    });
    if (parts.length > 0) out.push(`${LABELS[model]}: ${parts.join(', ')}`);
  }
  return out;
}

if (!isMainThread) {
  // A data-parallel row's worker replica.
  await initBackend(replicaScriptData<{ backend: string }>().backend);
  serveReplica();
} else if (args[0] === '--profile') {
  await profileSteps((args[1] ?? 'mlp-gan') as ModelName, Number(flag('steps', '10')));
} else if (args[0] === '--matmul') {
  const [gemm, steps] = (args[1] ?? '').split(',');
  await runMatmulRow(gemm as 'latent' | 'xnnpack', Number(steps));
} else if (args[0] === '--row') {
  const [model, backend, workers, steps] = (args[1] ?? '').split(',');
  await runRow(model as ModelName, backend as string, Number(workers), Number(steps));
} else {
  await main();
}
