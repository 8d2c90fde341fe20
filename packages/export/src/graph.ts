import type { ConvGanConfig, ConvVaeConfig, MlpGanConfig, MlpVaeConfig } from '@latent/models';

/**
 * A tensor of an exported network in latent's layout (dense kernels [in, out],
 * conv kernels [k, k, in, out], transposed-conv kernels [k, k, out, in]),
 * named as in latent's parameter tree of the network (`dense0.kernel`).
 */
export interface Weight {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** A pointwise non-linearity of an exported network. */
export type ActivationFn = 'relu' | 'sigmoid' | 'tanh' | { leakyRelu: number };

/** [height, width, channels] */
export type Shape3 = [number, number, number];

/**
 * One layer of an inference graph, with latent's (NHWC) semantics. `name` is
 * the layer's key in latent's parameter tree; every writer names its tensors
 * after it, so `dense0` is `dense0` in ONNX, tfjs and PyTorch.
 */
export type Layer =
  | { op: 'dense'; name: string; kernel: Weight; bias: Weight }
  /** [b, units * pieces] -> [b, units]: the max over each unit's consecutive pieces. */
  | { op: 'maxout'; pieces: number }
  | { op: 'activation'; fn: ActivationFn }
  /** [b, h*w*c] (h, w, c order) -> [b, h, w, c] */
  | { op: 'unflatten'; shape: Shape3 }
  /** [b, h, w, c] -> [b, h*w*c] (h, w, c order) */
  | { op: 'flatten'; shape: Shape3 }
  /**
   * A convolution with latent's 'same' padding, as zeros [top, left, bottom,
   * right] (ONNX's order; tfjs puts an odd extra row or column at the end).
   */
  | {
      op: 'conv2d';
      name: string;
      kernel: Weight;
      bias?: Weight;
      stride: number;
      pads: [number, number, number, number];
    }
  /** The transposed convolution of a `conv2d` with `pad` zeros on every side. */
  | {
      op: 'conv2dTranspose';
      name: string;
      kernel: Weight;
      bias?: Weight;
      stride: number;
      pad: number;
    }
  /** Batch norm in its inference form: running statistics, over the last axis. */
  | {
      op: 'batchNorm';
      name: string;
      gamma: Weight;
      beta: Weight;
      mean: Weight;
      variance: Weight;
      epsilon: number;
    }
  /** [b, n] -> [b, n + classes]: one-hot rows of the class input appended. */
  | { op: 'concatLabel'; classes: number };

/** The parts of a model that can be exported. */
export type Part = 'generator' | 'discriminator' | 'decoder' | 'encoder';
export const PARTS: readonly Part[] = ['generator', 'discriminator', 'decoder', 'encoder'];

/**
 * A network as every export format sees it: its inputs, a trunk of layers,
 * and one or more named outputs, each a few more layers on the trunk's output.
 * Built once from a model's config and weights (`inferenceGraph`); every
 * writer works from it alone.
 */
export interface InferenceGraph {
  /** Zoo name of the model, e.g. `dcgan`. */
  model: string;
  part: Part;
  /** The model's config as its checkpoint records it. */
  config: unknown;
  /** z [b, size], or images [b, h, w, c] (latent's layout) for a discriminator or encoder. */
  input: { kind: 'noise'; size: number } | { kind: 'image'; shape: Shape3 };
  /** Conditional models: the class index is a second input. */
  classes?: number;
  layers: Layer[];
  outputs: { name: string; layers: Layer[] }[];
  /** The range of images, G's output or D's input: `[0,1]` or `[-1,1]`. */
  pixelRange: '[0,1]' | '[-1,1]';
  /** [h, w, c] of the images the model makes or reads. */
  imageShape: Shape3;
}

/** A network's tensors by latent name (`dense0.kernel`), as read from a checkpoint. */
export type WeightMap = Record<string, { shape: number[]; data: Float32Array }>;

class Reader {
  constructor(
    private readonly weights: WeightMap,
    private readonly who: string,
  ) {}
  has(name: string): boolean {
    return name in this.weights;
  }
  get(name: string): Weight {
    const w = this.weights[name];
    if (!w) throw new Error(`${this.who}: the weights have no '${name}'`);
    return { name, shape: [...w.shape], data: w.data };
  }
  dense(name: string): Layer {
    return {
      op: 'dense',
      name,
      kernel: this.get(`${name}.kernel`),
      bias: this.get(`${name}.bias`),
    };
  }
  batchNorm(name: string): Layer {
    return {
      op: 'batchNorm',
      name,
      gamma: this.get(`${name}.gamma`),
      beta: this.get(`${name}.beta`),
      mean: this.get(`${name}.mean`),
      variance: this.get(`${name}.variance`),
      // latent's batchNorm default.
      epsilon: 1e-5,
    };
  }
  /** Layers named `${prefix}0`, `${prefix}1`, ... present in the weights. */
  count(prefix: string): number {
    let n = 0;
    while (this.has(`${prefix}${n}.kernel`)) n++;
    return n;
  }
}

/** The zeros [before, after] of latent's 'same' convolution of `size` pixels (tfjs puts an odd one after). */
function samePads(size: number, k: number, stride: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + k - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/**
 * The padding of a 'same' transposed convolution that doubles the size with
 * kernel k: that of the conv from 2 pixels to 1, which must be symmetric for
 * ONNX's and PyTorch's transposed convolutions (k = 4, DCGAN's, pads 1).
 */
function transposedPad(k: number, who: string): number {
  const [before, after] = samePads(2, k, 2);
  if (before !== after)
    throw new Error(
      `${who}: a ${k}x${k} stride-2 'same' transposed convolution pads unevenly; ONNX and PyTorch express only even kernels`,
    );
  return before;
}

/** [top, left, bottom, right] of a 'same' convolution of an h x w image. */
function convPads(
  h: number,
  w: number,
  k: number,
  stride: number,
): [number, number, number, number] {
  const [top, bottom] = samePads(h, k, stride);
  const [left, right] = samePads(w, k, stride);
  return [top, left, bottom, right];
}

/**
 * W / sigma(W) with latent's estimate sigma = ||W u|| (W the kernel as an
 * [in, out] matrix, u the stored power-iteration vector): spectral norm in
 * the form inference uses, folded into the weights.
 */
function foldSpectralNorm(kernel: Weight, u: Weight): Weight {
  const out = kernel.shape[kernel.shape.length - 1] as number;
  const rows = kernel.data.length / out;
  let sq = 0;
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < out; j++) s += (kernel.data[r * out + j] as number) * (u.data[j] as number);
    sq += s * s;
  }
  const sigma = Math.sqrt(sq);
  return { ...kernel, data: kernel.data.map((v) => v / sigma) };
}

