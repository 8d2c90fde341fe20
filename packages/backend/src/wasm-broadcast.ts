// Multiply of x [..., p] by y [..., 1] (or the reverse) on wasm: tfjs's wasm
// kernel takes its generic broadcasting path there, ~20x slower per element
// than a same-shape product (0.59 against 0.03 ms CPU for [100, 240, 5]).
// Maxout's gradient routes dy [b, units, 1] through a one-hot mask
// [b, units, pieces] that way, six times per MLP GAN step. Runs as
// `scaleRows` of latent's GEMM module, on the heap.
import './gemm.js';
import { Multiply, type TensorInfo } from '@tensorflow/tfjs-core';
import { gemmOf, type WasmBackend } from './gemm.js';
import { replaceWasmKernel, wasmKernel } from './wasm-products.js';

/** Whether `wide` is [..., p] and `narrow` the same shape with a last axis of 1. */
function lastAxisBroadcast(wide: TensorInfo, narrow: TensorInfo): boolean {
  const r = wide.shape.length;
  if (r < 2 || narrow.shape.length !== r || narrow.shape[r - 1] !== 1) return false;
  if ((wide.shape[r - 1] as number) <= 1) return false;
  for (let i = 0; i < r - 1; i++) if (wide.shape[i] !== narrow.shape[i]) return false;
  return wide.dtype === 'float32' && narrow.dtype === 'float32';
}

const builtin = wasmKernel(Multiply);

function multiply(args: { inputs: { a: TensorInfo; b: TensorInfo }; backend: WasmBackend }) {
  const { inputs, backend } = args;
  const g = gemmOf(backend);
  const [wide, narrow] = lastAxisBroadcast(inputs.a, inputs.b)
    ? [inputs.a, inputs.b]
    : lastAxisBroadcast(inputs.b, inputs.a)
      ? [inputs.b, inputs.a]
      : [];
  if (!g || !wide || !narrow) return builtin.kernelFunc(args as never) as TensorInfo;
  const out = backend.makeOutput(wide.shape, 'float32');
  const offset = (t: TensorInfo) => backend.dataIdMap.get(t.dataId)!.memoryOffset;
  const p = wide.shape[wide.shape.length - 1] as number;
  const rows = (wide.shape as number[]).reduce((n, d) => n * d, 1) / p;
  g.exports.scaleRows(offset(wide), offset(narrow), offset(out), rows, p);
  return out;
}

replaceWasmKernel(Multiply, multiply);
