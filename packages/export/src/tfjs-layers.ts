import type { InferenceGraph, Layer, Weight } from './graph.js';
import { metadataOf } from './metadata.js';

/** The Keras/tfjs-layers JSON of one layer in a functional model. */
interface KerasLayer {
  class_name: string;
  name: string;
  config: Record<string, unknown>;
  inbound_nodes: [string, number, number, Record<string, never>][][];
}

/** A tfjs-layers LayersModel: the `model.json` object and its `weights.bin`. */
export interface TfjsLayersModel {
  modelJson: {
    format: 'layers-model';
    generatedBy: string;
    convertedBy: null;
    modelTopology: Record<string, unknown>;
    weightsManifest: {
      paths: string[];
      weights: { name: string; shape: number[]; dtype: 'float32' }[];
    }[];
    userDefinedMetadata: Record<string, string>;
  };
  weights: Uint8Array;
}

/**
 * A tfjs-layers functional model of an inference graph, loadable with
 * `tf.loadLayersModel` (`@tensorflow/tfjs-layers` or `@tensorflow/tfjs`).
 * Inputs: `z` [b, size] or `images` [b, h, w, c], and for conditional models
 * `label` [b, 1] (class indices as floats; an identity embedding makes them
 * one-hot). Outputs as the ONNX export: `images` [b, h, w, c], or `logits`,
 * `classLogits`, `mean`, `logVar`. Layouts are latent's own (NHWC, dense
 * kernels [in, out]), so the weights are latent's unchanged.
 */
export function toTfjsLayers(graph: InferenceGraph): TfjsLayersModel {
  const layers: KerasLayer[] = [];
  const weights: Weight[] = [];
  const specs: { name: string; shape: number[]; dtype: 'float32' }[] = [];
  const used = new Set<string>();
  let counter = 0;
  const add = (
    className: string,
    config: Record<string, unknown>,
    inputs: string[],
    name = `${className.toLowerCase()}_${counter++}`,
    own: [string, Weight][] = [],
  ) => {
    if (used.has(name)) throw new Error(`tfjs: layer name ${name} used twice`);
    used.add(name);
    layers.push({
      class_name: className,
      name,
      config: { name, trainable: true, dtype: 'float32', ...config },
      inbound_nodes: inputs.length ? [inputs.map((i) => [i, 0, 0, {}])] : [],
    });
    for (const [suffix, w] of own) {
      weights.push(w);
      specs.push({ name: `${name}/${suffix}`, shape: [...w.shape], dtype: 'float32' });
    }
    return name;
  };
  const input = (name: string, shape: (number | null)[]) =>
    add('InputLayer', { batch_input_shape: [null, ...shape], sparse: false }, [], name);

  let x =
    graph.input.kind === 'noise'
      ? input('z', [graph.input.size])
      : input('images', [...graph.input.shape]);
  const label = graph.classes ? input('label', [1]) : undefined;
  let onehot: string | undefined;

  const apply = (l: Layer, x: string, width: number): [string, number] => {
    switch (l.op) {
      case 'dense': {
        const units = l.kernel.shape[1] as number;
        return [
          add('Dense', { units, activation: 'linear', use_bias: true }, [x], l.name, [
            ['kernel', l.kernel],
            ['bias', l.bias],
          ]),
          units,
        ];
      }
      case 'maxout': {
        const units = width / l.pieces;
        const pieces = add('Reshape', { target_shape: [units, l.pieces] }, [x]);
        const across = add('Permute', { dims: [2, 1] }, [pieces]);
        return [add('GlobalMaxPooling1D', {}, [across]), units];
      }
      case 'activation': {
        const fn = l.fn;
        if (typeof fn === 'object') return [add('LeakyReLU', { alpha: fn.leakyRelu }, [x]), width];
        return [add('Activation', { activation: fn }, [x]), width];
      }
      case 'unflatten':
        return [add('Reshape', { target_shape: l.shape }, [x]), width];
      case 'flatten':
        return [add('Flatten', {}, [x]), l.shape[0] * l.shape[1] * l.shape[2]];
      case 'conv2d':
      case 'conv2dTranspose': {
        const k = l.kernel.shape[0] as number;
        const filters = l.kernel.shape[l.op === 'conv2d' ? 3 : 2] as number;
        const own: [string, Weight][] = [['kernel', l.kernel]];
        if (l.bias) own.push(['bias', l.bias]);
        // 'same' padding is latent's own; the graph's pads spell it out for ONNX and PyTorch.
        const config = {
          filters,
          kernel_size: [k, k],
          strides: [l.stride, l.stride],
          padding: 'same',
          data_format: 'channels_last',
          dilation_rate: [1, 1],
          activation: 'linear',
          use_bias: Boolean(l.bias),
        };
        return [
          add(l.op === 'conv2d' ? 'Conv2D' : 'Conv2DTranspose', config, [x], l.name, own),
          width,
        ];
      }
      case 'batchNorm':
        return [
          add(
            'BatchNormalization',
            { axis: -1, momentum: 0.9, epsilon: l.epsilon, center: true, scale: true },
            [x],
            l.name,
            [
              ['gamma', l.gamma],
              ['beta', l.beta],
              ['moving_mean', l.mean],
              ['moving_variance', l.variance],
            ],
          ),
          width,
        ];
      case 'concatLabel': {
        if (!label) throw new Error('tfjs: a label concatenation in a graph without classes');
        if (!onehot) {
          const eye = new Float32Array(l.classes * l.classes);
          for (let i = 0; i < l.classes; i++) eye[i * l.classes + i] = 1;
          const table = { name: 'onehot.table', shape: [l.classes, l.classes], data: eye };
          const rows = add(
            'Embedding',
            { input_dim: l.classes, output_dim: l.classes, input_length: 1 },
            [label],
            'onehot',
            [['embeddings', table]],
          );
          onehot = add('Flatten', {}, [rows]);
        }
        return [add('Concatenate', { axis: -1 }, [x, onehot]), width + l.classes];
      }
    }
  };

  let width = graph.input.kind === 'noise' ? graph.input.size : 0;
  for (const l of graph.layers) [x, width] = apply(l, x, width);
  const outputs: string[] = [];
  for (const o of graph.outputs) {
    let y = x;
    let w = width;
    for (const l of o.layers) [y, w] = apply(l, y, w);
    outputs.push(y);
  }

  const total = weights.reduce((n, w) => n + w.data.length, 0);
  const data = new Float32Array(total);
  let at = 0;
  for (const w of weights) {
    data.set(w.data, at);
    at += w.data.length;
  }
  const inputs = [graph.input.kind === 'noise' ? 'z' : 'images', ...(label ? [label] : [])];
  return {
    modelJson: {
      format: 'layers-model',
      generatedBy: 'latent',
      convertedBy: null,
      modelTopology: {
        class_name: 'Model',
        config: {
          name: `${graph.model}-${graph.part}`,
          layers,
          input_layers: inputs.map((n) => [n, 0, 0]),
          output_layers: outputs.map((n) => [n, 0, 0]),
        },
        keras_version: 'tfjs-layers 4.22.0',
        backend: 'tensor_flow.js',
      },
      weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
      userDefinedMetadata: metadataOf(graph),
    },
    weights: new Uint8Array(data.buffer),
  };
}
