import { fnv1a } from '@latent/datasets';
import { disposeParams, encodeParams, flattenParams, type ParamTree } from '@latent/models';
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  type Checkpoint,
  resolveGanRunConfig,
  resolveVaeRunConfig,
} from '@latent/train';
import * as tf from '@tensorflow/tfjs-core';
import { readWeights } from './export.js';
import { inferenceGraph, type Part, partsOf } from './graph.js';
import { readSafetensors, type SafetensorsFile } from './safetensors.js';
import { latentFromTorch, torchTensors } from './torch-layout.js';
import { initNetworks, type ZooModel, zooModel } from './zoo.js';

/** The training sets a checkpoint may name, with the image counts latent's runs record. */
const DATASETS = {
  mnist: { name: 'mnist-train', count: 50_000 },
  'fashion-mnist': { name: 'fashion-mnist-train', count: 60_000 },
} as const;
export type ImportDataset = keyof typeof DATASETS;

export interface ImportOptions {
  /** The zoo name of the model the weights are for, e.g. `dcgan`. */
  model: string;
  /** The data the model is for (its image shape, and what `latent eval` compares with). Default mnist. */
  dataset?: ImportDataset;
  /** Seeds the networks no file supplies (e.g. D when only G is imported). Default 0. */
  seed?: number;
}

/** One safetensors file to import, and the name it goes by in errors. */
export interface ImportFile {
  bytes: Uint8Array;
  source: string;
}

/**
 * A config from a file's metadata, refused when implausible: it sizes the
 * networks built before any shape is compared, so a hostile one must not
 * make them huge (the run config caps every width at 8192).
 */
function plausibleConfig(text: string, source: string): unknown {
  const fail = (why: string): never => {
    throw new Error(`${source}: the metadata's model config ${why}`);
  };
  if (text.length > 10_000) fail('is longer than any zoo model needs');
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch {
    fail('is not JSON');
  }
  const walk = (v: unknown, depth: number): void => {
    if (depth > 4) fail('nests too deep');
    if (typeof v === 'number' && !(Number.isFinite(v) && Math.abs(v) <= 8192))
      fail(`holds ${v}, outside the sizes of the zoo`);
    if (Array.isArray(v)) {
      if (v.length > 16) fail('has a list longer than any zoo model needs');
      for (const x of v) walk(x, depth + 1);
    } else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x, depth + 1);
  };
  walk(config, 0);
  return config;
}

