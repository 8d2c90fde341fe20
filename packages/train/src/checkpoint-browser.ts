import { CheckpointError } from './checkpoint.js';

/**
 * A checkpoint folder's two files as a page holds them, not yet checked:
 * `parseCheckpointFiles(json, weights, source)` checks and reads them (in a
 * worker, where tfjs runs).
 */
export interface CheckpointFiles {
  /** Text of checkpoint.json. */
  json: string;
  weights: ArrayBuffer;
  /** Names the checkpoint in messages, e.g. `checkpoint.json + weights.bin`. */
  source: string;
}

/**
 * Fetches a checkpoint folder served over HTTP: `<folderUrl>checkpoint.json`
 * and `<folderUrl>weights.bin`. Throws naming the file a request failed for.
 */
export async function fetchCheckpointFiles(
  folderUrl: string,
  source = folderUrl,
): Promise<CheckpointFiles> {
  const get = async (file: string) => {
    const r = await fetch(`${folderUrl.replace(/\/?$/, '/')}${file}`);
    if (!r.ok) throw new CheckpointError(`${source}: ${file}: HTTP ${r.status}`);
    return r;
  };
  const [json, weights] = await Promise.all([get('checkpoint.json'), get('weights.bin')]);
  return { json: await json.text(), weights: await weights.arrayBuffer(), source };
}

/**
 * The two files of a checkpoint folder among files a user picked or dropped,
 * paired by name (the `.json` and the `.bin`). Throws CheckpointError saying
 * what was picked instead.
 */
export async function readPickedCheckpoint(picked: Iterable<File>): Promise<CheckpointFiles> {
  const files = [...picked];
  const json = files.find((f) => f.name.toLowerCase().endsWith('.json'));
  const bin = files.find((f) => f.name.toLowerCase().endsWith('.bin'));
  if (files.length !== 2 || !json || !bin) {
    const names = files.map((f) => f.name).join(', ') || 'no files';
    throw new CheckpointError(
      `Choose the two files of a checkpoint folder, checkpoint.json and weights.bin (got ${names}).`,
    );
  }
  const source = `${json.name} + ${bin.name}`;
  try {
    return { json: await json.text(), weights: await bin.arrayBuffer(), source };
  } catch (e) {
    throw new CheckpointError(`Cannot read ${source}: ${(e as Error).message}`);
  }
}
