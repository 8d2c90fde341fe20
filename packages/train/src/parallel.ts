// Data-parallel training over worker threads: this thread is replica 0 (it
// reports, samples and checkpoints), each worker thread holds another replica
// with its own tfjs backend. Gradients are summed through one
// SharedArrayBuffer before every update (each discriminator update and each
// generator update of Algorithm 1), so every replica applies the same update.
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { DataSet } from '@latent/datasets';
import { flattenParams, type ParamTree } from '@latent/models';
import type { Checkpoint } from './checkpoint.js';
import type { GanRunConfig, VaeRunConfig } from './config.js';
import { GanTrainer, type GanTrainerOptions } from './gan-trainer.js';
import { ganEntry, vaeEntry } from './registry.js';
import type { ResolvedRun } from './run.js';
import type { Shard } from './shard.js';
import { VaeTrainer, type VaeTrainerOptions } from './vae-trainer.js';

/** Int32 words before the float slots: arrivals, barrier generation, failure flag, replicas ready. */
const CONTROL_BYTES = 16;
const ARRIVED = 0;
const GENERATION = 1;
const FAILED = 2;
const READY = 3;
/**
 * Replica 0 blocks its thread at a barrier, so it cannot hear a worker that
 * died before it could raise the failure flag (say, while loading its
 * script); it gives up once workers have not all started after STARTUP_MS, or
 * a barrier has waited BARRIER_MS (a cpu-backend DCGAN step takes minutes).
 */
const STARTUP_MS = 120_000;
const BARRIER_MS = 1_800_000;

/**
 * `Shard.allReduce` over shared memory: every replica writes its values into
 * its own slot; after a barrier, replica r sums the r-th chunk of all slots (in
 * rank order) into a result region; after a second barrier every replica
 * reads the whole result. Each element is summed once, by one replica, so all
 * replicas see bitwise the same sums.
 */
export class SharedMemoryShard implements Shard {
  private readonly control: Int32Array;
  private readonly slots: Float32Array[];
  private readonly result: Float32Array;

  /** A buffer for `count` replicas exchanging up to `capacity` floats. */
  static allocate(count: number, capacity: number): SharedArrayBuffer {
    return new SharedArrayBuffer(CONTROL_BYTES + 4 * capacity * (count + 1));
  }

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly rank: number,
    readonly count: number,
  ) {
    const capacity = (buffer.byteLength - CONTROL_BYTES) / 4 / (count + 1);
    this.control = new Int32Array(buffer, 0, CONTROL_BYTES / 4);
    const region = (i: number) =>
      new Float32Array(buffer, CONTROL_BYTES + 4 * capacity * i, capacity);
    this.slots = Array.from({ length: count }, (_, i) => region(i));
    this.result = region(count);
  }

  contribution(size: number): Float32Array {
    if (size > this.result.length)
      throw new Error(`allReduce: ${size} values exceed the shared buffer's ${this.result.length}`);
    return (this.slots[this.rank] as Float32Array).subarray(0, size);
  }

  allReduce(size: number): Float32Array {
    this.barrier();
    const chunk = Math.ceil(size / this.count);
    const lo = Math.min(size, this.rank * chunk);
    const hi = Math.min(size, lo + chunk);
    const out = this.result;
    const first = this.slots[0] as Float32Array;
    if (this.count === 1) out.set(first.subarray(lo, hi), lo);
    else {
      // The first two slots in one pass (not a copy, then a sum over the
      // copy): the G of the paper's GAN sums 1.25 M values a replica in
      // half the time; the sums are the same, added in the same order.
      const second = this.slots[1] as Float32Array;
      for (let i = lo; i < hi; i++) out[i] = (first[i] as number) + (second[i] as number);
    }
    for (let r = 2; r < this.count; r++) {
      const slot = this.slots[r] as Float32Array;
      for (let i = lo; i < hi; i++) out[i] = (out[i] as number) + (slot[i] as number);
    }
    this.barrier();
    return out.subarray(0, size);
  }

  /** Called by each worker replica once it is built and listening. */
  ready(): void {
    Atomics.add(this.control, READY, 1);
  }

  /** Marks the run as failed and wakes every replica waiting at a barrier. */
  fail(): void {
    Atomics.store(this.control, FAILED, 1);
    Atomics.notify(this.control, GENERATION);
  }

  private barrier(): void {
    const c = this.control;
    const generation = Atomics.load(c, GENERATION);
    if (Atomics.add(c, ARRIVED, 1) === this.count - 1) {
      Atomics.store(c, ARRIVED, 0);
      Atomics.add(c, GENERATION, 1);
      Atomics.notify(c, GENERATION);
    } else {
      // Waits in slices so that a replica that failed (and set the flag) stops the others.
      const start = Date.now();
      while (Atomics.load(c, GENERATION) === generation && !Atomics.load(c, FAILED)) {
        Atomics.wait(c, GENERATION, generation, 1000);
        const waited = Date.now() - start;
        const starting = Atomics.load(c, READY) < this.count - 1;
        if ((starting && waited > STARTUP_MS) || waited > BARRIER_MS) {
          this.fail();
          throw new Error(
            starting
              ? `data-parallel training: a worker replica did not start within ${STARTUP_MS / 1000} s (see its error)`
              : `data-parallel training: a replica did not reach the exchange within ${BARRIER_MS / 1000} s`,
          );
        }
      }
    }
    if (Atomics.load(c, FAILED))
      throw new Error('data-parallel training stopped: another replica failed (see its error)');
  }
}

