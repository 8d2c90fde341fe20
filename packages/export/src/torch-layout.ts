import type { InferenceGraph, Layer, Shape3, Weight } from './graph.js';

/**
 * PyTorch's layout of a graph's tensors, which ONNX shares: images are NCHW,
 * so a flat vector of image features is in (c, h, w) order where latent's is
 * (h, w, c). Every tensor maps to PyTorch by a permutation of its elements:
 *
 * - dense kernel [in, out] -> `nn.Linear.weight` [out, in]; the rows that read
 *   a flattened image and the columns that are reshaped into one are reordered
 *   from (h, w, c) to (c, h, w), so the PyTorch modules flatten and view as
 *   PyTorch code does;
 * - conv kernel [k, k, in, out] -> `nn.Conv2d.weight` [out, in, k, k];
 * - transposed-conv kernel [k, k, out, in] -> `nn.ConvTranspose2d.weight` [in, out, k, k];
 * - batch norm gamma, beta, mean, variance -> weight, bias, running_mean, running_var.
 */

/** A tensor in PyTorch's layout and state-dict name, with the latent tensor it comes from. */
export interface TorchTensor {
  /** The state-dict name, e.g. `deconv0.weight`. */
  name: string;
  shape: number[];
  data: Float32Array;
  /** The latent weight (name within the network, layout, shape). */
  latent: Weight;
  /** torch element i is latent element perm[i]. */
  perm: Int32Array;
}

/** Position in (h, w, c) order of position p in (c, h, w) order of the same image. */
function hwcOfChw([h, w, c]: Shape3, p: number): number {
  const ch = Math.floor(p / (h * w));
  const rest = p % (h * w);
  return rest * c + ch;
}

function densePerm(kernel: Weight, inImage?: Shape3, outImage?: Shape3): Int32Array {
  const [rows, cols] = kernel.shape as [number, number];
  const imageRows = inImage ? inImage[0] * inImage[1] * inImage[2] : 0;
  const row = Int32Array.from({ length: rows }, (_, p) =>
    inImage && p < imageRows ? hwcOfChw(inImage, p) : p,
  );
  const col = Int32Array.from({ length: cols }, (_, q) => (outImage ? hwcOfChw(outImage, q) : q));
  const perm = new Int32Array(rows * cols);
  for (let q = 0; q < cols; q++) {
    const cq = col[q] as number;
    const at = q * rows;
    for (let p = 0; p < rows; p++) perm[at + p] = (row[p] as number) * cols + cq;
  }
  return perm;
}

/** [d0, d1, d2, d3] -> [d3, d2, d0, d1]: both conv kernels' move from tfjs to PyTorch. */
function convPerm(kernel: Weight): Int32Array {
  const [d0, d1, d2, d3] = kernel.shape as [number, number, number, number];
  const perm = new Int32Array(kernel.data.length);
  let i = 0;
  for (let a = 0; a < d3; a++)
    for (let b = 0; b < d2; b++)
      for (let y = 0; y < d0; y++)
        for (let x = 0; x < d1; x++) perm[i++] = ((y * d1 + x) * d2 + b) * d3 + a;
  return perm;
}

const identity = (n: number) => {
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  return perm;
};

function tensor(name: string, shape: number[], latent: Weight, perm: Int32Array): TorchTensor {
  const data = new Float32Array(perm.length);
  for (let i = 0; i < perm.length; i++) data[i] = latent.data[perm[i] as number] as number;
  return { name, shape, data, latent, perm };
}

/** The image a flat layer input is read from: a `flatten` before it (past label concatenation). */
function flattenedBefore(layers: Layer[], i: number): Shape3 | undefined {
  for (let j = i - 1; j >= 0; j--) {
    const l = layers[j] as Layer;
    if (l.op === 'flatten') return l.shape;
    if (l.op !== 'concatLabel') return undefined;
  }
  return undefined;
}

/** The image a dense output is reshaped into: an `unflatten` after it (past activations). */
function unflattenedAfter(layers: Layer[], i: number): Shape3 | undefined {
  for (let j = i + 1; j < layers.length; j++) {
    const l = layers[j] as Layer;
    if (l.op === 'unflatten') return l.shape;
    if (l.op !== 'activation') return undefined;
  }
  return undefined;
}

function layerTensors(layers: Layer[], i: number): TorchTensor[] {
  const l = layers[i] as Layer;
  switch (l.op) {
    case 'dense': {
      const [rows, cols] = l.kernel.shape as [number, number];
      const perm = densePerm(l.kernel, flattenedBefore(layers, i), unflattenedAfter(layers, i));
      const outImage = unflattenedAfter(layers, i);
      const biasPerm = outImage
        ? Int32Array.from({ length: cols }, (_, q) => hwcOfChw(outImage, q))
        : identity(cols);
      return [
        tensor(`${l.name}.weight`, [cols, rows], l.kernel, perm),
        tensor(`${l.name}.bias`, [cols], l.bias, biasPerm),
      ];
    }
    case 'conv2d':
    case 'conv2dTranspose': {
      const [k0, k1, a, b] = l.kernel.shape as [number, number, number, number];
      const out = [tensor(`${l.name}.weight`, [b, a, k0, k1], l.kernel, convPerm(l.kernel))];
      if (l.bias)
        out.push(tensor(`${l.name}.bias`, [...l.bias.shape], l.bias, identity(l.bias.data.length)));
      return out;
    }
    case 'batchNorm': {
      const n = l.gamma.data.length;
      const t = (suffix: string, w: Weight) => tensor(`${l.name}.${suffix}`, [n], w, identity(n));
      return [
        t('weight', l.gamma),
        t('bias', l.beta),
        t('running_mean', l.mean),
        t('running_var', l.variance),
      ];
    }
    default:
      return [];
  }
}

/**
 * Every tensor of a graph in PyTorch's layout and names, in forward order
 * (trunk, then each output's layers).
 */
export function torchTensors(graph: InferenceGraph): TorchTensor[] {
  const out: TorchTensor[] = [];
  const trunk = graph.layers;
  for (let i = 0; i < trunk.length; i++) out.push(...layerTensors(trunk, i));
  for (const o of graph.outputs) {
    // An output's first layer reads the trunk's output, so it sees the trunk as context.
    const layers = [...trunk, ...o.layers];
    for (let i = trunk.length; i < layers.length; i++) out.push(...layerTensors(layers, i));
  }
  return out;
}

/** The latent tensor a PyTorch tensor of `torchTensors` stands for, from PyTorch's values. */
export function latentFromTorch(t: TorchTensor, values: Float32Array): Float32Array {
  const latent = new Float32Array(t.latent.data.length);
  for (let i = 0; i < t.perm.length; i++) latent[t.perm[i] as number] = values[i] as number;
  return latent;
}
