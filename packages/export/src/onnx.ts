import type { InferenceGraph, Layer } from './graph.js';
import { metadataOf } from './metadata.js';
import { outputShape } from './shapes.js';
import { torchTensors } from './torch-layout.js';

/** The ONNX operator set the exports use (onnxruntime 1.14+ and onnxruntime-web run it). */
export const ONNX_OPSET = 17;
/** The ONNX IR version of opset 17. */
const IR_VERSION = 8;

// ---------------------------------------------------------------- protobuf

/** A protobuf message under construction: fields appended in any order, as the format allows. */
class Message {
  private readonly parts: Uint8Array[] = [];
  private size = 0;

  private push(bytes: Uint8Array): void {
    this.parts.push(bytes);
    this.size += bytes.length;
  }

  private varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    const bytes: number[] = [];
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) b |= 0x80;
      bytes.push(b);
    } while (v > 0n);
    this.push(Uint8Array.from(bytes));
  }

  private key(field: number, wire: 0 | 2 | 5): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, value: number | bigint): this {
    this.key(field, 0);
    this.varint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.key(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.key(field, 2);
    this.varint(value.length);
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, value: Message): this {
    return this.bytes(field, value.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

// ---------------------------------------------------------------- ONNX messages (onnx.proto3 field numbers)

const FLOAT = 1;
const INT64 = 7;

type Attribute = number | number[] | { float: number };

function attribute(name: string, value: Attribute): Message {
  const a = new Message().string(1, name);
  if (typeof value === 'object' && !Array.isArray(value)) return a.float(2, value.float).int(20, 1);
  if (typeof value === 'number') return a.int(3, value).int(20, 2);
  for (const v of value) a.int(8, v);
  return a.int(20, 7);
}

function node(
  op: string,
  inputs: string[],
  outputs: string[],
  attrs: Record<string, Attribute> = {},
) {
  const n = new Message();
  for (const i of inputs) n.string(1, i);
  for (const o of outputs) n.string(2, o);
  n.string(3, outputs[0] as string).string(4, op);
  for (const [k, v] of Object.entries(attrs)) n.message(5, attribute(k, v));
  return n;
}

function floatTensor(name: string, shape: number[], data: Float32Array): Message {
  const t = new Message();
  for (const d of shape) t.int(1, d);
  return t
    .int(2, FLOAT)
    .string(8, name)
    .bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

function int64Tensor(name: string, values: number[]): Message {
  const data = BigInt64Array.from(values, (v) => BigInt(v));
  return new Message()
    .int(1, values.length)
    .int(2, INT64)
    .string(8, name)
    .bytes(9, new Uint8Array(data.buffer));
}

/** A graph input or output: elem type and a shape whose first dimension is the batch, N. */
function valueInfo(name: string, elemType: number, shape: number[]): Message {
  const dims = new Message();
  dims.message(1, new Message().string(2, 'N'));
  for (const d of shape) dims.message(1, new Message().int(1, d));
  const tensorType = new Message().int(1, elemType).message(2, dims);
  return new Message().string(1, name).message(2, new Message().message(1, tensorType));
}

// ---------------------------------------------------------------- the graph

/**
 * An ONNX model (opset 17) of an inference graph. Inputs: `z` [N, size]
 * (float32) or `images` [N, h, w, c] (float32, NHWC like latent), and for
 * conditional models `label` [N] (int64 class indices). Outputs: `images`
 * [N, h, w, c] in the model's pixel range, or a discriminator's `logits`
 * [N, 1] (and an AC-GAN's `classLogits`), or an encoder's `mean` and `logVar`
 * [N, latent]. Inside, images are NCHW and the weights those of the PyTorch
 * layout (`torchTensors`), initializers named as PyTorch's state dict.
 */
export function toOnnx(graph: InferenceGraph): Uint8Array {
  const tensors = new Map(torchTensors(graph).map((t) => [t.name, t]));
  const g = new Message().string(2, `${graph.model}-${graph.part}`);
  const initializers: Message[] = [];
  const init = (name: string) => {
    const t = tensors.get(name);
    if (!t) throw new Error(`onnx: no tensor ${name}`);
    initializers.push(floatTensor(name, t.shape, t.data));
    return name;
  };
  const consts = new Set<string>();
  const shapeConst = (values: number[]) => {
    const name = `shape_${values.join('_').replace(/-/g, 'm')}`;
    if (!consts.has(name)) {
      consts.add(name);
      initializers.push(int64Tensor(name, values));
    }
    return name;
  };
  let counter = 0;
  const emit = (
    op: string,
    inputs: string[],
    attrs: Record<string, Attribute> = {},
    out?: string,
  ) => {
    const name = out ?? `${op.toLowerCase()}_${counter++}`;
    g.message(1, node(op, inputs, [name], attrs));
    return name;
  };

  let x: string;
  if (graph.input.kind === 'noise') {
    x = 'z';
    g.message(11, valueInfo('z', FLOAT, [graph.input.size]));
  } else {
    g.message(11, valueInfo('images', FLOAT, graph.input.shape));
    x = emit('Transpose', ['images'], { perm: [0, 3, 1, 2] });
  }
  if (graph.classes) g.message(11, valueInfo('label', INT64, []));

  const apply = (l: Layer, x: string, width: number): [string, number] => {
    switch (l.op) {
      case 'dense':
        return [
          emit('Gemm', [x, init(`${l.name}.weight`), init(`${l.name}.bias`)], { transB: 1 }),
          l.kernel.shape[1] as number,
        ];
      case 'maxout': {
        const units = width / l.pieces;
        const pieces = emit('Reshape', [x, shapeConst([0, units, l.pieces])]);
        return [emit('ReduceMax', [pieces], { axes: [2], keepdims: 0 }), units];
      }
      case 'activation': {
        const fn = l.fn;
        if (typeof fn === 'object')
          return [emit('LeakyRelu', [x], { alpha: { float: fn.leakyRelu } }), width];
        return [
          emit(({ relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh' } as const)[fn], [x]),
          width,
        ];
      }
      case 'unflatten': {
        const [h, w, c] = l.shape;
        return [emit('Reshape', [x, shapeConst([-1, c, h, w])]), width];
      }
      case 'flatten':
        return [emit('Flatten', [x], { axis: 1 }), l.shape[0] * l.shape[1] * l.shape[2]];
      case 'conv2d':
      case 'conv2dTranspose': {
        const k = l.kernel.shape[0] as number;
        const inputs = [x, init(`${l.name}.weight`)];
        if (l.bias) inputs.push(init(`${l.name}.bias`));
        const op = l.op === 'conv2d' ? 'Conv' : 'ConvTranspose';
        const pads = l.op === 'conv2d' ? l.pads : [l.pad, l.pad, l.pad, l.pad];
        return [
          emit(op, inputs, { kernel_shape: [k, k], strides: [l.stride, l.stride], pads }),
          width,
        ];
      }
      case 'batchNorm': {
        const stats = ['weight', 'bias', 'running_mean', 'running_var'].map((s) =>
          init(`${l.name}.${s}`),
        );
        return [
          emit('BatchNormalization', [x, ...stats], { epsilon: { float: l.epsilon } }),
          width,
        ];
      }
      case 'concatLabel': {
        if (!consts.has('onehot')) {
          consts.add('onehot');
          const eye = new Float32Array(l.classes * l.classes);
          for (let i = 0; i < l.classes; i++) eye[i * l.classes + i] = 1;
          initializers.push(floatTensor('onehot', [l.classes, l.classes], eye));
        }
        const rows = emit('Gather', ['onehot', 'label'], { axis: 0 });
        return [emit('Concat', [x, rows], { axis: 1 }), width + l.classes];
      }
    }
  };
  let width = graph.input.kind === 'noise' ? graph.input.size : 0;
  let rank4 = graph.input.kind === 'image';
  const rankAfter = (l: Layer, r: boolean) =>
    l.op === 'unflatten' ? true : l.op === 'flatten' ? false : r;
  for (const l of graph.layers) {
    [x, width] = apply(l, x, width);
    rank4 = rankAfter(l, rank4);
  }
  for (const o of graph.outputs) {
    let y = x;
    let w = width;
    let r = rank4;
    for (const l of o.layers) {
      [y, w] = apply(l, y, w);
      r = rankAfter(l, r);
    }
    if (r) emit('Transpose', [y], { perm: [0, 2, 3, 1] }, o.name);
    else emit('Identity', [y], {}, o.name);
    g.message(12, valueInfo(o.name, FLOAT, outputShape(graph, o.name)));
  }
  for (const t of initializers) g.message(5, t);

  const model = new Message()
    .int(1, IR_VERSION)
    .string(2, 'latent')
    .string(3, '0.1.0')
    .message(7, g)
    .message(8, new Message().string(1, '').int(2, ONNX_OPSET));
  for (const [key, value] of Object.entries(metadataOf(graph)))
    model.message(14, new Message().string(1, key).string(2, value));
  return model.finish();
}
