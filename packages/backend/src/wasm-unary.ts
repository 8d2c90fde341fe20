// Tanh and Softplus on wasm with latent's vector functions (`vector-math.ts`)
// instead of tfjs's scalar libm loops, for float32 tensors; other dtypes, and
// engines without latent's module, keep tfjs's kernels. A tail of n % 4
// elements is recomputed as the last four (the functions are elementwise and
// write a fresh output), or through the workspace when n < 4.
import './gemm.js';
import { Softplus, Tanh, type TensorInfo, util } from '@tensorflow/tfjs-core';
import { latentModuleOf, type WasmBackend } from './gemm.js';
import type { GemmExports } from './gemm-kernels.js';
import { replaceWasmKernel, wasmKernel } from './wasm-products.js';

let enabled = true;

/** Switches between latent's vector functions (default) and tfjs's kernels; for tests that compare the two. */
export function useLatentUnary(on: boolean): void {
  enabled = on;
}

function unaryKernel(name: string, run: (g: GemmExports) => GemmExports['tanh']): void {
  const builtin = wasmKernel(name);
  const kernelFunc = (args: { inputs: { x: TensorInfo }; backend: WasmBackend }): TensorInfo => {
    const { inputs, backend } = args;
    const { x } = inputs;
    const g = latentModuleOf(backend);
    const n = util.sizeFromShape(x.shape);
    if (!enabled || !g || x.dtype !== 'float32' || n === 0)
      return builtin.kernelFunc(args as never) as TensorInfo;
    const out = backend.makeOutput(x.shape as number[], 'float32');
    const offset = (t: TensorInfo) => backend.dataIdMap.get(t.dataId)!.memoryOffset;
    const [from, to] = [offset(x), offset(out)];
    const f = run(g.exports);
    const whole = n & ~3;
    if (whole > 0) f(from, to, whole);
    if (whole === n) return out;
    if (n >= 4) {
      f(from + 4 * (n - 4), to + 4 * (n - 4), 4);
      return out;
    }
    const heap = new Float32Array(g.memory.buffer);
    heap.fill(0, g.work / 4, g.work / 4 + 4);
    heap.copyWithin(g.work / 4, from / 4, from / 4 + n);
    f(g.work, g.work + 16, 4);
    heap.copyWithin(to / 4, g.work / 4 + 4, g.work / 4 + 4 + n);
    return out;
  };
  replaceWasmKernel(name, kernelFunc);
}

unaryKernel(Tanh, (g) => g.tanh);
unaryKernel(Softplus, (g) => g.softplus);