const act = (fn: ActivationFn): Layer => ({ op: 'activation', fn });

function activationOf(a: unknown, who: string): ActivationFn | undefined {
  if (a === 'linear') return undefined;
  if (a === 'relu' || a === 'sigmoid' || a === 'tanh') return a;
  if (typeof a === 'object' && a && typeof (a as { leakyRelu?: unknown }).leakyRelu === 'number')
    return a as { leakyRelu: number };
  throw new Error(`${who}: unknown activation ${JSON.stringify(a)}`);
}

function mlpGanGraph(config: MlpGanConfig, r: Reader, part: Part): Omit<InferenceGraph, 'model'> {
  const shape = [...config.imageShape] as Shape3;
  const base = { part, config, pixelRange: '[0,1]' as const, imageShape: shape };
  const n = r.count('dense');
  if (part === 'generator') {
    const layers: Layer[] = [];
    for (let i = 0; i < n; i++)
      layers.push(r.dense(`dense${i}`), act(i < n - 1 ? 'relu' : 'sigmoid'));
    layers.push({ op: 'unflatten', shape });
    return { ...base, input: { kind: 'noise', size: config.noiseDim }, layers, outputs: [images] };
  }
  // D in inference: dropout is the identity.
  const layers: Layer[] = [{ op: 'flatten', shape }];
  for (let i = 0; i < n - 1; i++)
    layers.push(r.dense(`dense${i}`), { op: 'maxout', pieces: config.maxoutPieces });
  return {
    ...base,
    input: { kind: 'image', shape },
    layers,
    outputs: [{ name: 'logits', layers: [r.dense(`dense${n - 1}`)] }],
  };
}

const images = { name: 'images', layers: [] };

