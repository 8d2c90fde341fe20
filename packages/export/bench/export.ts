/**
 * How long an export of each zoo model's generator (or decoder) takes, per
 * format, from a checkpoint in memory: rebuilding the model and loading the
 * weights (`checkpointGraph`, done once per export) and writing the format
 * (`exportGraph`). Weights are the model's initialization; sizes, not values,
 * set the cost. The CLI adds process start-up and reading the checkpoint
 * (its FNV checksum) to these.
 *
 *   pnpm --filter @latent/export bench [--repeat 3] [--models mlp-gan,dcgan]
 */
import { initBackend } from '@latent/backend';
import { fnv1a } from '@latent/datasets';
import { disposeParams, encodeParams } from '@latent/models';
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  type Checkpoint,
  resolveGanRunConfig,
} from '@latent/train';
import { checkpointGraph, exportGraph, FORMATS, initNetworks, zooModel } from '../src/index.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] as string) : fallback;
};
const repeat = Number(flag('repeat', '3'));
const models = flag('models', 'mlp-gan,dcgan,cgan,sngan,mlp-vae,conv-vae').split(',');

const backend = await initBackend('cpu');
console.log(`backend ${backend.name}, median of ${repeat}, ms (node ${process.version})`);
console.log(['model', 'params', 'graph', ...FORMATS].map((s) => s.padStart(9)).join(' '));
for (const name of models) {
  const zoo = zooModel(name, undefined, 'bench');
  const trees = initNetworks(zoo, 0);
  const encoded = await encodeParams(trees);
  const checkpoint = {
    manifest: {
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_VERSION,
      kind: zoo.kind,
      createdAt: '',
      model: { name, config: zoo.model.config },
      config: resolveGanRunConfig({}) as Record<string, unknown>,
      data: { name: 'mnist-train', count: 50_000 },
      progress: { step: 0, dUpdates: 0, batches: { seed: 0, epoch: 0, batch: 0 } },
      weights: {
        specs: encoded.specs,
        byteLength: encoded.data.byteLength,
        checksum: fnv1a(encoded.data),
      },
    },
    weights: encoded.data,
  } as Checkpoint;
  for (const t of Object.values(trees)) disposeParams(t);
  const median = (xs: number[]) =>
    [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const graphTimes: number[] = [];
  let graph = await checkpointGraph(checkpoint, {}, name);
  for (let r = 0; r < repeat; r++) {
    const t0 = performance.now();
    graph = await checkpointGraph(checkpoint, {}, name);
    graphTimes.push(performance.now() - t0);
  }
  const params = graph.layers
    .concat(graph.outputs.flatMap((o) => o.layers))
    .reduce((n, l) => n + ('kernel' in l ? l.kernel.data.length : 0), 0);
  const cells = [name, String(params), median(graphTimes).toFixed(0)];
  for (const format of FORMATS) {
    const times: number[] = [];
    for (let r = 0; r < repeat; r++) {
      const t0 = performance.now();
      exportGraph(graph, format);
      times.push(performance.now() - t0);
    }
    cells.push(median(times).toFixed(0));
  }
  console.log(cells.map((s) => s.padStart(9)).join(' '));
}