/** JSON's name for the type of a value, telling arrays and null from objects. */
function jsonType(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/**
 * Refuses a metadata config that lacks a field the zoo's config of the model
 * has, or holds one of another type: a hand-written config (say, from a
 * PyTorch script) would otherwise fail deep inside the model's constructor.
 */
function checkConfigFields(config: unknown, zoo: ZooModel, source: string): void {
  const expected = zoo.model.config as unknown as Record<string, unknown>;
  const given = (config ?? {}) as Record<string, unknown>;
  const fields = Object.keys(expected);
  const missing = fields.filter((f) => !Object.hasOwn(given, f));
  const problems = fields.flatMap((f) => {
    const [want, got] = [jsonType(expected[f]), jsonType(given[f])];
    return missing.includes(f) || want === got ? [] : [`has ${f} as ${got}, not ${want}`];
  });
  if (missing.length > 0) problems.unshift(`lacks ${missing.join(', ')}`);
  if (problems.length > 0)
    throw new Error(
      `${source}: the metadata's model config ${problems.join(', ')}; write the config \`latent export\` wrote, or leave it out to use the zoo's ${zoo.model.name}`,
    );
}

/** The part of `model` a file holds: its metadata's, or the one whose tensor names it has. */
function partOf(file: SafetensorsFile, model: string, source: string): Part | undefined {
  const named = file.metadata.part;
  if (named !== undefined) {
    if (!(partsOf(model) as readonly string[]).includes(named))
      throw new Error(`${source} holds a ${named}, which a ${model} model does not have`);
    return named as Part;
  }
  return undefined;
}

/**
 * Loads one file's tensors into a part's fresh variables, refusing (and
 * assigning nothing) unless every tensor of the part is there with
 * PyTorch's shape and nothing else is.
 */
async function loadPart(
  file: SafetensorsFile,
  model: string,
  config: unknown,
  part: Part,
  tree: ParamTree,
  source: string,
): Promise<void> {
  const expected = torchTensors(inferenceGraph(model, config, part, await readWeights(tree)));
  const problems: string[] = [];
  for (const t of expected) {
    const got = file.tensors.get(t.name);
    if (!got) problems.push(`missing ${t.name} [${t.shape}]`);
    else if (got.shape.join('x') !== t.shape.join('x'))
      problems.push(`${t.name} has shape [${got.shape}], the model expects [${t.shape}]`);
  }
  const known = new Set(expected.map((t) => t.name));
  for (const name of file.tensors.keys()) if (!known.has(name)) problems.push(`unexpected ${name}`);
  if (problems.length > 0)
    throw new Error(`${source} does not fit the ${part} of this ${model}: ${problems.join('; ')}`);
  const vars = flattenParams(tree);
  const assigned = expected.map((t) => ({
    t,
    values: latentFromTorch(t, (file.tensors.get(t.name) as { data: Float32Array }).data),
  }));
  // Spectral norm divides each kernel by ||W u|| at inference: a u with ||W u|| = 1 makes that the identity.
  const vectors = assigned.flatMap(({ t, values }) => {
    const u = vars[t.latent.name.replace(/\.kernel$/, 'Sn.u')];
    if (!t.latent.name.endsWith('.kernel') || !u) return [];
    return [{ u, values: unitGainVector(values, u.size, `${source}: ${t.name}`) }];
  });
  tf.tidy(() => {
    for (const { t, values } of assigned)
      (vars[t.latent.name] as tf.Variable).assign(tf.tensor(values, t.latent.shape));
    for (const { u, values } of vectors) u.assign(tf.tensor(values, u.shape));
  });
}

/**
 * A unit vector u [out] with ||W u|| = 1 for a kernel W viewed as [rows, out]
 * (latent's spectral-norm estimate), so a spectrally normalized layer computes
 * exactly the imported W: on the arc from W's top right-singular vector
 * (||W u|| = sigma_max, 1 or just above for weights trained under spectral
 * norm) to the unit axis W shrinks most, bisected. Fails when no unit vector
 * reaches 1, i.e. when sigma_max < 1 or every direction exceeds 1.
 */
function unitGainVector(kernel: Float32Array, out: number, who: string): Float32Array {
  const rows = kernel.length / out;
  const gain = (u: Float64Array) => {
    let sq = 0;
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let j = 0; j < out; j++) s += (kernel[r * out + j] as number) * (u[j] as number);
      sq += s * s;
    }
    return Math.sqrt(sq);
  };
  const normalize = (u: Float64Array) => {
    const n = Math.hypot(...u);
    return u.map((v) => v / n);
  };
  // Power iteration on W^T W for the top right-singular vector.
  let top = normalize(Float64Array.from({ length: out }, (_, j) => 1 + j / out));
  for (let it = 0; it < 200; it++) {
    const wu = new Float64Array(rows);
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < out; j++)
        wu[r] = (wu[r] as number) + (kernel[r * out + j] as number) * (top[j] as number);
    const next = new Float64Array(out);
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < out; j++)
        next[j] = (next[j] as number) + (kernel[r * out + j] as number) * (wu[r] as number);
    top = normalize(next);
  }
  let low = new Float64Array(out);
  let lowGain = Number.POSITIVE_INFINITY;
  for (let j = 0; j < out; j++) {
    const e = new Float64Array(out);
    e[j] = 1;
    const g = gain(e);
    if (g < lowGain) [low, lowGain] = [e, g];
  }
  const topGain = gain(top);
  // Within float32 rounding of 1 (a one-output head has a single gain, its norm): take it as it is.
  if (Math.abs(topGain - 1) < 1e-4) return Float32Array.from(top);
  if (Math.abs(lowGain - 1) < 1e-4) return Float32Array.from(low);
  if (!(topGain >= 1 && lowGain <= 1))
    throw new Error(
      `${who}: a spectrally normalized layer computes W / ||W u||, which equals these weights only if some unit u has ||W u|| = 1; their gains span ${lowGain.toFixed(4)}..${topGain.toFixed(4)} (train under torch.nn.utils.spectral_norm, whose weights have spectral norm 1)`,
    );
  if (top.reduce((d, v, j) => d + v * (low[j] as number), 0) < 0) low = low.map((v) => -v);
  const at = (t: number) =>
    normalize(top.map((v, j) => Math.cos(t) * v + Math.sin(t) * (low[j] as number)));
  let [a, b] = [0, Math.PI / 2];
  for (let it = 0; it < 60; it++) {
    const mid = (a + b) / 2;
    if (gain(at(mid)) >= 1) a = mid;
    else b = mid;
  }
  return Float32Array.from(at(a));
}

