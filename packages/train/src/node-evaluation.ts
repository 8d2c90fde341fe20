import { join, resolve } from 'node:path';
import type { ImageSet } from '@latent/datasets';
import { loadFashionMnist, loadMnist } from '@latent/datasets/node';
import { METRICS, memorizationPairs, type RunReport } from '@latent/metrics';
import { encodePng, neighbourGrid } from '@latent/vis';
import * as tf from '@tensorflow/tfjs-core';
import type { Checkpoint } from './checkpoint.js';
import { parseDataSource, RunRequestError } from './data-source.js';
import {
  type CheckpointEvalOptions,
  type EvalData,
  type EvalPlan,
  evalSplits,
  evalTestImages,
  evaluateCheckpoint,
  type FolderImages,
} from './evaluation.js';
import { loadData } from './node-data.js';
import { dataOptions } from './run.js';
import { writeFileAtomic } from './run-folder.js';
import { writeRunReport } from './run-report.js';

/** The evaluation images of MNIST or Fashion-MNIST on this machine (`evalSplits`). */
export async function loadEvalData(dataset: string): Promise<EvalData> {
  if (dataset === 'mnist') return evalSplits(await loadMnist());
  if (dataset === 'fashion-mnist') return evalSplits(await loadFashionMnist());
  throw new RunRequestError(`latent eval knows mnist and fashion-mnist runs, not ${dataset} runs.`);
}

/** Where a checkpoint was found: its folder, and the run folder holding it (if any). */
export interface FoundCheckpoint {
  dir: string;
  runDir?: string;
}

export interface CheckpointFolderEvalOptions extends CheckpointEvalOptions {
  /** Where to write eval.json (default: the run folder, or the checkpoint folder). */
  out?: string;
  /** The backend recorded in eval.json (default: tfjs's current one). */
  backend?: string;
  /** Called once the data is ready, before measuring: the test images an image run is scored on. */
  onStart?: (testImages: number | undefined) => void;
}

/**
 * `latent eval` of a checkpoint on disk: scores it (`evaluateCheckpoint`)
 * with this machine's evaluation images, then writes `eval.json` (the
 * checkpoint, the settings, every metric's report and the seconds per
 * stage), and for an image run `memorization.png` (the samples nearest to a
 * training image, beside it) and the run's `report.html`.
 *
 * @returns eval.json's content, its path, and the report
 */
export async function evaluateCheckpointFolder(
  found: FoundCheckpoint,
  checkpoint: Checkpoint,
  plan: EvalPlan,
  options: CheckpointFolderEvalOptions,
): Promise<{ record: Record<string, unknown>; path: string; report: RunReport }> {
  const { manifest } = checkpoint;
  const { dir, runDir } = found;
  const path = resolve(options.out ?? join(runDir ?? dir, 'eval.json'));
  const about = {
    checkpoint: dir,
    kind: manifest.kind,
    model: manifest.model.name,
    dataset: plan.dataset,
    step: manifest.progress.step,
  };
  if (plan.toy) {
    options.onStart?.(undefined);
    const report = await evaluateCheckpoint(checkpoint, dir, plan, options);
    const record = { ...about, seed: options.seed, samples: options.n, ...stamped(report) };
    await writeFileAtomic(path, `${JSON.stringify(record, null, 2)}\n`);
    return { record, path, report };
  }
  const images = await imagesToScoreAgainst(checkpoint, plan, options.limit);
  options.onStart?.(images.testImages);
  const report = await evaluateCheckpoint(checkpoint, dir, plan, options, images.data);
  await writeMemorizationGrid(runDir ?? dir, report, images.searched);
  const record = {
    ...about,
    ema: options.ema,
    backend: options.backend ?? tf.getBackend(),
    seed: options.seed,
    samples: plan.metrics.some((m) => METRICS[m].data !== 'vae') ? options.n : undefined,
    testImages: images.testImages,
    ...stamped(report),
  };
  await writeFileAtomic(path, `${JSON.stringify(record, null, 2)}\n`);
  if (runDir) await writeRunReport(runDir).catch(() => {});
  return { record, path, report };
}

/**
 * An image run's evaluation images: a named set's splits, or a folder run's
 * folder as the run loaded it (sized, coloured and limited by its config);
 * `searched`, the images memorization.png shows beside the samples.
 */
async function imagesToScoreAgainst(
  checkpoint: Checkpoint,
  plan: EvalPlan,
  limit: number | undefined,
): Promise<{ data: EvalData | FolderImages; searched: ImageSet; testImages?: number }> {
  const source = parseDataSource(plan.dataset);
  if (source.kind !== 'folder') {
    const data = await loadEvalData(plan.dataset);
    return { data, searched: data.train, testImages: evalTestImages(data, limit).count };
  }
  const folder = (await loadData(source, dataOptions(checkpoint.manifest.config))) as ImageSet;
  return { data: { folder }, searched: folder };
}

/** The end of eval.json: when, the metrics, and the seconds per stage. */
function stamped(report: RunReport) {
  return {
    createdAt: new Date().toISOString(),
    metrics: report.metrics,
    seconds: report.seconds,
  };
}

/** memorization.png: the samples nearest to a training image, each beside that image. */
async function writeMemorizationGrid(dir: string, report: RunReport, train: ImageSet) {
  const pairs = memorizationPairs(report, train);
  if (!pairs) return;
  const grid = neighbourGrid(pairs.samples, pairs.neighbours, {
    count: pairs.count,
    height: train.height,
    width: train.width,
    channels: train.channels as 1 | 3,
    scale: 2,
  });
  await writeFileAtomic(join(dir, 'memorization.png'), encodePng(grid));
}
