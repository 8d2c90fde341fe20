import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  checkpointName,
  findCheckpoint,
  readCheckpoint,
  writeCheckpoint,
} from '@latent/train/node';
import {
  checkFormat,
  checkpointGraph,
  type ExportOptions,
  exportGraph,
  type Format,
} from './export.js';
import { type ImportOptions, importSafetensors } from './import.js';

export interface ExportToFilesOptions extends ExportOptions {
  format: Format | string;
  /**
   * The file to write (onnx, safetensors) or the folder (tfjs: model.json and
   * weights.bin). Default: `<run>/export/<part>.<ext>`, `<run>/export/<part>-tfjs/`.
   */
  out?: string;
}

/**
 * Exports one network of a run's newest checkpoint (or of a checkpoint
 * folder) to files. Needs a tfjs backend.
 *
 * @returns the paths written, and the part and model exported
 */
export async function exportToFiles(
  target: string,
  options: ExportToFilesOptions,
): Promise<{ paths: string[]; part: string; model: string; step: number }> {
  const format = checkFormat(options.format);
  const { dir, runDir } = await findCheckpoint(resolve(target));
  const checkpoint = await readCheckpoint(dir);
  const graph = await checkpointGraph(checkpoint, options, dir);
  const files = exportGraph(graph, format);
  const name = `${graph.part}${options.ema ? '-ema' : ''}`;
  const base = join(runDir ?? dir, 'export');
  const single = files.length === 1;
  const out = resolve(
    options.out ?? (single ? join(base, `${name}.${format}`) : join(base, `${name}-${format}`)),
  );
  const paths: string[] = [];
  for (const f of files) {
    const path = single ? out : join(out, f.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, f.bytes);
    paths.push(path);
  }
  return { paths, part: graph.part, model: graph.model, step: checkpoint.manifest.progress.step };
}

/**
 * Imports safetensors files (one per part) as a run folder holding one
 * checkpoint, `<out>/checkpoints/step-00000000`, which `latent sample` and
 * `latent eval` read. Needs a tfjs backend.
 *
 * @param out the run folder to create; it must not hold that checkpoint yet
 */
export async function importToRun(
  paths: string[],
  out: string,
  options: ImportOptions,
): Promise<{ checkpoint: string }> {
  const files = await Promise.all(
    paths.map(async (p) => {
      const source = resolve(p);
      const bytes = await readFile(source).catch((e: Error) => {
        throw new Error(`Cannot read ${source}: ${e.message}`);
      });
      return { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), source };
    }),
  );
  const checkpoint = await importSafetensors(files, options);
  const dir = join(resolve(out), 'checkpoints', checkpointName(0));
  await writeCheckpoint(dir, checkpoint);
  return { checkpoint: dir };
}