function convGanGraph(config: ConvGanConfig, r: Reader, part: Part): Omit<InferenceGraph, 'model'> {
  const shape = [...config.imageShape] as Shape3;
  const [h, w, c] = shape;
  const conditional = config.conditioning !== 'none';
  const base = {
    part,
    config,
    pixelRange: '[-1,1]' as const,
    imageShape: shape,
    ...(conditional ? { classes: config.classes } : {}),
  };
  const who = `${part} of this ${config.conditioning === 'none' ? '' : 'conditional '}conv GAN`;
  if (part === 'generator') {
    const gf = config.generatorFilters;
    const n = 2 ** gf.length;
    const k = config.generatorKernelSize;
    const pad = transposedPad(k, who);
    const layers: Layer[] = conditional ? [{ op: 'concatLabel', classes: config.classes }] : [];
    layers.push(r.dense('project'), { op: 'unflatten', shape: [h / n, w / n, gf[0] as number] });
    if (config.generatorBatchNorm) layers.push(r.batchNorm('bn0'));
    layers.push(act('relu'));
    gf.forEach((_, i) => {
      const name = `deconv${i}`;
      layers.push({
        op: 'conv2dTranspose',
        name,
        kernel: r.get(`${name}.kernel`),
        ...(r.has(`${name}.bias`) ? { bias: r.get(`${name}.bias`) } : {}),
        stride: 2,
        pad,
      });
      if (i < gf.length - 1) {
        if (config.generatorBatchNorm) layers.push(r.batchNorm(`bn${i + 1}`));
        layers.push(act('relu'));
      }
    });
    layers.push(act('tanh'));
    return { ...base, input: { kind: 'noise', size: config.noiseDim }, layers, outputs: [images] };
  }
  const norm = config.discriminatorNorm;
  if (norm === 'layer')
    throw new Error(
      `${who}: a layer-normalized critic is not exportable yet (batch, spectral or none are)`,
    );
  const kernelOf = (layer: string) => {
    const kernel = r.get(`${layer}.kernel`);
    return norm === 'spectral' ? foldSpectralNorm(kernel, r.get(`${layer}Sn.u`)) : kernel;
  };
  const layers: Layer[] = [];
  let [sh, sw] = [h, w];
  let channels = c;
  config.discriminatorConvs.forEach((spec, i) => {
    const name = `conv${i}`;
    layers.push({
      op: 'conv2d',
      name,
      kernel: kernelOf(name),
      ...(r.has(`${name}.bias`) ? { bias: r.get(`${name}.bias`) } : {}),
      stride: spec.stride,
      pads: convPads(sh, sw, spec.kernelSize, spec.stride),
    });
    if (spec.normalize && norm === 'batch') layers.push(r.batchNorm(`norm${i}`));
    layers.push(act({ leakyRelu: config.leakySlope }));
    [sh, sw, channels] = [Math.ceil(sh / spec.stride), Math.ceil(sw / spec.stride), spec.filters];
  });
  layers.push({ op: 'flatten', shape: [sh, sw, channels] });
  if (config.conditioning === 'concat') layers.push({ op: 'concatLabel', classes: config.classes });
  const head = (name: string): Layer => ({
    op: 'dense',
    name,
    kernel: kernelOf(name),
    bias: r.get(`${name}.bias`),
  });
  const outputs = [{ name: 'logits', layers: [head('head')] }];
  if (config.conditioning === 'auxiliary')
    outputs.push({ name: 'classLogits', layers: [head('classes')] });
  // An AC-GAN's D infers the class: its class input is G's alone.
  const { classes: _, ...unlabelled } = base;
  return {
    ...(config.conditioning === 'concat' ? base : unlabelled),
    input: { kind: 'image', shape },
    layers,
    outputs,
  };
}

function mlpVaeGraph(config: MlpVaeConfig, r: Reader, part: Part): Omit<InferenceGraph, 'model'> {
  const shape = [...config.imageShape] as Shape3;
  const k = config.classes;
  const base = {
    part,
    config,
    pixelRange: '[0,1]' as const,
    imageShape: shape,
    ...(k > 0 ? { classes: k } : {}),
  };
  const hiddenAct = activationOf(config.activation, `${part} of this MLP VAE`);
  const stack = (): Layer[] => {
    const layers: Layer[] = k > 0 ? [{ op: 'concatLabel', classes: k }] : [];
    for (let i = 0; r.has(`hidden${i}.kernel`); i++) {
      layers.push(r.dense(`hidden${i}`));
      if (hiddenAct) layers.push(act(hiddenAct));
    }
    return layers;
  };
  if (part === 'decoder') {
    // E[x|z]: the sigmoid of Bernoulli logits, or a Gaussian decoder's mean
    // (a sigmoid of the same `out` layer); a Gaussian decoder's log-variance
    // is a second output, so the file holds the whole decoder.
    const outputs = [
      {
        name: 'images',
        layers: [r.dense('out'), act('sigmoid'), { op: 'unflatten', shape } as Layer],
      },
    ];
    if (config.likelihood === 'gaussian')
      outputs.push({ name: 'logVar', layers: [r.dense('outLogVar'), { op: 'unflatten', shape }] });
    return { ...base, input: { kind: 'noise', size: config.latentDim }, layers: stack(), outputs };
  }
  return {
    ...base,
    input: { kind: 'image', shape },
    layers: [{ op: 'flatten', shape }, ...stack()],
    outputs: [
      { name: 'mean', layers: [r.dense('mean')] },
      { name: 'logVar', layers: [r.dense('logVar')] },
    ],
  };
}

