// Max and ArgMax over the last axis on wasm, as loops of latent's module on
// the heap. Maxout takes the max over each unit's pieces, [b, units, pieces],
// three times per MLP GAN step, and its gradient the argmax: tfjs's wasm
// kernels spent ~0.46 ms on each [100, 240, 5] (5.6 ms of a 120 ms step).
// The loops compare as tfjs's do, so the results are equal bit for bit;
// other axes, dtypes and engines without latent's module keep tfjs's kernels.
import './gemm.js';
import {
  ArgMax,
  type ArgMaxAttrs,
  Max,
  type MaxAttrs,
  Mean,
  type MeanAttrs,
  Sum,
  type SumAttrs,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import { latentModuleOf, type WasmBackend } from './gemm.js';
import type { GemmExports } from './gemm-kernels.js';
import { replaceWasmKernel, wasmKernel } from './wasm-products.js';

/** [rows, p] when `axis` is x's last axis only, p >= 1 and x a non-empty float32; else undefined. */
function lastAxisRows(x: TensorInfo, axis: number | number[]): [number, number] | undefined {
  const rank = x.shape.length;
  if (rank === 0 || x.dtype !== 'float32') return undefined;
  const axes = util.parseAxisParam(axis, x.shape);
  const p = x.shape[rank - 1] as number;
  const size = util.sizeFromShape(x.shape);
  if (axes.length !== 1 || axes[0] !== rank - 1 || p < 1 || size === 0) return undefined;
  return [size / p, p];
}

let enabled = true;

/** Switches between these loops (default) and tfjs's kernels; for tests that compare the two. */
export function useLatentReductions(on: boolean): void {
  enabled = on;
}

/** A kernel that reduces the last axis with `loop`, and hands every other case to tfjs's. */
function lastAxisKernel(
  name: string,
  axisOf: (attrs: never) => { axis: number | number[]; keepDims: boolean },
  dtype: 'float32' | 'int32',
  loop: (g: GemmExports) => (x: number, o: number, rows: number, p: number) => void,
): void {
  const builtin = wasmKernel(name);
  const kernelFunc = (args: {
    inputs: { x: TensorInfo };
    backend: WasmBackend;
    attrs: never;
  }): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const { x } = inputs;
    const { axis, keepDims } = axisOf(attrs);
    const g = latentModuleOf(backend);
    const shape = lastAxisRows(x, axis);
    if (!enabled || !g || !shape) return builtin.kernelFunc(args as never) as TensorInfo;
    const outer = x.shape.slice(0, -1);
    const out = backend.makeOutput(keepDims ? [...outer, 1] : outer, dtype as 'float32');
    const offset = (t: TensorInfo) => backend.dataIdMap.get(t.dataId)!.memoryOffset;
    loop(g.exports)(offset(x), offset(out), ...shape);
    return out;
  };
  replaceWasmKernel(name, kernelFunc);
}

lastAxisKernel(
  Max,
  (attrs: MaxAttrs) => ({ axis: attrs.reductionIndices, keepDims: attrs.keepDims }),
  'float32',
  (g) => g.maxRows,
);
lastAxisKernel(
  ArgMax,
  (attrs: ArgMaxAttrs) => ({ axis: attrs.axis, keepDims: false }),
  'int32',
  (g) => g.argMaxRows,
);

/**
 * [rows, p, r] when `axis` is x's leading axes 0..r-1 in that order (r below x's rank,
 * rows their size, p >= 16 the size of the rest) and x a non-empty float32;
 * else undefined.
 */
function leadingAxesRows(
  x: TensorInfo,
  axis: number | number[],
): [number, number, number] | undefined {
  const rank = x.shape.length;
  if (rank < 2 || x.dtype !== 'float32') return undefined;
  // In the order given: tfjs sums the reduced axes in that order, [1, 0] column-major.
  const axes = util.parseAxisParam(axis, x.shape);
  if (axes.length === 0 || axes.length >= rank || axes.some((a, i) => a !== i)) return undefined;
  const rows = util.sizeFromShape(x.shape.slice(0, axes.length));
  const p = util.sizeFromShape(x.shape.slice(axes.length));
  // Below 16 floats a row, the call per row costs more than tfjs's transpose.
  return rows > 0 && p >= 16 ? [rows, p, axes.length] : undefined;
}

/**
 * Sum and Mean over leading axes (batch norm's statistics and bias
 * gradients over [b, h, w] of NHWC): tfjs's wasm kernels transpose x to put
 * those axes last and then reduce, ~2.5 ms of each [64, 14, 14, 64]. Here
 * every row is added into the p sums in place, four lanes at a time. Each
 * column is still summed from row 0 up in float32, as tfjs's loop does, and
 * Mean divides by the row count in float32, so both agree bit for bit.
 */
function leadingAxesKernel(name: string, mean: boolean): void {
  const builtin = wasmKernel(name);
  const kernelFunc = (args: {
    inputs: { x: TensorInfo };
    backend: WasmBackend;
    attrs: SumAttrs | MeanAttrs;
  }): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const { x } = inputs;
    const g = latentModuleOf(backend);
    const shape = leadingAxesRows(x, attrs.axis);
    if (!enabled || !g || !shape) return builtin.kernelFunc(args as never) as TensorInfo;
    const [rows, p, r] = shape;
    const rest = x.shape.slice(r);
    const outShape = attrs.keepDims ? [...Array<number>(r).fill(1), ...rest] : rest;
    const out = backend.makeOutput(outShape as number[], 'float32');
    const offset = (t: TensorInfo) => backend.dataIdMap.get(t.dataId)!.memoryOffset;
    const [from, to] = [offset(x), offset(out)];
    const heap = new Float32Array(g.memory.buffer);
    heap.fill(0, to / 4, to / 4 + p);
    for (let i = 0; i < rows; i++) g.exports.accumulate(from + 4 * i * p, to, p);
    if (mean) for (let j = to / 4; j < to / 4 + p; j++) heap[j] = heap[j]! / rows;
    return out;
  };
  replaceWasmKernel(name, kernelFunc);
}

leadingAxesKernel(Sum, false);
leadingAxesKernel(Mean, true);
