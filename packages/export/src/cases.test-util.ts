// The zoo as the round-trip tests see it: every model at the sizes it trains
// at, each part, with weights that make every layer count (batch-norm running
// statistics away from 0 and 1, spectral-norm vectors after some iterations).
import {
  acgan,
  conditionalGan,
  conditionalVae,
  convVae,
  dcgan,
  disposeParams,
  flattenParams,
  type GanModel,
  mlpGan,
  mlpVae,
  type ParamTree,
  sngan,
  type VaeModel,
  wganGp,
} from '@latent/models';
import * as tf from '@tensorflow/tfjs-core';
import { readWeights } from './export.js';
import { type InferenceGraph, inferenceGraph, type Part } from './graph.js';

export interface Case {
  /** e.g. `dcgan 32x32x3 generator` */
  label: string;
  graph: InferenceGraph;
  /** Inputs: z or images (latent's layout, flattened), and class indices. */
  input: { data: Float32Array; shape: number[] };
  labels?: Int32Array;
  /** latent's own outputs for these inputs, by output name (row-major). */
  expected: Record<string, Float32Array>;
}

export type AnyModel = { kind: 'gan'; model: GanModel } | { kind: 'vae'; model: VaeModel };

export const MODELS: { label: string; make: () => AnyModel }[] = [
  { label: 'mlp-gan 28x28x1', make: () => ({ kind: 'gan', model: mlpGan() }) },
  {
    label: 'mlp-gan 32x32x3',
    make: () => ({ kind: 'gan', model: mlpGan({ imageShape: [32, 32, 3] }) }),
  },
  { label: 'dcgan 28x28x1', make: () => ({ kind: 'gan', model: dcgan() }) },
  {
    label: 'dcgan 32x32x3',
    make: () => ({ kind: 'gan', model: dcgan({ imageShape: [32, 32, 3] }) }),
  },
  { label: 'cgan 28x28x1', make: () => ({ kind: 'gan', model: conditionalGan() }) },
  { label: 'acgan 28x28x1', make: () => ({ kind: 'gan', model: acgan() }) },
  { label: 'wgan-gp 28x28x1', make: () => ({ kind: 'gan', model: wganGp() }) },
  { label: 'sngan 32x32x3', make: () => ({ kind: 'gan', model: sngan() }) },
  {
    label: 'sngan 28x28x1',
    make: () => ({ kind: 'gan', model: sngan({ imageShape: [28, 28, 1] }) }),
  },
  { label: 'mlp-vae 28x28x1', make: () => ({ kind: 'vae', model: mlpVae() }) },
  {
    label: 'mlp-vae gaussian 2-D relu',
    make: () => ({
      kind: 'vae',
      model: mlpVae({ likelihood: 'gaussian', latentDim: 2, hidden: [64, 32], activation: 'relu' }),
    }),
  },
  { label: 'cvae 28x28x1', make: () => ({ kind: 'vae', model: conditionalVae() }) },
  { label: 'conv-vae 28x28x1', make: () => ({ kind: 'vae', model: convVae() }) },
];

const BATCH = 3;

/** Deterministic values in [lo, hi]. */
function values(n: number, lo: number, hi: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return lo + ((hi - lo) * s) / 2 ** 32;
  });
}

/** Moves batch-norm statistics and biases away from their initial 0 and 1, so a wrong fold shows. */
function perturb(tree: ParamTree, seed: number): void {
  let i = 0;
  for (const [name, v] of Object.entries(flattenParams(tree))) {
    const last = name.split('.').at(-1);
    const n = v.size;
    if (last === 'variance') v.assign(tf.tensor(values(n, 0.5, 2, seed + i++), v.shape));
    else if (last === 'mean' || last === 'bias' || last === 'beta')
      v.assign(tf.tensor(values(n, -0.3, 0.3, seed + i++), v.shape));
    else if (last === 'gamma') v.assign(tf.tensor(values(n, 0.5, 1.5, seed + i++), v.shape));
  }
}