/** How to start the other replicas. */
export interface ParallelOptions {
  /** Replicas in all, this thread's included; 1 trains in this thread alone. */
  workers: number;
  /**
   * The worker script: it starts a tfjs backend (the library packages never
   * do), then calls `serveReplica`. Apps ship it beside their entry point.
   */
  script: string | URL;
  /** Handed to the script as `replicaScriptData()`, e.g. the backend's name. */
  scriptData?: unknown;
}

/** What a worker needs to build its replica; crosses the thread boundary by structured clone. */
interface ReplicaInit {
  kind: 'gan' | 'vae';
  model: { name: string; config: unknown };
  data: DataSet;
  config: GanRunConfig | VaeRunConfig;
  buffer: SharedArrayBuffer;
  rank: number;
  count: number;
}

type ToReplica = { type: 'step' } | { type: 'restore'; checkpoint: Checkpoint } | { type: 'close' };

/** Replica 0's shard: the exchange, plus telling the worker replicas what to do. */
class MainShard implements Shard {
  readonly rank = 0;
  private inner: SharedMemoryShard | undefined;
  private readonly workers: Worker[] = [];

  constructor(readonly count: number) {}

  start(
    init: Omit<ReplicaInit, 'buffer' | 'rank' | 'count'>,
    capacity: number,
    p: ParallelOptions,
  ) {
    const buffer = SharedMemoryShard.allocate(this.count, capacity);
    this.inner = new SharedMemoryShard(buffer, 0, this.count);
    const inner = this.inner;
    for (let rank = 1; rank < this.count; rank++) {
      const replica: ReplicaInit = { ...init, buffer, rank, count: this.count };
      const worker = new Worker(p.script, { workerData: { replica, script: p.scriptData } });
      // A worker that dies outside a step (say, while starting) must not leave replica 0 waiting.
      worker.on('error', () => inner.fail());
      worker.on('exit', (code) => {
        if (code !== 0) inner.fail();
      });
      this.workers.push(worker);
    }
  }

  contribution(size: number): Float32Array {
    return this.started().contribution(size);
  }

  allReduce(size: number): Float32Array {
    return this.started().allReduce(size);
  }

  private started(): SharedMemoryShard {
    if (!this.inner) throw new Error('the replicas have not been started');
    return this.inner;
  }

  stepping(): void {
    this.post({ type: 'step' });
  }

  restored(checkpoint: Checkpoint): void {
    this.post({ type: 'restore', checkpoint });
  }

  close(): void {
    this.post({ type: 'close' });
    for (const w of this.workers) w.unref();
  }

  private post(message: ToReplica): void {
    for (const w of this.workers) w.postMessage(message);
  }
}

/** Float32 values a replica exchanges at most in one update: the larger network's, plus statistics. */
function exchangeSize(...trees: ParamTree[]): number {
  const sizes = trees.map((t) =>
    Object.values(flattenParams(t))
      .filter((v) => v.trainable)
      .reduce((n, v) => n + v.size, 0),
  );
  return Math.max(...sizes) + 8;
}

/** A copy of the data whose arrays live in shared memory, so replicas read it without copies of their own. */
function shareData(data: DataSet): DataSet {
  const out: Record<string, unknown> = { ...data };
  for (const [key, value] of Object.entries(data)) {
    if (ArrayBuffer.isView(value) && !(value.buffer instanceof SharedArrayBuffer)) {
      const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      const shared = new Uint8Array(new SharedArrayBuffer(value.byteLength));
      shared.set(bytes);
      const View = value.constructor as new (b: ArrayBufferLike) => ArrayBufferView;
      out[key] = new View(shared.buffer);
    }
  }
  return out as unknown as DataSet;
}

