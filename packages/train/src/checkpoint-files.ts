import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  type Checkpoint,
  CheckpointError,
  checkpointJson,
  parseCheckpointFiles,
} from './checkpoint.js';

/** Folder name of the checkpoint at a step: `step-00000500`, so names sort by step. */
export function checkpointName(step: number): string {
  return `step-${String(step).padStart(8, '0')}`;
}

async function writeSynced(path: string, data: string | Uint8Array): Promise<void> {
  const file = await open(path, 'w');
  try {
    await file.writeFile(data);
    await file.sync();
  } finally {
    await file.close();
  }
}

/**
 * Writes a checkpoint folder (checkpoint.json + weights.bin) atomically: into
 * a temporary sibling first, synced, then renamed into place. A crash or a
 * full disk leaves either no folder or a complete one, never a torn one, and
 * no existing checkpoint is ever overwritten.
 */
export async function writeCheckpoint(dir: string, checkpoint: Checkpoint): Promise<void> {
  if (await exists(dir))
    throw new CheckpointError(`${dir} already exists; checkpoints are never overwritten`);
  await mkdir(dirname(dir), { recursive: true });
  const tmp = join(dirname(dir), `.${basename(dir)}.partial-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  try {
    await mkdir(tmp);
    await writeSynced(join(tmp, 'weights.bin'), new Uint8Array(checkpoint.weights));
    await writeSynced(join(tmp, 'checkpoint.json'), checkpointJson(checkpoint.manifest));
    await rename(tmp, dir);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
    throw new CheckpointError(`Could not write checkpoint ${dir}: ${(e as Error).message}`);
  }
}

/** Reads and validates a checkpoint folder; errors name the folder and what is wrong. */
export async function readCheckpoint(dir: string): Promise<Checkpoint> {
  let text: string;
  let bin: Buffer;
  try {
    text = await readFile(join(dir, 'checkpoint.json'), 'utf8');
    bin = await readFile(join(dir, 'weights.bin'));
  } catch (e) {
    throw new CheckpointError(`Cannot read checkpoint ${dir}: ${(e as Error).message}`);
  }
  const weights = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer;
  return parseCheckpointFiles(text, weights, dir);
}

/** Complete checkpoints under `dir` (folders named by `checkpointName`), oldest first. */
export async function listCheckpoints(dir: string): Promise<{ path: string; step: number }[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const found: { path: string; step: number }[] = [];
  for (const name of names) {
    const match = /^step-(\d{8})$/.exec(name);
    if (match && (await exists(join(dir, name, 'checkpoint.json')))) {
      found.push({ path: join(dir, name), step: Number(match[1]) });
    }
  }
  return found.sort((a, b) => a.step - b.step);
}

/**
 * Deletes all but the newest `keep` checkpoints under `dir`, and the partial
 * folders that killed writers left behind.
 */
export async function pruneCheckpoints(dir: string, keep: number): Promise<void> {
  const all = await listCheckpoints(dir);
  for (const old of all.slice(0, Math.max(0, all.length - keep))) {
    await rm(old.path, { recursive: true, force: true });
  }
  const own = `.partial-${process.pid}`;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (/^\.step-\d{8}\.partial-\d+$/.test(name) && !name.endsWith(own)) {
      await rm(join(dir, name), { recursive: true, force: true });
    }
  }
}

/** Which way a metric improves. */
export type Better = 'lower' | 'higher';

/**
 * Keeps `checkpoint` as the best of a run by one metric when it beats the one
 * kept so far: the best lives in `<dir>/best/step-NNNNNNNN`, written
 * atomically before the previous best is removed, so a crash at any moment
 * leaves at least one complete best checkpoint.
 *
 * @param dir a run's checkpoints folder
 * @returns the value now kept as best, and whether this checkpoint became it
 */
export async function keepBestCheckpoint(
  dir: string,
  checkpoint: Checkpoint,
  metric: string,
  better: Better,
): Promise<{ kept: boolean; best: number }> {
  const value = checkpoint.manifest.metrics?.[metric];
  if (value === undefined || !Number.isFinite(value)) {
    throw new CheckpointError(
      `the checkpoint at step ${checkpoint.manifest.progress.step} has no finite '${metric}' value to rank it by`,
    );
  }
  const bestDir = join(dir, 'best');
  const current = await bestMetric(dir, metric);
  if (current !== undefined && !(better === 'lower' ? value < current : value > current))
    return { kept: false, best: current };
  const target = join(bestDir, checkpointName(checkpoint.manifest.progress.step));
  if (!(await exists(target))) await writeCheckpoint(target, checkpoint);
  await pruneCheckpoints(bestDir, 1);
  return { kept: true, best: value };
}

/** The metric value of the best checkpoint kept under `<dir>/best`, if there is one. */
export async function bestMetric(dir: string, metric: string): Promise<number | undefined> {
  const kept = (await listCheckpoints(join(dir, 'best'))).at(-1);
  if (!kept) return undefined;
  const { manifest } = await readCheckpoint(kept.path);
  return manifest.metrics?.[metric];
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The checkpoint a path names: the newest complete one of a run folder's
 * `checkpoints/`, else the checkpoint right in the folder (a checkpoint
 * folder, or the two files the web app saves).
 *
 * @returns the checkpoint's folder, and the run folder when it is one's
 */
export async function findCheckpoint(target: string): Promise<{ dir: string; runDir?: string }> {
  const newest = (await listCheckpoints(join(target, 'checkpoints'))).at(-1);
  if (newest) return { dir: newest.path, runDir: target };
  if (await exists(join(target, 'checkpoint.json'))) return { dir: target };
  throw new CheckpointError(
    `${target} is neither a checkpoint folder (no checkpoint.json) nor a run folder with checkpoints (looked in ${join(target, 'checkpoints')})`,
  );
}
