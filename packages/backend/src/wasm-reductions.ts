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