/**
 * A latent checkpoint from PyTorch weights: one safetensors file per part
 * (as `latent export --format safetensors` writes and `latent_models.save`
 * writes back), for the zoo model `options.model`. A file's metadata gives
 * the model's config (latent_models.py keeps it); without metadata, the
 * zoo's model for the dataset's images is assumed. Parts no file supplies
 * start from fresh weights. The checkpoint is at step 0, with no optimizer
 * state: `latent sample`, `latent eval` and the web app's explorer read it.
 * Needs a tfjs backend.
 */
export async function importSafetensors(
  files: ImportFile[],
  { model, dataset = 'mnist', seed = 0 }: ImportOptions,
): Promise<Checkpoint> {
  if (files.length === 0) throw new Error('import: name at least one safetensors file');
  const data = DATASETS[dataset];
  if (!data)
    throw new Error(
      `import: unknown dataset '${dataset}'; choose ${Object.keys(DATASETS).join(', ')}`,
    );
  const parsed = files.map((f) => ({ ...f, file: readSafetensors(f.bytes, f.source) }));
  let config: unknown;
  for (const { file, source } of parsed) {
    if (file.metadata.model !== undefined && file.metadata.model !== model)
      throw new Error(
        `${source} holds a ${file.metadata.model} model, not a ${model}; pass --model ${file.metadata.model}`,
      );
    if (file.metadata.config !== undefined && config === undefined)
      config = plausibleConfig(file.metadata.config, source);
  }
  const source = files[0]?.source ?? 'import';
  if (config !== undefined) checkConfigFields(config, zooModel(model, undefined, source), source);
  const zoo = zooModel(model, config, source);
  const trees = initNetworks(zoo, seed);
  try {
    const done = new Set<Part>();
    for (const { file, source } of parsed) {
      let part = partOf(file, model, source);
      if (!part) {
        // No metadata: the part whose names the file has.
        for (const p of partsOf(model)) {
          const names = torchTensors(
            inferenceGraph(model, zoo.model.config, p, await readWeights(trees[p] as ParamTree)),
          ).map((t) => t.name);
          if (names.every((n) => file.tensors.has(n))) part = p;
        }
        part ??= partsOf(model)[0];
      }
      if (done.has(part)) throw new Error(`${source}: a second file for the ${part}`);
      done.add(part);
      await loadPart(file, model, zoo.model.config, part, trees[part] as ParamTree, source);
    }
    const encoded = await encodeParams(trees);
    const runConfig =
      zoo.kind === 'gan'
        ? resolveGanRunConfig({ model, dataset })
        : resolveVaeRunConfig({ model, dataset, ...vaeShape(zoo.model.config) });
    return {
      manifest: {
        format: CHECKPOINT_FORMAT,
        version: CHECKPOINT_VERSION,
        kind: zoo.kind,
        createdAt: new Date().toISOString(),
        model: { name: model, config: zoo.model.config },
        config: runConfig as Record<string, unknown>,
        data: { ...data },
        progress: { step: 0, dUpdates: 0, batches: { seed, epoch: 0, batch: 0 } },
        weights: {
          specs: encoded.specs,
          byteLength: encoded.data.byteLength,
          checksum: fnv1a(encoded.data),
        },
      },
      weights: encoded.data,
    };
  } finally {
    for (const t of Object.values(trees)) disposeParams(t);
  }
}

/** The VAE run-config fields that say a model's shape, so the checkpoint's run config matches its model. */
function vaeShape(config: unknown): Record<string, unknown> {
  const c = config as {
    latentDim?: number;
    hidden?: number[];
    likelihood?: string;
    activation?: unknown;
  };
  const mlp = Array.isArray(c.hidden);
  return {
    ...(c.latentDim ? { latentDim: c.latentDim } : {}),
    ...(mlp ? { hidden: c.hidden } : {}),
    ...(mlp && (c.activation === 'tanh' || c.activation === 'relu')
      ? { activation: c.activation }
      : {}),
    ...(c.likelihood === 'gaussian' ? { decoder: 'gaussian', binarize: 'none' } : {}),
  };
}
