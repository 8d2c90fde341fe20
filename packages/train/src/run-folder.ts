import { appendFile, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { type Checkpoint, CheckpointError, type RunStamp, runStampSchema } from './checkpoint.js';
import {
  checkpointName,
  findCheckpoint,
  keepBestCheckpoint,
  listCheckpoints,
  pruneCheckpoints,
  readCheckpoint,
  writeCheckpoint,
} from './checkpoint-files.js';
import type { ResolvedRun } from './run.js';

/** Checkpoints kept when the stamp names no count. */
const DEFAULT_KEEP = 3;

/** The part of a run's stamp that says which checkpoints it keeps and how it is measured. */
export type RunPolicy = Pick<RunStamp, 'keep' | 'checkpointEvery' | 'eval'>;

/**
 * Writes a file so that readers see the old content or the new, never a torn
 * one: write a temporary sibling, then rename over the target.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/** What RunFolder needs of a trainer. */
interface Checkpointable {
  readonly step: number;
  checkpoint(): Promise<Checkpoint>;
}

/** A run folder's default name, `<prefix>-<date>-<time>` in local time, e.g. `run-20261202-013000`. */
export function datedRunName(prefix: string, at = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const date = `${at.getFullYear()}${p(at.getMonth() + 1)}${p(at.getDate())}`;
  return `${prefix}-${date}-${p(at.getHours())}${p(at.getMinutes())}${p(at.getSeconds())}`;
}

/**
 * A run's folder on disk: `config.json` (a readable copy of the run), the
 * checkpoints by the run's policy (every `checkpointEvery` steps or at each
 * recorded epoch end, the newest `keep` kept, the best by a metric in
 * `checkpoints/best/`), `metrics.jsonl`, `eval.jsonl` and the sample
 * pictures. Each checkpoint carries the run's stamp (backend and GEMM,
 * workers, policy, evaluation), so `open` resumes from the checkpoint alone — also a
 * folder holding only the two files of a checkpoint the web app saved.
 */
export class RunFolder {
  private lastSaved: number;

  private constructor(
    readonly dir: string,
    private stampValue: RunStamp,
    savedAt: number,
  ) {
    this.lastSaved = savedAt;
  }

  /** How the run is driven; the next checkpoint records it. */
  get stamp(): RunStamp {
    return this.stampValue;
  }

  get checkpoints(): string {
    return join(this.dir, 'checkpoints');
  }

  /**
   * Makes a new run folder and writes its config.json. Refuses a folder that
   * already holds files, so no earlier run is overwritten.
   */
  static async create(dir: string, run: ResolvedRun, stamp: RunStamp): Promise<RunFolder> {
    const path = resolve(dir);
    await mkdir(path, { recursive: true });
    if ((await readdir(path)).length > 0) {
      throw new CheckpointError(
        `Run folder ${path} already exists and is not empty; choose another --name or --out, or continue it with: latent resume ${path}`,
      );
    }
    const folder = new RunFolder(path, stamp, 0);
    await folder.writeConfig(run.config, run.model);
    return folder;
  }

  /**
   * Opens a run folder at its newest complete checkpoint (in `checkpoints/`,
   * else the checkpoint files right in the folder), with the stamp that
   * checkpoint carries, else the one an older run's config.json holds.
   */
  static async open(dir: string): Promise<{ folder: RunFolder; checkpoint: Checkpoint }> {
    const path = resolve(dir);
    const found = await findCheckpoint(path).catch(() => {
      throw new CheckpointError(
        `${path} has no checkpoint to resume from (looked in ${join(path, 'checkpoints')} and for a checkpoint.json in the folder)`,
      );
    });
    const checkpoint = await readCheckpoint(found.dir);
    const legacy = await readLegacyConfig(path);
    // Runs from before the stamp recorded the data limit in config.json only.
    if (legacy.dataLimit && checkpoint.manifest.config.dataLimit === undefined)
      checkpoint.manifest.config.dataLimit = legacy.dataLimit;
    const stamp = checkpoint.manifest.run ?? legacyStamp(legacy);
    const folder = new RunFolder(path, stamp, checkpoint.manifest.progress.step);
    return { folder, checkpoint };
  }

  /**
   * The checkpoint policy and evaluation a resumed run goes on with: each as
   * the shell was told, else as the run was stamped.
   */
  continuedPolicy(given: RunPolicy): RunPolicy {
    const stamp = this.stampValue;
    return {
      keep: given.keep ?? stamp.keep,
      checkpointEvery: given.checkpointEvery ?? stamp.checkpointEvery,
      eval: given.eval ?? stamp.eval,
    };
  }

  /** Changes how the run is driven from now on (a resume on other workers, another evaluation). */
  async restamp(stamp: RunStamp, run: ResolvedRun): Promise<void> {
    this.stampValue = stamp;
    await this.writeConfig(run.config, run.model);
  }

  /** True when the policy wants a checkpoint after this step (`epochEnded`: the step ended an epoch). */
  due(step: number, epochEnded: boolean): boolean {
    const every = this.stampValue.checkpointEvery;
    return every === undefined ? epochEnded : step % every === 0;
  }

  /**
   * Writes the trainer's checkpoint (unless one exists at this step) and
   * prunes the oldest beyond `keep`. A failed write names the last good one.
   */
  async save(trainer: Checkpointable): Promise<void> {
    if (trainer.step === this.lastSaved) return;
    try {
      await writeCheckpoint(
        join(this.checkpoints, checkpointName(trainer.step)),
        this.stamped(await trainer.checkpoint()),
      );
    } catch (e) {
      throw new CheckpointError(`${(e as Error).message}. ${await this.lastGood()}`);
    }
    await pruneCheckpoints(this.checkpoints, this.stampValue.keep ?? DEFAULT_KEEP);
    this.lastSaved = trainer.step;
  }

  /** Keeps the trainer's checkpoint in checkpoints/best/ when it beats the best so far by `metric`. */
  keepBest(trainer: Checkpointable, metric: string, better: 'lower' | 'higher') {
    return trainer
      .checkpoint()
      .then((c) => keepBestCheckpoint(this.checkpoints, this.stamped(c), metric, better));
  }

  /** Where the run can be picked up again, for messages about a failure. */
  async lastGood(): Promise<string> {
    const kept = (await listCheckpoints(this.checkpoints)).at(-1);
    return kept
      ? `The last complete checkpoint, ${kept.path} (step ${kept.step}), is intact: \`latent sample\` and \`latent resume\` use it.`
      : 'No checkpoint of this run was written before.';
  }

  /** The folder of the checkpoint at a step. */
  checkpointAt(step: number): string {
    return join(this.checkpoints, checkpointName(step));
  }

  /** Appends one JSON line to metrics.jsonl (`metrics`) or eval.jsonl (`eval`). */
  append(log: 'metrics' | 'eval', record: object): Promise<void> {
    return appendFile(join(this.dir, `${log}.jsonl`), `${JSON.stringify(record)}\n`);
  }

  /** Writes a file of the run folder (say `samples/epoch-001.png`) atomically; returns its path. */
  async write(relativePath: string, data: string | Uint8Array): Promise<string> {
    const path = join(this.dir, relativePath);
    await writeFileAtomic(path, data);
    return path;
  }

  private stamped(checkpoint: Checkpoint): Checkpoint {
    return { ...checkpoint, manifest: { ...checkpoint.manifest, run: this.stampValue } };
  }

  /** config.json: the resolved run config, the model's configuration and the stamp, for people to read. */
  private writeConfig(config: object, model: { name: string; config: unknown }) {
    const text = JSON.stringify(
      { ...config, ...this.stampValue, modelConfig: model.config },
      null,
      2,
    );
    return this.write('config.json', `${text}\n`);
  }
}

interface LegacyConfig {
  backend?: unknown;
  workers?: unknown;
  dataLimit?: number;
  eval?: unknown;
}

async function readLegacyConfig(dir: string): Promise<LegacyConfig> {
  try {
    return JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as LegacyConfig;
  } catch {
    return {};
  }
}

/** The stamp of a run written before checkpoints carried one (no record: wasm, one worker). */
function legacyStamp(legacy: LegacyConfig): RunStamp {
  const parsed = runStampSchema.safeParse({
    backend: legacy.backend ?? 'wasm',
    workers: legacy.workers ?? 1,
    ...(legacy.eval ? { eval: legacy.eval } : {}),
  });
  return parsed.success ? parsed.data : { backend: 'wasm', workers: 1 };
}