function convVaeGraph(config: ConvVaeConfig, r: Reader, part: Part): Omit<InferenceGraph, 'model'> {
  const shape = [...config.imageShape] as Shape3;
  const [h, w] = shape;
  const f = config.filters;
  const n = 2 ** f.length;
  const base = { part, config, pixelRange: '[0,1]' as const, imageShape: shape };
  const who = `${part} of this conv VAE`;
  if (part === 'decoder') {
    const pad = transposedPad(4, who);
    const layers: Layer[] = [
      r.dense('project'),
      act('relu'),
      { op: 'unflatten', shape: [h / n, w / n, f[f.length - 1] as number] },
    ];
    f.forEach((_, i) => {
      const name = `deconv${i}`;
      layers.push({
        op: 'conv2dTranspose',
        name,
        kernel: r.get(`${name}.kernel`),
        bias: r.get(`${name}.bias`),
        stride: 2,
        pad,
      });
      layers.push(act(i < f.length - 1 ? 'relu' : 'sigmoid'));
    });
    return { ...base, input: { kind: 'noise', size: config.latentDim }, layers, outputs: [images] };
  }
  const layers: Layer[] = [];
  let [sh, sw] = [h, w];
  f.forEach((out, i) => {
    const name = `conv${i}`;
    layers.push({
      op: 'conv2d',
      name,
      kernel: r.get(`${name}.kernel`),
      bias: r.get(`${name}.bias`),
      stride: 2,
      pads: convPads(sh, sw, 4, 2),
    });
    layers.push(act('relu'));
    [sh, sw] = [Math.ceil(sh / 2), Math.ceil(sw / 2)];
    if (i === f.length - 1) layers.push({ op: 'flatten', shape: [h / n, w / n, out] });
  });
  return {
    ...base,
    input: { kind: 'image', shape },
    layers,
    outputs: [
      { name: 'mean', layers: [r.dense('mean')] },
      { name: 'logVar', layers: [r.dense('logVar')] },
    ],
  };
}

/** Which family of the zoo a model name belongs to, and so which parts it has. */
export function familyOf(model: string): 'mlp-gan' | 'conv-gan' | 'mlp-vae' | 'conv-vae' {
  if (model === 'mlp-gan') return 'mlp-gan';
  if (['dcgan', 'cgan', 'acgan', 'wgan-gp', 'sngan'].includes(model)) return 'conv-gan';
  if (model === 'mlp-vae' || model === 'cvae') return 'mlp-vae';
  if (model === 'conv-vae') return 'conv-vae';
  throw new Error(
    `'${model}' is not a model that latent exports (the image GANs and VAEs of the zoo are)`,
  );
}

/** The parts a model has: G and D for a GAN, decoder and encoder for a VAE. */
export function partsOf(model: string): readonly [Part, Part] {
  return familyOf(model).endsWith('gan') ? ['generator', 'discriminator'] : ['decoder', 'encoder'];
}

/**
 * The inference graph of one part of a zoo model, from its config (as its
 * checkpoint records it) and that part's weights.
 *
 * @param weights the part's tensors by latent name (`dense0.kernel`)
 */
export function inferenceGraph(
  model: string,
  config: unknown,
  part: Part,
  weights: WeightMap,
): InferenceGraph {
  const parts = partsOf(model);
  if (!parts.includes(part))
    throw new Error(`a ${model} model has a ${parts.join(' and a ')}, not a ${part}`);
  const r = new Reader(weights, `${model} ${part}`);
  const family = familyOf(model);
  const graph =
    family === 'mlp-gan'
      ? mlpGanGraph(config as MlpGanConfig, r, part)
      : family === 'conv-gan'
        ? convGanGraph(config as ConvGanConfig, r, part)
        : family === 'mlp-vae'
          ? mlpVaeGraph(config as MlpVaeConfig, r, part)
          : convVaeGraph(config as ConvVaeConfig, r, part);
  return { model, ...graph };
}