/**
 * A GAN trainer whose steps run data-parallel over `parallel.workers`
 * replicas (this thread and `workers - 1` worker threads), behind the same
 * `Trainer` API: events, checkpoints (replica 0 writes them; `restore` reaches
 * every replica), abort. Each replica trains on its rows of every minibatch,
 * with the noise and dropout masks one process would draw, so results equal
 * single-thread training up to the order of float additions — except with
 * batch norm, whose statistics are each replica's own rows' (see
 * docs/ARCHITECTURE.md). With `workers` 1 it is a plain GanTrainer.
 */
export function createParallelGanTrainer(
  options: GanTrainerOptions,
  parallel: ParallelOptions,
): GanTrainer {
  if (parallel.workers <= 1) return new GanTrainer(options);
  const shard = new MainShard(parallel.workers);
  const trainer = new GanTrainer({ ...options, shard });
  const { model, data, config } = options;
  shard.start(
    {
      kind: 'gan',
      model: { name: model.name, config: model.config },
      data: shareData(data),
      config,
    },
    exchangeSize(trainer.generator, trainer.discriminator),
    parallel,
  );
  return trainer;
}

/** The VAE trainer over `parallel.workers` replicas; see `createParallelGanTrainer`. */
export function createParallelVaeTrainer(
  options: VaeTrainerOptions,
  parallel: ParallelOptions,
): VaeTrainer {
  if (parallel.workers <= 1) return new VaeTrainer(options);
  const shard = new MainShard(parallel.workers);
  const trainer = new VaeTrainer({ ...options, shard });
  const { model, data, config } = options;
  shard.start(
    {
      kind: 'vae',
      model: { name: model.name, config: model.config },
      data: shareData(data),
      config,
    },
    exchangeSize({ encoder: trainer.encoder, decoder: trainer.decoder }),
    parallel,
  );
  return trainer;
}

/**
 * Replicas a run trains on when the user names none. Two train the image
 * GANs 1.5x (MLP GAN) to 1.8x (DCGAN) faster on two cores (`pnpm bench`);
 * the VAE's 22 ms steps gained 0.9x to 1.2x from a second thread between
 * runs, and the toy GAN's are smaller still, so they stay on one.
 */
export function defaultWorkers(run: ResolvedRun): number {
  return run.kind === 'gan' && run.entry.data === 'images'
    ? Math.min(2, availableParallelism())
    : 1;
}

/** The trainer of a resolved run over `parallel.workers` replicas. */
export function createParallelTrainer(
  run: ResolvedRun,
  parallel: ParallelOptions,
): GanTrainer | VaeTrainer {
  return run.kind === 'gan'
    ? createParallelGanTrainer({ model: run.model, data: run.data, config: run.config }, parallel)
    : createParallelVaeTrainer({ model: run.model, data: run.data, config: run.config }, parallel);
}

/** In a replica's worker script: the `scriptData` given to `ParallelOptions`. */
export function replicaScriptData<T>(): T {
  return (workerData as { script: T }).script;
}

/**
 * The body of a replica's worker script, called once its tfjs backend runs:
 * builds the replica from the registry entry of the model replica 0 trains
 * (same seed, so the same initial weights and data order as replica 0) and
 * takes each step replica 0 takes.
 */
export function serveReplica(): void {
  if (isMainThread || !parentPort)
    throw new Error('serveReplica runs in a worker thread started by createParallel*Trainer');
  const port = parentPort;
  const { replica } = workerData as { replica: ReplicaInit };
  const shard = new SharedMemoryShard(replica.buffer, replica.rank, replica.count);
  let trainer: GanTrainer | VaeTrainer;
  try {
    const { name, config } = replica.model;
    if (replica.kind === 'gan') {
      const model = ganEntry(name, 'the main thread').fromManifest(config);
      const runConfig = replica.config as GanRunConfig;
      trainer = new GanTrainer({ model, data: replica.data, config: runConfig, shard });
    } else {
      const model = vaeEntry(name, 'the main thread').fromManifest(config);
      const runConfig = replica.config as VaeRunConfig;
      if ('points' in replica.data) throw new Error('VAEs train on images');
      trainer = new VaeTrainer({ model, data: replica.data, config: runConfig, shard });
    }
  } catch (e) {
    shard.fail();
    throw e;
  }
  shard.ready();
  port.on('message', (message: ToReplica) => {
    try {
      if (message.type === 'step') trainer.trainStep().stats.dispose();
      else if (message.type === 'restore') trainer.restore(message.checkpoint);
      else {
        trainer.dispose();
        port.close();
      }
    } catch (e) {
      shard.fail();
      throw e;
    }
  });
}