/** One case per model and part: the graph and latent's outputs on fixed inputs. */
export async function buildCases(which: (label: string) => boolean = () => true): Promise<Case[]> {
  const cases: Case[] = [];
  for (const { label, make } of MODELS.filter((m) => which(m.label))) {
    const zoo = make();
    const { model } = zoo;
    const trees = (zoo.kind === 'gan' ? zoo.model.init(1) : zoo.model.init(1)) as Record<
      string,
      ParamTree
    >;
    const parts: Part[] =
      zoo.kind === 'gan' ? ['generator', 'discriminator'] : ['decoder', 'encoder'];
    const [h, w, c] = model.imageShape;
    const classes = model.numClasses;
    const labels = classes
      ? Int32Array.from({ length: BATCH }, (_, i) => (i * 7 + 3) % classes)
      : undefined;
    for (const [p, part] of parts.entries()) {
      const tree = trees[part] as ParamTree;
      perturb(tree, 17 + p);
      if (part === 'discriminator' && zoo.kind === 'gan') {
        // A few training-mode passes move spectral-norm vectors from their start.
        tf.tidy(() => {
          const x = tf.tensor(values(BATCH * h * w * c, -1, 1, 5), [BATCH, h, w, c]);
          const opts = {
            training: true,
            seed: 1,
            ...(labels ? { labels: tf.tensor1d(labels, 'int32') } : {}),
          };
          for (let k = 0; k < 3; k++)
            zoo.model.discriminate(
              tree,
              model.layout === 'flat' ? tf.reshape(x, [BATCH, -1]) : x,
              opts,
            );
        });
      }
      const generating = part === 'generator' || part === 'decoder';
      const size = zoo.kind === 'gan' ? zoo.model.noiseDim : zoo.model.latentDim;
      const input = generating
        ? { data: values(BATCH * size, -1, 1, 3), shape: [BATCH, size] }
        : { data: values(BATCH * h * w * c, 0, 1, 4), shape: [BATCH, h, w, c] };
      const expectedData = await latentOutputs(zoo, part, tree, input, labels);
      cases.push({
        label: `${label} ${part}`,
        graph: inferenceGraph(model.name, model.config, part, await readWeights(tree)),
        input,
        ...(labels && (part !== 'discriminator' || model.name === 'cgan') ? { labels } : {}),
        expected: expectedData,
      });
    }
    for (const t of Object.values(trees)) disposeParams(t);
  }
  return cases;
}

/** The largest absolute difference between two arrays of the same length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

/** latent's own outputs of one part on inputs (images in latent's NHWC layout), by output name. */
export async function latentOutputs(
  zoo: AnyModel,
  part: Part,
  tree: ParamTree,
  input: { data: Float32Array; shape: number[] },
  labels?: Int32Array,
): Promise<Record<string, Float32Array>> {
  const { model } = zoo;
  const [h, w, c] = model.imageShape;
  const generating = part === 'generator' || part === 'decoder';
  const batch = input.shape[0] as number;
  const expected = tf.tidy(() => {
    const x =
      generating || model.layout === 'image'
        ? tf.tensor(input.data, input.shape)
        : tf.tensor(input.data, [batch, h * w * c]);
    const opts = {
      training: false,
      seed: 0,
      ...(labels ? { labels: tf.tensor1d(labels, 'int32') } : {}),
    };
    const out: Record<string, tf.Tensor> = {};
    if (zoo.kind === 'gan') {
      if (generating) out.images = zoo.model.generate(tree, x as tf.Tensor2D, opts);
      else if (zoo.model.discriminateWithClasses) {
        const both = zoo.model.discriminateWithClasses(tree, x, opts);
        out.logits = both.logits;
        out.classLogits = both.classLogits;
      } else out.logits = zoo.model.discriminate(tree, x, opts);
    } else if (generating) {
      const decoded = zoo.model.decode(tree, x as tf.Tensor2D, opts);
      if (zoo.model.likelihood === 'gaussian') {
        [out.images, out.logVar] = tf.split(decoded, 2, decoded.rank - 1) as [tf.Tensor, tf.Tensor];
      } else out.images = tf.sigmoid(decoded);
    } else {
      const { mean, logVar } = zoo.model.encode(tree, x, opts);
      out.mean = mean;
      out.logVar = logVar;
    }
    return out;
  });
  const expectedData: Record<string, Float32Array> = {};
  for (const [k, t] of Object.entries(expected)) expectedData[k] = (await t.data()) as Float32Array;
  tf.dispose(Object.values(expected));
  return expectedData;
}
